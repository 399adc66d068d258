//! Tests of sagecred-keychain against the Windows Credential Manager.
//!
//! `cargo xtask windows` cross-builds this binary and runs it under Wine, whose
//! `advapi32` implements the Credential Manager API (`CredWriteW`, `CredReadW`,
//! `CredDeleteW`) that keyring's `windows-native` store calls. On other platforms it is
//! empty: their keychains have tests of their own (`tests/it`).
//!
//! Every test uses its own service name, so tests running at once never see each other's
//! entries; they run on parallel threads on purpose, through the store's process-wide lock.
#![cfg(windows)]

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use sagecred_core::{
    CredentialStore, Credentials, ProfileName, SessionCache, StoreError, StoreKind, StoredKey,
};
use sagecred_keychain::KeychainStore;
use sagecred_test_support::conformance::{self, Expect};

const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";
/// Set in a child process: `SERVICE PROFILE` to read and report.
const CHILD: &str = "SAGECRED_WINDOWS_CHILD";

fn unique_service() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "sagecred-wintest-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn store() -> KeychainStore {
    KeychainStore::with_service(StoreKind::Keychain, &unique_service()).unwrap()
}

fn profile(name: &str) -> ProfileName {
    name.parse().unwrap()
}

fn stored_key() -> StoredKey {
    StoredKey {
        credentials: Credentials::new(KEY_ID.parse().unwrap(), SECRET.into()),
        user_name: Some("sagemaker-developer".to_owned()),
        created: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
    }
}

fn session() -> Credentials {
    Credentials::new("ASIAIOSFODNN7EXAMPLE".parse().unwrap(), SECRET.into())
        .with_session_token(TOKEN.into())
        .with_expiration(SystemTime::UNIX_EPOCH + Duration::from_secs(1_900_000_000))
}

fn assert_no_secret(text: &str) {
    for piece in ["wJalrXUtnFEMI", "FwoGZXIvYXdzEXAMPLE"] {
        assert!(!text.contains(piece), "a secret leaked into: {text}");
    }
}

#[test]
fn the_credential_manager_is_available() {
    let store = store();
    assert_eq!(store.kind(), StoreKind::Keychain);
    store.check_available().unwrap();
}

#[test]
fn key_round_trip() {
    let store = store();
    let dev = profile("dev");
    let err = store.get(&dev).unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(!store.delete_key(&dev).unwrap());

    store.put(&dev, &stored_key()).unwrap();
    assert_eq!(store.get(&dev).unwrap(), stored_key());

    // A second put replaces the entry.
    let replaced = StoredKey {
        user_name: Some("someone-else".to_owned()),
        ..stored_key()
    };
    store.put(&dev, &replaced).unwrap();
    assert_eq!(store.get(&dev).unwrap(), replaced);

    assert!(store.delete_key(&dev).unwrap());
    assert!(store.get(&dev).unwrap_err().is_not_found());
}

#[test]
fn profile_names_with_every_allowed_character() {
    let store = store();
    let odd = profile("team/a@b:c+d.e_f-g%h");
    store.put(&odd, &stored_key()).unwrap();
    assert_eq!(store.get(&odd).unwrap(), stored_key());
    // Another profile of the same service is another entry.
    assert!(store.get(&profile("team")).unwrap_err().is_not_found());
    assert!(store.delete_key(&odd).unwrap());
}

#[test]
fn sessions_live_beside_keys() {
    let store = store();
    let dev = profile("dev");
    assert_eq!(store.get_session(&dev).unwrap(), None);
    store.put(&dev, &stored_key()).unwrap();
    store.put_session(&dev, &session()).unwrap();
    assert_eq!(store.get(&dev).unwrap(), stored_key());
    assert_eq!(store.get_session(&dev).unwrap(), Some(session()));
    assert!(store.delete_session(&dev).unwrap());
    assert_eq!(store.get_session(&dev).unwrap(), None);
    assert_eq!(store.get(&dev).unwrap(), stored_key());
    assert!(store.delete_key(&dev).unwrap());
}

#[test]
fn the_credential_store_trait() {
    let store = store();
    let dev = profile("dev");
    let key = StoredKey::new(stored_key().credentials);
    assert!(store.get(&dev).unwrap_err().is_not_found());
    store.put(&dev, &key).unwrap();
    assert_eq!(store.get(&dev).unwrap(), key);
    // The Credential Manager cannot be searched by service: listing says so, plainly.
    let err = store.list().unwrap_err();
    assert!(matches!(err, StoreError::Unsupported { .. }), "{err:?}");
    assert!(store.delete(&dev).unwrap());
}

#[test]
fn the_credential_manager_store_conforms() {
    let store = store();
    // The Credential Manager cannot be searched by service.
    let expect = Expect {
        lists: false,
        keeps_metadata: true,
    };
    conformance::run(&store, expect);
    conformance::session_cache(&store);
}

#[test]
fn another_process_reads_what_was_stored() {
    let store = store();
    let dev = profile("dev");
    store.put(&dev, &stored_key()).unwrap();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_entry_point",
            "--exact",
            "--ignored",
            "--nocapture",
            "--quiet",
        ])
        .env(CHILD, format!("{} dev", store.service()))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_no_secret(&stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("child: AKIAIOSFODNN7EXAMPLE same-secret=true"),
        "{stdout}"
    );
    assert!(store.delete_key(&dev).unwrap());
}

/// The child's side of [`another_process_reads_what_was_stored`].
#[test]
#[ignore = "run by another_process_reads_what_was_stored in a child process"]
fn child_entry_point() {
    let spec = std::env::var(CHILD).unwrap();
    let (service, name) = spec.split_once(' ').unwrap();
    let store = KeychainStore::with_service(StoreKind::Keychain, service).unwrap();
    let key = store.get(&profile(name)).unwrap();
    println!(
        "child: {} same-secret={}",
        key.credentials.access_key_id(),
        key.credentials == stored_key().credentials
    );
}

#[test]
fn concurrent_use_from_many_threads() {
    let store = std::sync::Arc::new(store());
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            std::thread::spawn(move || {
                let name = profile(&format!("p{i}"));
                for _ in 0..5 {
                    store.put(&name, &stored_key()).unwrap();
                    assert_eq!(store.get(&name).unwrap(), stored_key());
                }
                assert!(store.delete_key(&name).unwrap());
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn errors_never_show_the_secret() {
    let store = store();
    let dev = profile("dev");
    let err = store.get(&dev).unwrap_err();
    assert_no_secret(&format!("{err} {err:?}"));
    assert_no_secret(&format!("{:?}", stored_key()));
}
