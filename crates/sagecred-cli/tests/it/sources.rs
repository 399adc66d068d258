//! One resolution of where a profile's credentials come from: every profile shape runs
//! through every command that accepts it, and each command names the same source and
//! gives the same advice (`CredentialSource::fix`) as every other.
//!
//! The shapes are built so that their credentials cannot be served (no SSO token, an empty
//! keychain entry, a plaintext key without its secret, a failing foreign program, a role
//! whose source profile is missing): what each command then says is the point. Nothing
//! reaches the network: the endpoint is a closed loopback port.

use crate::common::*;

/// A profile shape, and what every command must say about it.
struct Shape {
    name: &'static str,
    /// The profile's settings in the config file (after `[profile P]`).
    config: &'static str,
    /// The profile's section body in the credentials file, if any.
    credentials: Option<&'static str>,
    /// Other config sections.
    extra_config: &'static str,
    /// The source's label, as `profiles` and `doctor` show it.
    label: &'static str,
    /// The one advice, with `{P}` for the profile.
    fix: &'static str,
    /// Whether the shape keeps a long-term key in a store (`rotate` accepts it).
    key_store: bool,
    /// Whether `credential-process` serves this shape.
    served_by_process: bool,
    /// Whether the shape needs the Secret Service.
    keychain: bool,
}

const SHAPES: &[Shape] = &[
    Shape {
        name: "sso without a token",
        config: "sso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n",
        credentials: None,
        extra_config: "[sso-session corp]\nsso_start_url = https://example.invalid/start\nsso_region = us-east-1\n",
        label: "sso",
        fix: "sagecred login --profile {P}",
        key_store: false,
        served_by_process: true,
        keychain: false,
    },
    Shape {
        name: "keychain without an entry",
        config: "credential_process = {BIN} credential-process --profile {P}\n",
        credentials: None,
        extra_config: "",
        label: "keychain",
        fix: "sagecred configure --profile {P}",
        key_store: true,
        served_by_process: true,
        keychain: true,
    },
    Shape {
        name: "plaintext key without its secret",
        config: "",
        credentials: Some("aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"),
        extra_config: "",
        label: "file",
        fix: "sagecred configure --profile {P} --store file",
        key_store: true,
        served_by_process: false,
        keychain: false,
    },
    Shape {
        name: "no credentials",
        config: "",
        credentials: None,
        extra_config: "",
        label: "none",
        fix: "sagecred configure --profile {P}",
        key_store: false,
        served_by_process: false,
        keychain: false,
    },
    Shape {
        name: "a failing foreign credential_process",
        config: "credential_process = /bin/false\n",
        credentials: None,
        extra_config: "",
        label: "process",
        fix: "check the credential_process program of profile `{P}` (/bin/false)",
        key_store: false,
        served_by_process: false,
        keychain: false,
    },
    Shape {
        name: "assume-role from a missing profile",
        config: "role_arn = arn:aws:iam::123456789012:role/Trainer\nsource_profile = base\n",
        credentials: None,
        extra_config: "",
        label: "assume-role",
        fix: "sagecred doctor --profile base",
        key_store: false,
        served_by_process: false,
        keychain: false,
    },
];

/// A profile of `shape` in a fresh environment, and its name.
fn setup(shape: &Shape) -> (TestEnv, String) {
    // A closed port: any AWS call would fail at once, and none is expected.
    let env = TestEnv::with_endpoint("http://127.0.0.1:9");
    // Keychain entries are global to the Secret Service: a name of its own.
    let profile = unique_user("src");
    let config = shape
        .config
        .replace("{BIN}", env!("CARGO_BIN_EXE_sagecred"))
        .replace("{P}", &profile);
    std::fs::write(
        &env.config,
        format!(
            "[profile {profile}]\nregion = us-east-1\n{config}{}",
            shape.extra_config
        ),
    )
    .unwrap();
    if let Some(body) = shape.credentials {
        std::fs::write(&env.credentials, format!("[{profile}]\n{body}")).unwrap();
    }
    (env, profile)
}

/// One command's run, as seen by the test.
struct Seen {
    command: &'static str,
    /// The source label the command reported, when it reports one.
    label: Option<String>,
    /// Everything the command said about what to do, when it advises on credentials.
    advice: Option<String>,
}

/// A command that failed to get credentials: its stderr is the advice.
fn failed(command: &'static str, out: &std::process::Output) -> Seen {
    assert!(
        !out.status.success(),
        "`{command}` succeeded without credentials:\n{}",
        stdout(out)
    );
    assert_eq!(
        stderr(out)
            .lines()
            .filter(|l| l.starts_with("error:"))
            .count(),
        1,
        "`{command}`: one error line\n{}",
        stderr(out)
    );
    Seen {
        command,
        label: None,
        advice: Some(stderr(out)),
    }
}

fn run_all(env: &TestEnv, p: &str, shape: &Shape) -> Vec<Seen> {
    let mut seen = Vec::new();

    let out = env.run(&["profiles", "--output", "json"], "");
    assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = v["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == p)
        .unwrap_or_else(|| panic!("{p} is not listed: {v:#}"));
    seen.push(Seen {
        command: "profiles",
        label: row["store"].as_str().map(str::to_owned),
        advice: None,
    });

    let out = env.run(&["doctor", "--profile", p, "--output", "json"], "");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&out), stderr(&out)));
    let c = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "credentials")
        .unwrap_or_else(|| panic!("no credentials check: {v:#}"))
        .clone();
    assert_eq!(c["status"], "fail", "{c:#}");
    let reason = c["reason"].as_str().unwrap();
    let label = reason
        .split_once(" (")
        .and_then(|(_, rest)| rest.split_once(" store)"))
        .map(|(label, _)| label.to_owned());
    seen.push(Seen {
        command: "doctor",
        label,
        advice: Some(c["fix"].as_str().unwrap_or_default().to_owned()),
    });

    if shape.served_by_process {
        let out = env.run(&["credential-process", "--profile", p], "");
        assert_eq!(
            stdout(&out),
            "",
            "credential-process prints nothing on failure"
        );
        seen.push(failed("credential-process", &out));
    }
    seen.push(failed(
        "exec",
        &env.run(&["exec", p, "--", "/bin/true"], ""),
    ));
    seen.push(failed(
        "env --credentials",
        &env.run(
            &["env", "--profile", p, "--credentials", "--shell", "bash"],
            "",
        ),
    ));
    seen.push(failed("whoami", &env.run(&["whoami", "--profile", p], "")));
    seen.push(failed(
        "role resolve",
        &env.run(&["role", "resolve", "--profile", p], ""),
    ));

    let out = env.run(&["rotate", "--profile", p], "");
    let mut rotate = failed("rotate", &out);
    if !shape.key_store {
        // rotate refuses a source without a stored key and names the source; its advice
        // is to store a key, which is what rotation needs.
        let text = stderr(&out);
        assert!(
            text.contains(&format!("its credentials come from {}", shape.label)),
            "{text}"
        );
        rotate.label = Some(shape.label.to_owned());
        rotate.advice = None;
    }
    seen.push(rotate);
    seen
}

#[test]
fn every_command_names_the_same_source_and_gives_the_same_advice() {
    for shape in SHAPES {
        if shape.keychain {
            require_secret_service();
        }
        let (env, p) = setup(shape);
        let fix = shape.fix.replace("{P}", &p);
        for seen in run_all(&env, &p, shape) {
            let what = format!("shape `{}`, command `{}`", shape.name, seen.command);
            if let Some(label) = &seen.label {
                assert_eq!(label, shape.label, "{what}");
            }
            if let Some(advice) = &seen.advice {
                assert!(
                    advice.contains(&fix),
                    "{what}: the advice must be `{fix}`, got:\n{advice}"
                );
                // Never the AWS CLI's sign-in: sagecred's own login is the one advice.
                assert!(!advice.contains("aws sso login"), "{what}");
            }
        }
    }
}

/// The SageMaker role comes from every account source the profile has: `aws_account_id`,
/// and `sso_account_id` for an SSO profile; `env`, `use` and `role` agree.
#[test]
fn the_sagemaker_role_resolves_from_every_account_source() {
    let env = TestEnv::new();
    std::fs::write(
        &env.config,
        "[profile sso]\nregion = eu-west-1\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n\
         [sso-session corp]\nsso_start_url = https://example.invalid/start\nsso_region = eu-west-1\n\
         [profile keys]\nregion = eu-west-1\naws_account_id = 444455556666\n\
         [profile both]\nregion = eu-west-1\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\naws_account_id = 777788889999\n",
    )
    .unwrap();
    for (profile, account) in [
        ("sso", "111122223333"),
        ("keys", "444455556666"),
        // The cached aws_account_id wins over sso_account_id, as everywhere.
        ("both", "777788889999"),
    ] {
        let expected = format!("arn:aws:iam::{account}:role/SageMaker-UNetTraining-ExecutionRole");
        let out = env.run(&["env", "--profile", profile, "--shell", "bash"], "");
        assert_success(&out);
        assert!(
            stdout(&out).contains(&format!("export SAGEMAKER_ROLE={expected}\n")),
            "env --profile {profile}: {}",
            stdout(&out)
        );
        assert!(
            !stderr(&out).contains("no SageMaker role"),
            "{}",
            stderr(&out)
        );
        let out = env.run(&["use", profile, "--shell", "bash"], "");
        assert_success(&out);
        assert!(
            stdout(&out).contains(&expected),
            "use {profile}: {}",
            stdout(&out)
        );
        let out = env.run(&["role", "--profile", profile, "--output", "json"], "");
        assert_success(&out);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["role_arn"], expected, "role --profile {profile}");
    }
}
