//! The `sagecred use` function of `init_script`, run in real bash, dash, zsh and fish against a
//! fake `sagecred` binary.

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use sagecred_shell::{EnvChange, Shell, init_script, render};

use crate::support::{RealShell, parse_env, shells};

/// The fake binary. For `use --shell S P` it prints the file `use.S.P` if there is one;
/// otherwise it prints an `export` anyway and fails, so that a function that evaluated output
/// without checking the status would be caught. Asked for help, it prints an `export` that
/// must not be evaluated either. Everything else exits 5. Every call appends the marker
/// variable and its arguments to `calls`, as a count followed by the fields, all
/// NUL-terminated, so that empty arguments and spaces survive.
const FAKE_SAGECRED: &str = r#"#!/bin/sh
printf '%s\0' "$(($# + 1))" "marker=${SAGECRED_SHELL_FUNCTION-unset}" "$@" \
    >> "$SAGECRED_FAKE_DIR/calls"
for arg in "$@"; do
    if [ "$arg" = --help ]; then
        echo 'export AWS_PROFILE=from-help'
        exit 0
    fi
done
if [ "$1" = use ] && [ "$2" = --shell ]; then
    if [ -f "$SAGECRED_FAKE_DIR/use.$3.$4" ]; then
        cat "$SAGECRED_FAKE_DIR/use.$3.$4"
        exit 0
    fi
    echo 'export AWS_PROFILE=half-switched'
    echo "sagecred: no profile named $4" >&2
    exit 3
fi
echo passed-through
exit 5
"#;

/// The credentials variables that `use` clears first.
const CREDENTIALS: [&str; 4] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
];

/// What `sagecred use` prints for profile `a`: temporary credentials, one of them hostile.
fn profile_a(secret: &str) -> Vec<EnvChange<'_>> {
    let mut changes: Vec<EnvChange<'_>> = CREDENTIALS.iter().map(|n| EnvChange::Unset(n)).collect();
    changes.extend([
        EnvChange::Set("AWS_PROFILE", "a"),
        EnvChange::Set("AWS_REGION", "eu-west-1"),
        EnvChange::Set("AWS_ACCESS_KEY_ID", "ASIAIOSFODNN7EXAMPLE"),
        EnvChange::Set("AWS_SECRET_ACCESS_KEY", secret),
        EnvChange::Set("AWS_SESSION_TOKEN", "token-of-a"),
        EnvChange::Set("AWS_CREDENTIAL_EXPIRATION", "2030-01-01T00:00:00Z"),
    ]);
    changes
}

/// What `sagecred use` prints for profile `team b`: a profile without credentials.
fn profile_team_b() -> Vec<EnvChange<'static>> {
    let mut changes: Vec<EnvChange<'_>> = CREDENTIALS.iter().map(|n| EnvChange::Unset(n)).collect();
    changes.extend([
        EnvChange::Set("AWS_PROFILE", "team b"),
        EnvChange::Set("AWS_REGION", "us-east-1"),
        EnvChange::Set(
            "SAGEMAKER_ROLE",
            "arn:aws:iam::123456789012:role/SageMaker-UNetTraining-ExecutionRole",
        ),
    ]);
    changes
}

/// The test script for `shell`: load the function, switch twice, fail once, pass through.
///
/// Each step records its status or the exported environment in a file of its own, and
/// environment dumps run after the function has returned, so a variable set only inside the
/// function would be missed.
fn test_script(kind: Shell) -> &'static str {
    match kind {
        Shell::Fish => {
            r#"cat $SAGECRED_INIT | source
sagecred use a --credentials 'x y'; or exit 10
/usr/bin/env -0 > $SAGECRED_FAKE_DIR/after_a
sagecred use 'team b'; or exit 11
/usr/bin/env -0 > $SAGECRED_FAKE_DIR/after_b
sagecred use a --help
echo $status > $SAGECRED_FAKE_DIR/help_status
sagecred use missing
echo $status > $SAGECRED_FAKE_DIR/missing_status
/usr/bin/env -0 > $SAGECRED_FAKE_DIR/after_missing
sagecred profiles --output 'a b' '' "it's" '$(x)' '*'
echo $status > $SAGECRED_FAKE_DIR/pass_status
sagecred use
echo $status > $SAGECRED_FAKE_DIR/use_alone_status
if set -q __sagecred_code; or set -q SAGECRED_SHELL_FUNCTION; exit 12; end
"#
        }
        _ => {
            r#"eval "$(cat "$SAGECRED_INIT")"
sagecred use a --credentials 'x y' || exit 10
/usr/bin/env -0 > "$SAGECRED_FAKE_DIR/after_a"
sagecred use 'team b' || exit 11
/usr/bin/env -0 > "$SAGECRED_FAKE_DIR/after_b"
sagecred use a --help
echo "$?" > "$SAGECRED_FAKE_DIR/help_status"
sagecred use missing
echo "$?" > "$SAGECRED_FAKE_DIR/missing_status"
/usr/bin/env -0 > "$SAGECRED_FAKE_DIR/after_missing"
sagecred profiles --output 'a b' '' "it's" '$(x)' '*'
echo "$?" > "$SAGECRED_FAKE_DIR/pass_status"
sagecred use
echo "$?" > "$SAGECRED_FAKE_DIR/use_alone_status"
[ -z "${__sagecred_code+set}${__sagecred_arg+set}${SAGECRED_SHELL_FUNCTION+set}" ] || exit 12
"#
        }
    }
}

/// Splits the fake's `calls` log into one argument list per call.
fn parse_calls(log: &[u8]) -> Vec<Vec<String>> {
    let mut fields = log
        .split(|&b| b == 0)
        .map(|f| String::from_utf8(f.to_vec()).unwrap());
    let mut calls = Vec::new();
    while let Some(count) = fields.next().filter(|c| !c.is_empty()) {
        let count: usize = count.parse().expect("a count");
        calls.push(fields.by_ref().take(count).collect());
    }
    calls
}

/// Reads one of the files the test script wrote.
fn read(dir: &Path, file: &str) -> String {
    fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("reading {file}: {e}"))
}

/// The AWS and SageMaker variables of an `env -0` dump.
fn aws_vars(dir: &Path, file: &str) -> HashMap<String, String> {
    parse_env(&fs::read(dir.join(file)).unwrap())
        .into_iter()
        .filter(|(name, _)| name.starts_with("AWS_") || name.starts_with("SAGEMAKER_"))
        .map(|(name, value)| (name, String::from_utf8(value).unwrap()))
        .collect()
}

/// Builds an expected variable map from pairs.
fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|&(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

/// Runs the whole scenario in `shell` and checks every recorded step.
fn check_use_function(shell: &RealShell) {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let bin = dir.join("bin");
    fs::create_dir(&bin).unwrap();
    let fake = bin.join("sagecred");
    fs::write(&fake, FAKE_SAGECRED).unwrap();
    fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();

    let canary = dir.join("CANARY");
    let secret = format!("wJalr'XUtn$(touch {c})`touch {c}`\\", c = canary.display());
    let family = shell.kind.as_str();
    fs::write(
        dir.join(format!("use.{family}.a")),
        render(shell.kind, &profile_a(&secret)).unwrap(),
    )
    .unwrap();
    fs::write(
        dir.join(format!("use.{family}.team b")),
        render(shell.kind, &profile_team_b()).unwrap(),
    )
    .unwrap();
    let init = dir.join("init");
    fs::write(&init, init_script(shell.kind).unwrap()).unwrap();

    let script = test_script(shell.kind);
    let output = shell.run(
        dir,
        script,
        Some(&bin),
        &[
            ("SAGECRED_FAKE_DIR", dir.to_str().unwrap()),
            ("SAGECRED_INIT", init.to_str().unwrap()),
            // Stale credentials inherited from the parent must not survive a switch either.
            ("AWS_SESSION_TOKEN", "inherited-token"),
        ],
    );
    let name = shell.name;
    assert!(
        output.status.success(),
        "{name} failed ({}) on\n{script}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!canary.exists(), "{name} ran a command hidden in a value");

    // `use a` set a's variables in the shell itself, where they outlive the function.
    let mut expected_a = vars(&[
        ("AWS_PROFILE", "a"),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "ASIAIOSFODNN7EXAMPLE"),
        ("AWS_SESSION_TOKEN", "token-of-a"),
        ("AWS_CREDENTIAL_EXPIRATION", "2030-01-01T00:00:00Z"),
    ]);
    expected_a.insert("AWS_SECRET_ACCESS_KEY".to_owned(), secret.clone());
    assert_eq!(
        aws_vars(dir, "after_a"),
        expected_a,
        "{name}: after `use a`"
    );

    // `use 'team b'` replaced them, and a's credentials are gone.
    let expected_b = vars(&[
        ("AWS_PROFILE", "team b"),
        ("AWS_REGION", "us-east-1"),
        (
            "SAGEMAKER_ROLE",
            "arn:aws:iam::123456789012:role/SageMaker-UNetTraining-ExecutionRole",
        ),
    ]);
    assert_eq!(
        aws_vars(dir, "after_b"),
        expected_b,
        "{name}: after `use 'team b'`"
    );

    // A failing `use` returns its status and changes nothing, although it printed an export.
    assert_eq!(read(dir, "missing_status").trim(), "3", "{name}");
    assert_eq!(
        aws_vars(dir, "after_missing"),
        expected_b,
        "{name}: after a failed use"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("sagecred: no profile named missing"),
        "{name}: {stderr}"
    );

    // Help goes to the terminal, not to eval, although the fake's help is valid code.
    assert_eq!(read(dir, "help_status").trim(), "0", "{name}");

    // Everything else reaches the binary with its arguments intact and its status kept.
    assert_eq!(read(dir, "pass_status").trim(), "5", "{name}");
    assert_eq!(read(dir, "use_alone_status").trim(), "5", "{name}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout, "export AWS_PROFILE=from-help\npassed-through\npassed-through\n",
        "{name}: stdout"
    );

    let calls = parse_calls(&fs::read(dir.join("calls")).unwrap());
    let expected_calls: Vec<Vec<&str>> = vec![
        vec![
            "marker=1",
            "use",
            "--shell",
            family,
            "a",
            "--credentials",
            "x y",
        ],
        vec!["marker=1", "use", "--shell", family, "team b"],
        vec!["marker=unset", "use", "a", "--help"],
        vec!["marker=1", "use", "--shell", family, "missing"],
        vec![
            "marker=unset",
            "profiles",
            "--output",
            "a b",
            "",
            "it's",
            "$(x)",
            "*",
        ],
        vec!["marker=unset", "use"],
    ];
    assert_eq!(calls, expected_calls, "{name}: calls to the binary");
}

#[test]
fn use_switches_the_current_shell_in_bash_dash_zsh_and_fish() {
    let wanted = [
        ("bash", Shell::Posix),
        ("dash", Shell::Posix),
        ("zsh", Shell::Posix),
        ("fish", Shell::Fish),
    ];
    for shell in shells(&wanted) {
        check_use_function(&shell);
    }
}
