//! `sagecred whoami` against moto: the identity, the account cache, and error paths.

use crate::common::*;

#[test]
fn shows_the_identity_of_the_stored_key_and_caches_the_account() {
    let env = TestEnv::with_moto();
    let user = unique_user("whoami");
    let key = moto_user(&env, &user);
    env.configure("dev", &key.key_id, &key.secret, &[]);

    let out = env.run(&["whoami", "--profile", "dev", "--output", "json"], "");
    assert_success(&out);
    assert_no_secret(&out, &key.secret);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["Arn"], key.arn.as_str());
    assert_eq!(v["Arn"], format!("arn:aws:iam::123456789012:user/{user}"));
    assert_eq!(v["Account"], "123456789012");
    assert_eq!(v["Profile"], "dev");

    assert_eq!(
        env.read_config(),
        "[profile dev]\nregion = us-east-1\naws_account_id = 123456789012\n"
    );

    let text = env.run(&["whoami", "--profile", "dev"], "");
    assert_success(&text);
    assert!(
        stdout(&text).contains(&format!("arn      {}", key.arn)),
        "{}",
        stdout(&text)
    );
}

#[test]
fn the_profile_wins_over_key_variables_in_the_environment() {
    let env = TestEnv::with_moto();
    let key = moto_user(&env, &unique_user("envkeys"));
    env.configure("dev", &key.key_id, &key.secret, &[]);
    let out = env
        .cmd()
        .args(["whoami", "--profile", "dev", "--output", "json"])
        .env("AWS_ACCESS_KEY_ID", EXAMPLE_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET)
        .output()
        .unwrap();
    assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["Arn"], key.arn.as_str());
}

#[test]
fn debug_logs_go_to_stderr_without_secrets() {
    let env = TestEnv::with_moto();
    let key = moto_user(&env, &unique_user("debug"));
    env.configure("dev", &key.key_id, &key.secret, &[]);
    let out = env.run(
        &["--debug", "whoami", "--profile", "dev", "--output", "json"],
        "",
    );
    assert_success(&out);
    assert_no_secret(&out, &key.secret);
    assert!(
        stderr(&out).contains("GetCallerIdentity"),
        "no debug logs: {}",
        stderr(&out)
    );
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("stdout stays pure JSON");
}

#[test]
fn unknown_profile_is_a_user_error() {
    let env = TestEnv::with_moto();
    let out = env.run(&["whoami", "--profile", "nope"], "");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("profile `nope` is not in"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unreachable_endpoint_is_an_aws_error() {
    let env = TestEnv::new();
    env.configure("dev", EXAMPLE_KEY_ID, EXAMPLE_SECRET, &[]);
    // Port 9 (discard) on loopback: nothing listens there, so the connection is refused.
    let out = env
        .cmd()
        .args(["whoami", "--profile", "dev"])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: sts:GetCallerIdentity for profile `dev` failed"),
        "{err}"
    );
    assert_no_secret(&out, EXAMPLE_SECRET);
    assert!(!env.read_config().contains("aws_account_id"));
}
