//! Property test: hostile values are either refused or come back exactly from real shells,
//! and no injection attempt ever runs.

use std::path::Path;

use proptest::prelude::*;
use proptest::sample::select;
use sagecred_shell::{
    EnvChange, Shell, check_cmd, quote_fish, quote_posix, quote_powershell, render,
};

use crate::support::{DUMP_ENV, EVALUATORS, RealShell, parse_env, shells};

/// Stands for the canary file's absolute path until a case runs.
const CANARY: &str = "@CANARY@";

/// Pieces that mean something to at least one shell. Those naming the canary try to create
/// it; if any shell ever runs one of them, the file appears and the test fails.
const FRAGMENTS: &[&str] = &[
    "$(touch @CANARY@)",
    "`touch @CANARY@`",
    "(touch @CANARY@)",
    "'; touch @CANARY@; '",
    "\"; touch @CANARY@; \"",
    "'\\''; touch @CANARY@; echo '",
    "\\'; touch @CANARY@; echo \\'",
    "'); touch @CANARY@; ('",
    "\u{2019}; touch @CANARY@; \u{2019}",
    "\ntouch @CANARY@\n",
    "; touch @CANARY@ #",
    "&& touch @CANARY@",
    "| touch @CANARY@",
    "${HOME}",
    "$HOME",
    "$",
    "'",
    "\"",
    "\\",
    "`",
    "!",
    "!!",
    ";",
    "&&",
    "||",
    "*",
    "?",
    "[a]",
    "{a,b}",
    "~",
    "~root",
    "=",
    "=ls",
    ":=ls",
    "%",
    "%self",
    "%PATH%",
    "#",
    "-e",
    "--",
    " ",
    "\t",
    "\n",
    "\r",
    "\0",
    "\u{1b}[31m",
    "\u{7f}",
    "\u{85}",
    "é",
    "日本",
    "🦀",
    "\u{2018}",
    "\u{2019}",
    "\u{201A}",
    "\u{201B}",
    "\u{201C}",
    "\u{201D}",
    "\u{2028}",
    "\u{202E}",
    "\u{F600}",
    "\u{FDD0}",
    "\u{FFFF}",
];

/// A hostile value: a few fragments, printable ASCII runs and arbitrary characters.
fn hostile_value() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => select(FRAGMENTS).prop_map(str::to_owned),
        2 => "[ -~]{1,4}",
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..5).prop_map(|pieces| pieces.concat())
}

/// Whether an escaper refused the value, checking that it refused it for a good reason.
///
/// POSIX shells, fish and PowerShell refuse exactly the values with a control character; cmd
/// refuses more, but never a value of only printable ASCII outside its special characters.
fn refused(shell: Shell, value: &str) -> bool {
    let has_control = value.chars().any(char::is_control);
    let refused = match shell {
        Shell::Posix => quote_posix(value).is_err(),
        Shell::Fish => quote_fish(value).is_err(),
        Shell::PowerShell => quote_powershell(value).is_err(),
        Shell::Cmd => {
            let refused = check_cmd(value).is_err();
            let plain = value
                .chars()
                .all(|c| (' '..='~').contains(&c) && !"%!\"^&|<>()".contains(c));
            assert!(refused != plain, "cmd got {value:?} wrong");
            return refused;
        }
    };
    assert_eq!(refused, has_control, "{shell} got {value:?} wrong");
    refused
}

/// Evaluates every value `shell` accepts in one run and checks each comes back exactly.
fn check_in(shell: &RealShell, dir: &Path, canary: &Path, values: &[String]) {
    let names: Vec<String> = (0..values.len())
        .map(|i| format!("SAGECRED_H{i}"))
        .collect();
    let accepted: Vec<(&str, &str)> = names
        .iter()
        .zip(values)
        .filter(|(_, value)| !refused(shell.kind, value))
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let changes: Vec<EnvChange<'_>> = accepted
        .iter()
        .map(|&(name, value)| EnvChange::Set(name, value))
        .collect();
    let code = render(shell.kind, &changes).expect("render accepts what the escapers accept");
    let script = format!("{code}{DUMP_ENV}");
    let output = shell.run(dir, &script, None, &[]);
    assert!(
        !canary.exists(),
        "{} ran an injected command from\n{code}",
        shell.name
    );
    crate::support::assert_success(shell.name, &script, &output);
    let env = parse_env(&output.stdout);
    for (name, value) in accepted {
        assert_eq!(
            env.get(name).map(Vec::as_slice),
            Some(value.as_bytes()),
            "{}: {name} should be {value:?}, from\n{code}",
            shell.name
        );
    }
}

proptest! {
    // Each case starts four shells; 64 cases of up to eight values each keep this to a few
    // seconds while covering hundreds of values per shell.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn hostile_values_are_refused_or_round_trip(
        raw in prop::collection::vec(hostile_value(), 1..8)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let canary = dir.path().join("CANARY");
        let canary_text = canary.to_str().expect("temp paths are UTF-8 here");
        let values: Vec<String> = raw.iter().map(|v| v.replace(CANARY, canary_text)).collect();
        for shell in [Shell::PowerShell, Shell::Cmd] {
            for value in &values {
                refused(shell, value);
            }
        }
        for shell in shells(&EVALUATORS) {
            check_in(&shell, dir.path(), &canary, &values);
        }
    }
}

#[test]
fn the_canary_would_be_noticed() {
    // The property above trusts that an injected `touch` would create the canary; this shows
    // that it does when the value is pasted into a script unquoted.
    for shell in shells(&EVALUATORS) {
        let dir = tempfile::tempdir().unwrap();
        let canary = dir.path().join("CANARY");
        let attack = format!("(touch {})", canary.display());
        let script = match shell.kind {
            Shell::Fish => format!("set -gx X {attack}\n"),
            _ => format!("export X=${attack}\n"),
        };
        let _ = shell.run(dir.path(), &script, None, &[]);
        assert!(
            canary.exists(),
            "{} did not run the unquoted attack",
            shell.name
        );
    }
}
