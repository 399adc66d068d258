//! IAM Identity Center end to end: `sso configure`, `login`, `logout`, and SSO profiles in
//! `credential-process`, `env` and `exec`, against the emulator; plus boto3 on the same
//! token cache.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{
    TestEnv, assert_no_secret, assert_success, boto3_arn, interop_dir, mode, run_with_stdin,
    stderr, stdout, unique_user,
};
use crate::emulator::{DEVICE_GRANT, Emulator};

const START_URL: &str = "https://d-1234567890.awsapps.com/start";
const ACCOUNT: &str = "111122223333";
const ROLE: &str = "SageMakerDeveloper";

/// An emulator, a home whose AWS calls reach it, and a configured SSO profile.
struct Sso {
    emulator: Emulator,
    env: TestEnv,
    /// A profile name no other test uses (cached role credentials live in the shared
    /// keychain, keyed by profile).
    profile: String,
    session: String,
}

impl Sso {
    fn new() -> Self {
        let emulator = Emulator::start();
        let env = TestEnv::with_endpoint(emulator.url());
        let sso = Self {
            emulator,
            env,
            profile: unique_user("sso"),
            session: "team".into(),
        };
        // Role credentials are cached in the shared keychain: removed when `env` drops.
        sso.env.track_keyring(&sso.profile);
        let out = sso.run(&[
            "sso",
            "configure",
            "--profile",
            &sso.profile,
            "--sso-session",
            &sso.session,
            "--start-url",
            START_URL,
            "--sso-region",
            "us-east-1",
            "--account-id",
            ACCOUNT,
            "--role-name",
            ROLE,
            "--region",
            "eu-west-1",
            "--yes",
        ]);
        assert_success(&out);
        sso
    }

    fn run(&self, args: &[&str]) -> Output {
        self.env.run(args, "")
    }

    fn cache_file(&self) -> PathBuf {
        self.env
            .home
            .join(".aws/sso/cache")
            .join(sha1_hex(&self.session))
    }

    /// Writes a token cache with botocore's writer for a session the emulator made.
    fn seed(&self, ttl: i64, with_refresh: bool) -> Value {
        let session = self.emulator.session(ttl, with_refresh);
        let out = run_with_stdin(
            self.env
                .program("python3")
                .arg(interop_dir().join("sso_cache.py"))
                .args(["write", &self.session, START_URL, "us-east-1"]),
            &session.to_string(),
        );
        assert_success(&out);
        session
    }

    fn credential_process(&self, extra: &[&str]) -> Command {
        let mut cmd = self.env.cmd();
        cmd.args(["credential-process", "--profile", &self.profile])
            .args(extra);
        cmd
    }
}

/// `sha1(name).json`, computed by Python's hashlib, independently of sagecred.
fn sha1_hex(name: &str) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import hashlib,sys; print(hashlib.sha1(sys.argv[1].encode()).hexdigest())",
            name,
        ])
        .output()
        .unwrap();
    format!("{}.json", stdout(&out).trim())
}

fn process_json(out: &Output) -> Value {
    assert_success(out);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

#[test]
fn configure_writes_the_session_and_profile_the_way_aws_configure_sso_does() {
    let t = Sso::new();
    let config = t.env.read_config();
    let want = format!(
        "[sso-session team]\nsso_start_url = {START_URL}\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n\
         [profile {p}]\nsso_session = team\nsso_account_id = {ACCOUNT}\nsso_role_name = {ROLE}\nregion = eu-west-1\n\
         sagemaker_role_arn = arn:aws:iam::{ACCOUNT}:role/SageMaker-UNetTraining-ExecutionRole\n",
        p = t.profile
    );
    assert_eq!(config, want);
    // Given every value, configuring needs no sign-in.
    assert_eq!(t.emulator.count("device_authorization"), 0);

    let profiles = t.run(&["profiles", "--output", "json"]);
    assert_success(&profiles);
    assert!(
        stdout(&profiles).contains("\"sso\""),
        "{}",
        stdout(&profiles)
    );
}

#[test]
fn login_then_credential_process_env_and_exec_serve_role_credentials() {
    let t = Sso::new();
    // --debug, so that the checks below also prove the logs carry no token.
    let out = t.run(&["login", "--profile", &t.profile, "--no-browser", "--debug"]);
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}/device", t.emulator.url())),
        "{err}"
    );
    assert!(err.contains("code: "), "{err}");
    assert!(stdout(&out).contains("Signed in to"), "{}", stdout(&out));
    assert_eq!(t.emulator.token_calls(DEVICE_GRANT), 1);

    // The token is cached where the AWS CLI looks, privately, with a refresh token.
    let file = t.cache_file();
    assert_eq!(mode(&file), 0o600);
    let cached: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(cached["startUrl"], START_URL);
    assert!(cached["refreshToken"].is_string());
    assert_no_secret(&out, cached["accessToken"].as_str().unwrap());
    assert_no_secret(&out, cached["refreshToken"].as_str().unwrap());
    assert_no_secret(&out, cached["clientSecret"].as_str().unwrap());

    let out = t.credential_process(&["--debug"]).output().unwrap();
    let creds = process_json(&out);
    assert!(
        !stderr(&out).contains(creds["SecretAccessKey"].as_str().unwrap()),
        "the role's secret leaked into the debug log"
    );
    assert_eq!(creds["Version"], 1);
    let key = creds["AccessKeyId"].as_str().unwrap();
    assert!(key.starts_with("ASIA"), "{key}");
    assert!(creds["SessionToken"].is_string() && creds["Expiration"].is_string());
    assert!(t.emulator.count("get_role_credentials") >= 1);

    let env = t.run(&[
        "env",
        "--profile",
        &t.profile,
        "--credentials",
        "--shell",
        "bash",
    ]);
    assert_success(&env);
    let text = stdout(&env);
    assert!(text.contains("export AWS_ACCESS_KEY_ID=ASIA"), "{text}");
    assert!(
        text.contains(&format!(
            "SAGEMAKER_ROLE=arn:aws:iam::{ACCOUNT}:role/SageMaker-UNetTraining-ExecutionRole"
        )),
        "{text}"
    );

    let exec = t.run(&[
        "exec",
        &t.profile,
        "--",
        "sh",
        "-c",
        "echo $AWS_ACCESS_KEY_ID $AWS_REGION",
    ]);
    assert_success(&exec);
    let text = stdout(&exec);
    assert!(
        text.starts_with("ASIA") && text.trim_end().ends_with("eu-west-1"),
        "{text}"
    );
    let who = t.run(&["whoami", "--profile", &t.profile, "--output", "json"]);
    assert_success(&who);
    let who: Value = serde_json::from_slice(&who.stdout).unwrap();
    assert_eq!(who["Account"], ACCOUNT);
    assert!(
        who["Arn"]
            .as_str()
            .unwrap()
            .contains(&format!("assumed-role/AWSReservedSSO_{ROLE}_")),
        "{who}"
    );

    // The token was never refreshed or replaced: one sign-in served everything.
    assert_eq!(
        t.emulator.stats()["create_token"].as_array().unwrap().len(),
        1
    );
}

#[test]
fn populate_writes_a_profile_for_every_account_and_role() {
    let emulator = Emulator::start();
    let env = TestEnv::with_endpoint(emulator.url());
    let out = env.run(
        &[
            "sso",
            "configure",
            "--sso-session",
            "org",
            "--start-url",
            START_URL,
            "--sso-region",
            "us-east-1",
            "--populate",
            "--no-browser",
            "--yes",
            "--output",
            "json",
        ],
        "",
    );
    assert_success(&out);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["profile"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "ReadOnly-111122223333",
            "SageMakerDeveloper-111122223333",
            "SageMakerDeveloper-444455556666",
            "Admin-777788889999",
        ]
    );
    let config = env.read_config();
    for (name, account) in [
        ("Admin-777788889999", "777788889999"),
        ("SageMakerDeveloper-444455556666", "444455556666"),
    ] {
        assert!(
            config.contains(&format!(
                "[profile {name}]\nsso_session = org\nsso_account_id = {account}\n"
            )),
            "{config}"
        );
        assert!(config.contains(&format!(
            "arn:aws:iam::{account}:role/SageMaker-UNetTraining-ExecutionRole"
        )));
    }
    // It signed in once and walked both pages of accounts.
    assert_eq!(emulator.count("device_authorization"), 1);
    assert_eq!(emulator.count("list_accounts"), 2);
    assert_eq!(emulator.count("list_account_roles"), 3);
}

#[test]
fn an_expired_token_that_cannot_be_refreshed_fails_at_once_with_the_login_command() {
    let t = Sso::new();
    t.seed(-60, false);
    let started = Instant::now();
    let out = t
        .credential_process(&[])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "it must not wait"
    );
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout for the SDK to misread"
    );
    let err = stderr(&out);
    assert!(
        err.contains(&format!("sagecred login --profile {}", t.profile)),
        "{err}"
    );
    assert!(err.contains("expired"), "{err}");
    assert_eq!(t.emulator.count("device_authorization"), 0);
    assert_eq!(t.emulator.count("get_role_credentials"), 0);

    // A refused refresh ends the same way.
    t.emulator.configure(json!({"refresh": "invalid_grant"}));
    t.seed(-60, true);
    let out = t.credential_process(&[]).output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains("sagecred login --profile"),
        "{}",
        stderr(&out)
    );
}

/// Runs `n` copies of `cmd` at once and returns their outputs.
fn in_parallel(n: usize, make: impl Fn() -> Command) -> Vec<Output> {
    let children: Vec<_> = (0..n)
        .map(|_| {
            make()
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect()
}

#[test]
fn eight_parallel_calls_with_an_expired_token_refresh_it_once() {
    let t = Sso::new();
    t.seed(-60, true);
    let outs = in_parallel(8, || {
        let mut cmd = t.credential_process(&[]);
        // Without a session bus there is no role-credential cache, so every process
        // goes through the token.
        cmd.env_remove("DBUS_SESSION_BUS_ADDRESS");
        cmd
    });
    for out in &outs {
        assert!(
            process_json(out)["AccessKeyId"]
                .as_str()
                .unwrap()
                .starts_with("ASIA")
        );
    }
    assert_eq!(
        t.emulator.token_calls("refresh_token"),
        1,
        "one refresh for all eight"
    );
    assert_eq!(t.emulator.count("device_authorization"), 0);
    assert_eq!(t.emulator.count("get_role_credentials"), 8);
}

#[test]
fn eight_parallel_calls_that_may_sign_in_open_one_browser() {
    let t = Sso::new();
    t.seed(-60, false);
    let opened = t.env.dir.path().join("browser.log");
    let browser = t.env.dir.path().join("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\necho \"$1\" >> '{}'\n", opened.display()),
    )
    .unwrap();
    std::fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let outs = in_parallel(8, || {
        let mut cmd = t.credential_process(&["--login"]);
        cmd.env("BROWSER", &browser)
            .env_remove("DBUS_SESSION_BUS_ADDRESS");
        cmd
    });
    let mut prompts = 0;
    for out in &outs {
        assert!(process_json(out)["AccessKeyId"].is_string());
        prompts += usize::from(stderr(out).contains("code: "));
    }
    assert_eq!(
        t.emulator.count("device_authorization"),
        1,
        "one sign-in for all eight"
    );
    assert_eq!(prompts, 1, "one prompt on stderr");
    // The browser script runs detached; give it a moment to write.
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::fs::read_to_string(&opened)
        .unwrap_or_default()
        .lines()
        .count()
        < 1
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = std::fs::read_to_string(&opened).unwrap();
    assert_eq!(log.lines().count(), 1, "{log}");
    assert!(log.contains("/device?user_code="), "{log}");
}

#[test]
fn denied_and_expired_sign_ins_say_so() {
    for (state, words) in [("access_denied", "denied"), ("expired_token", "expired")] {
        let t = Sso::new();
        t.emulator
            .configure(json!({"device_script": ["authorization_pending", state]}));
        let out = t.run(&["login", "--profile", &t.profile, "--no-browser"]);
        assert_eq!(out.status.code(), Some(2), "{state}: {}", stderr(&out));
        assert!(stderr(&out).contains(words), "{state}: {}", stderr(&out));
        assert!(!t.cache_file().exists(), "{state}: nothing cached");
        assert_eq!(t.emulator.token_calls(DEVICE_GRANT), 2, "{state}");
    }
}

#[test]
fn logout_ends_the_session_and_deletes_the_token() {
    let t = Sso::new();
    t.seed(3600, true);
    let out = t.run(&["logout", "--profile", &t.profile, "--output", "json"]);
    assert_success(&out);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["sso_session"], "team");
    assert_eq!(v[0]["token_deleted"], true);
    assert_eq!(v[0]["portal_session_ended"], true);
    assert!(!t.cache_file().exists());
    assert_eq!(t.emulator.count("logout"), 1);

    let out = t.credential_process(&[]).output().unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(stderr(&out).contains("no cached token"), "{}", stderr(&out));
    let out = t.run(&["whoami", "--profile", &t.profile]);
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains(&format!("run `sagecred login --profile {}`", t.profile)),
        "{}",
        stderr(&out)
    );
}

#[test]
fn boto3_uses_the_token_sagecred_cached() {
    let t = Sso::new();
    assert_success(&t.run(&["login", "--profile", &t.profile, "--no-browser"]));
    let arn = boto3_arn(&t.env, &t.profile);
    assert!(
        arn.starts_with(&format!(
            "arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_{ROLE}_"
        )),
        "{arn}"
    );
    // boto3 found the token valid: no refresh, no new sign-in.
    assert_eq!(
        t.emulator.stats()["create_token"].as_array().unwrap().len(),
        1
    );
    assert_eq!(t.emulator.count("get_caller_identity"), 1);
}

#[test]
fn sagecred_uses_the_token_boto3_refreshed_and_writes_the_same_bytes_botocore_would() {
    let t = Sso::new();
    // An expired token that boto3 refreshes, rewriting the cache with botocore's writer.
    t.seed(-60, true);
    let arn = boto3_arn(&t.env, &t.profile);
    assert!(arn.contains(ROLE), "{arn}");
    assert_eq!(t.emulator.token_calls("refresh_token"), 1);
    let boto3_file = std::fs::read_to_string(t.cache_file()).unwrap();

    // sagecred takes that token as it is.
    let creds = process_json(&t.credential_process(&[]).output().unwrap());
    assert!(creds["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert_eq!(
        t.emulator.token_calls("refresh_token"),
        1,
        "no second refresh"
    );
    assert_eq!(std::fs::read_to_string(t.cache_file()).unwrap(), boto3_file);

    // A token sagecred writes is serialised exactly as Python's json.dumps writes it,
    // with the fields in the same order as botocore's.
    assert_success(&t.run(&["login", "--profile", &t.profile, "--no-browser"]));
    let canonical = |file: &PathBuf| {
        let out = t
            .env
            .program("python3")
            .arg(interop_dir().join("sso_cache.py"))
            .arg("canonical")
            .arg(file)
            .output()
            .unwrap();
        assert_success(&out);
        stdout(&out)
    };
    let ours = canonical(&t.cache_file());
    assert_eq!(
        ours,
        "same\nstartUrl,region,accessToken,expiresAt,clientId,clientSecret,registrationExpiresAt,refreshToken\n"
    );
    let theirs = {
        let path = t.env.dir.path().join("boto3.json");
        std::fs::write(&path, &boto3_file).unwrap();
        canonical(&path)
    };
    assert_eq!(ours, theirs);
}

#[test]
fn doctor_fails_a_token_cache_others_can_read() {
    let t = Sso::new();
    t.seed(3600, true);
    let file = t.cache_file();
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let out = t.run(&["doctor", "--profile", &t.profile, "--output", "json"]);
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    let check = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "file-permissions")
        .unwrap()
        .clone();
    assert_eq!(check["status"], "fail", "{check}");
    let name = file.file_name().unwrap().to_str().unwrap();
    assert!(check["reason"].as_str().unwrap().contains(name), "{check}");
    assert!(
        check["fix"].as_str().unwrap().starts_with("chmod 600"),
        "{check}"
    );
}

#[test]
fn doctor_tells_an_sso_profile_without_a_token_to_sign_in_with_sagecred() {
    let t = Sso::new();
    // No token was ever cached: the credentials cannot resolve.
    let out = t.run(&["doctor", "--profile", &t.profile, "--output", "json"]);
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    let check = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "credentials")
        .unwrap()
        .clone();
    assert_eq!(check["status"], "fail", "{check}");
    assert!(
        check["reason"].as_str().unwrap().contains("(sso store)"),
        "{check}"
    );
    // The same advice credential-process and exec give; never `aws sso login`.
    assert_eq!(
        check["fix"],
        format!("sagecred login --profile {}", t.profile),
        "{check}"
    );
    assert!(!stdout(&out).contains("aws sso login"), "{}", stdout(&out));
}

#[test]
fn each_identity_center_service_goes_to_its_own_endpoint_variable() {
    let t = Sso::new();
    // Nothing listens on the discard port: a call that went there would fail.
    let dead = "http://127.0.0.1:9";
    let with = |cmd: &mut Command, oidc: Option<&str>, portal: Option<&str>| {
        cmd.env("AWS_ENDPOINT_URL", dead);
        if let Some(url) = oidc {
            cmd.env("AWS_ENDPOINT_URL_SSO_OIDC", url);
        }
        if let Some(url) = portal {
            cmd.env("AWS_ENDPOINT_URL_SSO", url);
        }
    };
    let url = t.emulator.url().to_owned();

    // The sign-in is SSO OIDC only: its own variable wins over the dead global one.
    let mut login = t.env.cmd();
    login.args(["login", "--profile", &t.profile, "--no-browser"]);
    with(&mut login, Some(&url), None);
    let out = login.output().unwrap();
    assert_success(&out);

    // Role credentials come from the portal: without its variable they go to the dead
    // global endpoint and fail; with it they are served.
    let mut cp = t.credential_process(&[]);
    with(&mut cp, Some(&url), None);
    let out = cp.output().unwrap();
    assert!(!out.status.success(), "{}", stdout(&out));
    let mut cp = t.credential_process(&[]);
    with(&mut cp, None, Some(&url));
    let out = cp.output().unwrap();
    assert_success(&out);
    assert_eq!(process_json(&out)["Version"], 1);
}
