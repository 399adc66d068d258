//! `sagecred role`: show, set, and resolve against moto.

use crate::common::*;

fn moto_role(env: &TestEnv, name: &str, path: &str) -> String {
    let out = env
        .program("python3")
        .arg(interop_dir().join("moto_role.py"))
        .args([name, path])
        .output()
        .unwrap();
    assert_success(&out);
    stdout(&out).trim().to_owned()
}

#[test]
fn set_then_show_with_its_source() {
    let env = TestEnv::new();
    std::fs::write(&env.config, "# mine\n[profile dev]\nregion = us-east-1\n").unwrap();
    let arn = "arn:aws:iam::123456789012:role/team/ml/Trainer";
    let out = env.run(&["role", "set", arn, "--profile", "dev"], "");
    assert_success(&out);
    assert_eq!(
        env.read_config(),
        format!("# mine\n[profile dev]\nregion = us-east-1\nsagemaker_role_arn = {arn}\n")
    );
    let out = env.run(&["role", "--profile", "dev", "--output", "json"], "");
    assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["role_arn"], arn);
    assert_eq!(v["source"], "profile");

    let out = env
        .cmd()
        .args(["role", "--profile", "dev"])
        .env("SAGEMAKER_ROLE", "arn:aws:iam::123456789012:role/FromEnv")
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        "arn:aws:iam::123456789012:role/FromEnv\t(from the SAGEMAKER_ROLE environment variable)\n"
    );

    let out = env.run(
        &["role", "set", "arn:aws:iam::123:role/x", "--profile", "dev"],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("account id is not valid: an account id is 12 digits"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn show_without_any_source_fails_with_a_fix() {
    let env = TestEnv::new();
    std::fs::write(&env.config, "[profile dev]\nregion = us-east-1\n").unwrap();
    let out = env.run(&["role", "--profile", "dev"], "");
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("sagecred role resolve --profile dev"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn resolve_caches_the_account_and_keeps_the_role_path() {
    let env = TestEnv::with_moto();
    let key = moto_user(&env, &unique_user("role-resolve"));
    env.configure("dev", &key.key_id, &key.secret, &[]);
    let role_name = unique_user("Trainer");
    let arn = moto_role(&env, &role_name, "/ml/team/");
    assert!(arn.ends_with(&format!("role/ml/team/{role_name}")), "{arn}");

    let out = env.run(
        &[
            "role",
            "resolve",
            "--name",
            &role_name,
            "--profile",
            "dev",
            "--output",
            "json",
        ],
        "",
    );
    assert_success(&out);
    assert_no_secret(&out, &key.secret);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["role_arn"], arn.as_str());
    assert_eq!(v["aws_account_id"], "123456789012");
    assert_eq!(
        env.read_config(),
        format!(
            "[profile dev]\nregion = us-east-1\nsagemaker_role_arn = {arn}\naws_account_id = 123456789012\n"
        )
    );

    // `env` now serves that ARN without the network.
    let out = env.run(&["env", "--profile", "dev", "--shell", "bash"], "");
    assert!(
        stdout(&out).contains(&format!("export SAGEMAKER_ROLE={arn}\n")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn resolve_of_a_missing_role_assumes_the_default_name_and_says_so() {
    let env = TestEnv::with_moto();
    let key = moto_user(&env, &unique_user("role-missing"));
    env.configure("dev", &key.key_id, &key.secret, &[]);
    let out = env.run(&["role", "resolve", "--profile", "dev"], "");
    assert_success(&out);
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    assert!(
        env.read_config().contains("sagemaker_role_arn = arn:aws:iam::123456789012:role/SageMaker-UNetTraining-ExecutionRole\n"),
        "{}",
        env.read_config()
    );
}

#[test]
fn completion_scripts_load_in_their_shells() {
    let env = TestEnv::new();
    for (shell, check) in [
        ("bash", "source /dev/stdin && complete -p sagecred"),
        (
            "zsh",
            "autoload -U compinit && compinit -u && source /dev/stdin && whence -w _sagecred",
        ),
        ("fish", "source && complete -C 'sagecred con'"),
    ] {
        let out = env.run(&["completions", shell], "");
        assert_success(&out);
        let script = stdout(&out);
        for sub in ["configure", "env", "use", "role"] {
            assert!(script.contains(sub), "{shell} completions lack `{sub}`");
        }
        let loaded = run_with_stdin(
            env.program(format!("/usr/bin/{shell}")).args(["-c", check]),
            &script,
        );
        assert_success(&loaded);
        if shell == "fish" {
            assert!(stdout(&loaded).contains("configure"), "{}", stdout(&loaded));
        }
    }
    let out = env.run(&["completions", "powershell"], "");
    assert_success(&out);
    assert!(stdout(&out).contains("Register-ArgumentCompleter"));
}
