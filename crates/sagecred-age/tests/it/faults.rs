//! Faults: each is one line, and loses nothing.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use sagecred_age::{EncryptedFileStore, PassphraseError, PassphraseRequest, StoredKey};
use sagecred_core::{Secret, StoreError};

use crate::support::*;

/// A store in `dir` holding `dev` (the example key, and a cached session) and `prod` (the
/// second key).
fn two_profiles(dir: &std::path::Path) {
    let store = store(dir);
    store.put_key(&profile("dev"), &key()).unwrap();
    store
        .put_key(&profile("prod"), &StoredKey::new(creds2()))
        .unwrap();
    store.put_session(&profile("dev"), &session()).unwrap();
}

#[test]
fn a_wrong_passphrase_is_one_line_asked_once_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    two_profiles(dir.path());
    let before = snapshot(dir.path());
    let (wrong, asked) = store_with(dir.path(), "not the passphrase");
    let err = wrong.get_key(&profile("dev")).unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
    assert_one_line(&err, "wrong passphrase for");
    assert_one_line(&err, "identity.age");
    // The session read and the key read of one command do not ask twice.
    assert!(wrong.get_session(&profile("dev")).is_err());
    assert!(wrong.get_key(&profile("prod")).is_err());
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert_eq!(snapshot(dir.path()), before);
    // The right passphrase still opens everything.
    assert_eq!(store(dir.path()).get_key(&profile("dev")).unwrap(), key());
}

#[test]
fn no_passphrase_to_be_had_is_the_sources_own_line() {
    let dir = tempfile::tempdir().unwrap();
    two_profiles(dir.path());
    let store = EncryptedFileStore::new(dir.path(), |_: PassphraseRequest<'_>| {
        Err::<Secret, _>(PassphraseError {
            reason: "the store is locked and there is no terminal to ask for its passphrase".into(),
            fix: "run `sagecred unlock` in a terminal".into(),
        })
    });
    let err = store.get_key(&profile("dev")).unwrap_err();
    assert_one_line(&err, "no terminal");
    let StoreError::Unavailable { fix, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(fix.contains("sagecred unlock"), "{fix}");
}

#[test]
fn a_corrupted_record_is_one_line_and_the_others_still_open() {
    let dir = tempfile::tempdir().unwrap();
    two_profiles(dir.path());
    let record = dir.path().join("keys/dev.age");
    let good = std::fs::read(&record).unwrap();
    let reader = store(dir.path());

    // A flipped byte in the encrypted payload, a cut-off file, and garbage.
    let mut flipped = good.clone();
    let last = flipped.len() - 5;
    flipped[last] ^= 0x55;
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("flipped", flipped, "damaged or truncated"),
        (
            "truncated",
            good[..good.len() - 20].to_vec(),
            "damaged or truncated",
        ),
        ("header cut", good[..40].to_vec(), "keys/dev.age"),
        (
            "garbage",
            b"not an age file at all\n".to_vec(),
            "not an age file",
        ),
    ];
    for (what, bytes, needle) in cases {
        std::fs::write(&record, &bytes).unwrap();
        let before = snapshot(dir.path());
        let err = reader.get_key(&profile("dev")).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{what}: {err:?}");
        assert_one_line(&err, needle);
        assert_one_line(&err, "dev");
        assert_eq!(snapshot(dir.path()), before, "{what}");
        assert_eq!(
            reader.get_key(&profile("prod")).unwrap().credentials,
            creds2(),
            "{what}"
        );
    }
    // Storing the key again repairs the profile.
    reader.put_key(&profile("dev"), &key()).unwrap();
    assert_eq!(reader.get_key(&profile("dev")).unwrap(), key());
}

#[test]
fn a_missing_identity_file_is_one_line_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    two_profiles(dir.path());
    let identity = dir.path().join("identity.age");
    let saved = std::fs::read(&identity).unwrap();
    std::fs::remove_file(&identity).unwrap();
    let before = snapshot(dir.path());

    let (reader, asked) = store_with(dir.path(), PASS);
    let err = reader.get_key(&profile("dev")).unwrap_err();
    assert_one_line(&err, "identity.age is missing");
    assert_one_line(&err, "2 record(s)");
    // Writing a key now would make a record nobody can open, or a new identity that
    // orphans the old records: both are refused.
    let err = reader.put_key(&profile("new"), &key()).unwrap_err();
    assert_one_line(&err, "identity.age is missing");
    let err = reader.check_available().unwrap_err();
    assert_one_line(&err, "identity.age is missing");
    std::fs::remove_file(dir.path().join("recipient.txt")).unwrap();
    let err = reader.put_key(&profile("new"), &key()).unwrap_err();
    assert_one_line(&err, "identity.age is missing");
    assert_eq!(asked.load(Ordering::SeqCst), 0);
    let mut expected = before.clone();
    expected.remove(&dir.path().join("recipient.txt"));
    assert_eq!(snapshot(dir.path()), expected);

    // Restoring it from a backup brings every key back.
    std::fs::write(&identity, saved).unwrap();
    assert_eq!(store(dir.path()).get_key(&profile("dev")).unwrap(), key());
    assert!(
        dir.path().join("recipient.txt").is_file(),
        "rewritten from the identity"
    );
}

#[test]
fn a_record_encrypted_to_another_identity_is_one_line() {
    let ours = tempfile::tempdir().unwrap();
    let theirs = tempfile::tempdir().unwrap();
    two_profiles(ours.path());
    store(theirs.path())
        .put_key(&profile("dev"), &StoredKey::new(creds2()))
        .unwrap();
    std::fs::copy(
        theirs.path().join("keys/dev.age"),
        ours.path().join("keys/dev.age"),
    )
    .unwrap();
    let before = snapshot(ours.path());
    let reader = store(ours.path());
    let err = reader.get_key(&profile("dev")).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert_one_line(&err, "encrypted to another identity");
    assert_eq!(snapshot(ours.path()), before);
    assert_eq!(
        reader.get_key(&profile("prod")).unwrap().credentials,
        creds2()
    );
}

#[test]
fn a_record_moved_to_another_profile_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    two_profiles(dir.path());
    std::fs::copy(
        dir.path().join("keys/prod.age"),
        dir.path().join("keys/dev.age"),
    )
    .unwrap();
    let err = store(dir.path()).get_key(&profile("dev")).unwrap_err();
    assert_one_line(&err, "another profile");
}

#[test]
fn a_recipient_file_naming_another_key_is_caught_at_unlock() {
    let ours = tempfile::tempdir().unwrap();
    let theirs = tempfile::tempdir().unwrap();
    two_profiles(ours.path());
    store(theirs.path()).put_key(&profile("x"), &key()).unwrap();
    std::fs::copy(
        theirs.path().join("recipient.txt"),
        ours.path().join("recipient.txt"),
    )
    .unwrap();
    let err = store(ours.path()).get_key(&profile("dev")).unwrap_err();
    assert_one_line(&err, "recipient.txt names another key");
}

#[cfg(unix)]
#[test]
fn nothing_but_a_regular_file_is_read_or_replaced() {
    let dir = tempfile::tempdir().unwrap();
    two_profiles(dir.path());
    let outside = dir.path().join("outside");
    std::fs::write(&outside, "precious").unwrap();
    let record = dir.path().join("keys/dev.age");
    std::fs::remove_file(&record).unwrap();
    std::os::unix::fs::symlink(&outside, &record).unwrap();
    let store = store(dir.path());
    let err = store.put_key(&profile("dev"), &key()).unwrap_err();
    assert_one_line(&err, "not a regular file");
    let err = store.get_key(&profile("dev")).unwrap_err();
    assert_one_line(&err, "not a regular file");
    let err = store.delete_key(&profile("dev")).unwrap_err();
    assert_one_line(&err, "not a regular file");
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "precious");
    assert!(
        std::fs::symlink_metadata(&record)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn a_writer_killed_mid_write_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    two_profiles(dir.path());
    let path = dir.path().to_str().unwrap().to_owned();
    for round in 0..6 {
        let mut child = child_command(&[], "writer-loop", &[("SAGECRED_AGE_DIR", &path)])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Let it get going, then kill it at some point of a write.
        let started = Instant::now();
        let record = dir.path().join("keys/dev.age");
        let first = std::fs::read(&record).unwrap();
        while std::fs::read(&record).unwrap() == first
            && started.elapsed() < Duration::from_secs(20)
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis(3 * round));
        child.kill().unwrap();
        child.wait().unwrap();
        let reader = store(dir.path());
        let got = reader.get_key(&profile("dev")).unwrap().credentials;
        assert!(got == creds() || got == creds2(), "round {round}");
        assert_eq!(
            reader.get_key(&profile("prod")).unwrap().credentials,
            creds2()
        );
        assert_eq!(
            reader.profiles().unwrap(),
            [profile("dev"), profile("prod")]
        );
    }
    assert_no_plaintext_under(dir.path());
}
