//! The store conformance suite (`sagecred-test-support`) against the real backends: the
//! Secret Service in this process, and the kernel keyring in a child that has a session
//! keyring of its own (`keyctl session -`), which is thrown away with the child.

use sagecred_core::{CredentialStore, StoreKind};
use sagecred_keychain::KeychainStore;
use sagecred_test_support::conformance::{self, Expect};

use crate::child;
use crate::support::{child_lines, require_secret_service, run_child, unique_service};

#[test]
fn the_secret_service_store_conforms() {
    require_secret_service();
    let store = KeychainStore::with_service(StoreKind::Keychain, &unique_service()).unwrap();
    conformance::run(&store, Expect::FULL);
    conformance::session_cache(&store);
    assert_eq!(store.list().unwrap(), [], "the suite left entries behind");
}

#[test]
fn a_secret_service_without_a_bus_is_unavailable_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    let address = format!("unix:path={}", dir.path().join("no-such-socket").display());
    let env = vec![
        ("DBUS_SESSION_BUS_ADDRESS".to_owned(), address),
        (
            "XDG_RUNTIME_DIR".to_owned(),
            dir.path().display().to_string(),
        ),
        ("DISPLAY".to_owned(), String::new()),
        (child::SERVICE.to_owned(), unique_service()),
    ];
    let output = run_child(&[], "conformance-unavailable", &env);
    assert_eq!(child_lines(&output), ["conformance-unavailable ok"]);
}

#[test]
fn the_keyutils_store_conforms_in_a_session_keyring() {
    let env = vec![
        (child::BACKEND.to_owned(), "keyutils".to_owned()),
        (child::SERVICE.to_owned(), unique_service()),
    ];
    let output = run_child(&["keyctl", "session", "-"], "conformance", &env);
    assert_eq!(child_lines(&output), ["conformance ok"]);
}

#[test]
fn keyutils_without_a_session_keyring_is_unavailable_not_empty() {
    // The user's fallback session keyring is what a process gets when nothing created a
    // session keyring for it; the store refuses it rather than lose keys there.
    let uid = String::from_utf8(
        std::process::Command::new("id")
            .arg("-u")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let env = vec![
        (child::BACKEND.to_owned(), "keyutils".to_owned()),
        (child::SERVICE.to_owned(), unique_service()),
    ];
    let ring = format!("_uid_ses.{}", uid.trim());
    let output = run_child(
        &["keyctl", "session", &ring],
        "conformance-unavailable",
        &env,
    );
    assert_eq!(child_lines(&output), ["conformance-unavailable ok"]);
}
