//! The store over real files: what it writes, where, and who can read it.

use std::sync::atomic::Ordering;

use sagecred_age::StoredKey;
use sagecred_core::{Credentials, StoreError};

use crate::support::*;

#[test]
fn keys_round_trip_with_their_metadata_and_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let dev = profile("dev");
    assert!(store.get_key(&dev).unwrap_err().is_not_found());
    assert!(store.profiles().unwrap().is_empty());

    store.put_key(&dev, &key()).unwrap();
    store
        .put_key(&profile("prod"), &StoredKey::new(creds2()))
        .unwrap();
    assert_eq!(store.get_key(&dev).unwrap(), key());
    assert_eq!(
        store.get_key(&profile("prod")).unwrap().credentials,
        creds2()
    );
    assert_eq!(store.profiles().unwrap(), [dev.clone(), profile("prod")]);

    // Overwrite.
    store.put_key(&dev, &StoredKey::new(creds2())).unwrap();
    assert_eq!(store.get_key(&dev).unwrap(), StoredKey::new(creds2()));

    assert!(store.delete_key(&dev).unwrap());
    assert!(!store.delete_key(&dev).unwrap());
    assert!(store.get_key(&dev).unwrap_err().is_not_found());
    assert_eq!(store.profiles().unwrap(), [profile("prod")]);
}

#[test]
fn adding_a_key_needs_no_passphrase_and_reading_asks_once_per_process() {
    let dir = tempfile::tempdir().unwrap();
    let (creator, asked) = store_with(dir.path(), PASS);
    creator.put_key(&profile("dev"), &key()).unwrap();
    assert_eq!(
        asked.load(Ordering::SeqCst),
        1,
        "creating the identity asks once"
    );

    // Another process adds a key: the recipient is public, no passphrase.
    let writer = never_asks(dir.path());
    writer
        .put_key(&profile("prod"), &StoredKey::new(creds2()))
        .unwrap();
    writer.put_session(&profile("prod"), &session()).unwrap();
    assert!(!writer.is_unlocked());

    // A third process reads both keys and the session: one passphrase.
    let (reader, asked) = store_with(dir.path(), PASS);
    assert!(!reader.is_unlocked());
    assert_eq!(reader.get_key(&profile("dev")).unwrap(), key());
    assert_eq!(
        reader.get_key(&profile("prod")).unwrap().credentials,
        creds2()
    );
    assert_eq!(
        reader.get_session(&profile("prod")).unwrap(),
        Some(session())
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert!(reader.is_unlocked());
    reader.lock();
    assert!(!reader.is_unlocked());
}

#[test]
fn sessions_are_kept_apart_from_keys_and_a_new_key_drops_the_old_session() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let dev = profile("dev");
    assert_eq!(store.get_session(&dev).unwrap(), None);
    store.put_key(&dev, &key()).unwrap();
    store.put_session(&dev, &session()).unwrap();
    assert_eq!(store.get_session(&dev).unwrap(), Some(session()));
    assert_eq!(store.get_key(&dev).unwrap(), key());
    assert!(store.delete_session(&dev).unwrap());
    assert_eq!(
        store.get_key(&dev).unwrap(),
        key(),
        "the key outlives its session"
    );

    store.put_session(&dev, &session()).unwrap();
    store.put_key(&dev, &StoredKey::new(creds2())).unwrap();
    assert_eq!(
        store.get_session(&dev).unwrap(),
        None,
        "a session of the replaced key"
    );

    store.put_session(&dev, &session()).unwrap();
    assert!(store.remove(&dev).unwrap());
    assert_eq!(store.get_session(&dev).unwrap(), None);
    assert!(store.get_key(&dev).unwrap_err().is_not_found());
    assert!(!store.remove(&dev).unwrap());
}

#[test]
fn what_does_not_belong_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let dev = profile("dev");
    let err = store.put_key(&dev, &StoredKey::new(session())).unwrap_err();
    assert!(matches!(err, StoreError::Unsupported { .. }), "{err}");
    let err = store.put_session(&dev, &creds()).unwrap_err();
    assert!(matches!(err, StoreError::Unsupported { .. }), "{err}");
    let long = profile(&"/".repeat(128));
    let err = store.put_key(&long, &key()).unwrap_err();
    assert!(matches!(err, StoreError::Unsupported { .. }), "{err}");
    assert!(store.get_key(&long).unwrap_err().is_not_found());
    // Nothing was created by the refusals.
    assert!(!dir.path().join("identity.age").exists());
}

#[test]
fn profile_names_map_to_distinct_safe_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let names = ["dev", "Dev", "a/b", "..", ".", "team:prod@eu+1", "x%41"];
    for (i, name) in names.iter().enumerate() {
        let id = format!("AKIAIOSFODNN7EXAMPL{i}");
        let c = Credentials::new(id.parse().unwrap(), SECRET.into());
        store.put_key(&profile(name), &StoredKey::new(c)).unwrap();
    }
    for (i, name) in names.iter().enumerate() {
        let got = store.get_key(&profile(name)).unwrap();
        assert_eq!(
            got.credentials.access_key_id().as_str(),
            format!("AKIAIOSFODNN7EXAMPL{i}")
        );
    }
    let mut expected: Vec<_> = names.iter().map(|n| profile(n)).collect();
    expected.sort();
    assert_eq!(store.profiles().unwrap(), expected);
    // Every record sits directly in keys/, and none is a dot file.
    for entry in std::fs::read_dir(dir.path().join("keys")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(!name.starts_with('.'), "{name}");
    }
}

#[cfg(unix)]
#[test]
fn files_are_private_and_no_file_holds_a_secret_in_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let store = store(&root);
    let dev = profile("dev");
    store.put_key(&dev, &key()).unwrap();
    store.put_session(&dev, &session()).unwrap();
    for d in [&root, &root.join("keys"), &root.join("sessions")] {
        assert_eq!(mode(d), 0o700, "{}", d.display());
    }
    for f in [
        "identity.age",
        "recipient.txt",
        "keys/dev.age",
        "sessions/dev.age",
    ] {
        assert_eq!(mode(&root.join(f)), 0o600, "{f}");
    }
    assert_no_plaintext_under(dir.path());
    // The identity itself is not in plaintext either.
    for (path, bytes) in snapshot(dir.path()) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("AGE-SECRET-KEY-"),
            "{} holds the identity in plaintext",
            path.display()
        );
    }
    let recipient = std::fs::read_to_string(root.join("recipient.txt")).unwrap();
    assert!(
        recipient.lines().any(|l| l.starts_with("age1")),
        "{recipient}"
    );
    // A group- or world-readable directory is tightened at the next write.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    store.put_key(&profile("prod"), &key()).unwrap();
    assert_eq!(mode(&root), 0o700);
}

#[test]
fn debug_output_shows_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    store.put_key(&profile("dev"), &key()).unwrap();
    store.get_key(&profile("dev")).unwrap();
    let shown = format!("{store:?} {:?}", store.get_key(&profile("dev")).unwrap());
    assert!(!shown.contains("AGE-SECRET-KEY"), "{shown}");
    assert_no_secret(&shown);
}

#[test]
fn concurrent_writers_of_different_profiles_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    store(dir.path()).put_key(&profile("seed"), &key()).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let path = dir.path().to_owned();
            std::thread::spawn(move || {
                // A store per thread, as separate processes would have.
                let store = never_asks(&path);
                for round in 0..10 {
                    let id = format!("AKIAIOSFODNN7EXAM{t}{round:02}");
                    let c = Credentials::new(id.parse().unwrap(), SECRET.into());
                    store
                        .put_key(&profile(&format!("p{t}")), &StoredKey::new(c))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let reader = store(dir.path());
    for t in 0..8 {
        let got = reader.get_key(&profile(&format!("p{t}"))).unwrap();
        assert_eq!(
            got.credentials.access_key_id().as_str(),
            format!("AKIAIOSFODNN7EXAM{t}09")
        );
    }
    assert_eq!(reader.profiles().unwrap().len(), 9);
}

#[test]
fn concurrent_writers_of_one_profile_leave_one_whole_record() {
    let dir = tempfile::tempdir().unwrap();
    store(dir.path()).put_key(&profile("dev"), &key()).unwrap();
    let threads: Vec<_> = [creds(), creds2()]
        .into_iter()
        .map(|c| {
            let path = dir.path().to_owned();
            std::thread::spawn(move || {
                let store = never_asks(&path);
                for _ in 0..20 {
                    store
                        .put_key(&profile("dev"), &StoredKey::new(c.clone()))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let got = store(dir.path())
        .get_key(&profile("dev"))
        .unwrap()
        .credentials;
    assert!(got == creds() || got == creds2());
}

#[test]
fn check_available_asks_for_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = never_asks(&dir.path().join("none-yet"));
    fresh.check_available().unwrap();
    assert!(!fresh.is_initialised());
    store(dir.path()).put_key(&profile("dev"), &key()).unwrap();
    let existing = never_asks(dir.path());
    existing.check_available().unwrap();
    assert!(existing.is_initialised());
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let err = never_asks(&file).check_available().unwrap_err();
    assert_one_line(&err, "is not a directory");
}
