//! sagecred's [`CredentialStore`] over the OS keychain, and over the Linux kernel keyring
//! when the user asks for it.
//!
//! [`KeychainStore`] keeps one profile's long-term key in one keychain entry: service
//! `sagecred`, account (user) = the profile name, secret = a small JSON object with the
//! key id, the secret key, the IAM user name and the key's creation time. Temporary
//! credentials from STS are cached in a second entry under service `sagecred-session`, so
//! the two never collide and a cached session can be dropped without touching the key.
//!
//! # Backends
//!
//! * [`StoreKind::Keychain`]: macOS Keychain, Windows Credential Manager, or on Linux and the
//!   BSDs the freedesktop Secret Service (gnome-keyring, KeePassXC) over D-Bus.
//! * [`StoreKind::Keyutils`]: the Linux kernel keyring, for headless machines. Keys live in
//!   the session keyring and are lost on reboot. It is used only when chosen explicitly,
//!   never as a silent fallback, and it needs a session keyring of its own (`keyctl session
//!   - $SHELL`); without one it fails with an error that says so.
//!
//! # Why keyring 3.6, and these features
//!
//! The store is built on the `keyring` crate 3.6 with `apple-native`, `windows-native`,
//! `sync-secret-service`, `crypto-rust`, `linux-native` and `vendored`:
//!
//! * keyring-core 1.x with its zbus store was measured to build 2.6 to 3.5 times slower,
//!   and sagecred has a budget for its cold build;
//! * `vendored` builds libdbus from source, so `cargo install` works on a fresh machine
//!   without `libdbus-1-dev` and `pkg-config`;
//! * `crypto-rust` encrypts secrets in transit to the Secret Service without OpenSSL;
//! * `linux-native-sync-persistent` is not used: in 3.6.3 its builder returns a plain
//!   Secret Service credential, so the kernel keyring is built explicitly instead.
//!
//! keyring 3.6.3 opens a new D-Bus connection for each call, and eight threads doing so at
//! once crashed gnome-keyring-daemon in tests, while sequential use never did. So every
//! keyring and Secret Service call in the process goes through one global lock: the store
//! is safe to share between threads and tasks, at the cost of running one keychain call at
//! a time, which for a CLI is no cost at all.
//!
//! # Secrets
//!
//! Decoded payloads are held in [`zeroize::Zeroizing`] buffers until they move into a
//! [`Secret`](sagecred_core::Secret). No error carries a payload or a keyring error value (whose `Debug` form can
//! hold raw secret bytes); a payload that does not decode is reported as
//! [`StoreError::Corrupt`] with its shape described, never its content.
#![warn(missing_docs)]

mod errors;
mod payload;
mod platform;

use std::sync::{Mutex, MutexGuard, PoisonError};

use sagecred_core::{
    CredentialStore, Credentials, ProfileName, SessionCache, StoreError, StoreKind,
};
use zeroize::Zeroizing;

use crate::platform::EntryError;

/// The service name entries are kept under, unless a test picks its own.
pub const DEFAULT_SERVICE: &str = "sagecred";

/// Serialises every keyring call in the process (see the crate docs for why).
static LOCK: Mutex<()> = Mutex::new(());

/// Takes the keyring lock. A panic while it was held leaves nothing half-done on our side
/// (the keychain is the state), so a poisoned lock is simply taken over.
fn keyring_lock() -> MutexGuard<'static, ()> {
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

pub use sagecred_core::StoredKey;

/// Credentials in the OS keychain (or the kernel keyring), one entry per profile.
///
/// Every method is synchronous and blocks for one keychain round trip (milliseconds, or
/// until the user answers an unlock prompt on a desktop).
#[derive(Debug, Clone)]
pub struct KeychainStore {
    kind: StoreKind,
    service: String,
    session_service: String,
}

impl KeychainStore {
    /// A store of `kind` ([`StoreKind::Keychain`] or [`StoreKind::Keyutils`]) under the
    /// service name `sagecred`. Other kinds are [`StoreError::Unsupported`].
    pub fn new(kind: StoreKind) -> Result<Self, StoreError> {
        Self::with_service(kind, DEFAULT_SERVICE)
    }

    /// A store under another service name, so that tests stay apart from real entries and
    /// from each other. Cached sessions go under `<service>-session`.
    pub fn with_service(kind: StoreKind, service: &str) -> Result<Self, StoreError> {
        match kind {
            StoreKind::Keychain | StoreKind::Keyutils => Ok(Self {
                kind,
                service: service.to_owned(),
                session_service: format!("{service}-session"),
            }),
            other => Err(StoreError::Unsupported {
                store: other,
                operation: "be opened as a keychain",
                reason: "only the OS keychain and the kernel keyring are keychains".to_owned(),
            }),
        }
    }

    /// The service name long-term keys are kept under.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Removes `profile`'s long-term key only, leaving its cached session alone. Returns
    /// whether there was one.
    pub fn delete_key(&self, profile: &ProfileName) -> Result<bool, StoreError> {
        let _lock = keyring_lock();
        self.delete_entry(&self.service, profile, "deleting the key")
    }
}

impl SessionCache for KeychainStore {
    /// The cached temporary credentials for `profile`, or `None` when none are cached.
    fn get_session(&self, profile: &ProfileName) -> Result<Option<Credentials>, StoreError> {
        let _lock = keyring_lock();
        let doing = "reading the cached session";
        let Some(bytes) = self.read_entry(&self.session_service, profile, doing)? else {
            return Ok(None);
        };
        payload::decode_session(&bytes)
            .map(Some)
            .map_err(|detail| self.corrupt(profile, format!("cached session: {detail}")))
    }

    /// Caches temporary credentials for `profile`. They must carry a session token and an
    /// expiration; long-term keys go through [`CredentialStore::put`].
    fn put_session(&self, profile: &ProfileName, creds: &Credentials) -> Result<(), StoreError> {
        let (Some(token), Some(expiration)) = (creds.session_token(), creds.expiration()) else {
            return Err(StoreError::Unsupported {
                store: self.kind(),
                operation: "cache credentials without a session token and an expiration",
                reason: "only temporary credentials from STS are cached as a session; \
                         store long-term keys as the profile's key"
                    .to_owned(),
            });
        };
        let json = payload::encode_session(creds, token, expiration);
        let _lock = keyring_lock();
        self.write_entry(
            &self.session_service,
            profile,
            json.as_bytes(),
            "caching the session",
        )
    }

    /// Removes `profile`'s cached session. Returns whether there was one.
    fn delete_session(&self, profile: &ProfileName) -> Result<bool, StoreError> {
        let _lock = keyring_lock();
        self.delete_entry(
            &self.session_service,
            profile,
            "deleting the cached session",
        )
    }
}

impl KeychainStore {
    // What follows runs with the keyring lock held by the caller.

    fn read_key(&self, profile: &ProfileName) -> Result<StoredKey, StoreError> {
        let Some(bytes) = self.read_entry(&self.service, profile, "reading the key")? else {
            return Err(StoreError::NotFound {
                store: self.kind(),
                profile: profile.clone(),
            });
        };
        payload::decode_key(&bytes).map_err(|detail| self.corrupt(profile, detail))
    }

    fn kind(&self) -> StoreKind {
        self.kind
    }

    fn write_key(&self, profile: &ProfileName, key: &StoredKey) -> Result<(), StoreError> {
        let json = payload::encode_key(key);
        self.write_entry(&self.service, profile, json.as_bytes(), "storing the key")
    }

    fn corrupt(&self, profile: &ProfileName, detail: String) -> StoreError {
        StoreError::Corrupt {
            store: self.kind(),
            profile: profile.clone(),
            detail,
        }
    }

    fn entry(
        &self,
        service: &str,
        profile: &ProfileName,
        doing: &str,
    ) -> Result<keyring::Entry, StoreError> {
        platform::entry(self.kind, service, profile.as_str()).map_err(|e| match e {
            EntryError::Store(e) => e,
            EntryError::Keyring(e) => errors::from_keyring(self.kind(), profile, doing, e),
        })
    }

    /// The raw payload of an entry, or `None` when there is no entry.
    fn read_entry(
        &self,
        service: &str,
        profile: &ProfileName,
        doing: &str,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let entry = self.entry(service, profile, doing)?;
        match entry.get_secret() {
            Ok(bytes) => Ok(Some(Zeroizing::new(bytes))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(errors::from_keyring(self.kind(), profile, doing, e)),
        }
    }

    fn write_entry(
        &self,
        service: &str,
        profile: &ProfileName,
        payload: &[u8],
        doing: &str,
    ) -> Result<(), StoreError> {
        let entry = self.entry(service, profile, doing)?;
        entry
            .set_secret(payload)
            .map_err(|e| errors::from_keyring(self.kind(), profile, doing, e))
    }

    fn delete_entry(
        &self,
        service: &str,
        profile: &ProfileName,
        doing: &str,
    ) -> Result<bool, StoreError> {
        let entry = self.entry(service, profile, doing)?;
        match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(errors::from_keyring(self.kind(), profile, doing, e)),
        }
    }
}

impl CredentialStore for KeychainStore {
    fn kind(&self) -> StoreKind {
        self.kind
    }

    /// Checks quickly that the backend is reachable and unlocked.
    ///
    /// On the Secret Service this connects, and unlocks the default collection if it is
    /// locked (which shows the unlock prompt on a desktop, and fails at once headless).
    /// Elsewhere it reads an entry that does not exist. Failures are
    /// [`StoreError::Unavailable`] with the reason and a fix.
    fn check_available(&self) -> Result<(), StoreError> {
        let _lock = keyring_lock();
        platform::probe(self.kind)
    }

    /// The profile's long-term key, with its metadata.
    fn get(&self, profile: &ProfileName) -> Result<StoredKey, StoreError> {
        let _lock = keyring_lock();
        self.read_key(profile)
    }

    /// Stores a long-term key with its metadata, replacing what was there.
    ///
    /// Temporary credentials are refused: they belong in the session cache
    /// ([`SessionCache::put_session`]).
    fn put(&self, profile: &ProfileName, key: &StoredKey) -> Result<(), StoreError> {
        if key.credentials.session_token().is_some() {
            return Err(StoreError::Unsupported {
                store: self.kind,
                operation: "store temporary credentials as a profile's key",
                reason: "credentials with a session token expire; cache them as the \
                         profile's session instead"
                    .to_owned(),
            });
        }
        let _lock = keyring_lock();
        self.write_key(profile, key)
    }

    /// Removes the profile's long-term key and its cached session. Returns whether either
    /// was there.
    fn delete(&self, profile: &ProfileName) -> Result<bool, StoreError> {
        let _lock = keyring_lock();
        let key = self.delete_entry(&self.service, profile, "deleting the key")?;
        let session = self.delete_entry(
            &self.session_service,
            profile,
            "deleting the cached session",
        )?;
        Ok(key || session)
    }

    /// The profiles with a long-term key under this store's service, sorted.
    ///
    /// Only the Secret Service can be searched. Items whose account is not a valid profile
    /// name were not written by sagecred and are skipped. Other keychains and the kernel
    /// keyring answer [`StoreError::Unsupported`].
    fn list(&self) -> Result<Vec<ProfileName>, StoreError> {
        if self.kind == StoreKind::Keyutils {
            return Err(StoreError::Unsupported {
                store: StoreKind::Keyutils,
                operation: "list profiles",
                reason: "the kernel keyring cannot be searched by service; the profiles that \
                         use it are the ones whose config runs `sagecred credential-process`"
                    .to_owned(),
            });
        }
        let users = {
            let _lock = keyring_lock();
            platform::list(&self.service)?
        };
        let mut profiles: Vec<ProfileName> =
            users.into_iter().filter_map(|u| u.parse().ok()).collect();
        profiles.sort();
        profiles.dedup();
        Ok(profiles)
    }

    fn sessions(&self) -> Option<&dyn SessionCache> {
        Some(self)
    }
}
