//! [`FileStore`]: the plaintext [`CredentialStore`] over the shared credentials file.
//!
//! sagecred only ever uses it when the user chose plaintext storage explicitly; it exists
//! so that such profiles, and keys being migrated away, are handled through the same
//! interface as the keychain.

use sagecred_core::{
    AccessKeyId, CredentialStore, Credentials, ProfileName, Secret, StoreError, StoreKind,
    StoredKey,
};

use crate::AwsFiles;
use crate::document::{Document, EditError, FileKind, SectionKey};
use crate::fs::{IniError, WriteOptions, edit, edit_with, read_document};

pub(crate) const KEY_ID: &str = "aws_access_key_id";
const SECRET: &str = "aws_secret_access_key";
const TOKEN: &str = "aws_session_token";

/// Plaintext keys in the credentials file: `aws_access_key_id`, `aws_secret_access_key`
/// and `aws_session_token` in the profile's `[NAME]` section.
///
/// Every write goes through [`edit`], so other profiles, comments and unknown keys stay
/// byte for byte. The file holds no metadata: a key read back has no user name and no
/// creation time.
///
/// `put` refuses an existing credentials file that other users may read (the error's
/// source is [`IniError::NotPrivate`]) unless the store was made with
/// [`FileStore::force`]; like every write, it never replaces a device, FIFO, socket or
/// directory ([`IniError::NotAFile`]) or a read-only file ([`IniError::ReadOnly`]).
/// The [`StoreError::Backend`] of a failed write has the [`IniError`] or [`EditError`]
/// itself as its source, so that callers can tell these apart.
#[derive(Debug, Clone)]
pub struct FileStore {
    files: AwsFiles,
    force: bool,
}

impl FileStore {
    /// A store over `files.credentials` (the config file is not used).
    pub fn new(files: AwsFiles) -> Self {
        Self {
            files,
            force: false,
        }
    }

    /// Whether `put` writes keys even into a credentials file that other users may
    /// read; its mode is left as it is.
    #[must_use]
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// The options of a write that puts keys into the file.
    pub fn write_options(&self) -> WriteOptions {
        WriteOptions::default().secrets(true).force(self.force)
    }

    fn read(&self) -> Result<Document, StoreError> {
        read_document(&self.files.credentials, FileKind::Credentials)
            .map_err(|err| self.backend("reading", err))
    }

    fn backend(
        &self,
        action: &str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> StoreError {
        StoreError::Backend {
            store: StoreKind::File,
            context: format!("{action} {}", self.files.credentials.display()),
            source: Box::new(source),
        }
    }

    fn corrupt(&self, profile: &ProfileName, what: &str) -> StoreError {
        StoreError::Corrupt {
            store: StoreKind::File,
            profile: profile.clone(),
            detail: format!("{what} in {}", self.files.credentials.display()),
        }
    }
}

/// The two ways an edit of the credentials file can fail.
#[derive(Debug, thiserror::Error)]
enum WriteError {
    #[error(transparent)]
    Ini(#[from] IniError),
    #[error(transparent)]
    Edit(#[from] EditError),
}

impl FileStore {
    /// A failed write as a [`StoreError`] whose source is the underlying error itself
    /// (not a wrapper), so that callers can downcast it.
    fn write_failed(&self, err: WriteError) -> StoreError {
        match err {
            WriteError::Ini(err) => self.backend("updating", err),
            WriteError::Edit(err) => self.backend("updating", err),
        }
    }
}

fn key_of(profile: &ProfileName) -> SectionKey {
    SectionKey::Profile(profile.as_str().to_owned())
}

impl CredentialStore for FileStore {
    fn kind(&self) -> StoreKind {
        StoreKind::File
    }

    fn get(&self, profile: &ProfileName) -> Result<StoredKey, StoreError> {
        let not_found = || StoreError::NotFound {
            store: StoreKind::File,
            profile: profile.clone(),
        };
        let doc = self.read()?;
        let section = doc.section(&key_of(profile)).ok_or_else(not_found)?;
        let key_id = section.get(KEY_ID).ok_or_else(not_found)?;
        // The value is not quoted: a secret pasted into the wrong key must not leak.
        let key_id: AccessKeyId = key_id.parse().map_err(|_| {
            self.corrupt(
                profile,
                "`aws_access_key_id` is not a valid access key id (16 to 128 upper-case \
                 letters and digits)",
            )
        })?;
        let secret = section
            .get(SECRET)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| self.corrupt(profile, "`aws_secret_access_key` is missing"))?;
        let mut creds = Credentials::new(key_id, Secret::from(secret));
        if let Some(token) = section.get(TOKEN).filter(|t| !t.is_empty()) {
            creds = creds.with_session_token(Secret::from(token));
        }
        Ok(StoredKey::new(creds))
    }

    fn put(&self, profile: &ProfileName, stored: &StoredKey) -> Result<(), StoreError> {
        let creds: &Credentials = &stored.credentials;
        let key = key_of(profile);
        edit_with(
            &self.files.credentials,
            FileKind::Credentials,
            self.write_options(),
            |doc| -> Result<(), WriteError> {
                doc.try_set(&key, KEY_ID, creds.access_key_id().as_str())?;
                doc.try_set(&key, SECRET, creds.secret_access_key().expose())?;
                match creds.session_token() {
                    Some(token) => {
                        doc.try_set(&key, TOKEN, token.expose())?;
                    }
                    None => {
                        doc.remove(&key, TOKEN);
                    }
                }
                Ok(())
            },
        )
        .map_err(|err| self.write_failed(err))
    }

    fn delete(&self, profile: &ProfileName) -> Result<bool, StoreError> {
        // Deleting from a file that does not exist must not create the directory or
        // the lock file.
        if std::fs::symlink_metadata(&self.files.credentials).is_err() {
            return Ok(false);
        }
        let key = key_of(profile);
        edit(
            &self.files.credentials,
            FileKind::Credentials,
            |doc| -> Result<bool, IniError> {
                let mut removed = false;
                for name in [KEY_ID, SECRET, TOKEN] {
                    removed |= doc.remove(&key, name);
                }
                if removed && doc.section_is_bare(&key) {
                    doc.remove_bare_section(&key);
                }
                Ok(removed)
            },
        )
        .map_err(|err| self.backend("updating", err))
    }

    fn list(&self) -> Result<Vec<ProfileName>, StoreError> {
        let doc = self.read()?;
        let mut names: Vec<ProfileName> = doc
            .profile_names()
            .into_iter()
            .filter(|name| {
                doc.section(&SectionKey::Profile(name.clone()))
                    .is_some_and(|s| s.get(KEY_ID).is_some())
            })
            .filter_map(|name| name.parse().ok())
            .collect();
        names.sort();
        Ok(names)
    }
}
