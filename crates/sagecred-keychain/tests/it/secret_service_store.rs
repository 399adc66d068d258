//! The store against the Secret Service that `cargo xtask test` runs: round trips, what is
//! actually written, sessions, listing, corrupt entries, and concurrent use.

use std::io::Write;
use std::process::{Command, Stdio};

use sagecred_core::{CredentialStore, SessionCache, StoreError, StoreKind, StoredKey};
use sagecred_keychain::KeychainStore;

use crate::child;
use crate::cleanup::KeyringGuard;
use crate::support::{
    self, KEY_ID, SECRET, TOKEN, assert_no_secret, profile, require_secret_service, run_child,
    stored_key, unique_service,
};

/// A store under a service of its own, whose items are all removed when it is dropped,
/// also when the test fails.
struct Guarded {
    store: KeychainStore,
    _guard: KeyringGuard,
}

impl std::ops::Deref for Guarded {
    type Target = KeychainStore;
    fn deref(&self) -> &KeychainStore {
        &self.store
    }
}

fn store() -> Guarded {
    require_secret_service();
    let service = unique_service();
    Guarded {
        _guard: KeyringGuard::new().secret_service(&service),
        store: KeychainStore::with_service(StoreKind::Keychain, &service).unwrap(),
    }
}

/// Runs `secret-tool` with `args`, feeding it `input`, and returns its stdout.
fn secret_tool(args: &[&str], input: &[u8]) -> String {
    let mut child = Command::new("secret-tool")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("secret-tool (Debian package libsecret-tools) must be installed");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success() || args[0] == "lookup",
        "secret-tool {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn check_available_answers_ok() {
    store().check_available().unwrap();
}

#[test]
fn key_round_trip() {
    let store = store();
    let dev = profile("dev");
    assert_eq!(store.kind(), StoreKind::Keychain);
    assert!(store.get(&dev).unwrap_err().is_not_found());
    assert!(!store.delete_key(&dev).unwrap());

    store.put(&dev, &stored_key()).unwrap();
    assert_eq!(store.get(&dev).unwrap(), stored_key());

    // A second put replaces the entry rather than adding a second, ambiguous one.
    let replaced = StoredKey {
        user_name: Some("someone-else".to_owned()),
        ..stored_key()
    };
    store.put(&dev, &replaced).unwrap();
    assert_eq!(store.get(&dev).unwrap(), replaced);

    assert!(store.delete_key(&dev).unwrap());
    assert!(store.get(&dev).unwrap_err().is_not_found());
    assert!(!store.delete_key(&dev).unwrap());
}

#[test]
fn another_process_reads_what_was_stored() {
    let store = store();
    let dev = profile("dev/team@x.y:z+1");
    store.put(&dev, &stored_key()).unwrap();

    // libsecret's client finds the item by the documented attributes and sees the
    // documented JSON payload.
    let payload = secret_tool(
        &[
            "lookup",
            "service",
            store.service(),
            "username",
            dev.as_str(),
        ],
        b"",
    );
    let json: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "v": 1,
            "aws_access_key_id": KEY_ID,
            "aws_secret_access_key": SECRET,
            "user_name": "sagemaker-developer",
            "created": 1_700_000_000u64,
        })
    );

    // A fresh process of our own reads it back through the store.
    let env = vec![
        (child::SERVICE.to_owned(), store.service().to_owned()),
        (child::PROFILE.to_owned(), dev.to_string()),
    ];
    let lines = support::child_lines(&run_child(&[], "get,delete", &env));
    assert_eq!(
        lines,
        [
            "get ok AKIAIOSFODNN7EXAMPLE same-secret=true",
            "delete ok true"
        ]
    );
    assert!(store.get(&dev).unwrap_err().is_not_found());
}

#[test]
fn garbage_is_corrupt_and_absent_is_not_found() {
    let store = store();
    let dev = profile("dev");
    let garbage: &[&[u8]] = &[
        b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        br#"{"v":1,"aws_access_key_id":"AKIAIOSFODNN7EXAMPLE"}"#,
        br#"{"v":9,"aws_access_key_id":"AKIAIOSFODNN7EXAMPLE","aws_secret_access_key":"wJalrXUtnFEMI"}"#,
    ];
    for payload in garbage {
        secret_tool(
            &[
                "store",
                "--label=garbage",
                "service",
                store.service(),
                "username",
                "dev",
            ],
            payload,
        );
        let err = store.get(&dev).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
        assert_no_secret(&format!("{err} {err:?}"));
    }
    assert!(store.delete_key(&dev).unwrap());
    assert!(store.get(&dev).unwrap_err().is_not_found());
}

#[test]
fn put_repairs_a_corrupt_entry() {
    let store = store();
    let dev = profile("dev");
    secret_tool(
        &[
            "store",
            "--label=garbage",
            "service",
            store.service(),
            "username",
            "dev",
        ],
        b"not json",
    );
    store
        .put(&dev, &StoredKey::new(support::long_term()))
        .unwrap();
    assert_eq!(store.get(&dev).unwrap().credentials, support::long_term());
    assert!(store.delete(&dev).unwrap());
}

#[test]
fn sessions_live_beside_keys_without_colliding() {
    let store = store();
    let dev = profile("dev");
    assert_eq!(store.get_session(&dev).unwrap(), None);
    assert!(!store.delete_session(&dev).unwrap());

    store.put(&dev, &stored_key()).unwrap();
    store.put_session(&dev, &support::session()).unwrap();
    assert_eq!(store.get(&dev).unwrap(), stored_key());
    assert_eq!(store.get_session(&dev).unwrap(), Some(support::session()));

    // The session entry is its own item, under `<service>-session`.
    let session_service = format!("{}-session", store.service());
    let payload = secret_tool(
        &["lookup", "service", &session_service, "username", "dev"],
        b"",
    );
    let json: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(json["aws_access_key_id"], "ASIAIOSFODNN7EXAMPLE");
    assert_eq!(json["aws_session_token"], TOKEN);
    assert_eq!(json["expiration"], 1_900_000_000u64);

    // Deleting one leaves the other.
    assert!(store.delete_session(&dev).unwrap());
    assert_eq!(store.get_session(&dev).unwrap(), None);
    assert_eq!(store.get(&dev).unwrap(), stored_key());
    store.put_session(&dev, &support::session()).unwrap();
    assert!(store.delete_key(&dev).unwrap());
    assert_eq!(store.get_session(&dev).unwrap(), Some(support::session()));
    assert!(store.delete_session(&dev).unwrap());
}

#[test]
fn only_temporary_credentials_are_cached_as_sessions() {
    let store = store();
    let dev = profile("dev");
    let no_expiry = support::long_term().with_session_token(TOKEN.into());
    for creds in [support::long_term(), no_expiry] {
        let err = store.put_session(&dev, &creds).unwrap_err();
        assert!(matches!(err, StoreError::Unsupported { .. }), "{err:?}");
        assert_no_secret(&format!("{err} {err:?}"));
    }
    assert_eq!(store.get_session(&dev).unwrap(), None);
}

#[test]
fn list_returns_exactly_the_profiles_under_the_service() {
    let store = store();
    let other = self::store();
    assert_eq!(store.list().unwrap(), []);

    for name in ["prod", "dev", "team/ml"] {
        store
            .put(&profile(name), &StoredKey::new(support::long_term()))
            .unwrap();
    }
    other
        .put(&profile("elsewhere"), &StoredKey::new(support::long_term()))
        .unwrap();
    // A session alone does not make a profile of this store, nor does an item whose
    // account is not a profile name.
    store
        .put_session(&profile("session-only"), &support::session())
        .unwrap();
    secret_tool(
        &[
            "store",
            "--label=foreign",
            "service",
            store.service(),
            "username",
            "not a profile",
        ],
        b"x",
    );

    assert_eq!(
        store.list().unwrap(),
        [profile("dev"), profile("prod"), profile("team/ml")]
    );
    assert_eq!(other.list().unwrap(), [profile("elsewhere")]);

    for name in ["prod", "dev", "team/ml", "session-only"] {
        store.delete(&profile(name)).unwrap();
    }
    other.delete(&profile("elsewhere")).unwrap();
    secret_tool(&["clear", "service", store.service()], b"");
    assert_eq!(store.list().unwrap(), []);
}

#[test]
fn put_keeps_the_metadata_given_and_refuses_sessions() {
    let store = store();
    let dev = profile("dev");

    // Without metadata, none is invented.
    store
        .put(&dev, &StoredKey::new(support::long_term()))
        .unwrap();
    let first = store.get(&dev).unwrap();
    assert_eq!(first.user_name, None);
    assert_eq!(first.created, None);

    // With metadata, it comes back as it was given.
    store.put(&dev, &stored_key()).unwrap();
    assert_eq!(store.get(&dev).unwrap(), stored_key());

    // Temporary credentials are not a profile's key.
    let err = store
        .put(&dev, &StoredKey::new(support::session()))
        .unwrap_err();
    assert!(matches!(err, StoreError::Unsupported { .. }), "{err:?}");

    // `delete` removes the cached session too.
    store.put_session(&dev, &support::session()).unwrap();
    assert!(store.delete(&dev).unwrap());
    assert_eq!(store.get_session(&dev).unwrap(), None);
    assert!(!store.delete(&dev).unwrap());
}

/// keyring 3.6.3 crashed gnome-keyring-daemon when eight threads used it at once; the
/// store's lock must make exactly that safe.
#[test]
fn many_threads_at_once() {
    let store = store();
    std::thread::scope(|scope| {
        for t in 0..8 {
            let store = &store;
            scope.spawn(move || {
                let p = profile(&format!("thread-{t}"));
                store.put(&p, &stored_key()).unwrap();
                assert_eq!(store.get(&p).unwrap(), stored_key());
                store.put_session(&p, &support::session()).unwrap();
                assert!(store.get_session(&p).unwrap().is_some());
                assert!(store.delete_key(&p).unwrap());
                assert!(store.delete_session(&p).unwrap());
            });
        }
    });
    store.check_available().unwrap();
}

#[test]
fn debug_output_never_shows_the_secret() {
    let key = stored_key();
    let shown = format!("{key:?} {key:#?}");
    assert_no_secret(&shown);
    assert!(shown.contains(KEY_ID));
    let session = support::session();
    assert_no_secret(&format!("{session:?}"));
    // No Secret Service is needed to format values.
    let store = KeychainStore::new(StoreKind::Keychain).unwrap();
    assert_no_secret(&format!("{store:?}"));
}
