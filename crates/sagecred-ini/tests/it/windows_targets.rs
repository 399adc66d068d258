//! Windows: `NUL` (the habit of pointing the AWS files at the null device) reads as empty
//! and is never written; a read-only file and a directory are refused.

use std::fs;
use std::path::{Path, PathBuf};

use sagecred_ini::{
    AwsFiles, FileKind, IniError, ProfileSet, SectionKey, edit, find_config_profile, write_atomic,
};

fn set_dev(path: &Path) -> Result<bool, IniError> {
    edit(path, FileKind::Config, |doc| {
        Ok::<_, IniError>(doc.set(&SectionKey::Profile("dev".into()), "region", "x"))
    })
}

#[test]
fn nul_reads_as_empty_and_is_never_written() {
    let dir = tempfile::tempdir().unwrap();
    for nul in [PathBuf::from("NUL"), dir.path().join("nul")] {
        let files = AwsFiles {
            config: nul.clone(),
            credentials: nul.clone(),
        };
        assert!(ProfileSet::load(&files).unwrap().profile_names().is_empty());
        assert_eq!(find_config_profile(&files, "dev").unwrap(), None);
        let unchanged = edit(&nul, FileKind::Config, |doc| {
            Ok::<_, IniError>(doc.remove_section(&SectionKey::Profile("dev".into())))
        })
        .unwrap();
        assert!(!unchanged);
        let err = set_dev(&nul).unwrap_err();
        assert!(
            matches!(
                err,
                IniError::NotAFile {
                    action: "write",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(matches!(
            write_atomic(&nul, b"[default]\n"),
            Err(IniError::NotAFile { .. })
        ));
    }
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_read_only_file_or_a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    fs::write(&path, "[default]\n").unwrap();
    let mut permissions = fs::metadata(&path).unwrap().permissions();
    permissions.set_readonly(true);
    fs::set_permissions(&path, permissions).unwrap();
    assert!(matches!(
        set_dev(&path),
        Err(IniError::ReadOnly { mode: None, .. })
    ));
    assert_eq!(fs::read_to_string(&path).unwrap(), "[default]\n");

    let sub = dir.path().join("sub");
    fs::create_dir(&sub).unwrap();
    assert!(matches!(
        set_dev(&sub),
        Err(IniError::NotAFile {
            file_type: "a directory",
            ..
        })
    ));
}
