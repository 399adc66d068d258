//! The Linux kernel keyring backend, in child processes that have (or lack) a session
//! keyring of their own.

use crate::child;
use crate::support::{assert_no_secret, child_lines, run_child, unique_service};

fn env() -> Vec<(String, String)> {
    vec![
        (child::BACKEND.to_owned(), "keyutils".to_owned()),
        (child::SERVICE.to_owned(), unique_service()),
    ]
}

#[test]
fn round_trip_in_a_session_keyring() {
    let output = run_child(
        &["keyctl", "session", "-"],
        "check,get,put,get,put-session,get-session,delete,get,get-session,delete-session,get-session",
        &env(),
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
    let output = std::process::Command::new("keyctl")
        .args(["session", "-", "sh", "-c", &script])
        .envs(env())
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
    let output = run_child(&["keyctl", "session", &fallback], "check,put,get", &env());
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
