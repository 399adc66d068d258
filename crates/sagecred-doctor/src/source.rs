//! Where the checked profile's credentials come from, as far as the report needs it: the
//! store's name in reasons, and the command that stores working keys again.

use sagecred_core::ProfileName;

use crate::check::{Fix, StoreFlag};

/// The kind of source a profile's credentials come from, as resolved by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceKind {
    /// Plaintext keys in the credentials file.
    File,
    /// sagecred's keychain store, through `credential_process`.
    Keychain,
    /// sagecred's kernel-keyring store, through `credential_process`.
    Keyutils,
    /// IAM Identity Center.
    Sso,
    /// Another program's `credential_process`.
    Process,
    /// A role assumed from another profile.
    AssumeRole,
    /// Nothing in the profile says.
    None,
}

impl SourceKind {
    /// The name used in reasons: `the keychain store`.
    pub fn label(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Keychain => "keychain",
            Self::Keyutils => "keyutils",
            Self::Sso => "sso",
            Self::Process => "process",
            Self::AssumeRole => "assume-role",
            Self::None => "none",
        }
    }

    /// What gives the profile working credentials again: a new sign-in for SSO (what
    /// `credential-process` and `exec` say too), else storing keys in the profile's store.
    pub fn fix(self, profile: &ProfileName) -> Fix {
        let store = match self {
            Self::Sso => {
                return Fix::Login {
                    profile: profile.clone(),
                };
            }
            Self::Keyutils => StoreFlag::Keyutils,
            Self::File => StoreFlag::File,
            _ => StoreFlag::Keychain,
        };
        Fix::Configure {
            profile: profile.clone(),
            store,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sso_profiles_are_told_to_sign_in_with_sagecred() {
        let p: ProfileName = "team".parse().unwrap();
        assert_eq!(
            SourceKind::Sso.fix(&p).to_string(),
            "sagecred login --profile team"
        );
        assert_eq!(
            SourceKind::File.fix(&p).to_string(),
            "sagecred configure --profile team --store file"
        );
        assert_eq!(
            SourceKind::Keychain.fix(&p).to_string(),
            "sagecred configure --profile team"
        );
    }
}
