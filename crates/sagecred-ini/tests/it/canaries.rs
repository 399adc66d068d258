//! Hostile text with canary secrets in it, through every reader and writer of the crate:
//! each either parses or fails, never panics, and no error (`Display` or `Debug`) ever
//! holds a canary.

use std::fs;

use proptest::prelude::*;
use sagecred_core::{CredentialStore, Credentials};
use sagecred_ini::{
    AwsFiles, Document, FileKind, FileStore, IniError, MAX_VALUE_LEN, ProfileSet, SectionKey, edit,
    find_config_profile, find_config_profile_chunked,
};

/// A secret-shaped canary; no message of the crate holds `CANARY`.
const SECRET: &str = "wJalrCANARYsecret/K7MDENG/bPxRfiCYzz9";
/// A key-id-shaped canary.
const KEY_ID: &str = "AKIACANARYEXAMPLE123";
/// A token-shaped canary that ends in `=`, so that it reads as a property name.
const TOKEN: &str = "FwoGZXIvYXdzCANARYtoken0123456789abcdef=";

/// Lines built around the canaries, in the shapes a pasted or mangled secret takes.
fn canary_line() -> impl Strategy<Value = String> {
    let canary = prop_oneof![Just(SECRET), Just(KEY_ID), Just(TOKEN)];
    let shape = prop_oneof![
        Just("{}"),
        Just("{} {}"),
        Just("[{}"),
        Just("[{}]"),
        Just("[profile {}]"),
        Just("[profile dev] {}"),
        Just("[dev {}"),
        Just("  {}"),
        Just("\t{} = x"),
        Just("{} ="),
        Just("= {}"),
        Just("{}="),
        Just("aws_secret_access_key = {}"),
        Just("aws_secret_access_key={}"),
        Just("aws_access_key_id = {} {}"),
        Just("# {}"),
        Just("; {}"),
        Just("{}: {}"),
        Just("{} # {}"),
        Just("[{}] = {}"),
    ];
    (shape, canary.clone(), canary)
        .prop_map(|(shape, a, b)| shape.replacen("{}", a, 1).replacen("{}", b, 1))
}

/// Any line: a canary line, a structural one, or random text.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => canary_line(),
        2 => prop_oneof![
            Just("[default]".to_owned()),
            Just("[dev]".to_owned()),
            Just("[profile dev]".to_owned()),
            Just("[sso-session s]".to_owned()),
            Just("s3 =".to_owned()),
            Just("  max = 1".to_owned()),
            Just("region = eu-west-1".to_owned()),
            Just(String::new()),
        ],
        2 => "[\\[\\] =#;\ta-zA-Z0-9/+\r\u{feff}\u{1b}\u{7}é]{0,24}",
        1 => any::<String>(),
    ]
}

/// A file's bytes: lines joined by `\n` or `\r\n`, sometimes with bytes that are not
/// UTF-8 in between.
fn file_bytes() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(line(), 0..12),
        any::<bool>(),
        prop::option::weighted(0.1, (any::<prop::sample::Index>(), any::<u8>())),
    )
        .prop_map(|(lines, crlf, junk)| {
            let mut bytes = lines.join(if crlf { "\r\n" } else { "\n" }).into_bytes();
            if let Some((at, byte)) = junk {
                let at = at.index(bytes.len() + 1);
                bytes.insert(at, byte | 0x80);
            }
            bytes
        })
}

#[track_caller]
fn assert_clean(what: &str, err: &dyn std::fmt::Debug, shown: &str) {
    let debug = format!("{err:?}");
    for text in [shown, debug.as_str()] {
        assert!(!text.contains("CANARY"), "{what} leaks a canary: {text}");
    }
}

fn check_ini_error(what: &str, err: &IniError) {
    assert_clean(what, err, &err.to_string());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(768))]

    #[test]
    fn parse_errors_never_hold_a_canary(bytes in file_bytes()) {
        let Ok(text) = std::str::from_utf8(&bytes) else {
            return Ok(());
        };
        for kind in [FileKind::Config, FileKind::Credentials] {
            match Document::parse(text, kind) {
                Ok(doc) => {
                    // A parsed document answers every question without panicking.
                    prop_assert_eq!(doc.as_str(), text);
                    for name in doc.profile_names() {
                        let key = SectionKey::Profile(name);
                        let _ = doc.section(&key);
                        let mut copy = doc.clone();
                        copy.remove_section(&key);
                    }
                    let _ = format!("{doc:?}");
                }
                Err(err) => {
                    assert_clean("a parse error", &err, &err.to_string());
                    let _ = err.kind;
                }
            }
        }
    }

}

proptest! {
    // Each case writes and reads real files (slow under Wine): fewer cases.
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn file_readers_never_echo_a_canary(bytes in file_bytes(), chunk in 1usize..64) {
        let dir = tempfile::tempdir().unwrap();
        let files = AwsFiles {
            config: dir.path().join("config"),
            credentials: dir.path().join("credentials"),
        };
        fs::write(&files.config, &bytes).unwrap();
        fs::write(&files.credentials, &bytes).unwrap();
        #[cfg(unix)]
        fs::set_permissions(
            &files.credentials,
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();

        if let Err(err) = ProfileSet::load(&files) {
            check_ini_error("ProfileSet::load", &err);
        }
        if let Err(err) = ProfileSet::load_config_only(&files) {
            check_ini_error("ProfileSet::load_config_only", &err);
        }
        for name in ["dev", "default", "missing"] {
            if let Err(err) = find_config_profile(&files, name) {
                check_ini_error("find_config_profile", &err);
            }
            if let Err(err) = find_config_profile_chunked(&files, name, chunk) {
                check_ini_error("find_config_profile_chunked", &err);
            }
        }
        let result = edit(&files.credentials, FileKind::Credentials, |doc| {
            Ok::<_, IniError>(doc.remove(&SectionKey::Profile("dev".into()), "region"))
        });
        if let Err(err) = result {
            check_ini_error("edit", &err);
        }

        let store = FileStore::new(files.clone());
        let dev = "dev".parse().unwrap();
        let creds = Credentials::new("AKIAIOSFODNN7EXAMPLE".parse().unwrap(), "s".into());
        let results = [
            store.get(&dev).map(|_| ()),
            store.list().map(|_| ()),
            store.put(&dev, &sagecred_core::StoredKey::new(creds)),
            store.delete(&dev).map(|_| ()),
        ];
        for result in results {
            if let Err(err) = result {
                let chain = error_chain(&err);
                assert_clean("FileStore", &err, &chain);
            }
        }
    }

}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn refused_values_are_never_quoted(
        prefix in "[a-z]{0,8}",
        bad in prop_oneof![
            Just("\n"), Just("\r"), Just("\u{1b}]0;x\u{7}"), Just("\u{0}"), Just("\u{2028}"),
            Just(" # "), Just("\u{85}"),
        ],
        long: bool,
    ) {
        let value = if long {
            format!("{prefix}{SECRET}{}", "x".repeat(MAX_VALUE_LEN))
        } else {
            format!("{prefix}{SECRET}{bad}{SECRET}")
        };
        for kind in [FileKind::Config, FileKind::Credentials] {
            let mut doc = Document::parse("[dev]\n[profile dev]\n", kind).unwrap();
            let before = doc.render();
            let err = doc
                .try_set(&SectionKey::Profile("dev".into()), "aws_secret_access_key", &value)
                .unwrap_err();
            assert_clean("try_set", &err, &err.to_string());
            prop_assert_eq!(doc.render(), before);
        }
    }
}

/// An error and its sources, as the CLI shows them.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        out.push_str(&format!(" {s:?}"));
        source = s.source();
    }
    out
}
