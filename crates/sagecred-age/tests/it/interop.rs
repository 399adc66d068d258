//! Interop: what sagecred writes opens with the reference `age` CLI (Debian package `age`,
//! its passphrase typed into a pseudo-terminal) and with PyPI's `pyrage`, and a record
//! made by hand with `age -R recipient.txt` is read by sagecred.

use std::path::Path;
use std::process::Command;

use sagecred_age::StoredKey;

use crate::support::*;

/// Runs `age` with `args` in a pseudo-terminal, typing the passphrase when it asks (the
/// CLI reads it from the terminal only). Returns the exit code and what the terminal saw.
fn age_in_pty(args: &[&str], passphrase: &str) -> (i32, String) {
    const DRIVER: &str = r#"
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp("age", ["age"] + sys.argv[1:])
seen, sent = b"", False
while True:
    try:
        data = os.read(fd, 1024)
    except OSError:
        break
    if not data:
        break
    seen += data
    if not sent and b"passphrase" in seen.lower():
        os.write(fd, os.environ["AGE_TEST_PASSPHRASE"].encode() + b"\n")
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    let output = Command::new("python3")
        .arg("-c")
        .arg(DRIVER)
        .args(args)
        .env("AGE_TEST_PASSPHRASE", passphrase)
        .output()
        .expect("python3 must be installed");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn decrypted_record(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not a JSON record ({e})"))
}

fn written_store(dir: &Path) {
    let store = store(dir);
    store.put_key(&profile("dev"), &key()).unwrap();
    store.put_session(&profile("dev"), &session()).unwrap();
}

#[test]
fn the_age_cli_opens_a_record_with_the_passphrase_alone() {
    assert!(
        Command::new("age").arg("--version").output().is_ok(),
        "the `age` CLI (Debian package age) must be installed"
    );
    let dir = tempfile::tempdir().unwrap();
    written_store(dir.path());
    let out = dir.path().join("dev.json");
    let (code, terminal) = age_in_pty(
        &[
            "--decrypt",
            "-i",
            dir.path().join("identity.age").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            dir.path().join("keys/dev.age").to_str().unwrap(),
        ],
        PASS,
    );
    assert_eq!(code, 0, "age failed: {terminal}");
    let record = decrypted_record(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(record["aws_access_key_id"], ID);
    assert_eq!(record["aws_secret_access_key"], SECRET);
    assert_eq!(record["user_name"], "sagemaker-developer");
    assert_eq!(record["profile"], "dev");

    // The cached session opens the same way.
    let out = dir.path().join("session.json");
    let (code, terminal) = age_in_pty(
        &[
            "-d",
            "-i",
            dir.path().join("identity.age").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            dir.path().join("sessions/dev.age").to_str().unwrap(),
        ],
        PASS,
    );
    assert_eq!(code, 0, "age failed: {terminal}");
    assert_eq!(
        decrypted_record(&std::fs::read_to_string(&out).unwrap())["aws_session_token"],
        TOKEN
    );

    // A wrong passphrase opens nothing.
    let out = dir.path().join("wrong.json");
    let (code, _) = age_in_pty(
        &[
            "-d",
            "-i",
            dir.path().join("identity.age").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            dir.path().join("keys/dev.age").to_str().unwrap(),
        ],
        "not the passphrase",
    );
    assert_ne!(code, 0);
    assert!(std::fs::read(&out).map(|b| b.is_empty()).unwrap_or(true));
}

#[test]
fn pyrage_opens_the_identity_and_a_record() {
    const SCRIPT: &str = r##"
import os, sys, pyrage
identity_file, record_file = sys.argv[1:3]
text = pyrage.passphrase.decrypt(open(identity_file, "rb").read(), os.environ["AGE_TEST_PASSPHRASE"]).decode()
line = [l for l in text.splitlines() if l.strip() and not l.startswith("#")][0]
identity = pyrage.x25519.Identity.from_str(line)
sys.stdout.write(pyrage.decrypt(open(record_file, "rb").read(), [identity]).decode())
"##;
    let dir = tempfile::tempdir().unwrap();
    written_store(dir.path());
    let output = Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(dir.path().join("identity.age"))
        .arg(dir.path().join("keys/dev.age"))
        .env("AGE_TEST_PASSPHRASE", PASS)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "pyrage failed (python3 -m pip install pyrage): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let record = decrypted_record(&String::from_utf8_lossy(&output.stdout));
    assert_eq!(record["aws_access_key_id"], ID);
    assert_eq!(record["aws_secret_access_key"], SECRET);
}

#[test]
fn a_record_made_by_hand_with_the_age_cli_is_read() {
    let dir = tempfile::tempdir().unwrap();
    written_store(dir.path());
    let record = serde_json::json!({
        "v": 1, "kind": "key", "profile": "by-hand",
        "aws_access_key_id": "AKIAI44QH8DHBEXAMPLE", "aws_secret_access_key": SECRET2,
    });
    let plain = dir.path().join("plain.json");
    std::fs::write(&plain, record.to_string()).unwrap();
    let status = Command::new("age")
        .arg("-R")
        .arg(dir.path().join("recipient.txt"))
        .arg("-o")
        .arg(dir.path().join("keys/by-hand.age"))
        .arg(&plain)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::remove_file(&plain).unwrap();
    let store = store(dir.path());
    assert_eq!(
        store.get_key(&profile("by-hand")).unwrap(),
        StoredKey::new(creds2())
    );
    assert_eq!(
        store.profiles().unwrap(),
        [profile("by-hand"), profile("dev")]
    );
}
