//! Writes that must not happen: the AWS files pointing at a device, a FIFO, a socket or a
//! directory, a read-only credentials file, and one that other users can read. Each is
//! refused with one line and exit 2, and nothing is created beside the target.

use std::fs;
use std::os::unix::fs::{FileTypeExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::*;

fn configure_file(env: &TestEnv, extra: &[&str]) -> Output {
    let mut args = vec![
        "configure",
        "--profile",
        "dev",
        "--stdin",
        "--store",
        "file",
    ];
    args.extend_from_slice(extra);
    env.run(&args, &format!("{EXAMPLE_KEY_ID}\n{EXAMPLE_SECRET}\n"))
}

/// A character device that discards writes, like `/dev/null`, at `path`: made with
/// `mknod` where the tests may (as root), so that a regression cannot harm the machine's
/// own `/dev/null`; else `/dev/null` itself, which only root could replace.
fn null_device(path: &Path) -> PathBuf {
    let made = Command::new("mknod")
        .arg(path)
        .args(["c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    if made {
        path.to_owned()
    } else {
        PathBuf::from("/dev/null")
    }
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[track_caller]
fn assert_refused_in_one_line(out: &Output, expected: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(expected), "{err}");
    assert_no_secret(out, EXAMPLE_SECRET);
}

#[test]
fn a_credentials_file_that_is_a_device_is_never_replaced() {
    let env = TestEnv::new();
    let aws = env.credentials.parent().unwrap().to_owned();
    let device = null_device(&env.credentials);
    if device != env.credentials {
        symlink(&device, &env.credentials).unwrap();
    }
    let before = names_in(&aws);
    let out = configure_file(&env, &[]);
    assert_refused_in_one_line(&out, "character device, not a regular file");
    assert!(fs::metadata(&device).unwrap().file_type().is_char_device());
    // No lock file, no temp file, no config: nothing was created anywhere.
    assert_eq!(names_in(&aws), before);
    assert!(!Path::new("/dev/null.lock").exists());
}

#[test]
fn a_symlink_to_a_device_is_followed_and_refused() {
    let env = TestEnv::new();
    let elsewhere = env.dir.path().join("devices");
    fs::create_dir(&elsewhere).unwrap();
    let device = null_device(&elsewhere.join("null"));
    symlink(&device, &env.credentials).unwrap();
    let out = configure_file(&env, &[]);
    assert_refused_in_one_line(&out, "which is a character device");
    assert!(
        fs::symlink_metadata(&env.credentials)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(!env.dir.path().join("home/.aws/credentials.lock").exists());
    if device.starts_with(&elsewhere) {
        assert_eq!(names_in(&elsewhere), vec!["null"]);
    }
}

#[test]
fn a_fifo_socket_or_directory_target_is_refused_without_waiting() {
    for kind in ["fifo", "socket", "directory"] {
        let env = TestEnv::new();
        let aws = env.credentials.parent().unwrap().to_owned();
        let _listener;
        match kind {
            "fifo" => {
                let ok = Command::new("mkfifo")
                    .arg(&env.credentials)
                    .status()
                    .unwrap();
                assert!(ok.success());
            }
            "socket" => {
                _listener = std::os::unix::net::UnixListener::bind(&env.credentials).unwrap();
            }
            _ => fs::create_dir(&env.credentials).unwrap(),
        }
        let before = names_in(&aws);
        let out = configure_file(&env, &[]);
        assert_refused_in_one_line(&out, "not a regular file");
        assert_eq!(names_in(&aws), before, "{kind}");
    }
}

#[test]
fn a_config_file_that_is_dev_null_reads_as_empty() {
    let env = TestEnv::new();
    let elsewhere = env.dir.path().join("devices");
    fs::create_dir(&elsewhere).unwrap();
    let device = null_device(&elsewhere.join("null"));
    symlink(&device, &env.config).unwrap();
    symlink(&device, &env.credentials).unwrap();
    let out = env.run(&["profiles", "--output", "json"], "");
    assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["profiles"].as_array().map(Vec::len), Some(0), "{v}");

    // Writing the config is refused, in one line, before any secret is asked for.
    let out = configure_file(&env, &[]);
    assert_refused_in_one_line(&out, "cannot write");
}

#[test]
fn a_credentials_file_others_can_read_is_refused_unless_forced() {
    let env = TestEnv::new();
    let text = "# shared\n[other]\nregion = eu-west-1\n";
    fs::write(&env.credentials, text).unwrap();
    fs::set_permissions(&env.credentials, fs::Permissions::from_mode(0o644)).unwrap();

    let out = configure_file(&env, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("mode 0644"), "{err}");
    assert!(
        err.contains(&format!("chmod 600 {}", env.credentials.display())),
        "{err}"
    );
    assert_no_secret(&out, EXAMPLE_SECRET);
    assert_eq!(env.read_credentials(), text);
    assert!(!env.config.exists(), "the config was written");

    let out = configure_file(&env, &["--force"]);
    assert_success(&out);
    assert!(env.read_credentials().contains(EXAMPLE_SECRET));
    let mode = fs::metadata(&env.credentials).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o644, "--force keeps the mode the user chose");
}

#[test]
fn a_read_only_credentials_file_is_not_replaced() {
    let env = TestEnv::new();
    let text = "[other]\nregion = eu-west-1\n";
    fs::write(&env.credentials, text).unwrap();
    fs::set_permissions(&env.credentials, fs::Permissions::from_mode(0o400)).unwrap();
    for extra in [&[][..], &["--force"][..]] {
        let out = configure_file(&env, extra);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("is read-only (mode 0400)"), "{err}");
        assert_eq!(env.read_credentials(), text);
        let mode = fs::metadata(&env.credentials).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o400);
    }
}

#[test]
fn a_malformed_credentials_line_is_reported_by_position_without_the_secret() {
    let env = TestEnv::new();
    let shapes = [
        format!("[dev]\n{EXAMPLE_KEY_ID} {EXAMPLE_SECRET}\n"),
        format!("[dev]\n{EXAMPLE_SECRET} {EXAMPLE_KEY_ID}\n"),
        format!("[dev {EXAMPLE_SECRET}\n"),
        format!("{EXAMPLE_SECRET}\n[dev]\n"),
        format!("[dev]\naws_secret_access_key =\n  {EXAMPLE_SECRET}\n"),
    ];
    for text in &shapes {
        fs::write(&env.credentials, text).unwrap();
        fs::set_permissions(&env.credentials, fs::Permissions::from_mode(0o600)).unwrap();
        let out = env.run(&["profiles"], "");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "{err}");
        assert!(
            err.contains(&format!("of {}: ", env.credentials.display())),
            "{err}"
        );
        assert_no_secret(&out, EXAMPLE_SECRET);
        assert_no_secret(&out, "wJalr");
        assert_no_secret(&out, EXAMPLE_KEY_ID);
    }
}
