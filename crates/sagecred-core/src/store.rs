//! The [`CredentialStore`] trait: where a profile's long-term or cached credentials live.

use std::fmt;

use crate::{Credentials, ProfileName};

/// The kinds of store sagecred knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreKind {
    /// Plaintext keys in the AWS shared `credentials` file. Only ever an explicit choice.
    File,
    /// The OS keychain: macOS Keychain, Windows Credential Manager, Linux Secret Service.
    Keychain,
    /// The Linux kernel keyring: headless, lost on reboot.
    Keyutils,
    /// IAM Identity Center: role credentials from a cached SSO token; never stores keys.
    Sso,
    /// age-encrypted files, unlocked once per login session: for headless machines.
    EncryptedFile,
}

impl StoreKind {
    /// The name users type and see, as in `--store file`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Keychain => "keychain",
            Self::Keyutils => "keyutils",
            Self::Sso => "sso",
            Self::EncryptedFile => "encrypted-file",
        }
    }
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a store operation failed.
///
/// [`StoreError::NotFound`] means "nothing stored for this profile": a chain of stores
/// moves on to the next one. Every other variant means the store itself is broken or
/// unusable, and a chain must stop and report it rather than hide it.
///
/// No variant ever carries a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store holds nothing for this profile.
    #[error("no credentials for profile `{profile}` in the {store} store")]
    NotFound {
        /// The store that was asked.
        store: StoreKind,
        /// The profile that was asked for.
        profile: ProfileName,
    },
    /// The store cannot be reached at all (no keychain service, locked, no session bus).
    #[error("the {store} store is unavailable: {reason}")]
    Unavailable {
        /// The store that failed.
        store: StoreKind,
        /// What is wrong, in one line.
        reason: String,
        /// What the user can do about it, in one line.
        fix: String,
    },
    /// The store does not support this operation (an SSO store cannot hold keys).
    #[error("the {store} store cannot {operation}: {reason}")]
    Unsupported {
        /// The store that refused.
        store: StoreKind,
        /// The refused operation, such as "store keys".
        operation: &'static str,
        /// Why not, and what to do instead.
        reason: String,
    },
    /// What the store holds for the profile cannot be used (half an entry, bad format).
    #[error("the {store} store's entry for profile `{profile}` is unusable: {detail}")]
    Corrupt {
        /// The store that holds the entry.
        store: StoreKind,
        /// The profile whose entry is broken.
        profile: ProfileName,
        /// What is wrong with it (never the secret itself).
        detail: String,
    },
    /// Any other failure of the backend, with its cause.
    #[error("the {store} store failed: {context}")]
    Backend {
        /// The store that failed.
        store: StoreKind,
        /// What was being done, such as "writing /home/u/.aws/credentials".
        context: String,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

impl StoreError {
    /// Whether this error only means "nothing stored here".
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }
}

/// Somewhere credentials for named profiles live.
///
/// Implementations decide how credentials are kept; callers never learn more than this
/// interface. Each call is independent; a store must be safe to share between tasks.
///
/// # Implementing a store
///
/// ```
/// use std::collections::BTreeMap;
/// use std::sync::Mutex;
///
/// use sagecred_core::{CredentialStore, Credentials, ProfileName, StoreError, StoreKind};
///
/// /// A store that forgets everything when dropped.
/// #[derive(Debug, Default)]
/// struct MemoryStore(Mutex<BTreeMap<ProfileName, Credentials>>);
///
/// #[async_trait::async_trait]
/// impl CredentialStore for MemoryStore {
///     fn kind(&self) -> StoreKind {
///         StoreKind::Keychain
///     }
///
///     async fn get(&self, profile: &ProfileName) -> Result<Credentials, StoreError> {
///         self.0.lock().unwrap().get(profile).cloned().ok_or_else(|| StoreError::NotFound {
///             store: self.kind(),
///             profile: profile.clone(),
///         })
///     }
///
///     async fn put(&self, profile: &ProfileName, creds: &Credentials) -> Result<(), StoreError> {
///         self.0.lock().unwrap().insert(profile.clone(), creds.clone());
///         Ok(())
///     }
///
///     async fn delete(&self, profile: &ProfileName) -> Result<bool, StoreError> {
///         Ok(self.0.lock().unwrap().remove(profile).is_some())
///     }
///
///     async fn list(&self) -> Result<Vec<ProfileName>, StoreError> {
///         Ok(self.0.lock().unwrap().keys().cloned().collect())
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryStore::default();
/// let dev: ProfileName = "dev".parse().unwrap();
/// assert!(store.get(&dev).await.unwrap_err().is_not_found());
///
/// let creds = Credentials::new(
///     "AKIAIOSFODNN7EXAMPLE".parse().unwrap(),
///     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
/// );
/// store.put(&dev, &creds).await.unwrap();
/// assert_eq!(store.get(&dev).await.unwrap(), creds);
/// assert_eq!(store.list().await.unwrap(), vec![dev.clone()]);
/// assert!(store.delete(&dev).await.unwrap());
/// assert!(!store.delete(&dev).await.unwrap());
/// # });
/// ```
#[async_trait::async_trait]
pub trait CredentialStore: Send + Sync + fmt::Debug {
    /// Which kind of store this is.
    fn kind(&self) -> StoreKind;

    /// The credentials stored for `profile`, or [`StoreError::NotFound`].
    async fn get(&self, profile: &ProfileName) -> Result<Credentials, StoreError>;

    /// Stores `creds` for `profile`, replacing what was there.
    async fn put(&self, profile: &ProfileName, creds: &Credentials) -> Result<(), StoreError>;

    /// Removes what is stored for `profile`. Returns whether anything was there.
    async fn delete(&self, profile: &ProfileName) -> Result<bool, StoreError>;

    /// The profiles this store holds credentials for.
    async fn list(&self) -> Result<Vec<ProfileName>, StoreError>;
}
