//! `sagecred configure`: what it writes, what it refuses, and that it never echoes secrets.

use crate::common::*;

#[test]
fn stdin_writes_keys_and_region_with_private_modes() {
    let env = TestEnv::new();
    let out = env.configure(
        "dev",
        EXAMPLE_KEY_ID,
        EXAMPLE_SECRET,
        &["--region", "eu-west-1"],
    );
    assert_no_secret(&out, EXAMPLE_SECRET);
    assert!(
        stderr(&out).contains("AKIA************MPLE"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty(), "configure prints nothing on stdout");

    assert_eq!(
        env.read_credentials(),
        format!(
            "[dev]\naws_access_key_id = {EXAMPLE_KEY_ID}\naws_secret_access_key = {EXAMPLE_SECRET}\n"
        )
    );
    assert_eq!(env.read_config(), "[profile dev]\nregion = eu-west-1\n");
    assert_eq!(mode(&env.credentials), 0o600);
    assert_eq!(mode(&env.config), 0o600);
}

#[test]
fn default_profile_uses_the_bare_default_section_and_default_region() {
    let env = TestEnv::new();
    env.configure("default", EXAMPLE_KEY_ID, EXAMPLE_SECRET, &[]);
    assert_eq!(env.read_config(), "[default]\nregion = us-east-1\n");
    assert!(env.read_credentials().starts_with("[default]\n"));
}

#[test]
fn aws_profile_variable_picks_the_profile() {
    let env = TestEnv::new();
    let out = run_with_stdin(
        env.cmd()
            .args(["configure", "--stdin", "--store", "file"])
            .env("AWS_PROFILE", "fromenv"),
        &format!("{EXAMPLE_KEY_ID}\n{EXAMPLE_SECRET}\n"),
    );
    assert_success(&out);
    assert!(env.read_credentials().starts_with("[fromenv]\n"));
}

#[test]
fn editing_keeps_every_other_byte() {
    let env = TestEnv::new();
    let config = "# my settings\n\n[default]\nregion = us-west-2 ; keep\n\n[profile dev]\n; old\nregion = ap-south-1\ncli_pager =\nunknown_key = x\n\n[sso-session corp]\nsso_region = us-east-1\n";
    let creds = "# creds\n[other]\naws_access_key_id = AKIAOTHEREXAMPLE0000\naws_secret_access_key = other\n\n[dev]\naws_access_key_id = AKIAOLDOLDEXAMPLE000\naws_secret_access_key = old\n# trailing comment\n";
    std::fs::write(&env.config, config).unwrap();
    std::fs::write(&env.credentials, creds).unwrap();
    // Private, as `aws configure` leaves it: a file others can read is refused.
    std::fs::set_permissions(
        &env.credentials,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();

    env.configure("dev", EXAMPLE_KEY_ID, EXAMPLE_SECRET, &[]);

    assert_eq!(
        env.read_config(),
        config,
        "an unchanged region must not touch the config file"
    );
    assert_eq!(
        env.read_credentials(),
        creds
            .replace("AKIAOLDOLDEXAMPLE000", EXAMPLE_KEY_ID)
            .replace("= old", &format!("= {EXAMPLE_SECRET}"))
    );
}

#[test]
fn secrets_are_never_taken_from_argv() {
    let env = TestEnv::new();
    for flag in ["--secret-access-key", "--aws-secret-access-key", "--secret"] {
        let out = env.run(&["configure", flag, EXAMPLE_SECRET], "");
        assert_eq!(out.status.code(), Some(2), "{flag} must be rejected");
        assert_no_secret(&out, EXAMPLE_SECRET);
    }
    assert!(!env.credentials.exists());
}

#[test]
fn without_a_terminal_or_stdin_flag_it_refuses_and_writes_nothing() {
    let env = TestEnv::new();
    let out = env.run(&["configure", "--profile", "dev"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--stdin"), "{}", stderr(&out));
    assert!(!env.credentials.exists() && !env.config.exists());
}

#[test]
fn bad_input_is_refused_with_a_precise_error() {
    let env = TestEnv::new();
    let cases: &[(&[&str], String, &str)] = &[
        (
            &["--profile", "dev"],
            "not-a-key\nsecret\n".into(),
            "access key id is not valid: character 1 is a lower-case letter",
        ),
        (
            &["--profile", "dev"],
            format!("{EXAMPLE_KEY_ID}\n"),
            "two lines",
        ),
        (
            &["--profile", "dev"],
            format!("{EXAMPLE_KEY_ID}\nwJalr XUtn\n"),
            "contains whitespace",
        ),
        (
            &["--profile", "my profile"],
            format!("{EXAMPLE_KEY_ID}\n{EXAMPLE_SECRET}\n"),
            "profile name contains a space at character 3",
        ),
        (
            &["--profile", "dev", "--region", "mars"],
            format!("{EXAMPLE_KEY_ID}\n{EXAMPLE_SECRET}\n"),
            "region is not valid",
        ),
    ];
    for (extra, input, expected) in cases {
        let mut args = vec!["configure", "--stdin", "--store", "file"];
        args.extend_from_slice(extra);
        let out = env.run(&args, input);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("wJalr"), "{}", stderr(&out));
        assert!(
            !env.credentials.exists(),
            "{args:?} wrote the credentials file"
        );
    }
}

#[test]
fn malformed_config_names_the_line_and_nothing_is_written() {
    let env = TestEnv::new();
    let config = "[profile dev]\nregion = us-east-1\nthis line is broken\n";
    std::fs::write(&env.config, config).unwrap();
    let out = env.run(
        &[
            "configure",
            "--profile",
            "dev",
            "--stdin",
            "--store",
            "file",
        ],
        &format!("{EXAMPLE_KEY_ID}\n{EXAMPLE_SECRET}\n"),
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("line 3 of {}", env.config.display())),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(env.read_config(), config);
    assert!(!env.credentials.exists());
}

#[test]
fn help_has_an_example_and_debug_logs_keep_secrets_out() {
    let env = TestEnv::new();
    let out = env.run(&["configure", "--help"], "");
    assert_success(&out);
    assert!(stdout(&out).contains("Examples:\n  sagecred configure"));

    let out = env.run(
        &[
            "--debug",
            "configure",
            "--profile",
            "dev",
            "--stdin",
            "--store",
            "file",
        ],
        &format!("{EXAMPLE_KEY_ID}\n{EXAMPLE_SECRET}\n"),
    );
    assert_success(&out);
    assert_no_secret(&out, EXAMPLE_SECRET);
}
