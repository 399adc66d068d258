//! Data-driven parser tests: every case in `tests/data/parser-cases.json` is run here.

use std::collections::BTreeMap;

use sagecred_ini::{Document, FileKind, ParseError, ProfileSet, SectionKey};
use serde::Deserialize;

type Properties = BTreeMap<String, String>;

#[derive(Debug, Deserialize)]
struct Cases {
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    config: Option<String>,
    credentials: Option<String>,
    profiles: Option<BTreeMap<String, Properties>>,
    sso_sessions: Option<BTreeMap<String, Properties>>,
    services: Option<BTreeMap<String, Properties>>,
    error: Option<ExpectedError>,
}

#[derive(Debug, Deserialize)]
struct ExpectedError {
    file: String,
    line: usize,
    contains: String,
    not_contains: Option<String>,
}

fn properties(section: Option<sagecred_ini::Section>) -> Option<Properties> {
    section.map(|s| {
        s.properties()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    })
}

/// Runs one case; returns a description of the mismatch, if any.
fn check(case: &Case) -> Result<(), String> {
    let config = Document::parse(case.config.as_deref().unwrap_or(""), FileKind::Config);
    let credentials = Document::parse(
        case.credentials.as_deref().unwrap_or(""),
        FileKind::Credentials,
    );
    if let Some(expected) = &case.error {
        let (failed, other): (Result<Document, ParseError>, _) = match expected.file.as_str() {
            "config" => (config, credentials),
            "credentials" => (credentials, config),
            other => return Err(format!("unknown file `{other}` in the case")),
        };
        if let Err(other) = other {
            return Err(format!("the other file failed too: {other}"));
        }
        let err = match failed {
            Ok(_) => return Err("parsed, but an error was expected".to_owned()),
            Err(err) => err,
        };
        let shown = err.to_string();
        if err.line != expected.line {
            return Err(format!(
                "error on line {}, expected {}: {shown}",
                err.line, expected.line
            ));
        }
        if !shown.contains(&expected.contains) {
            return Err(format!("error `{shown}` lacks `{}`", expected.contains));
        }
        if let Some(bad) = &expected.not_contains
            && shown.contains(bad)
        {
            return Err(format!("error `{shown}` contains `{bad}`"));
        }
        if shown != format!("line {}: {}", err.line, err.kind) {
            return Err(format!("unexpected display `{shown}`"));
        }
        return Ok(());
    }

    let config = config.map_err(|e| format!("config failed to parse: {e}"))?;
    let credentials = credentials.map_err(|e| format!("credentials failed to parse: {e}"))?;
    // Parsing keeps every byte, whatever the case.
    for (doc, text) in [(&config, &case.config), (&credentials, &case.credentials)] {
        if doc.to_string() != text.as_deref().unwrap_or("") {
            return Err("render differs from the input".to_owned());
        }
    }
    let set = ProfileSet::from_documents(config.clone(), Some(credentials));
    let actual: BTreeMap<String, Properties> = set
        .profile_names()
        .into_iter()
        .map(|name| {
            let props = properties(set.profile(&name)).unwrap_or_default();
            (name, props)
        })
        .collect();
    let expected = case.profiles.clone().unwrap_or_default();
    if actual != expected {
        return Err(format!("profiles {actual:?}, expected {expected:?}"));
    }
    for (name, expected) in case.sso_sessions.iter().flatten() {
        let actual = properties(set.sso_session(name));
        if actual.as_ref() != Some(expected) {
            return Err(format!(
                "sso-session {name}: {actual:?}, expected {expected:?}"
            ));
        }
    }
    for (name, expected) in case.services.iter().flatten() {
        let actual = properties(config.section(&SectionKey::Services(name.clone())));
        if actual.as_ref() != Some(expected) {
            return Err(format!(
                "services {name}: {actual:?}, expected {expected:?}"
            ));
        }
    }
    Ok(())
}

#[test]
fn parser_cases_from_data() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/parser-cases.json");
    let text = std::fs::read_to_string(path).expect("the cases file is readable");
    let cases: Cases = serde_json::from_str(&text).expect("the cases file is valid JSON");
    assert!(cases.cases.len() >= 40, "too few cases");
    let failures: Vec<String> = cases
        .cases
        .iter()
        .filter_map(|case| check(case).err().map(|why| format!("{}: {why}", case.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
