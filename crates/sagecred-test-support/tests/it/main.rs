//! The conformance suite against its reference store, the in-memory one.

use sagecred_core::{CredentialStore, StoreError, StoreKind, StoredKey};
use sagecred_test_support::conformance::{self, Expect};
use sagecred_test_support::memory::MemoryStore;

#[test]
fn the_memory_store_conforms() {
    let store = MemoryStore::default();
    conformance::run(&store, Expect::FULL);
    conformance::session_cache(&store);
    // Every check cleaned up after itself.
    assert_eq!(store.list().unwrap(), []);
}

/// A store that loses what it is given: the suite must notice.
#[derive(Debug, Default)]
struct Forgetful;

impl CredentialStore for Forgetful {
    fn kind(&self) -> StoreKind {
        StoreKind::Keychain
    }
    fn get(&self, profile: &sagecred_core::ProfileName) -> Result<StoredKey, StoreError> {
        Err(StoreError::NotFound {
            store: self.kind(),
            profile: profile.clone(),
        })
    }
    fn put(&self, _: &sagecred_core::ProfileName, _: &StoredKey) -> Result<(), StoreError> {
        Ok(())
    }
    fn delete(&self, _: &sagecred_core::ProfileName) -> Result<bool, StoreError> {
        Ok(false)
    }
    fn list(&self) -> Result<Vec<sagecred_core::ProfileName>, StoreError> {
        Ok(Vec::new())
    }
}

#[test]
fn a_store_that_loses_keys_fails_the_suite() {
    let failed = std::panic::catch_unwind(|| conformance::put_then_get(&Forgetful, Expect::FULL));
    assert!(failed.is_err());
    // "Broken" must not look like "not found": a store whose failures are NotFound fails.
    let failed = std::panic::catch_unwind(|| conformance::unavailable(&Forgetful));
    assert!(failed.is_err());
}
