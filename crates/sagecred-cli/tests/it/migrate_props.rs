//! `migrate` changes only the lines it must (issue 12 part 6): in the config, one
//! `credential_process` line per moved profile (and a section header where the profile
//! had none); in the credentials file, the key lines of the moved profiles. Every other
//! byte of both files is kept, the `region` lines included. Keys go to the kernel keyring
//! of a private session in a throwaway user namespace (`unshare --user --map-root-user
//! keyctl session -`), which disappears with the process, persistent keyring included, so
//! the tests leave nothing behind in any keyring.
//!
//! Also here: `env` reads only the config file, even for a profile the config lacks.

use std::path::Path;

use proptest::prelude::*;
use sagecred_ini::{Document, FileKind, ProfileSet};

use crate::common::*;

/// Example key pairs from AWS's documentation.
const KEYS: [(&str, &str); 2] = [
    (EXAMPLE_KEY_ID, EXAMPLE_SECRET),
    (
        "AKIAI44QH8DHBEXAMPLE",
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    ),
];

fn bin() -> String {
    Path::new(env!("CARGO_BIN_EXE_sagecred"))
        .canonicalize()
        .unwrap()
        .display()
        .to_string()
}

/// Runs `sagecred ARGS` in a session keyring of its own, inside a throwaway user
/// namespace where the kernel allows one: keyring 3.6 also links every key into the user's
/// persistent keyring, which a session keyring alone does not keep clean.
fn in_private_keyring(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let wrapper = crate::cleanup::keyutils_session();
    env.program(wrapper[0])
        .args(&wrapper[1..])
        .arg(bin())
        .args(args)
        .output()
        .expect("keyctl (Debian package keyutils) must be installed")
}

fn process_line(profile: &str) -> String {
    format!(
        "credential_process = {} credential-process --profile {profile} --store keyutils",
        bin()
    )
}

#[test]
fn migrate_keeps_regions_and_adds_none() {
    let env = TestEnv::new();
    let config =
        "# team\n[default]\nregion=eu-west-1   ; ours\n\n[profile noregion]\noutput = json\n";
    let creds = format!(
        "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\nregion = us-west-2\n\n[noregion]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        KEYS[0].0, KEYS[0].1, KEYS[1].0, KEYS[1].1
    );
    std::fs::write(&env.config, config).unwrap();
    std::fs::write(&env.credentials, &creds).unwrap();
    let out = in_private_keyring(&env, &["migrate", "--all", "--store", "keyutils"]);
    assert_success(&out);
    assert_no_secret(&out, KEYS[0].1);
    assert_eq!(
        env.read_config(),
        format!(
            "# team\n[default]\nregion=eu-west-1   ; ours\n{}\n\n[profile noregion]\noutput = json\n{}\n",
            process_line("default"),
            process_line("noregion")
        )
    );
    assert_eq!(env.read_credentials(), "[default]\nregion = us-west-2\n\n");
}

#[test]
fn env_never_reads_the_credentials_file() {
    let env = TestEnv::new();
    std::fs::write(&env.config, "[profile other]\nregion = eu-west-1\n").unwrap();
    // A malformed credentials file that also defines the profile: env must not look.
    std::fs::write(
        &env.credentials,
        format!("[keys-only]\nregion = us-west-2\nnot a property line\naws_access_key_id = {EXAMPLE_KEY_ID}\n"),
    )
    .unwrap();
    // A profile the config lacks is unknown to env and use, whatever the credentials
    // file holds: one line, exit 2, and not the credentials file's parse error.
    for args in [
        &["env", "--profile", "keys-only", "--shell", "bash"][..],
        &["use", "keys-only", "--shell", "bash"],
    ] {
        let out = env.run(args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("profile `keys-only` is not in"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("line 3"), "{args:?}: {err}");
        assert_eq!(stdout(&out), "", "{args:?}");
    }
    // The default profile, not named and missing: a note, and what the environment gives.
    let out = env.run(&["env", "--shell", "bash"], "");
    assert_success(&out);
    assert!(
        stderr(&out).contains("no `default` profile yet"),
        "{}",
        stderr(&out)
    );
    // A profile in the config is served although the credentials file is malformed.
    let out = env.run(&["env", "--profile", "other", "--shell", "bash"], "");
    assert_success(&out);
    assert!(
        stdout(&out).contains("export AWS_REGION=eu-west-1"),
        "{}",
        stdout(&out)
    );

    // Not even opened: a credentials "file" that is a directory changes nothing.
    std::fs::remove_file(&env.credentials).unwrap();
    std::fs::create_dir(&env.credentials).unwrap();
    let out = env.run(&["env", "--profile", "other", "--shell", "bash"], "");
    assert_success(&out);
}

/// Profile names the generator uses; `default` has a header of its own in the config.
const NAMES: [&str; 4] = ["default", "a", "b-1", "c.x"];

#[derive(Debug, Clone)]
enum Line {
    Comment(&'static str),
    Blank(&'static str),
    Property(&'static str),
}

fn filler() -> impl Strategy<Value = Line> {
    prop_oneof![
        prop_oneof![Just("# note"), Just("; other"), Just("#")].prop_map(Line::Comment),
        prop_oneof![Just(""), Just("  ")].prop_map(Line::Blank),
    ]
}

fn config_line() -> impl Strategy<Value = Line> {
    prop_oneof![
        3 => prop_oneof![
            Just("region=eu-west-1"),
            Just("region   =  us-east-1 ; keep"),
            Just("Region = ap-south-1"),
            Just("output = json"),
            Just("sagemaker_role_arn = arn:aws:iam::123456789012:role/R"),
            Just("s3 =\n  addressing_style = path"),
        ]
        .prop_map(Line::Property),
        2 => filler(),
    ]
}

fn credentials_extra() -> impl Strategy<Value = Line> {
    prop_oneof![
        2 => prop_oneof![Just("region = us-west-2"), Just("note = stays")].prop_map(Line::Property),
        2 => filler(),
    ]
}

fn render(lines: &[Line]) -> String {
    let mut out = String::new();
    for l in lines {
        let text = match l {
            Line::Comment(t) | Line::Blank(t) | Line::Property(t) => *t,
        };
        out.push_str(text);
        out.push('\n');
    }
    out
}

#[derive(Debug, Clone)]
struct Case {
    /// Config sections: (index into NAMES, or None for an `[sso-session s]`), lines.
    config: Vec<(Option<usize>, Vec<Line>)>,
    /// Credentials sections: (index into NAMES, has keys, key pair, extra lines, where the
    /// key lines go among the extras).
    credentials: Vec<(usize, bool, usize, Vec<Line>, usize)>,
    preamble: Vec<Line>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(
            (
                prop::option::weighted(0.85, 0..NAMES.len()),
                prop::collection::vec(config_line(), 0..5),
            ),
            0..5,
        ),
        prop::sample::subsequence((0..NAMES.len()).collect::<Vec<_>>(), 0..=NAMES.len())
            .prop_flat_map(|names| {
                let n = names.len();
                (
                    Just(names),
                    prop::collection::vec(
                        (
                            prop::bool::weighted(0.8),
                            0..KEYS.len(),
                            prop::collection::vec(credentials_extra(), 0..4),
                            0..5usize,
                        ),
                        n,
                    ),
                )
            })
            .prop_map(|(names, sections)| {
                names
                    .into_iter()
                    .zip(sections)
                    .map(|(n, (keys, pair, extra, at))| (n, keys, pair, extra, at))
                    .collect()
            }),
        prop::collection::vec(filler(), 0..3),
    )
        .prop_map(|(mut config, credentials, preamble)| {
            // One config section per profile, so the expected insertion point is plain.
            let mut seen = Vec::new();
            config.retain(|(n, _)| match n {
                Some(i) if seen.contains(i) => false,
                Some(i) => {
                    seen.push(*i);
                    true
                }
                None => true,
            });
            Case {
                config,
                credentials,
                preamble,
            }
        })
}

fn config_text(case: &Case) -> String {
    let mut out = render(&case.preamble);
    for (name, lines) in &case.config {
        match name {
            Some(0) => out.push_str("[default]\n"),
            Some(i) => out.push_str(&format!("[profile {}]\n", NAMES[*i])),
            None => out.push_str("[sso-session s]\n"),
        }
        out.push_str(&render(lines));
    }
    out
}

fn credentials_text(case: &Case) -> String {
    let mut out = render(&case.preamble);
    for (name, keys, pair, extra, at) in &case.credentials {
        out.push_str(&format!("[{}]\n", NAMES[*name]));
        let at = (*at).min(extra.len());
        out.push_str(&render(&extra[..at]));
        if *keys {
            let (id, secret) = KEYS[*pair];
            out.push_str(&format!(
                "aws_access_key_id = {id}\naws_secret_access_key = {secret}\n"
            ));
        }
        out.push_str(&render(&extra[at..]));
    }
    out
}

/// Whether `old`'s lines appear in `new` in order, unchanged; returns the lines of `new`
/// that are not part of that match (what was inserted).
fn inserted_lines<'a>(old: &str, new: &'a str) -> Option<Vec<&'a str>> {
    let old: Vec<&str> = old.split_inclusive('\n').collect();
    let mut extra = Vec::new();
    let mut i = 0;
    for line in new.split_inclusive('\n') {
        if i < old.len() && old[i] == line {
            i += 1;
        } else {
            extra.push(line);
        }
    }
    (i == old.len()).then_some(extra)
}

fn is_key_line(line: &str) -> bool {
    let l = line.trim_start();
    l.starts_with("aws_access_key_id") || l.starts_with("aws_secret_access_key")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// For random config and credentials files: after `migrate --all`, the config is the
    /// old config plus only `credential_process` lines (and headers for profiles it
    /// lacked), every profile keeps exactly the region it had, and the credentials file
    /// is the old one minus only the moved key lines (and a section left empty).
    #[test]
    fn migrate_changes_only_the_lines_it_must(case in case()) {
        let env = TestEnv::new();
        let config = config_text(&case);
        let creds = credentials_text(&case);
        std::fs::write(&env.config, &config).unwrap();
        std::fs::write(&env.credentials, &creds).unwrap();
        let before = ProfileSet::from_documents(
            Document::parse(&config, FileKind::Config).unwrap(),
            None,
        );
        let moved: Vec<&str> = case
            .credentials
            .iter()
            .filter(|c| c.1)
            .map(|c| NAMES[c.0])
            .collect();

        let out = in_private_keyring(&env, &["migrate", "--all", "--store", "keyutils"]);
        prop_assert!(out.status.success(), "{}", stderr(&out));
        assert_no_secret(&out, KEYS[0].1);
        assert_no_secret(&out, KEYS[1].1);
        let new_config = env.read_config();
        let new_creds = env.read_credentials();

        // Config: only additions, and only of the expected kinds.
        let added = inserted_lines(&config, &new_config);
        prop_assert!(added.is_some(), "a config line changed:\n{config}\n---\n{new_config}");
        for line in added.unwrap() {
            let line = line.trim_end_matches('\n');
            // The editor follows the file's spacing around `=`.
            let spaced = match line.split_once('=') {
                Some((k, v)) => format!("{} = {}", k.trim(), v.trim()),
                None => line.to_owned(),
            };
            let ok = line.is_empty()
                || moved.iter().any(|p| {
                    spaced == process_line(p)
                        || line == format!("[profile {p}]")
                        || (*p == "default" && line == "[default]")
                });
            prop_assert!(ok, "unexpected config line {line:?}:\n{new_config}");
        }
        let after = ProfileSet::from_documents(
            Document::parse(&new_config, FileKind::Config).unwrap(),
            None,
        );
        for name in NAMES {
            let region = |set: &ProfileSet| set.profile(name).and_then(|s| s.get("region").map(str::to_owned));
            prop_assert_eq!(region(&after), region(&before), "region of {}", name);
        }
        for p in &moved {
            let expected = process_line(p);
            let line = after.profile(p).and_then(|s| s.get("credential_process").map(str::to_owned));
            prop_assert_eq!(line.as_deref(), expected.strip_prefix("credential_process = "));
        }

        // Credentials: only removals, of the moved key lines, or a section they emptied.
        let kept = inserted_lines(&new_creds, &creds);
        prop_assert!(kept.is_some(), "a credentials line changed or was added:\n{creds}\n---\n{new_creds}");
        let removed = kept.unwrap();
        let removed_keys = removed.iter().filter(|l| is_key_line(l)).count();
        prop_assert_eq!(removed_keys, 2 * moved.len(), "every moved key line goes:\n{}", new_creds);
        for line in &removed {
            let l = line.trim();
            let ok = is_key_line(line)
                || l.is_empty()
                || moved.iter().any(|p| l == format!("[{p}]"));
            prop_assert!(ok, "removed {line:?}, which is not a moved key line:\n{new_creds}");
        }
        prop_assert!(!new_creds.contains("aws_secret_access_key"), "{}", new_creds);
    }
}
