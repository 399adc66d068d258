//! `sagecred doctor` against moto: a healthy provisioned setup, each failure provoked on
//! purpose, and the JSON shape.
//!
//! Auth enforcement is global to a moto server and the other tests of this binary share
//! one without a lock, so the unknown-key test starts a private moto of its own instead of
//! switching enforcement on in the shared one.

use std::process::Output;

use sagecred_test_support::moto::Moto;

use crate::common::*;

/// A provisioned setup: the admin profile, and a key profile named after the user.
struct Setup {
    env: TestEnv,
    user: String,
    role: String,
    policy: String,
    bucket: String,
}

/// Provisions the guide's role, policy, user and key with unique names, the key in the
/// plaintext store so that no keychain is needed, and creates the training-data bucket.
fn provisioned(prefix: &str) -> Setup {
    let s = provisioned_without_bucket(prefix);
    s.aws(&["s3api", "create-bucket", "--bucket", &s.bucket]);
    s
}

/// [`provisioned`] without the bucket: the profile names one that does not exist.
fn provisioned_without_bucket(prefix: &str) -> Setup {
    let env = TestEnv::with_moto();
    // moto accepts any key while auth enforcement is off; the example key is the admin.
    env.configure("admin", EXAMPLE_KEY_ID, EXAMPLE_SECRET, &[]);
    let s = unique_user(prefix);
    let setup = Setup {
        user: format!("{s}-user"),
        role: format!("{s}-Role"),
        policy: format!("{s}-Policy"),
        bucket: format!("{s}-bucket"),
        env,
    };
    let out = setup.env.run(
        &[
            "provision",
            "--apply",
            "--store",
            "file",
            "--profile",
            "admin",
            "--role-name",
            &setup.role,
            "--policy-name",
            &setup.policy,
            "--user-name",
            &setup.user,
            "--bucket",
            &setup.bucket,
        ],
        "",
    );
    assert_success(&out);
    // provision keeps the bucket name in the key profile, where doctor finds it.
    assert!(
        setup
            .env
            .read_config()
            .contains(&format!("sagemaker_bucket = {}\n", setup.bucket)),
        "{}",
        setup.env.read_config()
    );
    setup
}

impl Setup {
    /// `sagecred doctor --output json` for the user's profile, with `vars` added.
    fn doctor(&self, vars: &[(&str, &str)]) -> (Output, serde_json::Value) {
        let mut cmd = self.env.cmd();
        cmd.args([
            "doctor",
            "--profile",
            &self.user,
            "--policy-name",
            &self.policy,
            "--output",
            "json",
        ])
        .envs(vars.iter().copied());
        let out = cmd.output().unwrap();
        assert_no_secret(&out, &self.secret());
        let v = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&out), stderr(&out)));
        (out, v)
    }

    /// The user's secret, as provision stored it, to prove that doctor never prints it.
    fn secret(&self) -> String {
        let creds = self.env.read_credentials();
        let section = creds
            .split(&format!("[{}]", self.user))
            .nth(1)
            .expect("the user's key is in the credentials file");
        section
            .lines()
            .find_map(|l| l.strip_prefix("aws_secret_access_key = "))
            .expect("a secret")
            .to_owned()
    }

    /// The AWS CLI v2 as the admin, against moto.
    fn aws(&self, args: &[&str]) {
        let out = self
            .env
            .program("/usr/bin/aws")
            .args(args)
            .args(["--endpoint-url", self.env.endpoint(), "--profile", "admin"])
            .output()
            .unwrap();
        assert_success(&out);
    }
}

/// The check called `name` in doctor's JSON.
#[track_caller]
fn check<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no `{name}` check in {v:#}"))
}

#[test]
fn a_healthy_provisioned_setup_has_no_failures() {
    let s = provisioned("doc-ok");
    let (out, v) = s.doctor(&[]);
    assert_success(&out);
    assert_eq!(v["failed"], 0, "{v:#}");
    for c in v["checks"].as_array().unwrap() {
        assert_ne!(c["status"], "fail", "{c:#}");
    }
    for name in [
        "credentials",
        "identity",
        "root-credentials",
        "region",
        "user-policies",
        "role",
        "role-trust",
        "role-policies",
        "sagemaker-role-env",
        "s3-bucket",
        "sagemaker",
        "key-age",
        "file-permissions",
    ] {
        assert_eq!(check(&v, name)["status"], "pass", "{name}: {v:#}");
    }
    // The guide's Part 3 facts: who the key is, that the bucket lists, how many jobs.
    assert_eq!(
        check(&v, "identity")["reason"],
        format!("arn:aws:iam::123456789012:user/{}", s.user)
    );
    assert_eq!(
        check(&v, "s3-bucket")["reason"],
        format!("bucket `{}` lists in us-east-1: it is empty", s.bucket)
    );
    assert_eq!(
        check(&v, "sagemaker")["reason"],
        "sagemaker:ListTrainingJobs works in us-east-1: 0 training jobs (at most 5 listed)"
    );
    assert!(
        check(&v, "credentials")["reason"]
            .as_str()
            .unwrap()
            .contains("from the file store"),
        "{v:#}"
    );
    // moto has no policy simulator: that is a warning, never a pass.
    assert_eq!(check(&v, "permissions")["status"], "warn", "{v:#}");
    assert_eq!(check(&v, "plaintext-keys")["fix"], "sagecred migrate --all");

    // The text report says the same, one line per check.
    let out = s.env.run(
        &["doctor", "--profile", &s.user, "--policy-name", &s.policy],
        "",
    );
    assert_success(&out);
    assert_no_secret(&out, &s.secret());
    let text = stdout(&out);
    assert!(text.contains("pass  role "), "{text}");
    assert!(text.contains(" 0 failed\n"), "{text}");

    // An object in the bucket shows in the listing, as `aws s3 ls` would show it.
    let object = s.env.dir.path().join("x.txt");
    std::fs::write(&object, "x").unwrap();
    s.aws(&[
        "s3",
        "cp",
        object.to_str().unwrap(),
        &format!("s3://{}/x.txt", s.bucket),
    ]);
    let (out, v) = s.doctor(&[]);
    assert_success(&out);
    assert_eq!(
        check(&v, "s3-bucket")["reason"],
        format!("bucket `{}` lists in us-east-1: it has objects", s.bucket)
    );

    // A training job shows in the count, as `aws sagemaker list-training-jobs` lists it.
    // (The only test that makes one; the setup test, on the same moto, does not count.)
    s.aws(&[
        "sagemaker",
        "create-training-job",
        "--training-job-name",
        &format!("{}-job", s.user),
        "--algorithm-specification",
        "TrainingImage=123456789012.dkr.ecr.us-east-1.amazonaws.com/unet:latest,TrainingInputMode=File",
        "--role-arn",
        &format!("arn:aws:iam::123456789012:role/{}", s.role),
        "--output-data-config",
        &format!("S3OutputPath=s3://{}/output", s.bucket),
        "--resource-config",
        "InstanceType=ml.m5.large,InstanceCount=1,VolumeSizeInGB=10",
        "--stopping-condition",
        "MaxRuntimeInSeconds=3600",
    ]);
    let (out, v) = s.doctor(&[]);
    assert_success(&out);
    assert_eq!(
        check(&v, "sagemaker")["reason"],
        "sagemaker:ListTrainingJobs works in us-east-1: 1 training job (at most 5 listed)"
    );
}

#[test]
fn a_missing_bucket_fails_with_the_commands_that_create_it() {
    let s = provisioned_without_bucket("doc-nobucket");
    let (out, v) = s.doctor(&[]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_eq!(v["failed"], 1, "{v:#}");
    let c = check(&v, "s3-bucket");
    assert_eq!(c["status"], "fail", "{v:#}");
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .starts_with(&format!("no such bucket: `{}` does not exist", s.bucket)),
        "{c:#}"
    );
    let fix = c["fix"].as_str().unwrap();
    assert!(
        fix.starts_with(&format!(
            "sagecred setup --profile ADMIN_PROFILE --bucket {} --create-bucket",
            s.bucket
        )),
        "{fix}"
    );
    assert!(
        fix.contains(&format!(
            "aws s3api create-bucket --bucket {} --region us-east-1",
            s.bucket
        )) && fix.contains("put-public-access-block"),
        "{fix}"
    );
    // SageMaker does not depend on the bucket.
    assert_eq!(check(&v, "sagemaker")["status"], "pass", "{v:#}");
}

#[test]
fn an_unreachable_sagemaker_endpoint_is_a_network_error_of_its_own() {
    let s = provisioned("doc-smnet");
    // Only SageMaker's endpoint points nowhere (port 9 on loopback refuses connections):
    // the per-service variable is honoured as the SDKs honour it, and S3 still answers.
    let (out, v) = s.doctor(&[
        ("AWS_ENDPOINT_URL_SAGEMAKER", "http://127.0.0.1:9"),
        ("AWS_MAX_ATTEMPTS", "1"),
    ]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_eq!(v["failed"], 1, "{v:#}");
    assert_eq!(check(&v, "s3-bucket")["status"], "pass", "{v:#}");
    let c = check(&v, "sagemaker");
    assert_eq!(c["status"], "fail", "{v:#}");
    assert!(
        c["reason"].as_str().unwrap().starts_with(
            "network or endpoint error: sagemaker at http://127.0.0.1:9 could not be reached"
        ),
        "{c:#}"
    );
}

#[test]
fn a_bucket_in_another_region_is_a_wrong_region_failure() {
    let s = provisioned_without_bucket("doc-region");
    s.aws(&[
        "s3api",
        "create-bucket",
        "--bucket",
        &s.bucket,
        "--region",
        "eu-west-1",
        "--create-bucket-configuration",
        "LocationConstraint=eu-west-1",
    ]);
    let (out, v) = s.doctor(&[]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let c = check(&v, "s3-bucket");
    assert_eq!(c["status"], "fail", "{v:#}");
    assert_eq!(
        c["reason"],
        format!(
            "wrong region: bucket `{}` is in eu-west-1, but profile `{}` uses us-east-1, where SageMaker would train",
            s.bucket, s.user
        )
    );
    assert_eq!(
        c["fix"],
        format!("aws configure set region eu-west-1 --profile {}", s.user)
    );
}

#[test]
fn a_detached_policy_fails_the_user_policy_check() {
    let s = provisioned("doc-detach");
    s.aws(&[
        "iam",
        "detach-user-policy",
        "--user-name",
        &s.user,
        "--policy-arn",
        &format!("arn:aws:iam::123456789012:policy/{}", s.policy),
    ]);
    let (out, v) = s.doctor(&[]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_eq!(v["failed"], 1, "{v:#}");
    let c = check(&v, "user-policies");
    assert_eq!(c["status"], "fail");
    let reason = c["reason"].as_str().unwrap();
    assert!(reason.contains(&s.policy), "{reason}");
    assert!(!reason.contains("IAMReadOnlyAccess"), "{reason}");
    assert_eq!(
        c["fix"],
        format!(
            "aws iam attach-user-policy --user-name {} --policy-arn arn:aws:iam::123456789012:policy/{}",
            s.user, s.policy
        )
    );
    assert!(
        stderr(&out).contains(&format!("1 of 17 checks failed for profile `{}`", s.user)),
        "{}",
        stderr(&out)
    );

    // --user-policy replaces the guide's list: without the custom policy, nothing is missing.
    let out = s.env.run(
        &[
            "doctor",
            "--profile",
            &s.user,
            "--policy-name",
            &s.policy,
            "--user-policy",
            "IAMReadOnlyAccess",
            "--user-policy",
            "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
        ],
        "",
    );
    assert_success(&out);
    assert!(
        stdout(&out).contains("pass  user-policies"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_deleted_role_fails_the_role_check_with_its_fix() {
    let s = provisioned("doc-norole");
    for policy in [
        "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess".to_owned(),
        format!("arn:aws:iam::123456789012:policy/{}", s.policy),
    ] {
        s.aws(&[
            "iam",
            "detach-role-policy",
            "--role-name",
            &s.role,
            "--policy-arn",
            &policy,
        ]);
    }
    s.aws(&["iam", "delete-role", "--role-name", &s.role]);
    let (out, v) = s.doctor(&[]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let c = check(&v, "role");
    assert_eq!(c["status"], "fail", "{v:#}");
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("role `{}` does not exist", s.role)),
        "{c:#}"
    );
    let fix = c["fix"].as_str().unwrap();
    assert!(fix.starts_with("sagecred provision "), "{fix}");
    assert!(fix.contains(&format!("--role-name {}", s.role)), "{fix}");
    // Without a role there is no trust or attachment to judge.
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["name"] != "role-trust")
    );
}

#[test]
fn a_wrong_sagemaker_role_in_the_environment_fails() {
    let s = provisioned("doc-env");
    let wrong = "arn:aws:iam::123456789012:role/SomeOtherRole";
    let (out, v) = s.doctor(&[("SAGEMAKER_ROLE", wrong)]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let c = check(&v, "sagemaker-role-env");
    assert_eq!(c["status"], "fail", "{v:#}");
    assert!(c["reason"].as_str().unwrap().contains(wrong), "{c:#}");
    assert_eq!(
        c["fix"],
        format!(
            "export SAGEMAKER_ROLE=arn:aws:iam::123456789012:role/{}",
            s.role
        )
    );

    // The right value passes.
    let right = format!("arn:aws:iam::123456789012:role/{}", s.role);
    let (out, v) = s.doctor(&[("SAGEMAKER_ROLE", &right)]);
    assert_success(&out);
    assert_eq!(check(&v, "sagemaker-role-env")["status"], "pass");
}

#[test]
fn a_world_readable_credentials_file_fails_with_chmod() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::with_moto();
    let key = moto_user(&env, &unique_user("doc-mode"));
    env.configure("dev", &key.key_id, &key.secret, &[]);
    std::fs::set_permissions(&env.credentials, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = env.run(&["doctor", "--profile", "dev", "--output", "json"], "");
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_no_secret(&out, &key.secret);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = check(&v, "file-permissions");
    assert_eq!(c["status"], "fail", "{v:#}");
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("{} has mode 644", env.credentials.display())),
        "{c:#}"
    );
    assert_eq!(c["fix"], format!("chmod 600 {}", env.credentials.display()));
}

#[test]
fn the_json_report_has_one_entry_per_check_and_counts_failures() {
    // A user with a key and nothing else: its policies and the role are missing.
    let env = TestEnv::with_moto();
    let user = unique_user("doc-json");
    let key = moto_user(&env, &user);
    env.configure("dev", &key.key_id, &key.secret, &[]);
    // A role name of its own, so that no other test's role can make the check pass.
    let role = format!("{user}-NoRole");
    let out = env.run(
        &[
            "doctor",
            "--profile",
            "dev",
            "--role-name",
            &role,
            "--output",
            "json",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_no_secret(&out, &key.secret);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["checks", "failed", "profile"]);
    assert_eq!(v["profile"], "dev");
    let checks = v["checks"].as_array().unwrap();
    let mut fails = 0;
    for c in checks {
        let mut keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["fix", "name", "reason", "status"], "{c:#}");
        let status = c["status"].as_str().unwrap();
        assert!(["pass", "warn", "fail"].contains(&status), "{c:#}");
        assert!(!c["reason"].as_str().unwrap().is_empty(), "{c:#}");
        // Every problem comes with its fix.
        if status != "pass" {
            assert!(!c["fix"].as_str().unwrap().is_empty(), "{c:#}");
        }
        fails += usize::from(status == "fail");
    }
    assert_eq!(v["failed"], fails);
    assert_eq!(check(&v, "identity")["reason"], key.arn.as_str());
    assert_eq!(check(&v, "user-policies")["status"], "fail");
    assert_eq!(check(&v, "role")["status"], "fail");
}

#[test]
fn a_missing_profile_is_refused_as_in_every_command() {
    let env = TestEnv::with_moto();
    let out = env.run(&["doctor", "--profile", "nope"], "");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("error: profile `nope` is not in")
            && err.contains("sagecred configure --profile nope"),
        "{err}"
    );
}

#[test]
fn an_unreachable_endpoint_is_a_network_error() {
    let env = TestEnv::new();
    env.configure("dev", EXAMPLE_KEY_ID, EXAMPLE_SECRET, &[]);
    // Port 9 (discard) on loopback: nothing listens there, so the connection is refused.
    let out = env
        .cmd()
        .args(["doctor", "--profile", "dev", "--output", "json"])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_no_secret(&out, EXAMPLE_SECRET);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = check(&v, "identity");
    assert_eq!(c["status"], "fail");
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .starts_with("network or endpoint error"),
        "{c:#}"
    );
    // Nothing after the identity reached AWS.
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["name"] != "user-policies")
    );
}

/// A moto server of this test's own (auth enforcement is server-wide), killed when
/// dropped.
fn private_moto(env: &TestEnv) -> Moto {
    Moto::start_private(env.dir.path()).expect("python3 -m moto.server")
}

#[test]
fn an_unknown_key_under_auth_enforcement_is_reported_as_unknown() {
    let env = TestEnv::new();
    let moto = private_moto(&env);
    // Enforcement on: `0` free calls are left. Only this test's server is affected.
    let on = moto.request("POST", "/moto-api/reset-auth", "0").unwrap();
    assert!(on.starts_with("HTTP/1.1 200"), "{on}");
    // No user owns the documentation's example key on a fresh server.
    env.configure("dev", EXAMPLE_KEY_ID, EXAMPLE_SECRET, &[]);
    let out = env
        .cmd()
        .args(["doctor", "--profile", "dev", "--output", "json"])
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_no_secret(&out, EXAMPLE_SECRET);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = check(&v, "identity");
    assert_eq!(c["status"], "fail", "{v:#}");
    let reason = c["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("unknown key") && reason.contains("InvalidClientTokenId"),
        "{reason}"
    );
    assert!(reason.contains("AKIA************MPLE"), "{reason}");
    assert_eq!(c["fix"], "sagecred configure --profile dev --store file");
}

#[test]
fn a_keychain_profile_is_checked_through_its_credential_process() {
    require_secret_service();
    let env = TestEnv::with_moto();
    let user = unique_user("doc-kc");
    let key = moto_user(&env, &user);
    // Keychain entries are global to the Secret Service: a profile name of its own.
    let profile = user.clone();
    env.configure_keychain(&profile, &key.key_id, &key.secret, &[]);
    let out = env.run(
        &[
            "doctor",
            "--profile",
            &profile,
            "--role-name",
            &format!("{user}-NoRole"),
            "--output",
            "json",
        ],
        "",
    );
    assert_no_secret(&out, &key.secret);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&out), stderr(&out)));
    let c = check(&v, "credentials");
    assert_eq!(c["status"], "pass", "{v:#}");
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .contains("from the keychain store"),
        "{c:#}"
    );
    // The profile serves GetSessionToken credentials, for which moto reports its default
    // identity rather than the user's (AWS reports the user): only success is checked.
    assert_eq!(check(&v, "identity")["status"], "pass", "{v:#}");
    // The keychain entry records when it was stored.
    let age = check(&v, "key-age");
    assert_eq!(age["status"], "pass", "{age:#}");
    assert!(
        age["reason"].as_str().unwrap().ends_with("is 0 days old"),
        "{age:#}"
    );
    assert_eq!(check(&v, "plaintext-keys")["status"], "pass", "{v:#}");
    let _ = env.run(&["remove", &profile, "--yes"], "");
}

/// One user of `moto_limited_user.py`: (key id, secret).
fn limited_key(keys: &serde_json::Value, user: &str) -> (String, String) {
    (
        keys[user]["AccessKeyId"].as_str().unwrap().to_owned(),
        keys[user]["SecretAccessKey"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn without_rights_under_auth_enforcement_the_access_checks_say_access_denied() {
    let env = TestEnv::new();
    let moto = private_moto(&env);
    let bucket = "training-data-denied";
    // With enforcement off: the bucket, and users with and without S3 and SageMaker rights.
    let out = env
        .program("python3")
        .arg(interop_dir().join("moto_limited_user.py"))
        .arg(bucket)
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .output()
        .unwrap();
    assert_success(&out);
    let keys: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let on = moto.request("POST", "/moto-api/reset-auth", "0").unwrap();
    assert!(on.starts_with("HTTP/1.1 200"), "{on}");

    let doctor = |profile: &str, secret: &str| {
        let out = env
            .cmd()
            .args([
                "doctor",
                "--profile",
                profile,
                "--bucket",
                bucket,
                "--output",
                "json",
            ])
            .env("AWS_ENDPOINT_URL", moto.endpoint())
            .output()
            .unwrap();
        assert_no_secret(&out, secret);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&out), stderr(&out)));
        (out, v)
    };

    // No S3 rights: S3 refuses, and the check says so; SageMaker, which the user may
    // call, answers the signed request.
    let (id, secret) = limited_key(&keys, "no-s3");
    env.configure("no-s3", &id, &secret, &[]);
    let (out, v) = doctor("no-s3", &secret);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_eq!(check(&v, "identity")["status"], "pass", "{v:#}");
    let c = check(&v, "s3-bucket");
    assert_eq!(c["status"], "fail", "{v:#}");
    assert!(
        c["reason"].as_str().unwrap().starts_with(&format!(
            "access denied: s3:ListBucket on bucket `{bucket}` was refused"
        )),
        "{c:#}"
    );
    let fix = c["fix"].as_str().unwrap();
    assert!(
        fix.starts_with("sagecred provision --profile ADMIN_PROFILE --apply")
            && fix.ends_with(&format!("--bucket {bucket}")),
        "{fix}"
    );
    assert_eq!(check(&v, "sagemaker")["status"], "pass", "{v:#}");

    // No SageMaker rights: the bucket lists, and SageMaker's denial names its fix.
    let (id, secret) = limited_key(&keys, "no-sagemaker");
    env.configure("no-sagemaker", &id, &secret, &[]);
    let (out, v) = doctor("no-sagemaker", &secret);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_eq!(check(&v, "s3-bucket")["status"], "pass", "{v:#}");
    let c = check(&v, "sagemaker");
    assert_eq!(c["status"], "fail", "{v:#}");
    assert!(
        c["reason"]
            .as_str()
            .unwrap()
            .starts_with("access denied: sagemaker:ListTrainingJobs in us-east-1 was refused"),
        "{c:#}"
    );
    assert_eq!(
        c["fix"],
        "aws iam attach-user-policy --user-name no-sagemaker --policy-arn arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
    );
}

#[test]
fn a_role_sagemaker_cannot_assume_gets_the_trust_policy_provision_installs() {
    let s = provisioned("doc-trust");
    let ec2 = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    s.aws(&[
        "iam",
        "update-assume-role-policy",
        "--role-name",
        &s.role,
        "--policy-document",
        ec2,
    ]);
    let (_, v) = s.doctor(&[]);
    let c = check(&v, "role-trust");
    assert_eq!(c["status"], "fail", "{v:#}");
    let fix = c["fix"].as_str().unwrap();
    assert!(
        fix.starts_with(&format!(
            "aws iam update-assume-role-policy --role-name {} --policy-document '",
            s.role
        )),
        "{fix}"
    );
    // The same confused-deputy guard `provision` puts on the role.
    assert!(
        fix.contains(r#""Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}"#),
        "{fix}"
    );
    // Running the fix makes the check pass again.
    let document = fix
        .split_once("--policy-document '")
        .unwrap()
        .1
        .trim_end_matches('\'');
    s.aws(&[
        "iam",
        "update-assume-role-policy",
        "--role-name",
        &s.role,
        "--policy-document",
        document,
    ]);
    let (_, v) = s.doctor(&[]);
    assert_eq!(check(&v, "role-trust")["status"], "pass", "{v:#}");
}
