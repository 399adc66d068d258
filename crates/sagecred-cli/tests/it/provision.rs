//! `provision`, `teardown` and `setup` against moto, checked with the AWS CLI v2.

use crate::common::*;

/// Names no other test uses, and the flags that pass them.
struct Names {
    user: String,
    args: Vec<String>,
}

fn names(prefix: &str) -> Names {
    let s = unique_user(prefix);
    let user = format!("{s}-user");
    let args = vec![
        "--profile".into(),
        "admin".into(),
        "--role-name".into(),
        format!("{s}-Role"),
        "--policy-name".into(),
        format!("{s}-Policy"),
        "--user-name".into(),
        user.clone(),
        "--bucket".into(),
        format!("{s}-bucket"),
    ];
    Names { user, args }
}

fn admin_env() -> TestEnv {
    require_secret_service();
    let env = TestEnv::with_moto();
    // moto accepts any key while auth enforcement is off; the example key is the admin.
    env.configure("admin", EXAMPLE_KEY_ID, EXAMPLE_SECRET, &[]);
    env
}

fn run_json(env: &TestEnv, command: &str, n: &Names, extra: &[&str]) -> serde_json::Value {
    let mut args: Vec<&str> = vec![command];
    args.extend(n.args.iter().map(String::as_str));
    args.extend_from_slice(extra);
    args.extend(["--output", "json"]);
    let out = env.run(&args, "");
    assert_success(&out);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
}

fn aws(env: &TestEnv, args: &[&str]) -> std::process::Output {
    env.program("/usr/bin/aws")
        .args(args)
        .args([
            "--endpoint-url",
            env.endpoint(),
            "--profile",
            "admin",
            "--output",
            "json",
        ])
        .output()
        .unwrap()
}

#[test]
fn provision_plans_applies_once_and_converges() {
    let env = admin_env();
    let n = names("prov");
    let plan = run_json(&env, "provision", &n, &[]);
    assert_eq!(plan["applied"], false);
    let role_name = &n.args[3];
    let get_role = aws(&env, &["iam", "get-role", "--role-name", role_name]);
    assert!(!get_role.status.success(), "a plan must change nothing");

    let out = run_json(&env, "provision", &n, &["--apply"]);
    assert_eq!(out["access_key_created"], true);
    assert_eq!(out["changes"], 10);
    let role_arn = out["role_arn"].as_str().unwrap().to_owned();

    // The AWS CLI v2 sees the role with the guide's trust and the user's four policies.
    let get_role = aws(&env, &["iam", "get-role", "--role-name", role_name]);
    assert_success(&get_role);
    let role: serde_json::Value = serde_json::from_slice(&get_role.stdout).unwrap();
    assert_eq!(role["Role"]["Arn"], role_arn.as_str());
    let trust = role["Role"]["AssumeRolePolicyDocument"].to_string();
    assert!(trust.contains("sagemaker.amazonaws.com"), "{trust}");
    let attached = aws(
        &env,
        &["iam", "list-attached-user-policies", "--user-name", &n.user],
    );
    assert_success(&attached);
    let attached: serde_json::Value = serde_json::from_slice(&attached.stdout).unwrap();
    assert_eq!(
        attached["AttachedPolicies"].as_array().unwrap().len(),
        4,
        "{attached}"
    );

    // The key went to the keychain, the profile knows its role, and the key signs in as the user.
    let config = env.read_config();
    assert!(
        config.contains(&format!("sagemaker_role_arn = {role_arn}\n")),
        "{config}"
    );
    assert!(
        config.contains("aws_account_id = 123456789012\n"),
        "{config}"
    );
    assert!(!env.read_credentials().contains(&format!("[{}]", n.user)));
    let out = env.run(
        &["credential-process", "--profile", &n.user, "--no-session"],
        "",
    );
    assert_success(&out);
    let key: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let who = env
        .program("/usr/bin/aws")
        .args([
            "sts",
            "get-caller-identity",
            "--output",
            "json",
            "--endpoint-url",
            env.endpoint(),
        ])
        .env("AWS_ACCESS_KEY_ID", key["AccessKeyId"].as_str().unwrap())
        .env(
            "AWS_SECRET_ACCESS_KEY",
            key["SecretAccessKey"].as_str().unwrap(),
        )
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .unwrap();
    assert_success(&who);
    let who: serde_json::Value = serde_json::from_slice(&who.stdout).unwrap();
    assert_eq!(
        who["Arn"],
        format!("arn:aws:iam::123456789012:user/{}", n.user)
    );

    // A second apply finds everything in place: no change, and no second key.
    let again = run_json(&env, "provision", &n, &["--apply"]);
    assert_eq!(again["changes"], 0);
    assert_eq!(again["access_key_created"], false);
    let keys = aws(&env, &["iam", "list-access-keys", "--user-name", &n.user]);
    let keys: serde_json::Value = serde_json::from_slice(&keys.stdout).unwrap();
    assert_eq!(keys["AccessKeyMetadata"].as_array().unwrap().len(), 1);

    // Teardown removes it all.
    let plan = run_json(&env, "teardown", &n, &[]);
    assert_eq!(plan["applied"], false);
    assert!(
        aws(&env, &["iam", "get-role", "--role-name", role_name])
            .status
            .success()
    );
    run_json(&env, "teardown", &n, &["--apply"]);
    assert!(
        !aws(&env, &["iam", "get-role", "--role-name", role_name])
            .status
            .success()
    );
    assert!(
        !aws(&env, &["iam", "get-user", "--user-name", &n.user])
            .status
            .success()
    );
    let _ = env.run(&["remove", &n.user, "--yes"], "");
}

#[test]
fn emit_writes_cloudformation_that_names_the_resources() {
    let env = admin_env();
    let n = names("emit");
    let mut args: Vec<&str> = vec!["provision"];
    args.extend(n.args.iter().map(String::as_str));
    args.extend(["--emit", "cloudformation"]);
    let out = env.run(&args, "");
    assert_success(&out);
    let template: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("CloudFormation JSON");
    let text = template.to_string();
    for name in [&n.args[3], &n.args[5], &n.user] {
        assert!(
            text.contains(name.as_str()),
            "{name} missing from the template"
        );
    }
    assert!(
        !text.contains("AWS::IAM::AccessKey"),
        "no key unless --include-access-key"
    );
}

#[test]
fn setup_yes_does_the_whole_guide() {
    let env = admin_env();
    let n = names("setup");
    let bucket = n.args[9].as_str();
    let mut args: Vec<&str> = vec!["setup", "--yes", "--create-bucket"];
    args.extend(n.args.iter().map(String::as_str));
    let out = env.run(&args, "");
    assert_success(&out);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("eval \"$(sagecred env --profile {})\"", n.user)),
        "{err}"
    );
    assert!(err.contains("verified: the new key signs in as"), "{err}");
    // The guide's Part 3 tests ran with the new key, through its credential_process,
    // after the missing bucket was created.
    assert!(
        err.contains(&format!("testing access as profile `{}`", n.user)),
        "{err}"
    );
    assert!(
        err.contains(&format!("created bucket `{bucket}` in us-east-1")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "pass  s3-bucket  bucket `{bucket}` lists in us-east-1: it is empty"
        )),
        "{err}"
    );
    // The count itself is the doctor test's: that test adds a job to the shared moto.
    assert!(
        err.contains("pass  sagemaker  sagemaker:ListTrainingJobs works in us-east-1: "),
        "{err}"
    );
    // The bucket is private and encrypted, as the AWS CLI v2 reads it back.
    let block = aws(
        &env,
        &["s3api", "get-public-access-block", "--bucket", bucket],
    );
    assert_success(&block);
    let block: serde_json::Value = serde_json::from_slice(&block.stdout).unwrap();
    for setting in [
        "BlockPublicAcls",
        "IgnorePublicAcls",
        "BlockPublicPolicy",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(
            block["PublicAccessBlockConfiguration"][setting], true,
            "{setting}: {block}"
        );
    }
    let encryption = aws(
        &env,
        &["s3api", "get-bucket-encryption", "--bucket", bucket],
    );
    assert_success(&encryption);
    let encryption: serde_json::Value = serde_json::from_slice(&encryption.stdout).unwrap();
    assert_eq!(
        encryption["ServerSideEncryptionConfiguration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]
            ["SSEAlgorithm"],
        "AES256",
        "{encryption}"
    );
    // The shell line works: env gives the role setup created.
    let out = env.run(&["env", "--profile", &n.user, "--shell", "bash"], "");
    assert!(
        stdout(&out).contains(&format!("role/{}", n.args[3])),
        "{}",
        stdout(&out)
    );
    let mut teardown: Vec<&str> = vec!["teardown", "--apply"];
    teardown.extend(n.args.iter().map(String::as_str));
    let _ = env.run(&teardown, "");
    let _ = env.run(&["remove", &n.user, "--yes"], "");
}

#[test]
fn setup_without_create_bucket_reports_the_missing_bucket_and_fails() {
    // The plaintext store: this test is about the bucket, not the keychain.
    let env = TestEnv::with_moto();
    env.configure("admin", EXAMPLE_KEY_ID, EXAMPLE_SECRET, &[]);
    let n = names("setup-nobucket");
    let bucket = n.args[9].as_str();
    let mut args: Vec<&str> = vec!["setup", "--yes", "--store", "file", "--output", "json"];
    args.extend(n.args.iter().map(String::as_str));
    let out = env.run(&args, "");
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "fail  s3-bucket  no such bucket: `{bucket}` does not exist"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "fix: sagecred setup --profile ADMIN_PROFILE --bucket {bucket} --create-bucket"
        )),
        "{err}"
    );
    assert!(
        err.contains("1 of the guide's access tests failed"),
        "{err}"
    );
    // The IAM part is done all the same, and the JSON carries the checks.
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["key_profile"], n.user.as_str());
    let checks = v["checks"].as_array().unwrap();
    assert_eq!(checks[0]["name"], "s3-bucket");
    assert_eq!(checks[0]["status"], "fail");
    assert_eq!(checks[1]["name"], "sagemaker");
    assert_eq!(checks[1]["status"], "pass");
    // Nothing was created without being asked for.
    assert!(
        !aws(&env, &["s3api", "head-bucket", "--bucket", bucket])
            .status
            .success()
    );
}
