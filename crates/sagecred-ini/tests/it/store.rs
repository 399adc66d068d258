//! `FileStore`: the plaintext credential store over the credentials file.

use std::fs;

use sagecred_core::{CredentialStore, Credentials, ProfileName, StoreError, StoreKind, StoredKey};
use sagecred_ini::{AwsFiles, FileStore};

const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn setup(credentials: Option<&str>) -> (tempfile::TempDir, FileStore, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".aws/credentials");
    if let Some(text) = credentials {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        // As `aws configure` leaves it: a credentials file others may read is refused.
        #[cfg(unix)]
        fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    }
    let store = FileStore::new(AwsFiles {
        config: dir.path().join(".aws/config"),
        credentials: path.clone(),
    });
    (dir, store, path)
}

fn name(s: &str) -> ProfileName {
    s.parse().unwrap()
}

fn creds() -> Credentials {
    Credentials::new(KEY_ID.parse().unwrap(), SECRET.into())
}

fn key(c: &Credentials) -> StoredKey {
    StoredKey::new(c.clone())
}

#[test]
fn round_trip() {
    let (_dir, store, path) = setup(None);
    assert_eq!(store.kind(), StoreKind::File);
    let dev = name("dev");
    assert!(store.get(&dev).unwrap_err().is_not_found());
    assert!(store.list().unwrap().is_empty());
    assert!(!store.delete(&dev).unwrap());
    assert!(!path.exists(), "delete on a missing file created it");

    store.put(&dev, &key(&creds())).unwrap();
    assert_eq!(store.get(&dev).unwrap().credentials, creds());
    assert_eq!(store.list().unwrap(), vec![dev.clone()]);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        format!("[dev]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")
    );

    let temporary = Credentials::new("ASIAIOSFODNN7EXAMPLE".parse().unwrap(), SECRET.into())
        .with_session_token("FwoGZXIvYXdzEXAMPLETOKEN".into());
    store.put(&dev, &key(&temporary)).unwrap();
    assert_eq!(store.get(&dev).unwrap().credentials, temporary);
    // Long-term keys again: the stale session token must go.
    store.put(&dev, &key(&creds())).unwrap();
    assert_eq!(store.get(&dev).unwrap().credentials, creds());
    assert!(
        !fs::read_to_string(&path)
            .unwrap()
            .contains("aws_session_token")
    );

    assert!(store.delete(&dev).unwrap());
    assert_eq!(fs::read_to_string(&path).unwrap(), "");
    assert!(store.get(&dev).unwrap_err().is_not_found());
}

#[test]
fn put_and_delete_keep_everything_else_byte_for_byte() {
    let original = "# keys for work\r\n[other]\r\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\r\naws_secret_access_key = x\r\n\r\n[dev] ; mine\r\nregion = eu-west-1\r\n# keep this comment\r\n";
    let (_dir, store, path) = setup(Some(original));
    let dev = name("dev");
    store.put(&dev, &key(&creds())).unwrap();
    let with_keys = format!(
        "# keys for work\r\n[other]\r\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\r\naws_secret_access_key = x\r\n\r\n[dev] ; mine\r\nregion = eu-west-1\r\naws_access_key_id = {KEY_ID}\r\naws_secret_access_key = {SECRET}\r\n# keep this comment\r\n"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), with_keys);
    assert_eq!(store.list().unwrap(), vec![dev.clone(), name("other")]);

    // The section keeps a property and a comment, so it stays.
    assert!(store.delete(&dev).unwrap());
    assert_eq!(fs::read_to_string(&path).unwrap(), original);
}

#[test]
fn delete_keeps_a_section_with_a_comment() {
    let text =
        format!("[dev]\n# why\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n");
    let (_dir, store, path) = setup(Some(&text));
    assert!(store.delete(&name("dev")).unwrap());
    assert_eq!(fs::read_to_string(&path).unwrap(), "[dev]\n# why\n");
}

#[test]
fn not_found_versus_corrupt() {
    let text = format!(
        "[no-key]\nregion = x\n[no-secret]\naws_access_key_id = {KEY_ID}\n[bad-id]\naws_access_key_id = {SECRET}\naws_secret_access_key = {SECRET}\n"
    );
    let (_dir, store, _path) = setup(Some(&text));
    assert!(store.get(&name("missing")).unwrap_err().is_not_found());
    assert!(store.get(&name("no-key")).unwrap_err().is_not_found());

    let err = store.get(&name("no-secret")).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("aws_secret_access_key"), "{err}");

    let err = store.get(&name("bad-id")).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(!err.to_string().contains("wJalr"), "{err}");
    assert!(!format!("{err:?}").contains("wJalr"), "{err:?}");
}

#[test]
fn a_malformed_file_is_a_backend_error_without_secrets() {
    let text = format!("[dev]\naws_secret_access_key =\n  {SECRET}\n");
    let (_dir, store, path) = setup(Some(&text));
    let err = store.get(&name("dev")).unwrap_err();
    assert!(matches!(err, StoreError::Backend { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    let chain = format!("{err} {:?}", std::error::Error::source(&err));
    assert!(!chain.contains("wJalr"), "{chain}");
    let err = store.put(&name("dev"), &key(&creds())).unwrap_err();
    assert!(matches!(err, StoreError::Backend { .. }), "{err:?}");
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
}
