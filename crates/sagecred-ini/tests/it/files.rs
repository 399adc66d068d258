//! `write_atomic`, `edit` and `ProfileSet::load` against real files.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use sagecred_ini::{AwsFiles, FileKind, IniError, ProfileSet, SectionKey, edit, write_atomic};

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn dev() -> SectionKey {
    SectionKey::Profile("dev".to_owned())
}

#[test]
fn new_files_are_0600_in_a_new_0700_directory() {
    let dir = tempfile::tempdir().unwrap();
    let aws = dir.path().join("home/.aws");
    let path = aws.join("credentials");
    write_atomic(&path, b"[dev]\n").unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), "[dev]\n");
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&aws), 0o700);
}

#[test]
fn an_existing_mode_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    fs::write(&path, "[default]\n").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    write_atomic(&path, b"[default]\nregion = x\n").unwrap();
    assert_eq!(mode(&path), 0o640);
    edit(&path, FileKind::Config, |doc| {
        Ok::<_, IniError>(doc.set(&SectionKey::Profile("default".into()), "region", "y"))
    })
    .unwrap();
    assert_eq!(mode(&path), 0o640);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "[default]\nregion = y\n"
    );
}

#[test]
fn edit_creates_the_file_and_a_lock_file_next_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".aws/config");
    let changed = edit(&path, FileKind::Config, |doc| {
        Ok::<_, IniError>(doc.set(&dev(), "region", "us-east-1"))
    })
    .unwrap();
    assert!(changed);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "[profile dev]\nregion = us-east-1\n"
    );
    assert_eq!(mode(&path), 0o600);
    let lock = dir.path().join(".aws/config.lock");
    assert_eq!(mode(&lock), 0o600);
    // Only the file and its lock: no temporary file is left behind.
    assert_eq!(fs::read_dir(dir.path().join(".aws")).unwrap().count(), 2);
}

#[test]
fn edit_without_changes_does_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    fs::write(&path, "[profile dev]\nregion = x\n").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let before = fs::metadata(&path).unwrap();
    let changed = edit(&path, FileKind::Config, |doc| {
        Ok::<_, IniError>(doc.set(&dev(), "region", "x"))
    })
    .unwrap();
    assert!(!changed);
    let after = fs::metadata(&path).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(before.ino(), after.ino(), "the file was replaced");

    // A missing file that stays empty is not created either.
    let missing = dir.path().join("credentials");
    edit(&missing, FileKind::Credentials, |_| Ok::<_, IniError>(())).unwrap();
    assert!(!missing.exists());
}

#[test]
fn a_parse_error_leaves_the_file_untouched_and_names_path_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let text = "[profile dev]\nregion = x\nthis is not valid\n";
    fs::write(&path, text).unwrap();
    let mut called = false;
    let err = edit(&path, FileKind::Config, |doc| {
        called = true;
        Ok::<_, IniError>(doc.set(&dev(), "region", "y"))
    })
    .unwrap_err();
    assert!(!called);
    match &err {
        IniError::Parse { path: p, source } => {
            assert_eq!(p, &path);
            assert_eq!(source.line, 3);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        format!(
            "line 3 of {}: a property line needs `=` (`name = value`)",
            path.display()
        )
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn errors_from_the_closure_abort_without_writing() {
    #[derive(Debug)]
    enum MyError {
        Ini,
        Refused,
    }
    impl From<IniError> for MyError {
        fn from(_: IniError) -> Self {
            MyError::Ini
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    fs::write(&path, "[default]\n").unwrap();
    let result: Result<(), MyError> = edit(&path, FileKind::Config, |doc| {
        doc.set(&dev(), "region", "x");
        Err(MyError::Refused)
    });
    assert!(matches!(result, Err(MyError::Refused)));
    assert_eq!(fs::read_to_string(&path).unwrap(), "[default]\n");
}

#[test]
fn edit_through_a_symlink_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let dotfiles = dir.path().join("dotfiles");
    fs::create_dir(&dotfiles).unwrap();
    let real = dotfiles.join("aws-config");
    fs::write(&real, "# mine\n[default]\n").unwrap();
    let aws = dir.path().join(".aws");
    fs::create_dir(&aws).unwrap();
    let link = aws.join("config");
    symlink("../dotfiles/aws-config", &link).unwrap();

    edit(&link, FileKind::Config, |doc| {
        Ok::<_, IniError>(doc.set(&dev(), "region", "x"))
    })
    .unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        fs::read_to_string(&real).unwrap(),
        "# mine\n[default]\n\n[profile dev]\nregion = x\n"
    );

    write_atomic(&link, b"[default]\n").unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_to_string(&real).unwrap(), "[default]\n");
}

#[test]
fn edit_through_a_dangling_symlink_creates_its_destination() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("credentials");
    symlink("real-credentials", &link).unwrap();
    edit(&link, FileKind::Credentials, |doc| {
        Ok::<_, IniError>(doc.set(&dev(), "k", "v"))
    })
    .unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("real-credentials")).unwrap(),
        "[dev]\nk = v\n"
    );
}

#[test]
fn concurrent_edits_do_not_lose_updates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::thread::scope(|scope| {
        for t in 0..8 {
            let path = &path;
            scope.spawn(move || {
                for i in 0..10 {
                    edit(path, FileKind::Config, |doc| {
                        Ok::<_, IniError>(doc.set(
                            &SectionKey::Profile(format!("p{t}")),
                            &format!("k{i}"),
                            "v",
                        ))
                    })
                    .unwrap();
                }
            });
        }
    });
    let text = fs::read_to_string(&path).unwrap();
    let doc = sagecred_ini::Document::parse(&text, FileKind::Config).unwrap();
    for t in 0..8 {
        let section = doc.section(&SectionKey::Profile(format!("p{t}"))).unwrap();
        assert_eq!(section.properties().count(), 10, "{text}");
    }
}

#[test]
fn load_merges_files_and_treats_missing_ones_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    let files = AwsFiles {
        config: dir.path().join("config"),
        credentials: dir.path().join("credentials"),
    };
    let set = ProfileSet::load(&files).unwrap();
    assert!(set.profile_names().is_empty());

    fs::write(
        &files.config,
        "[profile b]\nregion = x\n[default]\nregion = y\n",
    )
    .unwrap();
    fs::write(
        &files.credentials,
        "[a]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n[b]\nregion = z\n",
    )
    .unwrap();
    let set = ProfileSet::load(&files).unwrap();
    assert_eq!(set.profile_names(), vec!["a", "b", "default"]);
    assert_eq!(set.profile("b").unwrap().get("region"), Some("z"));
    assert!(set.has_plaintext_keys("a"));
    assert!(!set.has_plaintext_keys("b"));
    assert!(set.profile("nope").is_none());

    let config_only = ProfileSet::load_config_only(&files).unwrap();
    assert_eq!(config_only.profile_names(), vec!["b", "default"]);
    assert_eq!(config_only.profile("b").unwrap().get("region"), Some("x"));
    assert!(!config_only.has_plaintext_keys("a"));
    assert!(config_only.credentials().is_none());
}

#[test]
fn load_config_only_never_reads_the_credentials_file() {
    let dir = tempfile::tempdir().unwrap();
    let files = AwsFiles {
        config: dir.path().join("config"),
        // A directory where a file is expected fails any attempt to read it.
        credentials: dir.path().to_owned(),
    };
    fs::write(&files.config, "[default]\n").unwrap();
    assert!(ProfileSet::load_config_only(&files).is_ok());
    let err = ProfileSet::load(&files).unwrap_err();
    assert!(
        matches!(
            err,
            IniError::NotAFile {
                action: "read",
                file_type: "a directory",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn load_reports_a_malformed_file_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let files = AwsFiles {
        config: dir.path().join("config"),
        credentials: dir.path().join("credentials"),
    };
    fs::write(
        &files.credentials,
        "[dev]\naws_secret_access_key =\n  oops no equals\n",
    )
    .unwrap();
    let err = ProfileSet::load(&files).unwrap_err();
    let shown = err.to_string();
    assert_eq!(
        shown,
        format!(
            "line 3 of {}: a sub-property line needs `=` (`name = value`)",
            files.credentials.display()
        )
    );
    assert!(!format!("{err:?}").contains("oops"), "{err:?}");
}
