//! [`ProfileSet`]: the merged view of the config and credentials files, as the AWS SDKs
//! build it.

use std::collections::BTreeSet;
use std::fmt;

use crate::AwsFiles;
use crate::document::{Document, FileKind, Section, SectionKey};
use crate::fs::{IniError, read_document};

/// Both files, parsed: credentials-file properties override config-file ones for the
/// same profile, property by property.
///
/// ```
/// use sagecred_ini::{Document, FileKind, ProfileSet};
///
/// let config = Document::parse("[profile dev]\nregion = eu-west-1\n", FileKind::Config).unwrap();
/// let creds = Document::parse(
///     "[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\nregion = us-east-1\n",
///     FileKind::Credentials,
/// )
/// .unwrap();
/// let set = ProfileSet::from_documents(config, Some(creds));
/// assert_eq!(set.profile("dev").unwrap().get("region"), Some("us-east-1"));
/// assert!(set.has_plaintext_keys("dev"));
/// ```
#[derive(Clone)]
pub struct ProfileSet {
    config: Document,
    credentials: Option<Document>,
}

impl ProfileSet {
    /// Reads both files. A missing file is treated as empty, not as an error; a
    /// malformed one is an [`IniError::Parse`] naming its path and line.
    pub fn load(files: &AwsFiles) -> Result<ProfileSet, IniError> {
        Ok(ProfileSet {
            config: read_document(&files.config, FileKind::Config)?,
            credentials: Some(read_document(&files.credentials, FileKind::Credentials)?),
        })
    }

    /// Reads only the config file: the credentials file is not touched at all, which
    /// keeps `sagecred env` off the file that may hold secrets.
    pub fn load_config_only(files: &AwsFiles) -> Result<ProfileSet, IniError> {
        Ok(ProfileSet {
            config: read_document(&files.config, FileKind::Config)?,
            credentials: None,
        })
    }

    /// Builds the merged view from documents already parsed; `credentials` is `None`
    /// when the credentials file was not read.
    pub fn from_documents(config: Document, credentials: Option<Document>) -> ProfileSet {
        ProfileSet {
            config,
            credentials,
        }
    }

    /// The config file as parsed.
    pub fn config(&self) -> &Document {
        &self.config
    }

    /// The credentials file as parsed, unless it was not read.
    pub fn credentials(&self) -> Option<&Document> {
        self.credentials.as_ref()
    }

    /// The effective properties of profile `name` across both files, or `None` when
    /// neither file defines it.
    pub fn profile(&self, name: &str) -> Option<Section> {
        let key = SectionKey::Profile(name.to_owned());
        let from_config = self.config.section(&key);
        let from_credentials = self.credentials.as_ref().and_then(|d| d.section(&key));
        match (from_config, from_credentials) {
            (Some(mut config), Some(credentials)) => {
                config.merge_from(credentials);
                Some(config)
            }
            (config, credentials) => config.or(credentials),
        }
    }

    /// Every profile name in either file, sorted, without duplicates.
    pub fn profile_names(&self) -> Vec<String> {
        let mut names: BTreeSet<String> = self.config.profile_names().into_iter().collect();
        if let Some(credentials) = &self.credentials {
            names.extend(credentials.profile_names());
        }
        names.into_iter().collect()
    }

    /// The `[sso-session NAME]` section of the config file.
    pub fn sso_session(&self, name: &str) -> Option<Section> {
        self.config
            .section(&SectionKey::SsoSession(name.to_owned()))
    }

    /// Whether the credentials file has a section for this profile with a non-empty
    /// `aws_access_key_id`: plaintext keys on disk. Always `false` when the credentials
    /// file was not read.
    pub fn has_plaintext_keys(&self, name: &str) -> bool {
        self.credentials
            .as_ref()
            .and_then(|d| d.section(&SectionKey::Profile(name.to_owned())))
            .is_some_and(|s| s.get(crate::store::KEY_ID).is_some_and(|v| !v.is_empty()))
    }
}

impl fmt::Debug for ProfileSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileSet")
            .field("config", &self.config)
            .field("credentials", &self.credentials)
            .finish()
    }
}
