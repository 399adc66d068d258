//! Rendered code evaluated by real bash, dash, zsh and fish, with the result compared exactly.

use sagecred_shell::{EnvChange, render};

use crate::support::{DUMP_ENV, EVALUATORS, assert_success, parse_env, shells};

/// Values chosen to hit each shell's special cases; each must come back byte for byte.
const TRICKY: &[&str] = &[
    "",
    "plain",
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "FwoGZXIvYXdzEJr//////////wEaDM+token==",
    "arn:aws:iam::123456789012:role/SageMaker-UNetTraining-ExecutionRole",
    "with space",
    "  leading and trailing  ",
    "'",
    "''",
    "it's",
    "\"",
    "\\",
    "\\'",
    "'\\''",
    "a\\\\b",
    "$HOME",
    "${HOME}",
    "$(echo hacked)",
    "`echo hacked`",
    "(echo hacked)",
    "{a,b}",
    "*",
    "?",
    "[a-z]",
    "~",
    "~root",
    "a:~/b",
    "=ls",
    "a:=ls",
    "a=b",
    "%1",
    "%self",
    "%PATH%",
    "!",
    "!!",
    "!$",
    "^",
    "#comment",
    "a #comment",
    ";",
    "&&",
    "||",
    "|",
    "&",
    "<",
    ">",
    "-e",
    "--",
    "-x",
    "--help",
    "é",
    "日本語",
    "🦀",
    "\u{2018}\u{2019}\u{201A}\u{201B}\u{201C}\u{201D}",
    "\u{00A0}",
    "\u{2028}",
    "\u{FEFF}",
    "\u{202E}",
    "\u{F600}\u{F6FF}",
    "\u{FDD0}\u{FFFE}\u{FFFF}",
    "\u{10FFFF}",
];

/// The variable names the values are assigned to.
fn names(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("SAGECRED_T{i}")).collect()
}

#[test]
fn tricky_values_round_trip_in_every_real_shell() {
    let names = names(TRICKY.len());
    let changes: Vec<EnvChange<'_>> = names
        .iter()
        .zip(TRICKY)
        .map(|(name, value)| EnvChange::Set(name, value))
        .collect();
    for shell in shells(&EVALUATORS) {
        let dir = tempfile::tempdir().unwrap();
        let code = render(shell.kind, &changes).expect("every tricky value is printable");
        let script = format!("{code}{DUMP_ENV}");
        let output = shell.run_ok(dir.path(), &script);
        let env = parse_env(&output.stdout);
        for (name, value) in names.iter().zip(TRICKY) {
            assert_eq!(
                env.get(name).map(Vec::as_slice),
                Some(value.as_bytes()),
                "{}: {name} should be {value:?}, from\n{code}",
                shell.name
            );
        }
    }
}

#[test]
fn unset_removes_inherited_and_newly_set_variables() {
    let changes = [
        EnvChange::Set("SAGECRED_NEW", "x"),
        EnvChange::Unset("SAGECRED_NEW"),
        EnvChange::Unset("SAGECRED_INHERITED"),
        EnvChange::Unset("SAGECRED_NEVER_SET"),
        EnvChange::Set("SAGECRED_KEPT", "y"),
    ];
    for shell in shells(&EVALUATORS) {
        let dir = tempfile::tempdir().unwrap();
        let code = render(shell.kind, &changes).unwrap();
        let script = format!("{code}{DUMP_ENV}");
        let output = shell.run(dir.path(), &script, None, &[("SAGECRED_INHERITED", "z")]);
        assert_success(shell.name, &script, &output);
        let env = parse_env(&output.stdout);
        assert_eq!(env.get("SAGECRED_KEPT").map(Vec::as_slice), Some(&b"y"[..]));
        for gone in ["SAGECRED_NEW", "SAGECRED_INHERITED", "SAGECRED_NEVER_SET"] {
            assert!(
                !env.contains_key(gone),
                "{}: {gone} survived\n{code}",
                shell.name
            );
        }
    }
}

#[test]
fn every_printable_ascii_character_round_trips_in_one_value() {
    let all: String = (' '..='~').collect();
    for shell in shells(&EVALUATORS) {
        let dir = tempfile::tempdir().unwrap();
        let code = render(shell.kind, &[EnvChange::Set("SAGECRED_ALL", &all)]).unwrap();
        let output = shell.run_ok(dir.path(), &format!("{code}{DUMP_ENV}"));
        let env = parse_env(&output.stdout);
        assert_eq!(
            env.get("SAGECRED_ALL").map(Vec::as_slice),
            Some(all.as_bytes()),
            "{}",
            shell.name
        );
    }
}
