//! The encrypted-file store end to end: the SDKs through `credential_process`, the
//! passphrase typed on a terminal (a pseudo-terminal here) or printed by a command,
//! `lock`/`unlock` in throwaway session keyrings (`keyctl session -`), `migrate --to`
//! between every store, and a hunt for the secret in every output and file.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::*;

const PASSPHRASE: &str = "correct horse battery staple";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sagecred")
}

/// Every file under `dir`.
fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            all_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn assert_not_in_any_file(env: &TestEnv, needle: &str) {
    let mut files = Vec::new();
    all_files(&env.home, &mut files);
    assert!(!files.is_empty());
    for file in files {
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(needle),
            "{} holds a secret in plaintext",
            file.display()
        );
    }
}

fn store_dir(env: &TestEnv) -> PathBuf {
    env.home.join(".local/share/sagecred/encrypted-file")
}

/// A file holding the passphrase, for `SAGECRED_PASSPHRASE_COMMAND=cat FILE`.
fn passphrase_file(env: &TestEnv) -> PathBuf {
    let path = env.dir.path().join("passphrase");
    std::fs::write(&path, format!("{PASSPHRASE}\n")).unwrap();
    path
}

/// Runs `script` with `sh -c` in a new session keyring of its own, in `env`.
fn in_session(env: &TestEnv, script: &str) -> Output {
    env.program("keyctl")
        .args(["session", "-", "sh", "-c", script])
        .output()
        .expect("keyctl (Debian package keyutils) must be installed")
}

#[test]
fn boto3_and_the_aws_cli_use_an_encrypted_file_profile_and_no_file_holds_the_secret() {
    let env = TestEnv::with_moto();
    let key = moto_user(&env, &unique_user("age-interop"));
    let pass = passphrase_file(&env);
    let out = run_with_stdin(
        env.cmd()
            .args([
                "configure",
                "--profile",
                "gpu",
                "--stdin",
                "--store",
                "encrypted-file",
            ])
            .env(
                "SAGECRED_PASSPHRASE_COMMAND",
                format!("cat '{}'", pass.display()),
            ),
        &format!("{}\n{}\n", key.key_id, key.secret),
    );
    assert_success(&out);
    assert_no_secret(&out, &key.secret);
    let config = env.read_config();
    assert!(
        config.contains("credential-process --profile gpu --store encrypted-file\n"),
        "{config}"
    );
    assert!(store_dir(&env).join("keys/gpu.age").is_file());
    // The SDKs get no environment variable: the profile's setting names the command.
    std::fs::write(
        &env.config,
        format!(
            "{config}sagecred_passphrase_command = cat '{}'\n",
            pass.display()
        ),
    )
    .unwrap();

    // Session credentials: both clients succeed, and the session is cached, encrypted.
    boto3_arn(&env, "gpu");
    aws_cli_arn(&env, "gpu");
    let session = store_dir(&env).join("sessions/gpu.age");
    assert!(session.is_file());
    let cached = std::fs::read(&session).unwrap();
    assert!(cached.starts_with(b"age-encryption.org/v1\n"));

    // With --no-session they sign with the stored key itself: the identity is the user's.
    let config = env.read_config().replace(
        "--store encrypted-file\n",
        "--store encrypted-file --no-session\n",
    );
    std::fs::write(&env.config, config).unwrap();
    assert_eq!(boto3_arn(&env, "gpu"), key.arn);
    assert_eq!(aws_cli_arn(&env, "gpu"), key.arn);
    assert_not_in_any_file(&env, &key.secret);
    assert!(!env.read_credentials().contains(&key.key_id));
}

#[test]
fn the_terminal_unlocks_once_per_session_and_lock_forgets() {
    // `sagecred unlock` asks on the terminal (a pseudo-terminal driven by python), then
    // credential-process, with no terminal at all (setsid), needs nothing; after
    // `sagecred lock` it fails with one line.
    const DRIVER: &str = r#"
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp("sh", ["sh", "-c", sys.argv[1]])
seen, typed = b"", 0
while True:
    try:
        data = os.read(fd, 1024)
    except OSError:
        break
    if not data:
        break
    seen += data
    if seen.lower().count(b"passphrase") > typed:
        typed += 1
        os.write(fd, os.environ["TEST_PASSPHRASE"].encode() + b"\n")
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    let env = TestEnv::new();
    let dir = env.dir.path().display().to_string();
    let bin = bin();
    // Store a key first (a new identity: the terminal is asked twice).
    let script = format!(
        "printf '%s\\n%s\\n' {EXAMPLE_KEY_ID} '{EXAMPLE_SECRET}' > '{dir}/in' && \
         '{bin}' configure --profile gpu --stdin --store encrypted-file < '{dir}/in' && rm '{dir}/in' && \
         '{bin}' lock && \
         '{bin}' unlock --profile gpu && \
         setsid -w '{bin}' credential-process --profile gpu --store encrypted-file --no-session < /dev/null > '{dir}/out.json' && \
         '{bin}' lock && \
         (setsid -w '{bin}' credential-process --profile gpu --store encrypted-file --no-session < /dev/null > '{dir}/after.json' 2> '{dir}/after.err'; echo $? > '{dir}/after.code')"
    );
    let out = env
        .program("keyctl")
        .args(["session", "-", "python3", "-c", DRIVER, &script])
        .env("TEST_PASSPHRASE", PASSPHRASE)
        .output()
        .unwrap();
    let terminal = stdout(&out);
    assert_success(&out);
    assert!(terminal.contains("choose a passphrase"), "{terminal}");
    assert!(terminal.contains("unlocked"), "{terminal}");
    assert!(!terminal.contains(EXAMPLE_SECRET));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.dir.path().join("out.json")).unwrap())
            .unwrap();
    assert_eq!(json["SecretAccessKey"], EXAMPLE_SECRET);
    // After `lock`: exit 5 (store unavailable), one line and its hint, nothing on stdout.
    let code = std::fs::read_to_string(env.dir.path().join("after.code")).unwrap();
    assert_eq!(code.trim(), "5");
    let err = std::fs::read_to_string(env.dir.path().join("after.err")).unwrap();
    assert!(
        err.starts_with("error: the encrypted-file store is unavailable: the store is locked and there is no terminal"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(err.contains("sagecred unlock"), "{err}");
    assert_eq!(
        std::fs::read_to_string(env.dir.path().join("after.json")).unwrap(),
        ""
    );
    assert_not_in_any_file(&env, EXAMPLE_SECRET);
}

#[test]
fn a_wrong_passphrase_is_one_line_and_changes_nothing() {
    let env = TestEnv::new();
    let pass = passphrase_file(&env);
    let out = run_with_stdin(
        env.cmd()
            .args([
                "configure",
                "--profile",
                "gpu",
                "--stdin",
                "--store",
                "encrypted-file",
            ])
            .env(
                "SAGECRED_PASSPHRASE_COMMAND",
                format!("cat '{}'", pass.display()),
            ),
        &format!("{EXAMPLE_KEY_ID}\n{EXAMPLE_SECRET}\n"),
    );
    assert_success(&out);
    let before: Vec<_> = {
        let mut files = Vec::new();
        all_files(&env.home, &mut files);
        files.sort();
        files
            .iter()
            .map(|f| (f.clone(), std::fs::read(f).unwrap()))
            .collect()
    };
    let out = env
        .cmd()
        .args([
            "credential-process",
            "--profile",
            "gpu",
            "--store",
            "encrypted-file",
            "--no-session",
        ])
        .env("SAGECRED_PASSPHRASE_COMMAND", "echo not-the-passphrase")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.starts_with("error: the encrypted-file store is unavailable: wrong passphrase for "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 2, "{err}");
    let after: Vec<_> = {
        let mut files = Vec::new();
        all_files(&env.home, &mut files);
        files.sort();
        files
            .iter()
            .map(|f| (f.clone(), std::fs::read(f).unwrap()))
            .collect()
    };
    assert_eq!(before, after);
    // A passphrase command that fails is one line too, naming the variable.
    let out = env
        .cmd()
        .args([
            "credential-process",
            "--profile",
            "gpu",
            "--store",
            "encrypted-file",
            "--no-session",
        ])
        .env("SAGECRED_PASSPHRASE_COMMAND", "exit 3")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains("SAGECRED_PASSPHRASE_COMMAND"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn migrate_moves_keys_between_every_store_and_reads_back_before_deleting() {
    let env = TestEnv::new();
    let pass = passphrase_file(&env);
    let bin = bin();
    let dir = env.dir.path().display().to_string();
    let cp = |n: &str| {
        format!(
            "'{bin}' credential-process --profile gpu --no-session --store $(sed -n 's/.*--store \\([a-z-]*\\).*/\\1/p' \"$AWS_CONFIG_FILE\" | head -1) > '{dir}/{n}.json'"
        )
    };
    // plaintext -> encrypted-file -> keyutils -> encrypted-file -> file, in one session
    // keyring (keyutils keys live there).
    let script = format!(
        "set -e; export SAGECRED_PASSPHRASE_COMMAND=\"cat '{pass}'\"; \
         printf '%s\\n%s\\n' {EXAMPLE_KEY_ID} '{EXAMPLE_SECRET}' | '{bin}' configure --profile gpu --stdin --store file; \
         '{bin}' migrate --to encrypted-file --profile gpu; {c1}; \
         '{bin}' migrate --to keyutils --all; {c2}; \
         '{bin}' migrate --to encrypted-file --profile gpu --output json > '{dir}/m3.json'; {c3}; \
         '{bin}' migrate --to file --profile gpu",
        pass = pass.display(),
        c1 = cp("c1"),
        c2 = cp("c2"),
        c3 = cp("c3"),
    );
    let out = in_session(&env, &script);
    assert_success(&out);
    assert_no_secret(&out, EXAMPLE_SECRET);
    for n in ["c1", "c2", "c3"] {
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(env.dir.path().join(format!("{n}.json"))).unwrap(),
        )
        .unwrap_or_else(|e| panic!("{n}: {e}\n{}", stderr(&out)));
        assert_eq!(json["SecretAccessKey"], EXAMPLE_SECRET, "{n}");
    }
    let m3: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.dir.path().join("m3.json")).unwrap())
            .unwrap();
    assert_eq!(m3["profiles"][0]["from"], "keyutils");
    assert_eq!(m3["profiles"][0]["to"], "encrypted-file");
    let err = stderr(&out);
    assert!(
        err.contains("from the file store to the encrypted-file store"),
        "{err}"
    );
    // Back in plaintext: the key is in the credentials file, no line of ours is left, and
    // the encrypted record is gone.
    assert!(env.read_credentials().contains(EXAMPLE_SECRET));
    assert!(
        !env.read_config().contains("credential_process"),
        "{}",
        env.read_config()
    );
    assert!(!store_dir(&env).join("keys/gpu.age").exists());
}

#[test]
fn migrate_to_a_store_that_cannot_take_the_key_keeps_it_where_it_was() {
    let env = TestEnv::new();
    let pass = passphrase_file(&env);
    env.configure("gpu", EXAMPLE_KEY_ID, EXAMPLE_SECRET, &[]);
    // An encrypted-file store that lost its identity but kept a record: it takes no key.
    let keys = store_dir(&env).join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::write(keys.join("old.age"), b"age-encryption.org/v1\n").unwrap();
    let credentials = env.read_credentials();
    let config = env.read_config();
    let out = env
        .cmd()
        .args(["migrate", "--to", "encrypted-file", "--profile", "gpu"])
        .env(
            "SAGECRED_PASSPHRASE_COMMAND",
            format!("cat '{}'", pass.display()),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("identity.age is missing"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("nothing was written"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.read_credentials(), credentials);
    assert_eq!(env.read_config(), config);
}

#[test]
fn no_command_leaks_the_secret_of_an_encrypted_file_profile_even_with_debug() {
    let env = TestEnv::with_moto();
    let key = moto_user(&env, &unique_user("age-leak"));
    let pass = passphrase_file(&env);
    let command = format!("cat '{}'", pass.display());
    let run = |args: &[&str], stdin: &str| {
        let mut full = vec!["--debug"];
        full.extend_from_slice(args);
        run_with_stdin(
            env.cmd()
                .args(&full)
                .env("SAGECRED_PASSPHRASE_COMMAND", &command),
            stdin,
        )
    };
    let configure = run(
        &[
            "configure",
            "--profile",
            "gpu",
            "--stdin",
            "--store",
            "encrypted-file",
        ],
        &format!("{}\n{}\n", key.key_id, key.secret),
    );
    assert_success(&configure);
    let mut outputs = vec![configure];
    let commands: &[&[&str]] = &[
        &["unlock", "--profile", "gpu"],
        &["profiles"],
        &["profiles", "--output", "json"],
        &[
            "credential-process",
            "--profile",
            "gpu",
            "--store",
            "encrypted-file",
        ],
        &["whoami", "--profile", "gpu"],
        &["env", "--profile", "gpu", "--credentials"],
        &["exec", "gpu", "--", "true"],
        &["doctor", "--profile", "gpu"],
        &["migrate", "--to", "file", "--profile", "gpu", "--dry-run"],
        &["lock"],
        &["remove", "gpu", "--yes"],
    ];
    for args in commands {
        outputs.push(run(args, ""));
    }
    for out in &outputs {
        assert_no_secret(out, &key.secret);
        assert_no_secret(out, PASSPHRASE);
    }
    assert_not_in_any_file(&env, &key.secret);
}
