//! `find_config_profile` against the full parse: for any config text and any chunk size,
//! the streaming lookup returns what `ProfileSet::load_config_only(..).profile(..)` does,
//! errors included.

use std::fs;
use std::path::Path;

use proptest::prelude::*;
use sagecred_ini::{
    AwsFiles, IniError, ProfileSet, Section, find_config_profile, find_config_profile_chunked,
};

fn files(dir: &Path) -> AwsFiles {
    AwsFiles {
        config: dir.join("config"),
        credentials: dir.join("credentials"),
    }
}

/// A result with the error reduced to what must agree: its kind and its whole message
/// (path, line and text).
fn comparable(result: Result<Option<Section>, IniError>) -> Result<Option<Section>, String> {
    result.map_err(|err| match &err {
        IniError::Parse { source, .. } => format!("parse line {}: {err}", source.line),
        _ => format!("other: {err}"),
    })
}

fn full_parse(files: &AwsFiles, profile: &str) -> Result<Option<Section>, String> {
    comparable(ProfileSet::load_config_only(files).map(|set| set.profile(profile)))
}

/// Checks the streaming lookup against the full parse for `names` and a missing profile,
/// with the default buffer and with `chunk`-byte reads.
fn check(text: &[u8], names: &[&str], chunk: usize) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let files = files(dir.path());
    fs::write(&files.config, text).unwrap();
    let mut all: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    if let Ok(set) = ProfileSet::load_config_only(&files) {
        all.extend(set.profile_names());
    }
    all.push("missing".to_owned());
    for name in &all {
        let expected = full_parse(&files, name);
        prop_assert_eq!(
            &comparable(find_config_profile_chunked(&files, name, chunk)),
            &expected,
            "profile {:?}, chunk {}",
            name,
            chunk
        );
        prop_assert_eq!(
            &comparable(find_config_profile(&files, name)),
            &expected,
            "profile {:?}",
            name
        );
    }
    Ok(())
}

/// Header spellings: valid and ignored sections, `[default]` and `[profile default]`,
/// and malformed headers.
const HEADERS: &[&str] = &[
    "[profile a]",
    "[profile  a ] # spaced",
    "[profile b]",
    "[default]",
    "[ default ]",
    "[profile default];x",
    "[sso-session a]",
    "[services a]",
    "[c]",
    "[profile in valid]",
    "[profile a-very-long-profile-name-that-spans-several-chunks/of.the@reader]",
];

const BAD_HEADERS: &[&str] = &["[profile a", "[profile a#b]", "[profile b] extra"];

const NAMES: &[&str] = &[
    "region",
    "Region",
    "REGION",
    "output",
    "s3",
    "aws_secret_access_key",
    "in valid",
    "a-much-longer-property-name-than-the-chunk",
];

fn name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(NAMES)
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9]{0,6}",
        "[a-z0-9 é🐱=;#]{0,12}",
        "[a-zA-Z0-9/+]{20,80}",
    ]
}

/// Lines that may follow a header, some of them invalid where they stand.
fn body_lines() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        6 => (name(), value(), any::<bool>()).prop_map(|(n, v, c)| {
            vec![format!("{n} = {v}{}", if c { " # c" } else { "" })]
        }),
        2 => (name(), value(), "[a-z0-9 é]{1,30}")
            .prop_map(|(n, v, more)| vec![format!("{n}={v}"), format!("   {more}")]),
        2 => (name(), prop::collection::vec(("[a-z_]{1,8}", "[a-z0-9]{0,40}"), 1..3))
            .prop_map(|(n, subs)| {
                let mut lines = vec![format!("{n} =")];
                lines.extend(subs.into_iter().map(|(k, v)| format!("\t{k} = {v}")));
                lines
            }),
        // Invalid lines in a sub-property block, under a plain and a secret name.
        1 => (name(), prop_oneof![Just("  no equals"), Just("  = x"), Just("  wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY")])
            .prop_map(|(n, bad)| vec![format!("{n} ="), bad.to_owned()]),
        3 => prop_oneof![Just("# note"), Just("; other"), Just(""), Just("  "), Just("\t")]
            .prop_map(|l| vec![l.to_owned()]),
        // Invalid wherever they stand: no `=`, no name, a stray indented line.
        1 => prop_oneof![Just("no equals here"), Just(" = x"), Just("= y")]
            .prop_map(|l| vec![l.to_owned()]),
    ]
}

#[derive(Debug, Clone)]
struct Config {
    preamble: Vec<String>,
    sections: Vec<(String, Vec<Vec<String>>)>,
    bom: bool,
    crlf: bool,
    final_newline: bool,
    trailing_cr: bool,
}

fn config() -> impl Strategy<Value = Config> {
    let header = prop_oneof![
        12 => prop::sample::select(HEADERS),
        1 => prop::sample::select(BAD_HEADERS),
    ];
    let preamble = prop_oneof![
        6 => Just(Vec::new()),
        2 => prop::collection::vec(
            prop_oneof![Just("# top".to_owned()), Just(String::new())],
            1..3
        ),
        1 => Just(vec!["region = early".to_owned()]),
        1 => Just(vec!["  indented".to_owned()]),
    ];
    (
        preamble,
        prop::collection::vec(
            (
                header.prop_map(str::to_owned),
                prop::collection::vec(body_lines(), 0..5),
            ),
            0..8,
        ),
        prop::bool::weighted(0.1),
        any::<bool>(),
        any::<bool>(),
        prop::bool::weighted(0.1),
    )
        .prop_map(
            |(preamble, sections, bom, crlf, final_newline, trailing_cr)| Config {
                preamble,
                sections,
                bom,
                crlf,
                final_newline,
                trailing_cr,
            },
        )
}

fn render(config: &Config) -> String {
    let mut lines = config.preamble.clone();
    for (header, items) in &config.sections {
        lines.push(header.clone());
        lines.extend(items.iter().flatten().cloned());
    }
    let nl = if config.crlf { "\r\n" } else { "\n" };
    let mut text = String::new();
    if config.bom {
        text.push('\u{feff}');
    }
    text.push_str(&lines.join(nl));
    if config.final_newline && !lines.is_empty() {
        text.push_str(nl);
    } else if config.trailing_cr {
        // A last line without `\n` keeps its `\r` as content.
        text.push('\r');
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn streaming_lookup_matches_the_full_parse(config in config(), chunk in 1usize..24) {
        let text = render(&config);
        check(
            text.as_bytes(),
            &["a", "b", "c", "default", "in valid", "a-very-long-profile-name-that-spans-several-chunks/of.the@reader"],
            chunk,
        )?;
    }

    #[test]
    fn text_that_is_not_utf8_fails_as_the_full_parse_does(
        config in config(),
        at in any::<prop::sample::Index>(),
        chunk in 1usize..16,
    ) {
        let mut bytes = render(&config).into_bytes();
        let at = at.index(bytes.len() + 1);
        bytes.insert(at, 0xff);
        check(&bytes, &["a", "default"], chunk)?;
    }
}

#[test]
fn seven_byte_chunks_read_a_file_with_long_lines() {
    let long = "x".repeat(100);
    let text = format!(
        "[profile a]\r\nregion = {long}\r\ns3 =\r\n  max_concurrent_requests = 10\r\n[profile a]\r\noutput = json"
    );
    let dir = tempfile::tempdir().unwrap();
    let files = files(dir.path());
    fs::write(&files.config, &text).unwrap();
    let found = find_config_profile_chunked(&files, "a", 7)
        .unwrap()
        .unwrap();
    assert_eq!(found.get("region"), Some(long.as_str()));
    assert_eq!(
        found.sub_property("s3", "max_concurrent_requests"),
        Some("10")
    );
    assert_eq!(found.get("output"), Some("json"));
}

#[test]
fn a_missing_file_is_no_profile_and_a_directory_is_a_read_error() {
    let dir = tempfile::tempdir().unwrap();
    let files = files(dir.path());
    assert_eq!(find_config_profile(&files, "a").unwrap(), None);
    fs::create_dir(&files.config).unwrap();
    let expected = full_parse(&files, "a");
    assert!(expected.is_err());
    assert_eq!(comparable(find_config_profile(&files, "a")), expected);
}

#[test]
fn profile_default_replaces_default_even_when_empty() {
    let dir = tempfile::tempdir().unwrap();
    let files = files(dir.path());
    fs::write(
        &files.config,
        "[default]\nregion = a\n[profile default]\n[default]\noutput = json\n",
    )
    .unwrap();
    let found = find_config_profile(&files, "default").unwrap().unwrap();
    assert!(found.is_empty());
    assert_eq!(comparable(Ok(Some(found))), full_parse(&files, "default"));
}

#[test]
fn ten_thousand_profiles_agree_with_the_full_parse() {
    let mut text = String::from("[default]\nregion = us-east-1\n\n");
    for i in 0..10_000 {
        text.push_str(&format!(
            "[profile p{i}]\nregion = eu-west-{}\naws_account_id = 123456789012\n# team {i}\nsagemaker_role_arn = arn:aws:iam::123456789012:role/team{i}/Trainer\n\n",
            i % 3 + 1
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let files = files(dir.path());
    fs::write(&files.config, &text).unwrap();
    let set = ProfileSet::load_config_only(&files).unwrap();
    for name in ["default", "p0", "p4999", "p9999", "p10000"] {
        assert_eq!(
            find_config_profile(&files, name).unwrap(),
            set.profile(name),
            "{name}"
        );
    }
}
