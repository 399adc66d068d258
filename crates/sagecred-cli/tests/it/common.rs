//! Shared test helpers: a hermetic environment for the binary, moto access, and a check
//! that secrets never show up in output.

#![allow(dead_code)] // Not every test module uses every helper.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use std::io::Write;

/// AWS's documentation example key id.
pub(crate) const EXAMPLE_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
/// AWS's documentation example secret.
pub(crate) const EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// A temporary home with its own AWS files, and a way to run the binary inside it.
pub(crate) struct TestEnv {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) home: PathBuf,
    pub(crate) config: PathBuf,
    pub(crate) credentials: PathBuf,
    endpoint: Option<String>,
    /// Profiles whose keychain or keyutils entries this environment may have written.
    keyring_profiles: std::cell::RefCell<Vec<String>>,
}

impl Drop for TestEnv {
    /// Removes the keychain and kernel keyring entries of every profile this environment
    /// stored keys for, also when the test failed: those stores outlive the temporary home
    /// (keyutils keys even the session, through the persistent keyring).
    fn drop(&mut self) {
        // Tracked names are unique to the test run: their kernel keys may go too. Names
        // found in the config only lose their (private) Secret Service items; keyutils
        // tests run in a throwaway user namespace, which keeps them out of this user's
        // persistent keyring in the first place.
        let tracked = self.keyring_profiles.borrow().clone();
        let mut guard = crate::cleanup::KeyringGuard::new();
        for name in &tracked {
            guard = guard.sagecred_profile(name, true);
        }
        for name in keychain_profiles_in(&self.read_config()) {
            if !tracked.contains(&name) {
                guard = guard.sagecred_profile(&name, false);
            }
        }
        drop(guard);
    }
}

/// The profiles of a config file whose `credential_process` runs sagecred's keychain.
fn keychain_profiles_in(config: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    for line in config.lines() {
        let t = line.trim();
        if let Some(header) = t.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            let h = header.trim();
            current = Some(h.strip_prefix("profile ").unwrap_or(h).trim().to_owned());
        } else if t.starts_with("credential_process")
            && t.contains("credential-process")
            && let Some(name) = &current
        {
            found.push(name.clone());
        }
    }
    found
}

impl TestEnv {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        Self {
            config: home.join(".aws/config"),
            credentials: home.join(".aws/credentials"),
            home,
            dir,
            endpoint: None,
            keyring_profiles: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// Marks `profile` as one whose keyring entries this environment removes when dropped,
    /// for tests that store keys before any config names them.
    pub(crate) fn track_keyring(&self, profile: &str) {
        self.keyring_profiles.borrow_mut().push(profile.to_owned());
    }

    /// A `TestEnv` whose commands reach AWS at `endpoint` (through `AWS_ENDPOINT_URL`).
    pub(crate) fn with_endpoint(endpoint: &str) -> Self {
        let mut env = Self::new();
        env.endpoint = Some(endpoint.to_owned());
        env
    }

    /// A `TestEnv` whose commands reach the moto server.
    pub(crate) fn with_moto() -> Self {
        let mut env = Self::new();
        env.endpoint = Some(moto_endpoint());
        env
    }

    pub(crate) fn endpoint(&self) -> &str {
        self.endpoint
            .as_deref()
            .expect("this TestEnv was made without moto")
    }

    /// The variables every process in this environment gets, and nothing else.
    pub(crate) fn vars(&self) -> Vec<(String, String)> {
        let mut vars = vec![
            ("HOME".into(), self.home.display().to_string()),
            ("AWS_CONFIG_FILE".into(), self.config.display().to_string()),
            (
                "AWS_SHARED_CREDENTIALS_FILE".into(),
                self.credentials.display().to_string(),
            ),
            // Instance metadata lives at a link-local address, never loopback: switch it off.
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("LANG".into(), "C.UTF-8".into()),
        ];
        if let Some(e) = &self.endpoint {
            vars.push(("AWS_ENDPOINT_URL".into(), e.clone()));
        }
        // The private Secret Service that `cargo xtask test` starts.
        if let Ok(bus) = std::env::var("DBUS_SESSION_BUS_ADDRESS") {
            vars.push(("DBUS_SESSION_BUS_ADDRESS".into(), bus));
        }
        vars
    }

    /// The `sagecred` binary, ready to run in this environment.
    pub(crate) fn cmd(&self) -> Command {
        self.program(env!("CARGO_BIN_EXE_sagecred"))
    }

    /// Any program, with this environment's variables only.
    pub(crate) fn program(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear().envs(self.vars()).current_dir(&self.home);
        cmd
    }

    /// Runs `sagecred ARGS` with `stdin` fed in.
    pub(crate) fn run(&self, args: &[&str], stdin: &str) -> Output {
        run_with_stdin(self.cmd().args(args), stdin)
    }

    /// `sagecred configure --stdin --store file` for `profile`, which must succeed. The
    /// plaintext store keeps tests of file handling independent of the keychain; the
    /// keychain tests use [`TestEnv::configure_keychain`].
    pub(crate) fn configure(
        &self,
        profile: &str,
        key_id: &str,
        secret: &str,
        extra: &[&str],
    ) -> Output {
        let mut args = vec![
            "configure",
            "--profile",
            profile,
            "--stdin",
            "--store",
            "file",
        ];
        args.extend_from_slice(extra);
        let out = self.run(&args, &format!("{key_id}\n{secret}\n"));
        assert_success(&out);
        out
    }

    /// `sagecred configure --stdin` with the default store, the keychain.
    pub(crate) fn configure_keychain(
        &self,
        profile: &str,
        key_id: &str,
        secret: &str,
        extra: &[&str],
    ) -> Output {
        self.track_keyring(profile);
        let mut args = vec!["configure", "--profile", profile, "--stdin"];
        args.extend_from_slice(extra);
        let out = self.run(&args, &format!("{key_id}\n{secret}\n"));
        assert_success(&out);
        out
    }

    pub(crate) fn read_config(&self) -> String {
        std::fs::read_to_string(&self.config).unwrap_or_default()
    }

    pub(crate) fn read_credentials(&self) -> String {
        std::fs::read_to_string(&self.credentials).unwrap_or_default()
    }
}

pub(crate) fn run_with_stdin(cmd: &mut Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses its arguments exits before reading stdin; the write then
    // meets a closed pipe, which is not the test's concern.
    match child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("writing stdin: {e}"),
        _ => {}
    }
    child.wait_with_output().unwrap()
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[track_caller]
pub(crate) fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "command failed with {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

/// Fails when `secret` appears in the command's stdout or stderr.
#[track_caller]
pub(crate) fn assert_no_secret(out: &Output, secret: &str) {
    assert!(!secret.is_empty());
    for (name, stream) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(stream);
        assert!(
            !text.contains(secret),
            "the secret leaked into {name}:\n{text}"
        );
    }
}

/// The moto server started by `cargo xtask test`.
pub(crate) fn moto_endpoint() -> String {
    match std::env::var("SAGECRED_MOTO_ENDPOINT") {
        Ok(e) if e.starts_with("http://127.0.0.1:") => e,
        Ok(e) => {
            panic!("SAGECRED_MOTO_ENDPOINT={e} is not on loopback; tests only talk to 127.0.0.1")
        }
        Err(_) => panic!(
            "this test needs a moto server: run `cargo xtask test`, or `cargo xtask services` and export what it prints"
        ),
    }
}

/// The workspace's `tests/interop` folder, which holds the Python helpers.
pub(crate) fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop")
}

/// A key created in moto for a new user: (key id, secret, user ARN).
pub(crate) struct MotoKey {
    pub(crate) key_id: String,
    pub(crate) secret: String,
    pub(crate) arn: String,
}

/// Creates `user` with an access key in moto, through boto3.
pub(crate) fn moto_user(env: &TestEnv, user: &str) -> MotoKey {
    let out = env
        .program("python3")
        .arg(interop_dir().join("moto_user.py"))
        .arg(user)
        .output()
        .unwrap();
    assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    MotoKey {
        key_id: v["AccessKeyId"].as_str().unwrap().to_owned(),
        secret: v["SecretAccessKey"].as_str().unwrap().to_owned(),
        arn: v["Arn"].as_str().unwrap().to_owned(),
    }
}

/// A user name no other test uses, so tests can share one moto server.
pub(crate) fn unique_user(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The file's mode bits.
pub(crate) fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Fails unless the private Secret Service of `cargo xtask test` is running.
pub(crate) fn require_secret_service() {
    assert!(
        std::env::var("SAGECRED_TEST_SECRET_SERVICE").as_deref() == Ok("1")
            && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "this test needs the private Secret Service: run `cargo xtask test`, or `cargo xtask services` and export what it prints"
    );
}

/// The Debian AWS CLI v2. It ignores AWS_ENDPOINT_URL, so it always gets --endpoint-url.
pub(crate) const AWS_CLI_V2: &str = "/usr/bin/aws";

pub(crate) fn boto3_arn(env: &TestEnv, profile: &str) -> String {
    let out = env
        .program("python3")
        .arg(interop_dir().join("boto3_whoami.py"))
        .arg(profile)
        .output()
        .unwrap();
    assert_success(&out);
    stdout(&out).trim().to_owned()
}

pub(crate) fn aws_cli_arn(env: &TestEnv, profile: &str) -> String {
    let out = env
        .program(AWS_CLI_V2)
        .args([
            "sts",
            "get-caller-identity",
            "--output",
            "json",
            "--profile",
            profile,
        ])
        .args(["--endpoint-url", env.endpoint()])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {AWS_CLI_V2} (Debian package awscli): {e}"));
    assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["Arn"].as_str().unwrap().to_owned()
}
