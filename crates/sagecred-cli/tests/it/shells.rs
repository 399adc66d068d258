//! `env`, `env --unset`, `use` and `shell-init` evaluated by real bash, dash, zsh and fish,
//! with the real binary. The variables each shell ends up with are compared exactly.

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;

use crate::common::*;

const ROLE_A: &str = "arn:aws:iam::111111111111:role/ml/A";
const ROLE_B: &str = "arn:aws:iam::222222222222:role/B";
const VARS: [&str; 8] = [
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "SAGEMAKER_ROLE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
];

/// The shells the tests run, with the command that runs a script file.
const SHELLS: [&str; 4] = ["bash", "dash", "zsh", "fish"];

fn shell_path(shell: &str) -> String {
    let path = format!("/usr/bin/{shell}");
    assert!(
        Path::new(&path).exists(),
        "{path} is missing: install the Debian package `{shell}` (cargo xtask test does)"
    );
    path
}

/// Runs `script` in a real `shell` inside `env`, with the binary's directory first on PATH,
/// and returns the values of [`VARS`] afterwards (absent variables are left out).
fn run_script(
    env: &TestEnv,
    shell: &str,
    script: &str,
    extra_env: &[(&str, &str)],
) -> BTreeMap<String, String> {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_sagecred"))
        .parent()
        .unwrap()
        .to_path_buf();
    let dump = if shell == "fish" {
        VARS.iter()
            .map(|v| format!("if set -q {v}; printf '%s=%s\\0' {v} \"${v}\"; end\n"))
            .collect::<String>()
    } else {
        VARS.iter()
            .map(|v| format!("if [ -n \"${{{v}+x}}\" ]; then printf '%s=%s\\0' {v} \"${v}\"; fi\n"))
            .collect::<String>()
    };
    let file = env.dir.path().join(format!("script.{shell}"));
    std::fs::write(&file, format!("{script}\n{dump}")).unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = env
        .program(shell_path(shell))
        .arg(&file)
        .env("PATH", path)
        .env("SHELL", format!("/usr/bin/{shell}"))
        .envs(extra_env.iter().copied())
        .output()
        .unwrap();
    assert_success(&out);
    let mut vars = BTreeMap::new();
    for item in out.stdout.split(|&b| b == 0).filter(|i| !i.is_empty()) {
        let item = String::from_utf8(item.to_vec()).unwrap();
        let (k, v) = item.split_once('=').unwrap();
        vars.insert(k.to_owned(), v.to_owned());
    }
    vars
}

fn eval_env(shell: &str, args: &str) -> String {
    if shell == "fish" {
        format!("sagecred env --shell fish {args} | source")
    } else {
        format!("eval \"$(sagecred env {args})\"")
    }
}

fn expected(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn two_profiles() -> TestEnv {
    let env = TestEnv::new();
    std::fs::write(
        &env.config,
        format!(
            "[profile a]\nregion = eu-west-1\nsagemaker_role_arn = {ROLE_A}\n\n[profile b]\nregion = us-west-2\naws_account_id = 222222222222\n"
        ),
    )
    .unwrap();
    env
}

#[test]
fn env_and_unset_in_every_real_shell() {
    let env = two_profiles();
    for shell in SHELLS {
        let vars = run_script(&env, shell, &eval_env(shell, "--profile a"), &[]);
        assert_eq!(
            vars,
            expected(&[
                ("AWS_PROFILE", "a"),
                ("AWS_REGION", "eu-west-1"),
                ("AWS_DEFAULT_REGION", "eu-west-1"),
                ("SAGEMAKER_ROLE", ROLE_A),
            ]),
            "{shell}"
        );
        // The default role name in the cached account, with AWS_PROFILE choosing b.
        let vars = run_script(&env, shell, &eval_env(shell, ""), &[("AWS_PROFILE", "b")]);
        assert_eq!(
            vars["SAGEMAKER_ROLE"],
            "arn:aws:iam::222222222222:role/SageMaker-UNetTraining-ExecutionRole",
            "{shell}"
        );
        assert_eq!(vars["AWS_REGION"], "us-west-2", "{shell}");

        let script = format!(
            "{}\n{}",
            eval_env(shell, "--profile a"),
            eval_env(shell, "--unset")
        );
        let vars = run_script(&env, shell, &script, &[("SAGEMAKER_ROLE", ROLE_B)]);
        assert_eq!(
            vars,
            BTreeMap::new(),
            "{shell}: --unset left variables behind"
        );
    }
}

#[test]
fn env_order_flag_then_environment_then_profile() {
    let env = two_profiles();
    let vars = run_script(
        &env,
        "bash",
        &eval_env("bash", "--profile a"),
        &[("SAGEMAKER_ROLE", ROLE_B), ("AWS_REGION", "ap-south-1")],
    );
    assert_eq!(
        vars["SAGEMAKER_ROLE"], ROLE_B,
        "the environment wins over the profile"
    );
    assert_eq!(vars["AWS_REGION"], "ap-south-1");
    let vars = run_script(
        &env,
        "bash",
        &eval_env(
            "bash",
            "--profile a --role arn:aws:iam::333333333333:role/C",
        ),
        &[("SAGEMAKER_ROLE", ROLE_B)],
    );
    assert_eq!(
        vars["SAGEMAKER_ROLE"], "arn:aws:iam::333333333333:role/C",
        "the flag wins"
    );
}

#[test]
fn no_role_still_emits_the_rest_with_a_hint() {
    let env = TestEnv::new();
    std::fs::write(&env.config, "[profile bare]\nregion = us-east-1\n").unwrap();
    let out = env.run(&["env", "--profile", "bare", "--shell", "bash"], "");
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        "export AWS_PROFILE=bare\nexport AWS_REGION=us-east-1\nexport AWS_DEFAULT_REGION=us-east-1\n"
    );
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("sagecred role resolve --profile bare"),
        "{err}"
    );
}

#[test]
fn env_reads_neither_the_credentials_file_nor_the_network() {
    let env = two_profiles();
    // An unreadable credentials file and a dead endpoint: env must not notice either.
    std::fs::create_dir_all(&env.credentials).unwrap();
    let out = env
        .cmd()
        .args(["env", "--profile", "a", "--shell", "bash"])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_success(&out);
    assert!(stdout(&out).contains("export SAGEMAKER_ROLE=arn:aws:iam::111111111111:role/ml/A"));
    assert_eq!(stderr(&out), "");
}

#[test]
fn env_credentials_exports_temporary_credentials_of_a_plaintext_profile() {
    // As `exec`: a plaintext key is exchanged for an STS session (moto's), never exported.
    let env = TestEnv::with_moto();
    env.configure("k", EXAMPLE_KEY_ID, EXAMPLE_SECRET, &[]);
    let vars = run_script(
        &env,
        "bash",
        &eval_env("bash", "--profile k --credentials"),
        &[("AWS_SESSION_TOKEN", "stale")],
    );
    // moto answers GetSessionToken with AWS's fixed example session, whose key id is the
    // documentation's AKIA one: the secret and the token tell the session apart.
    assert_ne!(vars["AWS_SECRET_ACCESS_KEY"], EXAMPLE_SECRET, "{vars:?}");
    let token = vars.get("AWS_SESSION_TOKEN").expect("a session token");
    assert_ne!(token, "stale", "a stale token must be replaced");
    assert!(vars.contains_key("AWS_CREDENTIAL_EXPIRATION"), "{vars:?}");
    let script = format!(
        "{}\n{}",
        eval_env("bash", "--profile k --credentials"),
        eval_env("bash", "--unset --credentials")
    );
    assert_eq!(run_script(&env, "bash", &script, &[]), BTreeMap::new());
}

#[test]
fn use_switches_the_current_bash_and_zsh_and_fish() {
    let env = two_profiles();
    for shell in ["bash", "zsh", "fish"] {
        let init = if shell == "fish" {
            "sagecred shell-init fish | source".to_owned()
        } else {
            format!("eval \"$(sagecred shell-init {shell})\"")
        };
        let script = format!("{init}\nsagecred use a\nsagecred use b\n");
        let vars = run_script(
            &env,
            shell,
            &script,
            &[
                ("AWS_SESSION_TOKEN", "left-over"),
                ("AWS_ACCESS_KEY_ID", EXAMPLE_KEY_ID),
            ],
        );
        assert_eq!(
            vars,
            expected(&[
                ("AWS_PROFILE", "b"),
                ("AWS_REGION", "us-west-2"),
                ("AWS_DEFAULT_REGION", "us-west-2"),
                (
                    "SAGEMAKER_ROLE",
                    "arn:aws:iam::222222222222:role/SageMaker-UNetTraining-ExecutionRole"
                ),
            ]),
            "{shell}: only b's variables may remain"
        );
        // A failing switch leaves the shell as it was.
        let script = format!("{init}\nsagecred use a\nsagecred use nope\necho \"status=$?\" >&2\n");
        let vars = run_script(
            &env,
            shell,
            &script.replace("$?", if shell == "fish" { "$status" } else { "$?" }),
            &[],
        );
        assert_eq!(vars["AWS_PROFILE"], "a", "{shell}");
    }
}

#[test]
fn use_without_the_function_prints_code_and_cmd_has_no_function() {
    let env = two_profiles();
    let out = env.run(&["use", "b", "--shell", "bash"], "");
    assert_success(&out);
    assert!(
        stdout(&out).starts_with("unset AWS_ACCESS_KEY_ID\n"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("export AWS_PROFILE=b\n"));

    let out = env.run(&["shell-init", "cmd"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("for /f \"delims=\" %i in ('sagecred env --shell cmd"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn cmd_and_powershell_output_follow_their_quoting_rules() {
    let env = two_profiles();
    let out = env.run(&["env", "--profile", "a", "--shell", "cmd"], "");
    assert_success(&out);
    // cmd: `set NAME=value`, one self-contained command per line, as `for /f` runs them.
    assert_eq!(
        stdout(&out),
        format!(
            "set AWS_PROFILE=a\nset AWS_REGION=eu-west-1\nset AWS_DEFAULT_REGION=eu-west-1\nset SAGEMAKER_ROLE={ROLE_A}\n"
        )
    );
    let out = env.run(&["env", "--profile", "a", "--shell", "pwsh"], "");
    assert_success(&out);
    assert_eq!(
        stdout(&out),
        format!(
            "$env:AWS_PROFILE = 'a'\n$env:AWS_REGION = 'eu-west-1'\n$env:AWS_DEFAULT_REGION = 'eu-west-1'\n$env:SAGEMAKER_ROLE = '{ROLE_A}'\n"
        )
    );
    // A region cmd cannot carry is refused, and nothing at all is printed.
    std::fs::write(&env.config, "[profile a]\nregion = us-east-1&calc\n").unwrap();
    let out = env.run(&["env", "--profile", "a", "--shell", "cmd"], "");
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("AWS_REGION"), "{}", stderr(&out));
}

/// Values a hostile or careless config could hold. The canary path is filled in per run.
fn hostile_value() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("$(touch CANARY)".to_owned()),
        Just("`touch CANARY`".to_owned()),
        Just("'; touch CANARY; '".to_owned()),
        Just("\"; touch CANARY; \"".to_owned()),
        Just("\\".to_owned()),
        Just("!".to_owned()),
        Just("$HOME".to_owned()),
        Just("(touch CANARY)".to_owned()),
        Just("\u{2019}".to_owned()),
        Just("é✓".to_owned()),
        Just("*".to_owned()),
        Just("~".to_owned()),
        Just("\t".to_owned()),
        "[a-z0-9-]{1,6}",
    ];
    proptest::collection::vec(pieces, 1..5).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Regions and role values from a hostile config either arrive exactly or are refused,
    /// and nothing is ever executed.
    #[test]
    fn hostile_config_values_round_trip_or_are_refused(region in hostile_value(), role_path in hostile_value()) {
        let env = TestEnv::new();
        let canary = env.dir.path().join("canary");
        let canary_s = canary.display().to_string();
        let region = region.replace("CANARY", &canary_s);
        let role = format!("arn:aws:iam::123456789012:role/{}", role_path.replace("CANARY", &canary_s));
        // Values are written as the config file would hold them; a value the ini format
        // itself cannot hold (a tab or comment marker) is simply what AWS would read.
        std::fs::write(&env.config, format!("[profile h]\nregion = {region}\nsagemaker_role_arn = {role}\n")).unwrap();
        for shell in SHELLS {
            let probe = env.run(&["env", "--profile", "h", "--shell", if shell == "fish" { "fish" } else { "bash" }], "");
            if !probe.status.success() {
                prop_assert_eq!(probe.stdout.len(), 0, "refused output must be empty");
                continue;
            }
            let vars = run_script(&env, shell, &eval_env(shell, "--profile h"), &[]);
            let printed = String::from_utf8_lossy(&probe.stdout).into_owned();
            // What the shell holds is exactly what sagecred meant to set.
            if let Some(r) = vars.get("AWS_REGION") {
                prop_assert!(printed.contains("AWS_REGION"));
                prop_assert_eq!(r.as_str(), region.trim(), "{}", shell);
            }
            if let Some(role_value) = vars.get("SAGEMAKER_ROLE") {
                prop_assert_eq!(role_value.as_str(), role.trim(), "{}", shell);
            }
            prop_assert!(!canary.exists(), "{} executed a value: {}", shell, printed);
        }
    }
}
