//! Child environments are clean (issue 12 part 4): `exec` removes, and `env --credentials`
//! unsets, every variable through which an SDK could use other credentials than the ones
//! sagecred hands over. Checked with a child that prints its environment, with real
//! shells, and with boto3, which reads AWS_SECURITY_TOKEN before AWS_SESSION_TOKEN.

use std::collections::BTreeMap;
use std::path::Path;

use sagecred_core::env_vars::{FOREIGN, foreign_names};

use crate::common::*;

const TOKEN: &str = "FQoGZXIvYXdzEXAMPLETOKENfromthecredentialsfile";
const STALE: &str = "STALE-FOREIGN-VALUE";

/// A profile with a session token in the plaintext file, so the handed-over credentials
/// carry one and a stale AWS_SECURITY_TOKEN would shadow it in botocore.
fn token_profile() -> TestEnv {
    let env = TestEnv::new();
    std::fs::write(&env.config, "[profile t]\nregion = eu-west-1\n").unwrap();
    std::fs::write(
        &env.credentials,
        format!(
            "[t]\naws_access_key_id = {EXAMPLE_KEY_ID}\naws_secret_access_key = {EXAMPLE_SECRET}\naws_session_token = {TOKEN}\n"
        ),
    )
    .unwrap();
    env
}

/// Every foreign variable, and the injected ones too, set to stale values.
fn stale_vars() -> Vec<(&'static str, &'static str)> {
    let mut vars: Vec<(&str, &str)> = foreign_names().map(|n| (n, STALE)).collect();
    vars.extend([
        ("AWS_ACCESS_KEY_ID", "AKIASTALEEXAMPLE0001"),
        ("AWS_SECRET_ACCESS_KEY", STALE),
        ("AWS_SESSION_TOKEN", STALE),
        ("AWS_PROFILE", "t"),
    ]);
    vars
}

fn parse_env0(bytes: &[u8]) -> BTreeMap<String, String> {
    bytes
        .split(|&b| b == 0)
        .filter(|i| !i.is_empty())
        .filter_map(|item| {
            let item = String::from_utf8_lossy(item);
            item.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        })
        .collect()
}

#[track_caller]
fn assert_clean(vars: &BTreeMap<String, String>, what: &str) {
    for v in FOREIGN {
        assert!(
            !vars.contains_key(v.name),
            "{what}: {} is still set ({})",
            v.name,
            v.why
        );
    }
    assert_eq!(vars["AWS_ACCESS_KEY_ID"], EXAMPLE_KEY_ID, "{what}");
    assert_eq!(vars["AWS_SECRET_ACCESS_KEY"], EXAMPLE_SECRET, "{what}");
    assert_eq!(vars["AWS_SESSION_TOKEN"], TOKEN, "{what}");
    assert!(
        vars.values().all(|v| !v.contains(STALE)),
        "{what}: a stale value is left: {vars:?}"
    );
}

#[test]
fn exec_gives_the_child_only_the_injected_credentials() {
    let env = token_profile();
    let out = env
        .cmd()
        .args(["exec", "t", "--", "env", "-0"])
        .envs(stale_vars())
        .output()
        .unwrap();
    assert_success(&out);
    let vars = parse_env0(&out.stdout);
    assert_clean(&vars, "exec");
    assert!(!vars.contains_key("AWS_PROFILE"), "{vars:?}");
    assert_eq!(vars["AWS_REGION"], "eu-west-1");
}

#[test]
fn exec_boto3_uses_the_injected_session_not_a_stale_security_token() {
    let env = token_profile();
    let script = "import boto3\n\
        c = boto3.Session().get_credentials().get_frozen_credentials()\n\
        print(c.access_key, c.token)\n";
    let out = env
        .cmd()
        .args(["exec", "t", "--", "python3", "-c", script])
        .env("AWS_SECURITY_TOKEN", STALE)
        .env("AWS_DEFAULT_PROFILE", "nonexistent-profile")
        .env("AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/Foreign")
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token")
        .env(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://127.0.0.1:9/creds",
        )
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout(&out).trim(), format!("{EXAMPLE_KEY_ID} {TOKEN}"));
}

/// The shells `env --credentials` is evaluated by.
const SHELLS: [&str; 4] = ["bash", "dash", "zsh", "fish"];

/// Evaluates `sagecred env ARGS` in a real `shell` that starts with the stale variables
/// exported, and returns the environment the shell then gives a child (`env -0`).
fn eval_in_shell(env: &TestEnv, shell: &str, args: &str) -> BTreeMap<String, String> {
    let bin = Path::new(env!("CARGO_BIN_EXE_sagecred"));
    let script = if shell == "fish" {
        format!(
            "'{}' env --shell fish {args} | source\nenv -0\n",
            bin.display()
        )
    } else {
        format!(
            "eval \"$('{}' env --shell {shell} {args})\" || exit 9\nenv -0\n",
            bin.display()
        )
    };
    let file = env.dir.path().join(format!("clean.{shell}"));
    std::fs::write(&file, script).unwrap();
    let path = format!("/usr/bin/{shell}");
    assert!(
        Path::new(&path).exists(),
        "{path} is missing (Debian package `{shell}`)"
    );
    let out = env
        .program(&path)
        .arg(&file)
        .envs(stale_vars())
        .output()
        .unwrap();
    assert_success(&out);
    parse_env0(&out.stdout)
}

#[test]
fn env_credentials_unsets_foreign_variables_in_every_real_shell() {
    let env = token_profile();
    for shell in SHELLS {
        let vars = eval_in_shell(&env, shell, "--profile t --credentials");
        assert_clean(&vars, shell);
        assert_eq!(vars["AWS_PROFILE"], "t", "{shell}");

        // `--unset --credentials` clears what the above set or cleared, and nothing is left.
        let vars = eval_in_shell(&env, shell, "--profile t --unset --credentials");
        for name in foreign_names().chain(sagecred_core::env_vars::INJECTED) {
            assert!(!vars.contains_key(name), "{shell}: {name} is still set");
        }
    }
}

/// Every foreign variable is named in docs/security.md, so the documented list cannot
/// drift from the one the code uses.
#[test]
fn security_doc_lists_every_cleared_variable() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/security.md"),
    )
    .unwrap();
    for v in FOREIGN {
        assert!(
            doc.contains(&format!("`{}`", v.name)),
            "docs/security.md does not list `{}`",
            v.name
        );
    }
}
