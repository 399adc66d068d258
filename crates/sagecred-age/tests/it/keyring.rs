//! Unlock once per login session: the identity waits in the kernel session keyring. Every
//! test runs in a throwaway session keyring (`keyctl session -`), which the kernel drops
//! when the test's processes end.

use crate::support::child_lines;

/// Runs child invocations `steps` (each a comma-separated list) one after the other in
/// one new session keyring, the way commands of one login session run.
fn in_one_session(
    keyring: &str,
    dir: &std::path::Path,
    steps: &[&str],
    timeout: &str,
) -> Vec<String> {
    let exe = std::env::current_exe().unwrap();
    let script = steps
        .iter()
        .map(|s| {
            format!(
                "SAGECRED_AGE_CHILD={s} '{}' child::entry_point --exact --ignored --nocapture --test-threads=1 --quiet",
                exe.display()
            )
        })
        .collect::<Vec<_>>()
        .join(" && ");
    let output = std::process::Command::new("keyctl")
        .args(["session", keyring, "sh", "-c", &script])
        .env("SAGECRED_AGE_DIR", dir)
        .env("SAGECRED_AGE_TIMEOUT", timeout)
        .output()
        .expect("keyctl (Debian package keyutils) must be installed");
    child_lines(&output)
}

#[test]
fn the_first_read_unlocks_and_later_commands_of_the_session_ask_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let lines = in_one_session(
        "-",
        dir.path(),
        &[
            "available,put",
            "get-cached",
            "perms",
            "lock",
            "get-cached",
            "get",
            "get-cached",
        ],
        "3600",
    );
    assert_eq!(
        lines,
        [
            "available true",
            "put true asked=1",
            // Another process of the session: the identity comes from the keyring.
            "get-cached ok same=true asked=0",
            // Possessor: view, read, write, search, link, setattr; user: view; nobody else.
            "perms 3f010000",
            "lock forgot=1",
            "get-cached err unavailable asked=1",
            "get Ok(true) asked=1",
            "get-cached ok same=true asked=0",
        ]
    );
}

#[test]
fn another_login_session_does_not_see_the_unlocked_identity() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        in_one_session("-", dir.path(), &["put,get-cached"], "3600"),
        ["put true asked=1", "get-cached ok same=true asked=0"]
    );
    assert_eq!(
        in_one_session("-", dir.path(), &["get-cached"], "3600"),
        ["get-cached err unavailable asked=1"]
    );
}

#[test]
fn the_kernel_forgets_the_identity_after_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let lines = in_one_session(
        "-",
        dir.path(),
        &["put", "get-cached", "sleep", "get-cached"],
        "1",
    );
    assert_eq!(
        lines,
        [
            "put true asked=1",
            "get-cached ok same=true asked=0",
            "get-cached err unavailable asked=1",
        ]
    );
}

#[test]
fn without_a_session_keyring_of_its_own_every_command_asks() {
    // A keyring named like the user's fallback session keyring stands for "no session
    // keyring" (a cron job, a service without pam_keyinit).
    let dir = tempfile::tempdir().unwrap();
    let lines = in_one_session(
        "_uid_ses.sagecred-test",
        dir.path(),
        &["available,put", "get-cached", "get"],
        "3600",
    );
    assert_eq!(
        lines,
        [
            "available false",
            "put true asked=1",
            "get-cached err unavailable asked=1",
            "get Ok(true) asked=1",
        ]
    );
}
