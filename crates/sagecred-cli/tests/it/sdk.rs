//! The tools that consume what sagecred writes prove it: the SageMaker Python SDK v2 and v3
//! (its defaults file, and training jobs launched on moto), cfn-lint, python-hcl2, checkov,
//! parliament and moto's CloudFormation (the emitted code).
//!
//! The Python tools live in virtual environments that `cargo xtask test` makes under
//! `target/py` (the SDK v2 and v3 cannot share one).

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::common::*;

/// The python of one of xtask's virtual environments.
fn venv_python(name: &str) -> PathBuf {
    let root = std::env::var_os("SAGECRED_PY_VENVS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/py"));
    let python = root.join(name).join("bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `cargo xtask test` (it installs the SageMaker SDKs and the linters)",
        python.display()
    );
    python
}

/// The result line of an SDK helper (the SDKs log to stdout too).
fn result(out: &std::process::Output) -> serde_json::Value {
    let text = stdout(out);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("sagecred-result "))
        .unwrap_or_else(|| panic!("no result line in:\n{text}\n{}", stderr(out)));
    serde_json::from_str(line).unwrap()
}

/// The region of the training jobs these tests launch.
const SDK_REGION: &str = "eu-west-1";

/// The SDK's defaults file in a test home (platformdirs' Linux location).
fn sdk_file(env: &TestEnv) -> PathBuf {
    env.home.join(".config/sagemaker/config.yaml")
}

/// A user's own defaults file: comments, another key in the same mapping, a list. The
/// opt-out also keeps the SDKs from sending telemetry anywhere.
const USER_FILE: &str = "# team defaults, kept by hand\nSchemaVersion: \"1.0\"\nSageMaker:\n  PythonSDK:\n    Modules:\n      # no telemetry from this machine\n      TelemetryOptOut: true\n  TrainingJob:\n    Tags:\n    - Key: team\n      Value: ml\n";

struct Setup {
    env: TestEnv,
    user: String,
    role: String,
    bucket: String,
    names: Vec<String>,
}

/// `setup --yes --create-bucket` with unique names, the keychain store (the guide's
/// path: credentials come through credential_process), and `USER_FILE` in place.
fn setup(prefix: &str, extra: &[&str]) -> Setup {
    require_secret_service();
    let env = TestEnv::with_moto();
    // Its own region: the doctor tests count the training jobs of us-east-1 in the shared
    // moto, and these tests add some.
    env.configure(
        "admin",
        EXAMPLE_KEY_ID,
        EXAMPLE_SECRET,
        &["--region", SDK_REGION],
    );
    std::fs::create_dir_all(sdk_file(&env).parent().unwrap()).unwrap();
    std::fs::write(sdk_file(&env), USER_FILE).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(sdk_file(&env), std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let s = unique_user(prefix);
    let names = vec![
        "--profile".to_owned(),
        "admin".to_owned(),
        "--role-name".to_owned(),
        format!("{s}-Role"),
        "--policy-name".to_owned(),
        format!("{s}-Policy"),
        "--user-name".to_owned(),
        format!("{s}-user"),
        "--bucket".to_owned(),
        format!("{s}-bucket"),
    ];
    let mut args = vec!["setup", "--yes", "--create-bucket"];
    args.extend(names.iter().map(String::as_str));
    args.extend_from_slice(extra);
    let out = env.run(&args, "");
    assert_success(&out);
    assert!(
        stderr(&out).contains("to the sagemaker sdk defaults file"),
        "{}",
        stderr(&out)
    );
    Setup {
        role: format!("arn:aws:iam::123456789012:role/{s}-Role"),
        user: format!("{s}-user"),
        bucket: format!("{s}-bucket"),
        env,
        names,
    }
}

impl Setup {
    fn teardown(&self) {
        let mut args = vec!["teardown", "--apply"];
        args.extend(self.names.iter().map(String::as_str));
        let _ = self.env.run(&args, "");
        let _ = self.env.run(&["remove", &self.user, "--yes"], "");
    }
}

/// The defaults file as each SDK's own loader and schema read it.
fn sdk_reads(env: &TestEnv, venv: &str) -> serde_json::Value {
    let out = env
        .program(venv_python(venv))
        .arg(interop_dir().join("sdk_config_schema.py"))
        .arg(sdk_file(env))
        .output()
        .unwrap();
    assert_success(&out);
    result(&out)
}

#[test]
fn setup_writes_sdk_defaults_that_both_sdks_accept_keeping_the_users_file() {
    let s = setup("sdkcfg", &[]);
    let env = &s.env;
    let text = std::fs::read_to_string(sdk_file(env)).unwrap();
    assert_eq!(
        text,
        format!(
            "# team defaults, kept by hand\nSchemaVersion: \"1.0\"\nSageMaker:\n  PythonSDK:\n    Modules:\n      Session:\n        DefaultS3Bucket: '{}'\n      # no telemetry from this machine\n      TelemetryOptOut: true\n  TrainingJob:\n    RoleArn: '{}'\n    Tags:\n    - Key: team\n      Value: ml\n",
            s.bucket, s.role
        )
    );
    // The user's file keeps its mode (a new one would be 0600: the library's tests).
    assert_eq!(mode(&sdk_file(env)), 0o640);
    for venv in ["sdk-v2", "sdk-v3"] {
        let v = sdk_reads(env, venv);
        assert_eq!(v["RoleArn"], s.role.as_str(), "{venv}");
        assert_eq!(v["DefaultS3Bucket"], s.bucket.as_str(), "{venv}");
        assert_eq!(v["TelemetryOptOut"], true, "{venv}");
    }

    // doctor agrees with the file.
    let out = env.run(&["doctor", "--profile", &s.user], "");
    assert!(
        stderr(&out).contains("pass  sagemaker-sdk-config")
            || stdout(&out).contains("pass  sagemaker-sdk-config"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );

    // `role set` updates the value that was the profile's, without a terminal.
    let other = "arn:aws:iam::123456789012:role/ml/Other";
    assert_success(&env.run(&["role", "set", other, "--profile", &s.user], ""));
    assert_eq!(sdk_reads(env, "sdk-v2")["RoleArn"], other);

    // A value the profile never wrote is kept, with a warning, and doctor says how to fix.
    let foreign = "arn:aws:iam::123456789012:role/Foreign";
    let edited = std::fs::read_to_string(sdk_file(env))
        .unwrap()
        .replace(other, foreign);
    std::fs::write(sdk_file(env), &edited).unwrap();
    let out = env.run(&["role", "set", &s.role, "--profile", &s.user], "");
    assert_success(&out);
    assert!(
        stderr(&out).contains("keeps SageMaker.TrainingJob.RoleArn"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(sdk_file(env)).unwrap(), edited);
    let out = env.run(&["doctor", "--profile", &s.user], "");
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(all.contains("warn  sagemaker-sdk-config"), "{all}");
    assert!(
        all.contains(&format!(
            "sagecred role set {} --profile {}",
            s.role, s.user
        )),
        "{all}"
    );

    // --no-sdk-config leaves the file alone.
    let out = env.run(
        &[
            "role",
            "set",
            other,
            "--profile",
            &s.user,
            "--no-sdk-config",
        ],
        "",
    );
    assert_success(&out);
    assert_eq!(std::fs::read_to_string(sdk_file(env)).unwrap(), edited);

    // A file sagecred cannot edit safely is refused, not rewritten.
    let flow = "SchemaVersion: '1.0'\nSageMaker: {TrainingJob: {RoleArn: x}}\n";
    std::fs::write(sdk_file(env), flow).unwrap();
    let out = env.run(&["role", "set", &s.role, "--profile", &s.user], "");
    assert_success(&out);
    assert!(
        stderr(&out).contains("line 2: `SageMaker` is not a nested block mapping"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(sdk_file(env)).unwrap(), flow);
    s.teardown();
}

/// Runs an SDK helper the way a user's shell would: after `eval "$(sagecred env)"`.
fn run_after_env(
    env: &TestEnv,
    profile: &str,
    endpoint: &str,
    venv: &str,
    script: &[&str],
) -> serde_json::Value {
    let line = format!(
        "eval \"$({} env --profile {profile} --shell bash)\" && exec \"$0\" \"$@\"",
        env!("CARGO_BIN_EXE_sagecred")
    );
    let out = env
        .program("bash")
        .arg("-c")
        .arg(line)
        .arg(venv_python(venv))
        .args(script)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
        .output()
        .unwrap();
    assert_success(&out);
    result(&out)
}

#[test]
fn sdk_v2_estimator_takes_role_and_bucket_from_the_defaults_file_or_sagemaker_role() {
    let s = setup("sdkv2", &[]);
    let script = interop_dir().join("sdk_v2_train.py");
    let script = script.to_str().unwrap();
    for mode in ["defaults", "explicit"] {
        let job = run_after_env(&s.env, &s.user, s.env.endpoint(), "sdk-v2", &[script, mode]);
        assert_eq!(job["RoleArn"], s.role.as_str(), "{mode}: {job}");
        assert_eq!(job["DefaultBucket"], s.bucket.as_str(), "{mode}: {job}");
        assert!(
            job["S3OutputPath"]
                .as_str()
                .unwrap()
                .starts_with(&format!("s3://{}/", s.bucket)),
            "{mode}: {job}"
        );
    }
    s.teardown();
}

/// sim_proxy.py in front of moto, stopped when dropped.
struct Proxy {
    child: Child,
    url: String,
}

impl Proxy {
    fn start(env: &TestEnv) -> Self {
        let mut child = env
            .program("python3")
            .arg(interop_dir().join("sim_proxy.py"))
            .arg(env.endpoint())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Self {
            child,
            url: line.trim().to_owned(),
        }
    }

    fn simulate_calls(&self) -> u64 {
        let out = Command::new("python3")
            .args([
                "-c",
                "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())",
                &format!("{}/_proxy/stats", self.url),
            ])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["simulate"].as_u64().unwrap()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn v3_job(least_privilege: bool) {
    let extra: &[&str] = if least_privilege {
        &["--least-privilege"]
    } else {
        &[]
    };
    let s = setup(if least_privilege { "sdkv3lp" } else { "sdkv3" }, extra);
    if least_privilege {
        // In a real account v3 refuses a role that lacks an action it gates on.
        let out = s
            .env
            .program(venv_python("sdk-v3"))
            .arg(interop_dir().join("sdk_v3_gate.py"))
            .arg(&s.names[3])
            .env("AWS_ACCESS_KEY_ID", EXAMPLE_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET)
            .env("AWS_DEFAULT_REGION", SDK_REGION)
            .output()
            .unwrap();
        assert_success(&out);
        let gate = result(&out);
        assert_eq!(gate["missing"], serde_json::json!([]), "{gate}");
        assert!(gate["gated"].as_array().unwrap().len() >= 5, "{gate}");
        assert_eq!(gate["trusted"], true, "{gate}");
    }
    let proxy = Proxy::start(&s.env);
    let script = interop_dir().join("sdk_v3_train.py");
    let line = format!(
        "eval \"$({} env --profile {} --shell bash)\" && exec \"$0\" \"$@\"",
        env!("CARGO_BIN_EXE_sagecred"),
        s.user
    );
    // The role from `sagecred env`; in guide mode also the one from the defaults file.
    let modes: &[&str] = if least_privilege {
        &["env"]
    } else {
        &["env", "defaults"]
    };
    for mode in modes {
        let out = s
            .env
            .program("bash")
            .arg("-c")
            .arg(&line)
            .arg(venv_python("sdk-v3"))
            .arg(&script)
            .arg(mode)
            .env("AWS_ENDPOINT_URL", &proxy.url)
            .env("SAGECRED_TEST_BUCKET", &s.bucket)
            .output()
            .unwrap();
        assert_success(&out);
        let job = result(&out);
        assert_eq!(job["RoleArn"], s.role.as_str(), "{mode}: {job}");
        assert_eq!(
            job["S3OutputPath"],
            format!("s3://{}/output", s.bucket),
            "{mode}: {job}"
        );
    }
    // v3 asked IAM to simulate the role, was refused as AWS refuses, and went on.
    assert!(proxy.simulate_calls() >= 1);
    drop(proxy);
    s.teardown();
}

#[test]
fn sdk_v3_model_trainer_launches_with_the_role_from_env_or_the_defaults_file_in_guide_mode() {
    v3_job(false);
}

#[test]
fn sdk_v3_model_trainer_launches_with_the_role_from_env_in_least_privilege_mode() {
    v3_job(true);
}

/// `provision --emit FORMAT` with `extra`, offline: no credentials, no endpoint.
fn emit(format: &str, extra: &[&str]) -> String {
    let env = TestEnv::new();
    let mut args = vec!["provision", "--emit", format];
    args.extend_from_slice(extra);
    let out = env.run(&args, "");
    assert_success(&out);
    stdout(&out)
}

#[test]
fn emitted_code_passes_cfn_lint_hcl2_checkov_and_parliament_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/provisioning.md");
    for (mode, extra) in [
        ("guide", &[][..]),
        ("least-privilege", &["--least-privilege"][..]),
    ] {
        let cfn = dir.path().join(format!("{mode}.json"));
        let tf = dir.path().join(format!("{mode}.tf"));
        std::fs::write(&cfn, emit("cloudformation", extra)).unwrap();
        std::fs::write(&tf, emit("terraform", extra)).unwrap();
        let out = Command::new(venv_python("lint"))
            .arg(interop_dir().join("iac_check.py"))
            .args([mode, cfn.to_str().unwrap(), tf.to_str().unwrap()])
            .arg(&docs)
            .output()
            .unwrap();
        assert_success(&out);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["cfn_lint_errors"], 0, "{v}");
        assert_eq!(v["terraform_matches"], true, "{v}");
        assert_eq!(
            v["resources"]["roles"][0],
            "SageMaker-UNetTraining-ExecutionRole"
        );
        match mode {
            "guide" => {
                // The one finding is the guide's own ECR pull on "*"; provision says so.
                assert_eq!(v["parliament"][0]["issue"], "RESOURCE_STAR", "{v}");
                assert_eq!(v["parliament"].as_array().unwrap().len(), 1, "{v}");
            }
            _ => {
                assert_eq!(v["parliament"], serde_json::json!([]), "{v}");
                assert_eq!(v["checkov_unexplained"], serde_json::json!([]), "{v}");
            }
        }
    }
    // Offline: the code names no account.
    let cfn = emit("cloudformation", &[]);
    assert!(!cfn.contains("123456789012"), "{cfn}");
    assert!(cfn.contains("AWS::AccountId") && cfn.contains("AWS::Partition"));
    let tf = emit("terraform", &[]);
    assert!(tf.contains("data.aws_caller_identity.current.account_id"));
}

#[test]
fn cloudformation_deploys_on_moto_like_provision_apply_in_both_modes() {
    for least in [false, true] {
        let env = TestEnv::with_moto();
        env.configure("admin", EXAMPLE_KEY_ID, EXAMPLE_SECRET, &[]);
        let s = unique_user(if least { "cfnlp" } else { "cfn" });
        let bucket = format!("{s}-bucket");
        let applied = serde_json::json!({
            "RoleName": format!("{s}-ApplyRole"),
            "PolicyName": format!("{s}-ApplyPolicy"),
            "UserName": format!("{s}-apply"),
            "BucketName": bucket,
        });
        let stack = serde_json::json!({
            "RoleName": format!("{s}-StackRole"),
            "PolicyName": format!("{s}-StackPolicy"),
            "UserName": format!("{s}-stack"),
            "BucketName": bucket,
        });
        let mut args = vec![
            "provision".to_owned(),
            "--apply".to_owned(),
            "--no-sdk-config".to_owned(),
            "--store".to_owned(),
            "file".to_owned(),
            "--profile".to_owned(),
            "admin".to_owned(),
        ];
        for (flag, key) in [
            ("--role-name", "RoleName"),
            ("--policy-name", "PolicyName"),
            ("--user-name", "UserName"),
            ("--bucket", "BucketName"),
        ] {
            args.push(flag.to_owned());
            args.push(applied[key].as_str().unwrap().to_owned());
        }
        if least {
            args.push("--least-privilege".to_owned());
        }
        let out = env.run(&args.iter().map(String::as_str).collect::<Vec<_>>(), "");
        assert_success(&out);
        let extra: &[&str] = if least { &["--least-privilege"] } else { &[] };
        let template = env.dir.path().join("template.json");
        std::fs::write(&template, emit("cloudformation", extra)).unwrap();
        let stack_file = env.dir.path().join("stack.json");
        let applied_file = env.dir.path().join("applied.json");
        std::fs::write(&stack_file, stack.to_string()).unwrap();
        std::fs::write(&applied_file, applied.to_string()).unwrap();
        let out = env
            .program("python3")
            .arg(interop_dir().join("cfn_deploy.py"))
            .args([&template, &stack_file, &applied_file])
            .env("AWS_ACCESS_KEY_ID", EXAMPLE_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET)
            .output()
            .unwrap();
        assert_success(&out);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["stack_status"], "CREATE_COMPLETE", "{v}");
        for key in [
            "trust_matches",
            "policies_match",
            "role_attachments_match",
            "user_attachments_match",
        ] {
            assert_eq!(v[key], true, "{key}: {v}");
        }
        assert_eq!(
            v["policies"].as_array().unwrap().len(),
            if least { 2 } else { 1 },
            "{v}"
        );
    }
}
