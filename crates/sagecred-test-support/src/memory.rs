//! [`MemoryStore`]: a store that keeps everything in memory, with a session cache. It is
//! the conformance suite's reference implementation, and a stand-in for tests that need
//! a store without a keychain.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use sagecred_core::{
    CredentialStore, Credentials, ProfileName, SessionCache, StoreError, StoreKind, StoredKey,
};

/// Keys and sessions in memory, forgotten when dropped.
#[derive(Debug, Default)]
pub struct MemoryStore {
    keys: Mutex<BTreeMap<ProfileName, StoredKey>>,
    sessions: Mutex<BTreeMap<ProfileName, Credentials>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl CredentialStore for MemoryStore {
    /// Reported as the keychain: a memory store stands in for one in tests.
    fn kind(&self) -> StoreKind {
        StoreKind::Keychain
    }

    fn get(&self, profile: &ProfileName) -> Result<StoredKey, StoreError> {
        lock(&self.keys)
            .get(profile)
            .cloned()
            .ok_or_else(|| StoreError::NotFound {
                store: self.kind(),
                profile: profile.clone(),
            })
    }

    fn put(&self, profile: &ProfileName, key: &StoredKey) -> Result<(), StoreError> {
        lock(&self.keys).insert(profile.clone(), key.clone());
        Ok(())
    }

    fn delete(&self, profile: &ProfileName) -> Result<bool, StoreError> {
        let key = lock(&self.keys).remove(profile).is_some();
        let session = lock(&self.sessions).remove(profile).is_some();
        Ok(key || session)
    }

    fn list(&self) -> Result<Vec<ProfileName>, StoreError> {
        Ok(lock(&self.keys).keys().cloned().collect())
    }

    fn sessions(&self) -> Option<&dyn SessionCache> {
        Some(self)
    }
}

impl SessionCache for MemoryStore {
    fn get_session(&self, profile: &ProfileName) -> Result<Option<Credentials>, StoreError> {
        Ok(lock(&self.sessions).get(profile).cloned())
    }

    fn put_session(&self, profile: &ProfileName, creds: &Credentials) -> Result<(), StoreError> {
        if creds.session_token().is_none() || creds.expiration().is_none() {
            return Err(StoreError::Unsupported {
                store: self.kind(),
                operation: "cache credentials without a session token and an expiration",
                reason: "only temporary credentials are cached as a session".to_owned(),
            });
        }
        lock(&self.sessions).insert(profile.clone(), creds.clone());
        Ok(())
    }

    fn delete_session(&self, profile: &ProfileName) -> Result<bool, StoreError> {
        Ok(lock(&self.sessions).remove(profile).is_some())
    }
}
