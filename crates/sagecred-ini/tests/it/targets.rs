//! What the writers refuse and what the readers accept: devices, FIFOs, sockets,
//! directories and symlinks to them, read-only files, files other users can read, and
//! a lock path that is not a regular file. A refused write creates nothing, not even the
//! lock file.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use sagecred_core::{CredentialStore, Credentials};
use sagecred_ini::{
    AwsFiles, FileKind, FileStore, IniError, MAX_FILE_LEN, ProfileSet, SectionKey, WriteOptions,
    check_writable, edit, edit_with, find_config_profile, lock_file, write_atomic, write_private,
    write_private_with,
};

const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn dev() -> SectionKey {
    SectionKey::Profile("dev".to_owned())
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// A character device at `path` (`c 1 MINOR`: 3 is null, 5 is zero), made with `mknod`,
/// or `None` where the tests may not make devices (not root).
fn device(path: &Path, minor: &str) -> Option<PathBuf> {
    let made = Command::new("mknod")
        .arg(path)
        .args(["c", "1", minor])
        .status()
        .is_ok_and(|s| s.success());
    made.then(|| path.to_owned())
}

/// A null device in `dir`, or `/dev/null` itself where devices cannot be made (a
/// non-root user cannot replace `/dev/null`, so a regression cannot harm the machine).
fn null_device(dir: &Path) -> PathBuf {
    device(&dir.join("null"), "3").unwrap_or_else(|| PathBuf::from("/dev/null"))
}

fn fifo(path: &Path) -> PathBuf {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
    path.to_owned()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `f` on another thread and fails the test if it takes more than 10 seconds: a
/// read of a FIFO must never hang.
fn within_10s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("the call did not return within 10 seconds")
}

fn set_dev(path: &Path) -> Result<bool, IniError> {
    edit(path, FileKind::Credentials, |doc| {
        Ok::<_, IniError>(doc.set(&dev(), "region", "x"))
    })
}

#[track_caller]
fn assert_not_a_file(err: &IniError, file_type: &str, action: &str) {
    match err {
        IniError::NotAFile {
            file_type: t,
            action: a,
            ..
        } => {
            assert_eq!((*t, *a), (file_type, action), "{err}");
        }
        other => panic!("expected NotAFile, got {other:?}"),
    }
}

#[test]
fn no_writer_replaces_a_character_device_or_creates_anything_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let null = null_device(dir.path());
    let parent = null.parent().unwrap().to_owned();
    let before = names_in(&parent);

    let err = set_dev(&null).unwrap_err();
    assert_not_a_file(&err, "a character device", "write");
    assert_eq!(
        err.to_string(),
        format!(
            "cannot write {}: it is a character device, not a regular file",
            null.display()
        )
    );
    assert_not_a_file(
        &write_atomic(&null, b"[dev]\n").unwrap_err(),
        "a character device",
        "write",
    );
    assert_not_a_file(
        &write_private(&null, b"token").unwrap_err(),
        "a character device",
        "write",
    );
    let forced = WriteOptions::default().force(true);
    assert_not_a_file(
        &write_private_with(&null, b"token", forced).unwrap_err(),
        "a character device",
        "write",
    );
    assert_not_a_file(&lock_file(&null).unwrap_err(), "a character device", "lock");
    assert_not_a_file(
        &check_writable(&null, WriteOptions::default()).unwrap_err(),
        "a character device",
        "write",
    );

    assert!(fs::metadata(&null).unwrap().file_type().is_char_device());
    assert_eq!(names_in(&parent), before, "something was created");
}

#[test]
fn a_device_reads_as_empty_and_an_edit_that_changes_nothing_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let null = null_device(dir.path());
    let files = AwsFiles {
        config: null.clone(),
        credentials: null.clone(),
    };
    assert!(ProfileSet::load(&files).unwrap().profile_names().is_empty());
    assert_eq!(find_config_profile(&files, "dev").unwrap(), None);

    // Deleting keys from a `/dev/null` credentials file finds none, and writes nothing.
    let store = FileStore::new(files);
    let deleted = store.delete(&"dev".parse().unwrap()).unwrap();
    assert!(!deleted);
    let unchanged = edit(&null, FileKind::Credentials, |doc| {
        Ok::<_, IniError>(doc.remove(&dev(), "region"))
    })
    .unwrap();
    assert!(!unchanged);
    if null.starts_with(dir.path()) {
        assert_eq!(names_in(dir.path()), vec!["null"]);
    }
}

#[test]
fn a_symlink_to_a_device_is_followed_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let devices = dir.path().join("devices");
    fs::create_dir(&devices).unwrap();
    let null = null_device(&devices);
    let aws = dir.path().join(".aws");
    fs::create_dir(&aws).unwrap();
    let link = aws.join("credentials");
    symlink(&null, &link).unwrap();

    let err = set_dev(&link).unwrap_err();
    assert_not_a_file(&err, "a character device", "write");
    assert!(
        err.to_string()
            .contains(&format!("it leads to {}, which is", null.display())),
        "{err}"
    );
    assert_not_a_file(
        &write_atomic(&link, b"x").unwrap_err(),
        "a character device",
        "write",
    );
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(names_in(&aws), vec!["credentials"]);
    if null.starts_with(&devices) {
        assert_eq!(names_in(&devices), vec!["null"]);
    }
}

#[test]
fn a_fifo_is_read_without_hanging_and_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = fifo(&dir.path().join("config"));
    let files = AwsFiles {
        config: pipe.clone(),
        credentials: dir.path().join("credentials"),
    };

    // No writer: the FIFO reads as empty at once.
    let f = files.clone();
    let set = within_10s(move || ProfileSet::load_config_only(&f).map(|s| s.profile_names()));
    assert!(set.unwrap().is_empty());
    let f = files.clone();
    assert_eq!(
        within_10s(move || find_config_profile(&f, "dev")).unwrap(),
        None
    );

    // A writer (as a shell's `<(...)` is): its text is read to the end.
    let writer_path = pipe.clone();
    let writer = std::thread::spawn(move || {
        fs::write(writer_path, "[profile dev]\nregion = eu-west-1\n").unwrap();
    });
    std::thread::sleep(Duration::from_millis(100));
    let f = files.clone();
    let region = within_10s(move || {
        find_config_profile(&f, "dev").map(|s| s.and_then(|s| s.get("region").map(str::to_owned)))
    });
    writer.join().unwrap();
    assert_eq!(region.unwrap().as_deref(), Some("eu-west-1"));

    // Writing is refused without waiting, and leaves no lock or temp file.
    let p = pipe.clone();
    let err = within_10s(move || {
        edit(&p, FileKind::Config, |doc| {
            Ok::<_, IniError>(doc.set(&dev(), "region", "x"))
        })
    })
    .unwrap_err();
    assert_not_a_file(&err, "a FIFO (named pipe)", "write");
    let p = pipe.clone();
    assert_not_a_file(
        &within_10s(move || write_atomic(&p, b"x")).unwrap_err(),
        "a FIFO (named pipe)",
        "write",
    );
    assert_eq!(names_in(dir.path()), vec!["config"]);
    assert!(fs::metadata(&pipe).unwrap().file_type().is_fifo());
}

#[test]
fn a_socket_or_directory_is_neither_read_nor_written() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("credentials");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let directory = dir.path().join("config");
    fs::create_dir(&directory).unwrap();
    let before = names_in(dir.path());

    for (path, file_type) in [(&socket, "a socket"), (&directory, "a directory")] {
        assert_not_a_file(&set_dev(path).unwrap_err(), file_type, "read");
        assert_not_a_file(&write_atomic(path, b"x").unwrap_err(), file_type, "write");
        assert_not_a_file(&lock_file(path).unwrap_err(), file_type, "lock");
    }
    let files = AwsFiles {
        config: directory.clone(),
        credentials: socket.clone(),
    };
    assert_not_a_file(
        &ProfileSet::load(&files).unwrap_err(),
        "a directory",
        "read",
    );
    assert_not_a_file(
        &find_config_profile(&files, "dev").unwrap_err(),
        "a directory",
        "read",
    );
    assert_eq!(names_in(dir.path()), before);
    assert!(names_in(&directory).is_empty());
}

#[test]
fn a_lock_path_that_is_not_a_regular_file_is_refused_without_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    fs::write(&path, "[dev]\n").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();

    // A FIFO: opening it for writing would wait for a reader forever.
    let lock = fifo(&dir.path().join("credentials.lock"));
    let p = path.clone();
    let err = within_10s(move || set_dev(&p)).unwrap_err();
    assert_not_a_file(&err, "a FIFO (named pipe)", "lock");
    fs::remove_file(&lock).unwrap();

    // A symlink: following it would create or lock a file elsewhere.
    let elsewhere = dir.path().join("elsewhere");
    symlink(&elsewhere, &lock).unwrap();
    assert_not_a_file(&set_dev(&path).unwrap_err(), "a symbolic link", "lock");
    assert_not_a_file(&lock_file(&path).unwrap_err(), "a symbolic link", "lock");
    assert!(!elsewhere.exists());
    assert_eq!(fs::read_to_string(&path).unwrap(), "[dev]\n");
}

#[test]
fn secrets_are_not_written_into_a_file_others_can_read_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let files = AwsFiles {
        config: dir.path().join("config"),
        credentials: dir.path().join("credentials"),
    };
    let text = "# shared\n[other]\nregion = eu-west-1\n";
    fs::write(&files.credentials, text).unwrap();
    fs::set_permissions(&files.credentials, fs::Permissions::from_mode(0o644)).unwrap();
    let creds =
        sagecred_core::StoredKey::new(Credentials::new(KEY_ID.parse().unwrap(), SECRET.into()));
    let profile = "dev".parse().unwrap();

    let err = FileStore::new(files.clone())
        .put(&profile, &creds)
        .unwrap_err();
    let source = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<IniError>())
        .unwrap_or_else(|| panic!("the source is not an IniError: {err:?}"));
    assert!(
        matches!(source, IniError::NotPrivate { mode: 0o644, .. }),
        "{source:?}"
    );
    assert_eq!(
        source.to_string(),
        format!(
            "{} is open to other users (mode 0644); refusing to write secrets to it",
            files.credentials.display()
        )
    );
    assert_eq!(fs::read_to_string(&files.credentials).unwrap(), text);
    let secrets = WriteOptions::default().secrets(true);
    assert!(matches!(
        check_writable(&files.credentials, secrets),
        Err(IniError::NotPrivate { .. })
    ));
    // Writes that hold no secret, and deletions, are not refused.
    check_writable(&files.credentials, WriteOptions::default()).unwrap();
    edit_with(&files.credentials, FileKind::Credentials, secrets, |_| {
        Ok::<_, IniError>(())
    })
    .unwrap();

    // Group-writable counts too.
    fs::set_permissions(&files.credentials, fs::Permissions::from_mode(0o620)).unwrap();
    assert!(matches!(
        check_writable(&files.credentials, secrets),
        Err(IniError::NotPrivate { mode: 0o620, .. })
    ));
    fs::set_permissions(&files.credentials, fs::Permissions::from_mode(0o644)).unwrap();

    FileStore::new(files.clone())
        .force(true)
        .put(&profile, &creds)
        .unwrap();
    assert!(
        fs::read_to_string(&files.credentials)
            .unwrap()
            .contains(SECRET)
    );
    assert_eq!(mode(&files.credentials), 0o644);

    // A token cache others can read: refused, then written 0600 when forced.
    let cache = dir.path().join("token.json");
    fs::write(&cache, "{}").unwrap();
    fs::set_permissions(&cache, fs::Permissions::from_mode(0o604)).unwrap();
    assert!(matches!(
        write_private(&cache, b"{\"accessToken\":\"t\"}"),
        Err(IniError::NotPrivate { mode: 0o604, .. })
    ));
    assert_eq!(fs::read_to_string(&cache).unwrap(), "{}");
    write_private_with(
        &cache,
        b"{\"accessToken\":\"t\"}",
        WriteOptions::default().force(true),
    )
    .unwrap();
    assert_eq!(mode(&cache), 0o600);
}

#[test]
fn a_read_only_file_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials");
    fs::write(&path, "[dev]\nregion = y\n").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
    let inode = fs::metadata(&path).unwrap().ino();

    let err = set_dev(&path).unwrap_err();
    assert!(
        matches!(
            err,
            IniError::ReadOnly {
                mode: Some(0o400),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "{} is read-only (mode 0400); sagecred will not replace it",
            path.display()
        )
    );
    for result in [
        write_atomic(&path, b"x"),
        write_private(&path, b"x"),
        write_private_with(&path, b"x", WriteOptions::default().force(true)),
        check_writable(&path, WriteOptions::default()),
    ] {
        assert!(
            matches!(result, Err(IniError::ReadOnly { .. })),
            "{result:?}"
        );
    }
    // An edit that changes nothing needs no write.
    let changed = edit(&path, FileKind::Credentials, |doc| {
        Ok::<_, IniError>(doc.set(&dev(), "region", "y"))
    })
    .unwrap();
    assert!(!changed);
    assert_eq!(fs::read_to_string(&path).unwrap(), "[dev]\nregion = y\n");
    assert_eq!(fs::metadata(&path).unwrap().ino(), inode);
    assert_eq!(mode(&path), 0o400);
}

#[test]
fn an_endless_device_is_refused_as_too_large() {
    let dir = tempfile::tempdir().unwrap();
    let zero = device(&dir.path().join("zero"), "5").unwrap_or_else(|| "/dev/zero".into());
    let files = AwsFiles {
        config: zero.clone(),
        credentials: zero.clone(),
    };
    let f = files.clone();
    let err = within_10s(move || ProfileSet::load(&f)).unwrap_err();
    assert!(matches!(err, IniError::TooLarge { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "{} is larger than 64 MiB, too large to be an AWS profile file",
            zero.display()
        )
    );
    let f = files.clone();
    let err = within_10s(move || find_config_profile(&f, "dev")).unwrap_err();
    assert!(matches!(err, IniError::TooLarge { .. }), "{err:?}");

    // A regular file over the limit is refused before it is read.
    let big = dir.path().join("big");
    let file = fs::File::create(&big).unwrap();
    file.set_len(MAX_FILE_LEN + 1).unwrap();
    let files = AwsFiles {
        config: big.clone(),
        credentials: big,
    };
    assert!(matches!(
        ProfileSet::load(&files),
        Err(IniError::TooLarge { .. })
    ));
    assert!(matches!(
        find_config_profile(&files, "dev"),
        Err(IniError::TooLarge { .. })
    ));
}
