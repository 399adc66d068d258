//! Shared helpers: test data, unique service names, the environment check, and running this
//! binary as a child process.

use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use sagecred_core::{Credentials, ProfileName};
use sagecred_keychain::StoredKey;

/// AWS's documentation example key.
pub(crate) const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
/// AWS's documentation example secret.
pub(crate) const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// An example session token.
pub(crate) const TOKEN: &str = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";
/// Pieces of the secrets that must never appear in any output.
const SECRET_PIECES: [&str; 2] = ["wJalrXUtnFEMI", "FwoGZXIvYXdzEXAMPLE"];

/// Fails the test unless `cargo xtask test` (or `cargo xtask services`) has provided a
/// Secret Service.
pub(crate) fn require_secret_service() {
    let flag = std::env::var("SAGECRED_TEST_SECRET_SERVICE").unwrap_or_default();
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
    assert!(
        flag == "1" && !bus.is_empty(),
        "this test needs a Secret Service: run `cargo xtask test`, or export the variables \
         that `cargo xtask services` prints (SAGECRED_TEST_SECRET_SERVICE=1 and \
         DBUS_SESSION_BUS_ADDRESS)"
    );
}

/// A service name no other test (or real entry) uses.
pub(crate) fn unique_service() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "sagecred-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

pub(crate) fn profile(name: &str) -> ProfileName {
    name.parse().unwrap()
}

pub(crate) fn long_term() -> Credentials {
    Credentials::new(KEY_ID.parse().unwrap(), SECRET.into())
}

pub(crate) fn stored_key() -> StoredKey {
    StoredKey {
        credentials: long_term(),
        user_name: Some("sagemaker-developer".to_owned()),
        created: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
    }
}

pub(crate) fn session() -> Credentials {
    Credentials::new("ASIAIOSFODNN7EXAMPLE".parse().unwrap(), SECRET.into())
        .with_session_token(TOKEN.into())
        .with_expiration(SystemTime::UNIX_EPOCH + Duration::from_secs(1_900_000_000))
}

/// Fails if `text` holds any piece of the example secrets.
pub(crate) fn assert_no_secret(text: &str) {
    for piece in SECRET_PIECES {
        assert!(!text.contains(piece), "a secret leaked into: {text}");
    }
}

/// Runs this test binary as a child on [`crate::child::entry_point`], doing `case` with the
/// given extra environment (an empty value removes the variable), and returns its output.
/// `wrapper` runs it under another command, such as `keyctl session -`.
pub(crate) fn run_child(wrapper: &[&str], case: &str, env: &[(String, String)]) -> Output {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = match wrapper.split_first() {
        Some((program, args)) => {
            let mut cmd = Command::new(program);
            cmd.args(args).arg(&exe);
            cmd
        }
        None => Command::new(&exe),
    };
    cmd.args([
        "child::entry_point",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
        "--quiet",
    ])
    .env("SAGECRED_KEYCHAIN_CHILD", case);
    for (key, value) in env {
        if value.is_empty() {
            cmd.env_remove(key);
        } else {
            cmd.env(key, value);
        }
    }
    let output = cmd.output().unwrap();
    assert_no_secret(&String::from_utf8_lossy(&output.stderr));
    output
}

/// The lines the child reported (its `sagecred-child:` lines, without the prefix).
pub(crate) fn child_lines(output: &Output) -> Vec<String> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("sagecred-child: "))
        .map(str::to_owned)
        .collect();
    assert!(
        !lines.is_empty() && output.status.success(),
        "the child reported nothing or failed ({}):\nstdout: {stdout}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    lines
}
