//! `sagecred profiles`: the listing in text and JSON.

use crate::common::*;

#[test]
fn lists_profiles_with_store_region_and_masked_key() {
    let env = TestEnv::new();
    env.configure(
        "dev",
        EXAMPLE_KEY_ID,
        EXAMPLE_SECRET,
        &["--region", "eu-west-1"],
    );
    std::fs::write(
        &env.config,
        format!(
            "{}\n[profile sso-dev]\nsso_session = corp\nregion = us-east-1\nsagemaker_role_arn = arn:aws:iam::123456789012:role/ml/Trainer\naws_account_id = 123456789012\n\n[sso-session corp]\nsso_region = us-east-1\n",
            env.read_config()
        ),
    )
    .unwrap();

    let out = env.run(&["profiles", "--output", "json"], "");
    assert_success(&out);
    assert_no_secret(&out, EXAMPLE_SECRET);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v["profiles"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{v}");
    assert_eq!(list[0]["name"], "dev");
    assert_eq!(list[0]["store"], "file");
    assert_eq!(list[0]["region"], "eu-west-1");
    assert_eq!(list[0]["access_key_id"], "AKIA************MPLE");
    assert_eq!(list[1]["name"], "sso-dev");
    assert_eq!(list[1]["store"], "sso");
    assert_eq!(
        list[1]["sagemaker_role_arn"],
        "arn:aws:iam::123456789012:role/ml/Trainer"
    );
    assert_eq!(list[1]["aws_account_id"], "123456789012");

    let out = env.run(&["profiles", "--profile", "sso-dev"], "");
    assert_success(&out);
    let text = stdout(&out);
    assert!(text.starts_with("  PROFILE"), "{text}");
    assert!(text.contains("* sso-dev"), "{text}");
    assert!(text.contains("AKIA************MPLE"), "{text}");
    assert!(!text.contains(EXAMPLE_KEY_ID), "{text}");
}

#[test]
fn broken_pipe_exits_zero() {
    let env = TestEnv::new();
    let mut config = String::new();
    for i in 0..5000 {
        config.push_str(&format!("[profile p{i}]\nregion = us-east-1\n"));
    }
    std::fs::write(&env.config, config).unwrap();
    // `head -c 1` closes the pipe after one byte, long before the listing is written;
    // with pipefail, bash reports sagecred's own exit status.
    let out = env
        .program("bash")
        .args([
            "-c",
            &format!(
                "set -o pipefail; '{}' profiles | head -c 1 >/dev/null",
                env!("CARGO_BIN_EXE_sagecred")
            ),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        stderr(&out)
    );
    assert!(!stderr(&out).contains("error"), "{}", stderr(&out));
}
