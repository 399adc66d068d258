//! End-to-end checks of `sagecred.exe` under Wine: the commands a Windows user runs, against
//! the Windows Credential Manager (Wine's implementation of the same API), Windows paths and
//! Wine's `cmd.exe`.
//!
//! Wine gives a program the prefix's `%USERPROFILE%` (`C:\users\NAME`) and does not pass the
//! Unix `HOME` on, so a plain run sees a Windows user's environment. Where a check needs
//! another `HOME`, `USERPROFILE` or `HOMEDRIVE`/`HOMEPATH`, it sets them in a batch file run
//! by `cmd.exe`, which is also how the `cmd` output of `sagecred env` is evaluated.
//!
//! Every check asserts what it expects and fails the run otherwise; keys are AWS's
//! documentation examples, and nothing reaches the network (`--no-session` serves the stored
//! key without STS).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{Wine, run_with_stdin, windows_path};
use crate::Result;

const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// A second key, for the import check.
const KEY_ID_2: &str = "AKIAI44QH8DHBEXAMPLE";
const SECRET_2: &str = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";

/// Variables of the calling environment that would steer sagecred; Wine passes the Unix
/// environment on, so they are removed.
const STEERING: &[&str] = &[
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "SAGEMAKER_ROLE",
    "SHELL",
    "SAGECRED_SHELL_FUNCTION",
];

pub(super) fn run(wine: &Wine, exe: &Path) -> Result {
    let work = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("the exe has no target dir")?
        .join(format!("e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let t = Tester {
        wine,
        exe: exe.to_path_buf(),
        work: work.clone(),
        profile_dir: wine.user_profile()?,
    };
    let checks: &[(&str, Check<'_>)] = &[
        ("version", Tester::version),
        (
            "configure-credential-process",
            Tester::configure_credential_process,
        ),
        ("import", Tester::import),
        ("profiles", Tester::profiles),
        ("remove", Tester::remove),
        ("migrate", Tester::migrate),
        ("env-powershell", Tester::env_powershell),
        ("env-cmd", Tester::env_cmd),
        ("home-resolution", Tester::home_resolution),
        ("aws-config-file", Tester::aws_config_file),
        ("path-with-spaces", Tester::path_with_spaces),
    ];
    let mut failed = Vec::new();
    for (name, check) in checks {
        let started = std::time::Instant::now();
        match check(&t) {
            Ok(()) => eprintln!(
                "xtask: windows e2e: {name} ok ({:.1}s)",
                started.elapsed().as_secs_f64()
            ),
            Err(e) => {
                eprintln!("xtask: windows e2e: {name} FAILED: {e}");
                failed.push(*name);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("failed checks: {}", failed.join(", ")))
    }
}

/// One end-to-end check.
type Check<'w> = fn(&Tester<'w>) -> Result;

struct Tester<'a> {
    wine: &'a Wine,
    exe: PathBuf,
    /// A scratch directory (a Unix path, `Z:\...` to the program).
    work: PathBuf,
    /// `%USERPROFILE%` of the Wine prefix, as a Unix path.
    profile_dir: PathBuf,
}

/// Fails with `what` unless `cond`.
fn ensure(cond: bool, what: impl FnOnce() -> String) -> Result {
    if cond { Ok(()) } else { Err(what()) }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Fails unless the command succeeded, showing its output.
fn succeeded(what: &str, output: &Output) -> Result {
    ensure(output.status.success(), || {
        format!(
            "`{what}` failed ({}):\nstdout: {}\nstderr: {}",
            output.status,
            text(&output.stdout),
            text(&output.stderr)
        )
    })
}

/// Fails if a secret shows in the output of a command.
fn no_secret(what: &str, output: &Output) -> Result {
    for stream in [&output.stdout, &output.stderr] {
        let s = text(stream);
        for secret in [SECRET, SECRET_2] {
            ensure(!s.contains(&secret[..12]), || {
                format!("`{what}` printed a secret: {s}")
            })?;
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, contents: &str) -> Result {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The value of `key` in the `[profile NAME]` section of a config file's text.
fn config_value(config: &str, profile: &str, key: &str) -> Option<String> {
    let header = format!("[profile {profile}]");
    let mut in_section = false;
    for line in config.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_section = line == header;
            continue;
        }
        if in_section
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().to_owned());
        }
    }
    None
}

/// Splits a `credential_process` line as botocore does on Windows.
fn botocore_split_win32(line: &str) -> Result<Vec<String>> {
    let output = Command::new("python3")
        .args([
            "-c",
            "import sys; from botocore.compat import compat_shell_split; \
             sys.stdout.write('\\0'.join(compat_shell_split(sys.argv[1], 'win32')))",
            line,
        ])
        .output()
        .map_err(|e| format!("cannot start python3: {e}"))?;
    succeeded("python3 botocore compat_shell_split", &output)?;
    Ok(text(&output.stdout)
        .split('\0')
        .map(str::to_owned)
        .collect())
}

/// Fails unless `json` is credential_process output (Version 1) for `key_id` and `secret`.
fn is_process_json(json: &str, key_id: &str, secret: &str) -> Result {
    let flat: String = json.chars().filter(|c| !c.is_whitespace()).collect();
    for part in [
        "\"Version\":1".to_owned(),
        format!("\"AccessKeyId\":\"{key_id}\""),
        format!("\"SecretAccessKey\":\"{secret}\""),
    ] {
        ensure(flat.contains(&part), || {
            format!("credential_process output lacks {part}: {json}")
        })?;
    }
    Ok(())
}

impl<'w> Tester<'w> {
    /// Runs `sagecred.exe` (or `exe`) under Wine with the steering variables removed.
    fn run_exe(
        &self,
        exe: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        stdin: Option<&str>,
    ) -> Result<Output> {
        let mut cmd = self.wine.command(exe);
        cmd.args(args);
        for var in STEERING {
            cmd.env_remove(var);
        }
        cmd.envs(env.iter().copied());
        run_with_stdin(cmd, stdin.map(str::as_bytes))
    }

    fn sagecred(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Result<Output> {
        self.run_exe(&self.exe, args, env, stdin)
    }

    /// Runs a batch file of `lines` in Wine's cmd.exe and returns its output.
    fn batch(&self, name: &str, lines: &[String]) -> Result<Output> {
        let file = self.work.join(format!("{name}.cmd"));
        let mut body = String::from("@echo off\r\n");
        for line in lines {
            body.push_str(line);
            body.push_str("\r\n");
        }
        write(&file, &body)?;
        let mut cmd = self.wine.command("cmd.exe");
        cmd.args(["/c".to_owned(), windows_path(&file)]);
        for var in STEERING {
            cmd.env_remove(var);
        }
        run_with_stdin(cmd, None)
    }

    fn user_config(&self) -> PathBuf {
        self.profile_dir.join(".aws/config")
    }

    fn user_credentials(&self) -> PathBuf {
        self.profile_dir.join(".aws/credentials")
    }

    /// Fails unless `credential-process --no-session` serves `key_id`/`secret` for `profile`.
    fn serves(&self, profile: &str, key_id: &str, secret: &str) -> Result {
        let output = self.sagecred(
            &["credential-process", "--profile", profile, "--no-session"],
            &[],
            None,
        )?;
        succeeded("credential-process", &output)?;
        is_process_json(&text(&output.stdout), key_id, secret)
    }

    fn version(&self) -> Result {
        let output = self.sagecred(&["--version"], &[], None)?;
        succeeded("sagecred --version", &output)?;
        ensure(text(&output.stdout).starts_with("sagecred "), || {
            format!("unexpected version output: {}", text(&output.stdout))
        })
    }

    /// `configure --stdin` into the Credential Manager, the line it writes, and that line run
    /// as botocore and cmd.exe run it.
    fn configure_credential_process(&self) -> Result {
        let input = format!("{KEY_ID}\n{SECRET}\n");
        let output = self.sagecred(
            &[
                "configure",
                "--profile",
                "win",
                "--stdin",
                "--region",
                "eu-west-1",
            ],
            &[],
            Some(&input),
        )?;
        succeeded("configure --stdin", &output)?;
        no_secret("configure", &output)?;
        // %USERPROFILE%\.aws\config, with no HOME set: the Windows default.
        let config = read(&self.user_config())?;
        ensure(
            config_value(&config, "win", "region").as_deref() == Some("eu-west-1"),
            || format!("no region in {config}"),
        )?;
        let line = config_value(&config, "win", "credential_process")
            .ok_or_else(|| format!("no credential_process line in {config}"))?;
        let exe = windows_path(&self.exe);
        ensure(!line.contains(r"\\?\") && !line.contains('\''), || {
            format!("the line has a verbatim prefix or POSIX quotes: {line}")
        })?;
        ensure(
            line == format!("{exe} credential-process --profile win"),
            || format!("unexpected credential_process line: {line}"),
        )?;
        let argv = botocore_split_win32(&line)?;
        ensure(argv[0] == exe, || {
            format!(
                "botocore's argv[0] is {:?}, not the binary {exe:?}",
                argv[0]
            )
        })?;
        // The keys are in the Credential Manager, not in the credentials file.
        if let Ok(creds) = std::fs::read_to_string(self.user_credentials()) {
            ensure(!creds.contains(SECRET), || {
                "the secret was written to the credentials file".to_owned()
            })?;
        }
        // As botocore runs it: the split argv, started directly.
        let args: Vec<&str> = argv[1..]
            .iter()
            .map(String::as_str)
            .chain(["--no-session"])
            .collect();
        let output = self.run_exe(Path::new(&argv[0]), &args, &[], None)?;
        succeeded("the credential_process argv", &output)?;
        is_process_json(&text(&output.stdout), KEY_ID, SECRET)?;
        // As the Rust, Go, Java and .NET SDKs run it: `cmd.exe /C LINE`, the line as one
        // argument.
        let mut cmd = self.wine.command("cmd.exe");
        cmd.args(["/c".to_owned(), format!("{line} --no-session")]);
        let output = run_with_stdin(cmd, None)?;
        succeeded("cmd.exe /c with the credential_process line", &output)?;
        is_process_json(&text(&output.stdout), KEY_ID, SECRET)
    }

    /// `import` of the IAM console's CSV into the Credential Manager.
    fn import(&self) -> Result {
        let csv = self.work.join("Downloads/win2_accessKeys.csv");
        write(
            &csv,
            &format!("Access key ID,Secret access key\r\n{KEY_ID_2},{SECRET_2}\r\n"),
        )?;
        let path = windows_path(&csv);
        let output = self.sagecred(&["import", &path, "--profile", "win2"], &[], None)?;
        succeeded("import", &output)?;
        no_secret("import", &output)?;
        let config = read(&self.user_config())?;
        ensure(
            config_value(&config, "win2", "credential_process").is_some(),
            || format!("import wrote no credential_process line: {config}"),
        )?;
        self.serves("win2", KEY_ID_2, SECRET_2)
    }

    /// `profiles` lists both keychain profiles with their masked key ids.
    fn profiles(&self) -> Result {
        let output = self.sagecred(&["profiles", "--output", "json"], &[], None)?;
        succeeded("profiles", &output)?;
        no_secret("profiles", &output)?;
        let json: String = text(&output.stdout)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        for profile in ["win", "win2"] {
            ensure(json.contains(&format!("\"name\":\"{profile}\"")), || {
                format!("profiles does not list {profile}: {json}")
            })?;
        }
        ensure(json.contains("\"store\":\"keychain\""), || {
            format!("profiles shows no keychain store: {json}")
        })?;
        ensure(!json.contains(KEY_ID), || {
            format!("profiles shows a whole key id: {json}")
        })
    }

    /// `remove` deletes the keys from the Credential Manager and the section from the file.
    fn remove(&self) -> Result {
        let output = self.sagecred(&["remove", "win2", "--yes"], &[], None)?;
        succeeded("remove", &output)?;
        let config = read(&self.user_config())?;
        ensure(!config.contains("[profile win2]"), || {
            format!("remove left the section: {config}")
        })?;
        ensure(config.contains("[profile win]"), || {
            format!("remove took another profile too: {config}")
        })?;
        let output = self.sagecred(
            &["credential-process", "--profile", "win2", "--no-session"],
            &[],
            None,
        )?;
        ensure(!output.status.success(), || {
            format!(
                "credential-process still serves a removed profile: {}",
                text(&output.stdout)
            )
        })?;
        // The other profile's key is untouched.
        self.serves("win", KEY_ID, SECRET)
    }

    /// `migrate` moves plaintext keys into the Credential Manager and keeps every other byte.
    fn migrate(&self) -> Result {
        let dir = self.work.join("migrate");
        let config = dir.join("config");
        let credentials = dir.join("credentials");
        write(
            &config,
            "# my settings\r\n[profile mig]\r\nregion = ap-south-1\r\n",
        )?;
        write(
            &credentials,
            &format!(
                "; keep me\n[other]\naws_access_key_id = {KEY_ID_2}\n\
                 aws_secret_access_key = {SECRET_2}\n\n[mig]\naws_access_key_id = {KEY_ID}\n\
                 aws_secret_access_key = {SECRET}\n"
            ),
        )?;
        let env = [
            ("AWS_CONFIG_FILE", windows_path(&config)),
            ("AWS_SHARED_CREDENTIALS_FILE", windows_path(&credentials)),
        ];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let output = self.sagecred(&["migrate", "--profile", "mig"], &env, None)?;
        succeeded("migrate", &output)?;
        no_secret("migrate", &output)?;
        let creds_after = read(&credentials)?;
        ensure(
            creds_after
                == format!(
                    "; keep me\n[other]\naws_access_key_id = {KEY_ID_2}\n\
                     aws_secret_access_key = {SECRET_2}\n\n"
                ),
            || format!("migrate changed more than the profile's keys: {creds_after:?}"),
        )?;
        let config_after = read(&config)?;
        ensure(
            config_after.starts_with("# my settings\r\n[profile mig]\r\n"),
            || format!("migrate did not keep the config's bytes: {config_after:?}"),
        )?;
        let line = config_value(&config_after, "mig", "credential_process")
            .ok_or_else(|| format!("migrate wrote no credential_process: {config_after}"))?;
        ensure(
            botocore_split_win32(&line)?[0] == windows_path(&self.exe),
            || format!("unexpected line: {line}"),
        )?;
        let output = self.sagecred(
            &["credential-process", "--profile", "mig", "--no-session"],
            &env,
            None,
        )?;
        succeeded("credential-process after migrate", &output)?;
        is_process_json(&text(&output.stdout), KEY_ID, SECRET)
    }

    /// A config whose profile name and role hold characters that mean something to
    /// PowerShell or cmd.
    fn hostile_config(&self) -> Result<String> {
        let config = self.work.join("hostile/config");
        write(
            &config,
            "[profile we%PATH%ird]\nregion = us-west-2\n\
             [profile a@b+c/d:e.f-g_h]\nregion = eu-central-1\n\
             sagemaker_role_arn = arn:aws:iam::123456789012:role/svc/a+b=c,d.e@f-g\n",
        )?;
        Ok(windows_path(&config))
    }

    /// PowerShell code for hostile values: exact lines, ASCII, every value verbatim.
    fn env_powershell(&self) -> Result {
        let config = self.hostile_config()?;
        let env = [("AWS_CONFIG_FILE", config.as_str())];
        let output = self.sagecred(
            &["env", "--shell", "powershell", "--profile", "we%PATH%ird"],
            &env,
            None,
        )?;
        succeeded("env --shell powershell", &output)?;
        let stdout = text(&output.stdout);
        ensure(stdout.is_ascii(), || format!("non-ASCII output: {stdout}"))?;
        for line in [
            "$env:AWS_PROFILE = 'we%PATH%ird'",
            "$env:AWS_REGION = 'us-west-2'",
        ] {
            ensure(stdout.lines().any(|l| l == line), || {
                format!("`{line}` is not in: {stdout}")
            })?;
        }
        // A hostile SAGEMAKER_ROLE from the environment is no ARN: it is skipped, not
        // emitted.
        let hostile = "'; Start-Process calc; '";
        let output = self.sagecred(
            &[
                "env",
                "--shell",
                "powershell",
                "--profile",
                "a@b+c/d:e.f-g_h",
            ],
            &[
                ("AWS_CONFIG_FILE", config.as_str()),
                ("SAGEMAKER_ROLE", hostile),
            ],
            None,
        )?;
        succeeded("env --shell powershell", &output)?;
        let stdout = text(&output.stdout);
        ensure(!stdout.contains("calc"), || {
            format!("a hostile value reached the code: {stdout}")
        })?;
        ensure(
            stdout.lines().any(|l| {
                l == "$env:SAGEMAKER_ROLE = 'arn:aws:iam::123456789012:role/svc/a+b=c,d.e@f-g'"
            }),
            || format!("the profile's role is not set: {stdout}"),
        )
    }

    /// cmd code, run by Wine's cmd.exe line by line as batch code; a value cmd would
    /// expand is refused with nothing on stdout.
    ///
    /// The README's `for /f ... do %i` cannot be used here: Wine 8's cmd does not run a
    /// builtin (`set`) named by a `for` variable. A batch file that `call`s the output runs
    /// each `set` line through the same parser.
    fn env_cmd(&self) -> Result {
        let config = self.hostile_config()?;
        let exe = windows_path(&self.exe);
        let code = windows_path(&self.work.join("env-out.cmd"));
        let output = self.batch(
            "env-cmd",
            &[
                format!("set AWS_CONFIG_FILE={config}"),
                format!("{exe} env --shell cmd --profile a@b+c/d:e.f-g_h > {code}"),
                "if errorlevel 1 exit /b 1".to_owned(),
                format!("call {code}"),
                "echo P=[%AWS_PROFILE%]".to_owned(),
                "echo R=[%AWS_REGION%]".to_owned(),
                "echo S=[%SAGEMAKER_ROLE%]".to_owned(),
            ],
        )?;
        succeeded("env --shell cmd in cmd.exe", &output)?;
        let stdout = text(&output.stdout);
        for line in [
            "P=[a@b+c/d:e.f-g_h]",
            "R=[eu-central-1]",
            "S=[arn:aws:iam::123456789012:role/svc/a+b=c,d.e@f-g]",
        ] {
            ensure(stdout.lines().any(|l| l.trim_end() == line), || {
                format!("cmd.exe did not get `{line}`: {stdout}")
            })?;
        }
        let output = self.sagecred(
            &["env", "--shell", "cmd", "--profile", "we%PATH%ird"],
            &[("AWS_CONFIG_FILE", config.as_str())],
            None,
        )?;
        ensure(!output.status.success() && output.stdout.is_empty(), || {
            format!(
                "a profile name with % was not refused for cmd: {}",
                text(&output.stdout)
            )
        })?;
        ensure(text(&output.stderr).contains("contains `%`"), || {
            format!("the refusal does not name `%`: {}", text(&output.stderr))
        })
    }

    /// `~\.aws` is found as aws-config finds it on Windows: `HOME`, then `USERPROFILE`,
    /// then `HOMEDRIVE` + `HOMEPATH`.
    fn home_resolution(&self) -> Result {
        let exe = windows_path(&self.exe);
        let homes = ["home-h", "home-u", "home-d"].map(|d| self.work.join(d));
        for (home, region) in homes.iter().zip(["us-east-2", "ca-central-1", "sa-east-1"]) {
            write(
                &home.join(".aws/config"),
                &format!("[default]\r\nregion = {region}\r\n"),
            )?;
        }
        let [h, u, d] = homes.each_ref().map(|p| windows_path(p));
        let cases = [
            // HOME wins where it is set (Git Bash, MSYS2).
            (
                vec![format!("set HOME={h}"), format!("set USERPROFILE={u}")],
                "us-east-2",
            ),
            // USERPROFILE is the Windows default.
            (
                vec!["set HOME=".to_owned(), format!("set USERPROFILE={u}")],
                "ca-central-1",
            ),
            // HOMEDRIVE and HOMEPATH last.
            (
                vec![
                    "set HOME=".to_owned(),
                    "set USERPROFILE=".to_owned(),
                    "set HOMEDRIVE=Z:".to_owned(),
                    format!("set HOMEPATH={}", &d[2..]),
                ],
                "sa-east-1",
            ),
        ];
        for (i, (sets, region)) in cases.into_iter().enumerate() {
            let mut lines = sets;
            lines.push(format!("{exe} env --shell cmd"));
            let output = self.batch(&format!("home-{i}"), &lines)?;
            succeeded("env with a home override", &output)?;
            let stdout = text(&output.stdout);
            ensure(
                stdout
                    .lines()
                    .any(|l| l == format!("set AWS_REGION={region}")),
                || format!("case {i}: expected region {region}: {stdout}"),
            )?;
        }
        Ok(())
    }

    /// `AWS_CONFIG_FILE` as a Windows path: backslashes with a space, forward slashes, and
    /// `~\` under the home.
    fn aws_config_file(&self) -> Result {
        let dir = self.work.join("custom dir");
        write(&dir.join("config"), "[profile c]\nregion = eu-north-1\n")?;
        write(
            &self.profile_dir.join("custom/config"),
            "[profile c]\nregion = me-south-1\n",
        )?;
        let backslashes = windows_path(&dir.join("config"));
        let forward = backslashes.replace('\\', "/");
        for (value, region) in [
            (backslashes.as_str(), "eu-north-1"),
            (forward.as_str(), "eu-north-1"),
            (r"~\custom\config", "me-south-1"),
        ] {
            let output = self.sagecred(
                &["env", "--shell", "cmd", "--profile", "c"],
                &[("AWS_CONFIG_FILE", value)],
                None,
            )?;
            succeeded("env with AWS_CONFIG_FILE", &output)?;
            let stdout = text(&output.stdout);
            ensure(
                stdout
                    .lines()
                    .any(|l| l == format!("set AWS_REGION={region}")),
                || format!("AWS_CONFIG_FILE={value}: expected {region}: {stdout}"),
            )?;
        }
        // configure writes there too, and the file reads back.
        let output = self.sagecred(
            &["configure", "--profile", "c", "--stdin", "--store", "file"],
            &[
                ("AWS_CONFIG_FILE", &backslashes),
                (
                    "AWS_SHARED_CREDENTIALS_FILE",
                    &windows_path(&dir.join("credentials")),
                ),
            ],
            Some(&format!("{KEY_ID}\n{SECRET}\n")),
        )?;
        succeeded("configure --store file", &output)?;
        let creds = read(&dir.join("credentials"))?;
        ensure(creds.contains(KEY_ID), || {
            format!("the credentials file under AWS_SHARED_CREDENTIALS_FILE: {creds}")
        })
    }

    /// A binary under a path with spaces and parentheses gets a double-quoted program that
    /// botocore splits back and that runs.
    fn path_with_spaces(&self) -> Result {
        let dir = self.work.join("Program Files (x86)/sage cred");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let exe = dir.join("sagecred.exe");
        std::fs::copy(&self.exe, &exe).map_err(|e| format!("copy: {e}"))?;
        let config = self.work.join("spaces/config");
        let config_win = windows_path(&config);
        let env = [("AWS_CONFIG_FILE", config_win.as_str())];
        let output = self.run_exe(
            &exe,
            &["configure", "--profile", "sp", "--stdin"],
            &env,
            Some(&format!("{KEY_ID}\n{SECRET}\n")),
        )?;
        succeeded("configure from a path with spaces", &output)?;
        let line = config_value(&read(&config)?, "sp", "credential_process")
            .ok_or("no credential_process line")?;
        let exe_win = windows_path(&exe);
        ensure(
            line == format!("\"{exe_win}\" credential-process --profile sp"),
            || format!("unexpected line: {line}"),
        )?;
        let argv = botocore_split_win32(&line)?;
        ensure(argv[0] == exe_win, || {
            format!("botocore's argv[0] is {:?}, not {exe_win:?}", argv[0])
        })?;
        let args: Vec<&str> = argv[1..]
            .iter()
            .map(String::as_str)
            .chain(["--no-session"])
            .collect();
        let output = self.run_exe(Path::new(&argv[0]), &args, &env, None)?;
        succeeded("the quoted credential_process argv", &output)?;
        is_process_json(&text(&output.stdout), KEY_ID, SECRET)?;
        // As cmd.exe runs it when the line reaches it unescaped (a batch file, Node's
        // `shell: true`). The Rust SDK's `cmd.exe /C` escapes the quotes as `\"`, which cmd
        // cannot read: the README advises a directory without spaces for that reason.
        let output = self.batch(
            "spaces",
            &[
                format!("set AWS_CONFIG_FILE={config_win}"),
                format!("{line} --no-session"),
            ],
        )?;
        succeeded("the quoted credential_process line in cmd.exe", &output)?;
        is_process_json(&text(&output.stdout), KEY_ID, SECRET)?;
        let removed = self.run_exe(&exe, &["remove", "sp", "--yes"], &env, None)?;
        succeeded("remove sp", &removed)
    }
}
