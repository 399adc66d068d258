//! The Linux kernel keyring backend, in child processes that have (or lack) a session
//! keyring of their own.

use crate::child;
use crate::cleanup::{KeyringGuard, in_persistent, keyutils_description, keyutils_session};
use crate::support::{assert_no_secret, child_lines, run_child, unique_service};

/// The child's environment, and a guard that removes whatever it stores under profile
/// `dev`, also when the test fails.
fn env() -> (Vec<(String, String)>, KeyringGuard) {
    let service = unique_service();
    let guard = KeyringGuard::new().keyutils(&service, "dev");
    (
        vec![
            (child::BACKEND.to_owned(), "keyutils".to_owned()),
            (child::SERVICE.to_owned(), service),
        ],
        guard,
    )
}

#[test]
fn round_trip_in_a_session_keyring() {
    let (env, _guard) = env();
    let output = run_child(
        &keyutils_session(),
        "check,get,put,get,put-session,get-session,delete,get,get-session,delete-session,get-session",
        &env,
    );
    assert_eq!(
        child_lines(&output)
            .iter()
            .filter(|l| !l.contains(" debug "))
            .collect::<Vec<_>>(),
        [
            "check ok ",
            "get err not-found no credentials for profile `dev` in the keyutils store",
            "put ok ",
            "get ok AKIAIOSFODNN7EXAMPLE same-secret=true",
            "put-session ok ",
            "get-session ok same=true",
            "delete ok true",
            "get err not-found no credentials for profile `dev` in the keyutils store",
            "get-session ok same=true",
            "delete-session ok true",
            "get-session ok same=false",
        ]
    );
}

#[test]
fn another_process_in_the_same_session_reads_the_key() {
    // One session keyring, two processes: the first stores, the second reads and deletes.
    let exe = std::env::current_exe().unwrap();
    let child_args = "child::entry_point --exact --ignored --nocapture --test-threads=1 --quiet";
    let script = format!(
        "SAGECRED_KEYCHAIN_CHILD=put '{exe}' {child_args} && \
         SAGECRED_KEYCHAIN_CHILD=get,delete '{exe}' {child_args}",
        exe = exe.display()
    );
    let (env, _guard) = env();
    let wrapper = keyutils_session();
    let output = std::process::Command::new(wrapper[0])
        .args(&wrapper[1..])
        .args(["sh", "-c", &script])
        .envs(env)
        .output()
        .expect("keyctl (Debian package keyutils) must be installed");
    assert_no_secret(&String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        child_lines(&output),
        [
            "put ok ",
            "get ok AKIAIOSFODNN7EXAMPLE same-secret=true",
            "delete ok true"
        ]
    );
}

#[test]
fn without_a_session_keyring_the_error_says_how_to_get_one() {
    // `keyctl session _uid_ses.UID` puts the child on the user's fallback session keyring,
    // which is what a process gets when nothing created a session keyring for it (no
    // pam_keyinit, as in containers and CI). keyring 3.6 stores keys there but cannot find
    // them again.
    let uid = String::from_utf8(
        std::process::Command::new("id")
            .arg("-u")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let fallback = format!("_uid_ses.{}", uid.trim());
    let (env, _guard) = env();
    let output = run_child(&["keyctl", "session", &fallback], "check,put,get", &env);
    let lines = child_lines(&output);
    for step in ["check", "put", "get"] {
        let line = lines
            .iter()
            .find(|l| l.starts_with(&format!("{step} err ")))
            .unwrap_or_else(|| panic!("no error for `{step}` in {lines:#?}"));
        assert!(
            line.starts_with(&format!("{step} err unavailable "))
                && line.contains("no session keyring")
                && line.contains("keyctl session - $SHELL")
                && line.contains("lost on reboot"),
            "{line}"
        );
    }
}

#[test]
fn a_key_left_behind_is_purged_from_the_persistent_keyring() {
    // keyring 3.6 links every key into the user's persistent keyring, which outlives the
    // session by days. A child in a plain session keyring (no user namespace) stores a key
    // and exits without deleting it, as a failing test would: the guard must remove it.
    let (env, guard) = env();
    let service = env[1].1.clone();
    let description = keyutils_description(&service, "dev");
    let lines = child_lines(&run_child(&["keyctl", "session", "-"], "put", &env));
    assert_eq!(lines, ["put ok "]);
    assert!(
        in_persistent(&description),
        "keyring 3.6 no longer links keys into the persistent keyring; the guard may be moot"
    );
    drop(guard);
    assert!(
        !in_persistent(&description),
        "the key is still in the persistent keyring"
    );
}

#[test]
fn a_throwaway_user_namespace_keeps_the_persistent_keyring_clean() {
    let wrapper = keyutils_session();
    if wrapper[0] != "unshare" {
        // No user namespaces here: the guard alone does the cleaning.
        return;
    }
    let (env, _guard) = env();
    let description = keyutils_description(&env[1].1, "dev");
    let lines = child_lines(&run_child(&wrapper, "put", &env));
    assert_eq!(lines, ["put ok "]);
    assert!(!in_persistent(&description));
}
