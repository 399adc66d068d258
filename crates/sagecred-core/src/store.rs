//! The [`CredentialStore`] trait: where a profile's long-term or cached credentials live.

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::{Credentials, ProfileName};

/// Every kind of store sagecred knows: the one enum for `--store`, for the store a
/// `credential_process` line of ours names, and for error messages.
///
/// Not `#[non_exhaustive]` on purpose: a new store is a new variant, and the compiler then
/// lists every `match` that must learn it (the CLI's store mapping above all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StoreKind {
    /// Plaintext keys in the AWS shared `credentials` file. Only ever an explicit choice.
    File,
    /// The OS keychain: macOS Keychain, Windows Credential Manager, Linux Secret Service.
    Keychain,
    /// The Linux kernel keyring: headless, lost on reboot.
    Keyutils,
    /// IAM Identity Center: role credentials from a cached SSO token; never stores keys.
    Sso,
}

impl StoreKind {
    /// The stores a user can choose with `--store`, in the order `--help` lists them.
    pub const KEY_STORES: &'static [StoreKind] =
        &[StoreKind::Keychain, StoreKind::Keyutils, StoreKind::File];

    /// The name users type and see, as in `--store file`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Keychain => "keychain",
            Self::Keyutils => "keyutils",
            Self::Sso => "sso",
        }
    }

    /// One line for `--help` and the docs: what the store is and when to pick it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::File => {
                "Plaintext in the AWS shared credentials file (what `aws configure` does)"
            }
            Self::Keychain => {
                "The OS keychain: macOS Keychain, Windows Credential Manager, Linux Secret Service"
            }
            Self::Keyutils => {
                "The Linux kernel keyring, for headless boxes: needs a session keyring \
                 (`keyctl session -`), and keys are lost on reboot and expire after 3 days unused"
            }
            Self::Sso => "IAM Identity Center: short-lived role credentials, no stored key",
        }
    }

    /// Where the keys go, in words, for confirmations such as "stored in ...".
    pub fn location(self) -> &'static str {
        match self {
            Self::File => "the plaintext credentials file",
            Self::Keychain => "the OS keychain",
            Self::Keyutils => "the kernel keyring (keyutils; lost on reboot)",
            Self::Sso => "IAM Identity Center",
        }
    }

    /// Whether the store holds long-term keys (everything but SSO).
    pub fn holds_keys(self) -> bool {
        match self {
            Self::File | Self::Keychain | Self::Keyutils => true,
            Self::Sso => false,
        }
    }

    /// Whether the SDKs reach this store through a `credential_process` line of ours. The
    /// plaintext file is read by the SDKs themselves.
    pub fn served_by_process(self) -> bool {
        match self {
            Self::Keychain | Self::Keyutils => true,
            Self::File | Self::Sso => false,
        }
    }
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A store name that sagecred does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a store sagecred knows")]
pub struct UnknownStore(pub String);

impl std::str::FromStr for StoreKind {
    type Err = UnknownStore;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::File, Self::Keychain, Self::Keyutils, Self::Sso]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownStore(s.chars().take(40).collect()))
    }
}

/// One profile's long-term key and what the store knows about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredKey {
    /// The access key id and secret access key.
    pub credentials: Credentials,
    /// The IAM user the key belongs to, when known.
    pub user_name: Option<String>,
    /// When the key was created (by IAM, or failing that when it was first stored).
    pub created: Option<SystemTime>,
}

impl StoredKey {
    /// A key with no metadata.
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            user_name: None,
            created: None,
        }
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

/// Somewhere long-term keys for named profiles live: the one path to every backend
/// (plaintext file, OS keychain, kernel keyring, and whatever comes next).
///
/// The trait is synchronous on purpose. Every store that holds keys answers from the local
/// machine in milliseconds (a file read, one D-Bus round trip, one keyctl call); none waits
/// on the network. A synchronous trait lets `credential-process` and `env --credentials`
/// serve a cached session without ever starting an async runtime, and lets code already
/// inside a runtime (rotation) call a store without a second one. Sources that do wait on
/// the network (IAM Identity Center, STS) are async, and are not stores.
///
/// Implementations decide how keys are kept; callers never learn more than this interface.
/// Each call is independent; a store must be safe to share between threads.
///
/// # Implementing a store
///
/// ```
/// use std::collections::BTreeMap;
/// use std::sync::Mutex;
///
/// use sagecred_core::{
///     CredentialStore, Credentials, ProfileName, StoreError, StoreKind, StoredKey,
/// };
///
/// /// A store that forgets everything when dropped.
/// #[derive(Debug, Default)]
/// struct MemoryStore(Mutex<BTreeMap<ProfileName, StoredKey>>);
///
/// impl CredentialStore for MemoryStore {
///     fn kind(&self) -> StoreKind {
///         StoreKind::Keychain
///     }
///
///     fn get(&self, profile: &ProfileName) -> Result<StoredKey, StoreError> {
///         self.0.lock().unwrap().get(profile).cloned().ok_or_else(|| StoreError::NotFound {
///             store: self.kind(),
///             profile: profile.clone(),
///         })
///     }
///
///     fn put(&self, profile: &ProfileName, key: &StoredKey) -> Result<(), StoreError> {
///         self.0.lock().unwrap().insert(profile.clone(), key.clone());
///         Ok(())
///     }
///
///     fn delete(&self, profile: &ProfileName) -> Result<bool, StoreError> {
///         Ok(self.0.lock().unwrap().remove(profile).is_some())
///     }
///
///     fn list(&self) -> Result<Vec<ProfileName>, StoreError> {
///         Ok(self.0.lock().unwrap().keys().cloned().collect())
///     }
/// }
///
/// let store = MemoryStore::default();
/// let dev: ProfileName = "dev".parse().unwrap();
/// assert!(store.get(&dev).unwrap_err().is_not_found());
///
/// let creds = Credentials::new(
///     "AKIAIOSFODNN7EXAMPLE".parse().unwrap(),
///     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
/// );
/// store.put(&dev, &StoredKey::new(creds.clone())).unwrap();
/// assert_eq!(store.get(&dev).unwrap().credentials, creds);
/// assert_eq!(store.list().unwrap(), vec![dev.clone()]);
/// assert!(store.delete(&dev).unwrap());
/// assert!(!store.delete(&dev).unwrap());
/// ```
pub trait CredentialStore: Send + Sync + fmt::Debug {
    /// Which kind of store this is.
    fn kind(&self) -> StoreKind;

    /// Checks quickly that the store can be used (reachable, unlocked), before anything
    /// is written. Failures are [`StoreError::Unavailable`] with a reason and a fix.
    fn check_available(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// The key stored for `profile`, or [`StoreError::NotFound`].
    fn get(&self, profile: &ProfileName) -> Result<StoredKey, StoreError>;

    /// Stores `key` for `profile`, replacing what was there. A store without room for the
    /// metadata keeps the credentials alone.
    fn put(&self, profile: &ProfileName, key: &StoredKey) -> Result<(), StoreError>;

    /// Removes what is stored for `profile`, cached sessions included. Returns whether
    /// anything was there.
    fn delete(&self, profile: &ProfileName) -> Result<bool, StoreError>;

    /// The profiles this store holds keys for, sorted.
    fn list(&self) -> Result<Vec<ProfileName>, StoreError>;

    /// The store's cache of temporary session credentials, when it keeps one.
    fn sessions(&self) -> Option<&dyn SessionCache> {
        None
    }
}

/// A cache of temporary credentials (STS sessions, SSO role credentials) per profile, kept
/// apart from the long-term key so that dropping one never touches the other.
///
/// Expired entries are returned as they are: [`cached_or_fetch`] decides how much margin
/// a caller needs.
pub trait SessionCache: Send + Sync + fmt::Debug {
    /// The cached credentials for `profile`, or `None` when none are cached.
    fn get_session(&self, profile: &ProfileName) -> Result<Option<Credentials>, StoreError>;

    /// Caches `creds` for `profile`. They must carry a session token and an expiration.
    fn put_session(&self, profile: &ProfileName, creds: &Credentials) -> Result<(), StoreError>;

    /// Forgets the cached credentials of `profile`. Returns whether there were any.
    fn delete_session(&self, profile: &ProfileName) -> Result<bool, StoreError>;
}

/// Cached session credentials are served until this long before they expire.
pub const SESSION_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// The credentials cached for `profile` when they have more than `margin` left at `now`.
///
/// A cache that cannot be read counts as empty: the caller then asks the source again.
pub fn fresh_session(
    cache: Option<&dyn SessionCache>,
    profile: &ProfileName,
    now: SystemTime,
    margin: Duration,
) -> Option<Credentials> {
    let cached = cache?.get_session(profile).ok()??;
    (!cached.expires_within(now, margin)).then_some(cached)
}

/// Caches `creds` for `profile` when there is a cache. A cache that refuses the write
/// costs one more call to the source next time, no more, so the refusal is returned only
/// for the caller to log.
pub fn remember_session(
    cache: Option<&dyn SessionCache>,
    profile: &ProfileName,
    creds: &Credentials,
) -> Result<(), StoreError> {
    match cache {
        Some(cache) => cache.put_session(profile, creds),
        None => Ok(()),
    }
}

/// Temporary credentials for `profile` from `cache` while they have more than `margin`
/// left at `now`; otherwise `fetch`es new ones and caches them.
///
/// This is the one session-cache logic: STS sessions of stored keys and SSO role
/// credentials go through it (async callers use its two halves, [`fresh_session`] and
/// [`remember_session`]). The returned flag says whether the credentials came from the
/// cache.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use sagecred_core::{Credentials, ProfileName, SESSION_REFRESH_MARGIN, cached_or_fetch};
///
/// let dev: ProfileName = "dev".parse().unwrap();
/// let now = SystemTime::now();
/// let fresh = Credentials::new("ASIAIOSFODNN7EXAMPLE".parse().unwrap(), "s".into())
///     .with_session_token("t".into())
///     .with_expiration(now + Duration::from_secs(3600));
/// // No cache: always fetched.
/// let (got, cached) =
///     cached_or_fetch::<()>(None, &dev, now, SESSION_REFRESH_MARGIN, || Ok(fresh.clone()))
///         .unwrap();
/// assert_eq!((got, cached), (fresh, false));
/// ```
pub fn cached_or_fetch<E>(
    cache: Option<&dyn SessionCache>,
    profile: &ProfileName,
    now: SystemTime,
    margin: Duration,
    fetch: impl FnOnce() -> Result<Credentials, E>,
) -> Result<(Credentials, bool), E> {
    if let Some(cached) = fresh_session(cache, profile, now, margin) {
        return Ok((cached, true));
    }
    let fresh = fetch()?;
    let _ = remember_session(cache, profile, &fresh);
    Ok((fresh, false))
}

/// A source of temporary credentials that waits on the network (IAM Identity Center's
/// role credentials, STS). Unlike a [`CredentialStore`] it holds nothing and is async.
#[async_trait::async_trait]
pub trait CredentialProvider: Send + Sync + fmt::Debug {
    /// Which source this is, for errors.
    fn kind(&self) -> StoreKind;

    /// Credentials for `profile`, fetched now.
    async fn provide(&self, profile: &ProfileName) -> Result<Credentials, StoreError>;
}
