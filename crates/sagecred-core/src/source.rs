//! Where a profile's credentials come from: [`CredentialSource`], resolved once per
//! command from the merged profile and the environment, and asked by every command.
//!
//! The order is the one botocore (and so boto3, the SageMaker SDK and the AWS CLI) applies
//! within a profile: `role_arn` (assume-role), then IAM Identity Center, then plaintext
//! keys, then `credential_process`. A profile with none of these gets its credentials from
//! the environment when `AWS_ACCESS_KEY_ID` is set there, and otherwise has none.
//!
//! The CLI hands the environment in ([`SourceEnv`]); nothing here reads it.

use std::fmt;

use crate::process_line::{ProcessLine, ProcessLineError};
use crate::role::{RoleInputs, RoleResolution, resolve_role};
use crate::{ProfileName, StoreKind};

/// Where a profile's credentials come from. A closed enum: a new source is a new variant,
/// and the compiler lists every `match` that must learn it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// Plaintext keys in the AWS shared credentials file (`--store file`).
    File,
    /// A long-term key in one of sagecred's stores, which the SDKs reach through a
    /// `credential_process` line of ours.
    Store(ProcessLine),
    /// IAM Identity Center: role credentials from a signed-in session.
    Sso(SsoSource),
    /// Some other program's `credential_process` line.
    Process(ForeignProcess),
    /// `role_arn`: credentials of another profile (or source) exchanged for a role's.
    AssumeRole(AssumeRoleSource),
    /// The profile defines no credentials, and `AWS_ACCESS_KEY_ID` is set in the
    /// environment.
    Environment,
    /// No credentials at all.
    None,
}

/// A profile's IAM Identity Center settings, as written (sagecred-sso validates them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSource {
    /// The session the profile signs in with.
    pub session: SsoSessionRef,
    /// `sso_account_id`.
    pub account_id: Option<String>,
    /// `sso_role_name`.
    pub role_name: Option<String>,
}

/// How an SSO profile names its session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsoSessionRef {
    /// `sso_session = NAME`, a `[sso-session NAME]` section.
    Named(String),
    /// The legacy form: `sso_start_url` (and `sso_region`) in the profile itself.
    Legacy {
        /// `sso_start_url`.
        start_url: String,
        /// `sso_region`.
        region: Option<String>,
    },
}

/// Another program's `credential_process` line. Its `Debug` shows the program only: the
/// arguments of a foreign line may carry a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ForeignProcess {
    /// The line as written.
    pub command: String,
}

impl ForeignProcess {
    /// The first word of the line (the program), for messages.
    pub fn program(&self) -> &str {
        self.command.split_whitespace().next().unwrap_or("")
    }
}

impl fmt::Debug for ForeignProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForeignProcess")
            .field("program", &self.program())
            .finish_non_exhaustive()
    }
}

/// A profile that assumes a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleSource {
    /// `role_arn`, as written.
    pub role_arn: String,
    /// `source_profile`, whose credentials assume the role.
    pub source_profile: Option<String>,
    /// `credential_source` (`Environment`, `Ec2InstanceMetadata`, `EcsContainer`).
    pub credential_source: Option<String>,
    /// Whether the role is assumed with a web identity token (`web_identity_token_file`).
    pub web_identity: bool,
}

/// A profile's merged settings, as resolution reads them: the AWS files' parser implements
/// it for its sections, and a list of pairs implements it for tests and examples.
pub trait ProfileSettings {
    /// The value of setting `key` (case-insensitive, as in the AWS files), if set.
    fn setting(&self, key: &str) -> Option<&str>;
}

impl ProfileSettings for &[(&str, &str)] {
    fn setting(&self, key: &str) -> Option<&str> {
        self.iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| *v)
    }
}

impl<const N: usize> ProfileSettings for [(&str, &str); N] {
    fn setting(&self, key: &str) -> Option<&str> {
        self.iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| *v)
    }
}

/// What resolution needs from the environment; the CLI fills it in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SourceEnv {
    /// Whether `AWS_ACCESS_KEY_ID` is set (and not empty).
    pub access_key_id_set: bool,
}

/// Why a profile's source cannot be resolved. Names the profile and the key, never the
/// value (a foreign `credential_process` line may hold a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The profile's `credential_process` runs sagecred, but cannot be served.
    #[error("profile `{profile}`: its credential_process line runs sagecred, but {error}")]
    ProcessLine {
        /// The profile.
        profile: ProfileName,
        /// What is wrong with the line.
        #[source]
        error: ProcessLineError,
    },
}

impl SourceError {
    /// The command that repairs the profile.
    pub fn fix(&self) -> String {
        match self {
            Self::ProcessLine { profile, .. } => {
                format!("store the key again with `sagecred configure --profile {profile}`")
            }
        }
    }
}

impl CredentialSource {
    /// Resolves the source of `profile` from its merged settings (`None` when no file
    /// defines it). `get` looks a setting up by name; `plaintext_keys` says whether the
    /// credentials file holds keys for the profile.
    pub fn resolve(
        profile: &ProfileName,
        settings: Option<&dyn ProfileSettings>,
        plaintext_keys: bool,
        env: &SourceEnv,
    ) -> Result<Self, SourceError> {
        let own = match settings {
            Some(settings) => Self::from_settings(profile, settings, plaintext_keys)?,
            None => Self::None,
        };
        Ok(match own {
            Self::None if env.access_key_id_set => Self::Environment,
            other => other,
        })
    }

    fn from_settings(
        profile: &ProfileName,
        settings: &dyn ProfileSettings,
        plaintext_keys: bool,
    ) -> Result<Self, SourceError> {
        let value = |key: &str| {
            settings
                .setting(key)
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        if let Some(role_arn) = value("role_arn") {
            return Ok(Self::AssumeRole(AssumeRoleSource {
                role_arn: role_arn.to_owned(),
                source_profile: value("source_profile").map(str::to_owned),
                credential_source: value("credential_source").map(str::to_owned),
                web_identity: value("web_identity_token_file").is_some(),
            }));
        }
        let session = match (value("sso_session"), value("sso_start_url")) {
            (Some(name), _) => Some(SsoSessionRef::Named(name.to_owned())),
            (None, Some(url)) => Some(SsoSessionRef::Legacy {
                start_url: url.to_owned(),
                region: value("sso_region").map(str::to_owned),
            }),
            (None, None) => None,
        };
        if let Some(session) = session {
            return Ok(Self::Sso(SsoSource {
                session,
                account_id: value("sso_account_id").map(str::to_owned),
                role_name: value("sso_role_name").map(str::to_owned),
            }));
        }
        if plaintext_keys || value("aws_access_key_id").is_some() {
            return Ok(Self::File);
        }
        if let Some(line) = value("credential_process") {
            return match ProcessLine::parse(line) {
                Ok(Some(ours)) => Ok(Self::Store(ours)),
                Ok(None) => Ok(Self::Process(ForeignProcess {
                    command: line.to_owned(),
                })),
                Err(error) => Err(SourceError::ProcessLine {
                    profile: profile.clone(),
                    error,
                }),
            };
        }
        Ok(Self::None)
    }

    /// The store that holds the profile's long-term key, for the sources that have one.
    pub fn key_store(&self) -> Option<StoreKind> {
        match self {
            Self::File => Some(StoreKind::File),
            Self::Store(line) => Some(line.store),
            Self::Sso(_)
            | Self::Process(_)
            | Self::AssumeRole(_)
            | Self::Environment
            | Self::None => None,
        }
    }

    /// A short name for tables and JSON: the store's name (`file`, `keychain`, ...) or
    /// `sso`, `process`, `assume-role`, `environment`, `none`.
    pub fn label(&self) -> &'static str {
        match self {
            Self::File => StoreKind::File.as_str(),
            Self::Store(line) => line.store.as_str(),
            Self::Sso(_) => StoreKind::Sso.as_str(),
            Self::Process(_) => "process",
            Self::AssumeRole(_) => "assume-role",
            Self::Environment => "environment",
            Self::None => "none",
        }
    }

    /// The one piece of advice for credentials of this source that do not work (missing,
    /// rejected, expired): the same in every command.
    pub fn fix(&self, profile: &ProfileName) -> String {
        match self {
            Self::File => format!("sagecred configure --profile {profile} --store file"),
            Self::Store(line) => match line.store {
                StoreKind::Keychain => format!("sagecred configure --profile {profile}"),
                other => format!("sagecred configure --profile {profile} --store {other}"),
            },
            Self::Sso(_) => format!("sagecred login --profile {profile}"),
            Self::Process(p) => format!(
                "check the credential_process program of profile `{profile}` ({})",
                p.program()
            ),
            Self::AssumeRole(role) => match &role.source_profile {
                Some(source) => format!("sagecred doctor --profile {source}"),
                None => format!("check role_arn and credential_source of profile `{profile}`"),
            },
            Self::Environment => {
                "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment".to_owned()
            }
            Self::None => format!("sagecred configure --profile {profile}"),
        }
    }
}

/// What a command knows about one profile after the one resolution: its source, and the
/// settings every command reads the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedProfile {
    /// The profile.
    pub name: ProfileName,
    /// Whether either AWS file defines it.
    pub exists: bool,
    /// Where its credentials come from.
    pub source: CredentialSource,
    /// `region`.
    pub region: Option<String>,
    /// `sagemaker_role_arn`.
    pub sagemaker_role_arn: Option<String>,
    /// The account the profile signs in to: `aws_account_id`, else (SSO) `sso_account_id`.
    pub account_id: Option<String>,
    /// `mfa_serial`.
    pub mfa_serial: Option<String>,
    /// The profile's `credential_process` line when it is ours, even when another source
    /// wins (plaintext keys beside it): what `remove` must clean up too.
    pub process_line: Option<ProcessLine>,
}

impl ResolvedProfile {
    /// Resolves `name` from its merged settings (`None` when no file defines it).
    ///
    /// ```
    /// use sagecred_core::{CredentialSource, ResolvedProfile, SourceEnv, StoreKind};
    /// let settings = [
    ///     ("credential_process", "/usr/bin/sagecred credential-process --profile dev"),
    ///     ("aws_account_id", "123456789012"),
    /// ];
    /// let p = ResolvedProfile::resolve(&"dev".parse()?, Some(&settings), false, &SourceEnv::default())?;
    /// assert_eq!(p.source.key_store(), Some(StoreKind::Keychain));
    /// let (arn, _) = p.role(None, None, None).role.unwrap();
    /// assert_eq!(arn.account().as_str(), "123456789012");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resolve(
        name: &ProfileName,
        settings: Option<&dyn ProfileSettings>,
        plaintext_keys: bool,
        env: &SourceEnv,
    ) -> Result<Self, SourceError> {
        let (profile, error) = Self::resolve_lenient(name, settings, plaintext_keys, env);
        match error {
            Some(e) => Err(e),
            None => Ok(profile),
        }
    }

    /// [`ResolvedProfile::resolve`] for commands that need the settings but not the
    /// credentials (`env`, `role`): a source that cannot be resolved becomes
    /// [`CredentialSource::None`], and its error is returned beside, to warn about.
    pub fn resolve_lenient(
        name: &ProfileName,
        settings: Option<&dyn ProfileSettings>,
        plaintext_keys: bool,
        env: &SourceEnv,
    ) -> (Self, Option<SourceError>) {
        let (source, error) = match CredentialSource::resolve(name, settings, plaintext_keys, env) {
            Ok(source) => (source, None),
            Err(e) => (CredentialSource::None, Some(e)),
        };
        let value = |key: &str| {
            settings
                .and_then(|s| s.setting(key))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let profile = Self {
            name: name.clone(),
            exists: settings.is_some(),
            region: value("region"),
            sagemaker_role_arn: value("sagemaker_role_arn"),
            account_id: value("aws_account_id").or_else(|| match &source {
                CredentialSource::Sso(sso) => sso.account_id.clone(),
                _ => None,
            }),
            mfa_serial: value("mfa_serial"),
            process_line: value("credential_process")
                .and_then(|line| ProcessLine::parse(&line).ok().flatten()),
            source,
        };
        (profile, error)
    }

    /// The SageMaker role of this profile, through [`resolve_role`]: `flag`, then
    /// `environment` (`SAGEMAKER_ROLE`), then `sagemaker_role_arn`, then the default role
    /// name in the profile's account. `region` decides the partition; the profile's own
    /// region is used when it is `None`.
    pub fn role(
        &self,
        flag: Option<&str>,
        environment: Option<&str>,
        region: Option<&str>,
    ) -> RoleResolution {
        resolve_role(RoleInputs {
            flag,
            environment,
            profile_arn: self.sagemaker_role_arn.as_deref(),
            account_id: self.account_id.as_deref(),
            region: region.or(self.region.as_deref()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(settings: &[(&str, &str)], plaintext: bool, env_keys: bool) -> CredentialSource {
        CredentialSource::resolve(
            &"p".parse().unwrap(),
            Some(&settings),
            plaintext,
            &SourceEnv {
                access_key_id_set: env_keys,
            },
        )
        .unwrap()
    }

    const OURS: &str = "/usr/bin/sagecred credential-process --profile p";

    #[test]
    fn the_order_is_botocores() {
        let all = [
            ("role_arn", "arn:aws:iam::123456789012:role/R"),
            ("source_profile", "base"),
            ("sso_session", "corp"),
            ("credential_process", OURS),
        ];
        assert_eq!(resolve(&all, true, true).label(), "assume-role");
        assert_eq!(resolve(&all[2..], true, true).label(), "sso");
        assert_eq!(resolve(&all[3..], true, true).label(), "file");
        assert_eq!(resolve(&all[3..], false, true).label(), "keychain");
        assert_eq!(resolve(&[], false, true), CredentialSource::Environment);
        assert_eq!(resolve(&[], false, false), CredentialSource::None);
    }

    #[test]
    fn sso_profiles_take_their_account_for_the_role() {
        let settings = [
            ("sso_session", "corp"),
            ("sso_account_id", "111122223333"),
            ("sso_role_name", "Dev"),
        ];
        let p = ResolvedProfile::resolve(
            &"p".parse().unwrap(),
            Some(&settings),
            false,
            &SourceEnv::default(),
        )
        .unwrap();
        let (arn, _) = p.role(None, None, None).role.unwrap();
        assert_eq!(arn.account().as_str(), "111122223333");
    }

    #[test]
    fn a_foreign_process_never_prints_its_arguments() {
        let source = resolve(
            &[("credential_process", "/bin/vault --token CANARY")],
            false,
            false,
        );
        let debug = format!("{source:?}");
        assert!(
            debug.contains("/bin/vault") && !debug.contains("CANARY"),
            "{debug}"
        );
        assert!(!source.fix(&"p".parse().unwrap()).contains("CANARY"));
    }

    #[test]
    fn sso_advice_is_sagecred_login() {
        let source = resolve(&[("sso_session", "corp")], false, false);
        assert_eq!(
            source.fix(&"p".parse().unwrap()),
            "sagecred login --profile p"
        );
    }
}
