//! Shared values and helpers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use sagecred_age::{EncryptedFileStore, PassphraseError, PassphraseRequest, StoredKey};
use sagecred_core::{Credentials, ProfileName, Secret};

pub(crate) const ID: &str = "AKIAIOSFODNN7EXAMPLE";
pub(crate) const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
pub(crate) const SECRET2: &str = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
pub(crate) const TOKEN: &str = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";
pub(crate) const PASS: &str = "correct horse battery staple";
/// Pieces of the secrets that must never show up in output, errors or files.
pub(crate) const SECRET_PIECES: &[&str] = &[
    "wJalrXUtnFEMI",
    "je7MtGbClwBF",
    "FwoGZXIvYXdz",
    "horse battery",
];
/// A low scrypt work factor: the store's default (18) costs about a second per unlock.
pub(crate) const TEST_WORK_FACTOR: u8 = 10;

pub(crate) fn profile(name: &str) -> ProfileName {
    name.parse().unwrap()
}

pub(crate) fn creds() -> Credentials {
    Credentials::new(ID.parse().unwrap(), SECRET.into())
}

pub(crate) fn creds2() -> Credentials {
    Credentials::new("AKIAI44QH8DHBEXAMPLE".parse().unwrap(), SECRET2.into())
}

pub(crate) fn key() -> StoredKey {
    StoredKey {
        credentials: creds(),
        user_name: Some("sagemaker-developer".to_owned()),
        created: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
    }
}

pub(crate) fn session() -> Credentials {
    Credentials::new("ASIAIOSFODNN7EXAMPLE".parse().unwrap(), SECRET2.into())
        .with_session_token(TOKEN.into())
        .with_expiration(SystemTime::UNIX_EPOCH + Duration::from_secs(1_900_000_000))
}

/// A store whose passphrase source answers `pass` and counts how often it was asked.
pub(crate) fn store_with(dir: &Path, pass: &'static str) -> (EncryptedFileStore, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let store = EncryptedFileStore::new(dir, move |_: PassphraseRequest<'_>| {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok(Secret::from(pass))
    })
    .with_scrypt_work_factor(TEST_WORK_FACTOR);
    (store, asked)
}

pub(crate) fn store(dir: &Path) -> EncryptedFileStore {
    store_with(dir, PASS).0
}

/// A passphrase source that fails the test if it is ever asked.
pub(crate) fn never_asks(dir: &Path) -> EncryptedFileStore {
    EncryptedFileStore::new(
        dir,
        |_: PassphraseRequest<'_>| -> Result<Secret, PassphraseError> {
            panic!("the passphrase was asked for")
        },
    )
}

/// Every file under `dir` with its bytes: to show that something changed nothing.
pub(crate) fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else if path.extension().is_none_or(|e| e != "lock") {
                out.insert(path.clone(), std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    out
}

/// Fails if any file under `dir` holds a secret in plaintext.
pub(crate) fn assert_no_plaintext_under(dir: &Path) {
    for (path, bytes) in snapshot(dir) {
        let text = String::from_utf8_lossy(&bytes);
        for piece in SECRET_PIECES {
            assert!(
                !text.contains(piece),
                "{} holds a secret in plaintext",
                path.display()
            );
        }
    }
}

/// Fails if `text` holds any piece of the secrets.
pub(crate) fn assert_no_secret(text: &str) {
    for piece in SECRET_PIECES {
        assert!(!text.contains(piece), "a secret leaked into: {text}");
    }
}

/// Asserts that an error is one line that names `needle`, and leaks nothing.
pub(crate) fn assert_one_line(err: &sagecred_core::StoreError, needle: &str) {
    let text = err.to_string();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains(needle), "`{needle}` not in: {text}");
    assert_no_secret(&text);
    assert_no_secret(&format!("{err:?}"));
    if let sagecred_core::StoreError::Unavailable { fix, .. } = err {
        assert_eq!(fix.lines().count(), 1, "{fix}");
    }
}

/// This test binary as a child on [`crate::child::entry_point`] doing `case`, under
/// `wrapper` (such as `keyctl session -`), with `env` added.
pub(crate) fn child_command(wrapper: &[&str], case: &str, env: &[(&str, &str)]) -> Command {
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
    .env("SAGECRED_AGE_CHILD", case)
    .envs(env.iter().copied());
    cmd
}

/// The lines the child reported, without their `sagecred-child: ` prefix. Only the
/// session-keyring tests, which are Linux's, read them.
#[cfg(target_os = "linux")]
pub(crate) fn child_lines(output: &std::process::Output) -> Vec<String> {
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
    assert_no_secret(&stdout);
    lines
}

/// Mode bits of a path.
#[cfg(unix)]
pub(crate) fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}
