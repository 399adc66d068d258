//! `set`, `remove` and `remove_section` change only the lines they must.

use sagecred_ini::{Document, EditError, FileKind, SectionKey};

fn profile(name: &str) -> SectionKey {
    SectionKey::Profile(name.to_owned())
}

fn config(text: &str) -> Document {
    Document::parse(text, FileKind::Config).unwrap()
}

fn credentials(text: &str) -> Document {
    Document::parse(text, FileKind::Credentials).unwrap()
}

const CONFIG: &str = "\
# managed by hand
[default]
region = us-east-1

; work account
[profile dev]
Region=eu-west-1   # closest
output = json
s3 =
  max_concurrent_requests = 10

[sso-session corp]
sso_region = us-east-1
";

#[test]
fn set_replaces_the_value_in_place_keeping_spacing_case_and_comment() {
    let mut doc = config(CONFIG);
    assert!(doc.set(&profile("dev"), "region", "us-west-2"));
    assert_eq!(
        doc.render(),
        CONFIG.replace(
            "Region=eu-west-1   # closest",
            "Region=us-west-2   # closest"
        )
    );
    assert_eq!(
        doc.section(&profile("dev")).unwrap().get("REGION"),
        Some("us-west-2")
    );
}

#[test]
fn set_to_the_same_value_changes_nothing() {
    let mut doc = config(CONFIG);
    assert!(!doc.set(&profile("dev"), "output", "json"));
    assert_eq!(doc.render(), CONFIG);
}

#[test]
fn set_appends_after_the_last_property_of_the_section() {
    let mut doc = config(CONFIG);
    assert!(doc.set(&profile("default"), "output", "text"));
    assert_eq!(
        doc.render(),
        CONFIG.replace(
            "region = us-east-1\n\n;",
            "region = us-east-1\noutput = text\n\n;"
        )
    );
}

#[test]
fn set_appends_after_a_sub_property_block() {
    let mut doc = config(CONFIG);
    assert!(doc.set(
        &profile("dev"),
        "sagemaker_role_arn",
        "arn:aws:iam::123456789012:role/R"
    ));
    assert_eq!(
        doc.render(),
        CONFIG.replace(
            "  max_concurrent_requests = 10\n",
            "  max_concurrent_requests = 10\nsagemaker_role_arn = arn:aws:iam::123456789012:role/R\n"
        )
    );
}

#[test]
fn set_replacing_a_block_drops_its_continuation_lines() {
    let mut doc = config(CONFIG);
    assert!(doc.set(&profile("dev"), "s3", "none"));
    assert_eq!(
        doc.render(),
        CONFIG.replace("s3 =\n  max_concurrent_requests = 10\n", "s3 = none\n")
    );
}

#[test]
fn set_on_an_empty_value_gets_a_space() {
    let mut doc = config("[profile dev]\nregion =\n");
    assert!(doc.set(&profile("dev"), "region", "us-east-1"));
    assert_eq!(doc.render(), "[profile dev]\nregion = us-east-1\n");
    let mut doc = config("[profile dev]\nregion = # pick one\n");
    assert!(doc.set(&profile("dev"), "region", "us-east-1"));
    assert_eq!(
        doc.render(),
        "[profile dev]\nregion = us-east-1 # pick one\n"
    );
}

#[test]
fn set_edits_the_line_that_provides_the_effective_value() {
    let text = "[profile dev]\nregion = a\n[profile other]\n[profile dev]\nregion = b\n";
    let mut doc = config(text);
    assert!(doc.set(&profile("dev"), "region", "c"));
    assert_eq!(
        doc.render(),
        "[profile dev]\nregion = a\n[profile other]\n[profile dev]\nregion = c\n"
    );
}

#[test]
fn set_in_default_prefers_profile_default() {
    let text = "[default]\nregion = a\n\n[profile default]\noutput = json\n";
    let mut doc = config(text);
    assert!(doc.set(&profile("default"), "region", "b"));
    assert_eq!(
        doc.render(),
        "[default]\nregion = a\n\n[profile default]\noutput = json\nregion = b\n"
    );
    assert_eq!(
        doc.section(&profile("default")).unwrap().get("region"),
        Some("b")
    );
}

#[test]
fn set_creates_a_section_after_a_blank_line() {
    let mut doc = config(CONFIG);
    assert!(doc.set(&profile("new"), "region", "ap-south-1"));
    assert_eq!(
        doc.render(),
        format!("{CONFIG}\n[profile new]\nregion = ap-south-1\n")
    );

    let mut doc = config("[default]\nregion = x");
    assert!(doc.set(&profile("new"), "region", "y"));
    assert_eq!(
        doc.render(),
        "[default]\nregion = x\n\n[profile new]\nregion = y\n"
    );

    let mut doc = config("[default]\r\nregion = x\r\n\r\n");
    assert!(doc.set(&SectionKey::SsoSession("corp".into()), "sso_region", "y"));
    assert_eq!(
        doc.render(),
        "[default]\r\nregion = x\r\n\r\n[sso-session corp]\r\nsso_region = y\r\n"
    );
}

#[test]
fn set_creates_a_first_section_in_an_empty_file() {
    let mut doc = config("");
    assert!(doc.set(&profile("default"), "region", "us-east-1"));
    assert_eq!(doc.render(), "[default]\nregion = us-east-1\n");

    let mut doc = credentials("\u{feff}");
    assert!(doc.set(&profile("dev"), "aws_access_key_id", "AKIAIOSFODNN7EXAMPLE"));
    assert_eq!(
        doc.render(),
        "\u{feff}[dev]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
    );
}

#[test]
fn set_into_an_empty_section_goes_right_after_its_header() {
    let mut doc = config("[profile dev] # empty\n\n[profile other]\nk = v");
    assert!(doc.set(&profile("dev"), "region", "x"));
    assert_eq!(
        doc.render(),
        "[profile dev] # empty\nregion = x\n\n[profile other]\nk = v"
    );
}

#[test]
fn set_after_a_last_line_without_newline_keeps_the_file_unterminated() {
    let mut doc = config("[profile dev]\nk = v");
    assert!(doc.set(&profile("dev"), "region", "x"));
    assert_eq!(doc.render(), "[profile dev]\nk = v\nregion = x");
}

#[test]
fn try_set_refuses_what_would_not_read_back() {
    let mut doc = config(CONFIG);
    for value in ["a\nb", " lead", "trail ", "a # b", "a ;b", "#x", "a\rb"] {
        let err = doc.try_set(&profile("dev"), "k", value).unwrap_err();
        assert!(matches!(err, EditError::InvalidValue { .. }), "{value:?}");
        assert!(!err.to_string().contains(value), "{err}");
    }
    assert!(matches!(
        doc.try_set(&profile("bad name"), "k", "v"),
        Err(EditError::InvalidName {
            what: "profile",
            ..
        })
    ));
    assert!(matches!(
        doc.try_set(&profile("dev"), "bad key", "v"),
        Err(EditError::InvalidName {
            what: "property",
            ..
        })
    ));
    let mut creds = credentials("");
    assert!(matches!(
        creds.try_set(&SectionKey::SsoSession("corp".into()), "k", "v"),
        Err(EditError::WrongFile { .. })
    ));
    assert_eq!(doc.render(), CONFIG);
    assert_eq!(
        doc.try_set(&profile("dev"), "k", "a#b;c").map(|_| doc
            .section(&profile("dev"))
            .unwrap()
            .get("k")
            .map(str::to_owned)),
        Ok(Some("a#b;c".to_owned()))
    );
}

#[test]
#[should_panic(expected = "invalid profile file edit")]
fn set_panics_on_a_value_that_would_not_read_back() {
    config("").set(&profile("dev"), "k", "a\nb");
}

#[test]
fn remove_deletes_every_definition_and_its_continuations() {
    let text = "[profile dev]\nregion = a\n# note\ns3 =\n  x = 1\n# between\n  y = 2\nREGION = b\n[profile other]\nregion = c\n[profile dev]\nregion = d\n";
    let mut doc = config(text);
    assert!(doc.remove(&profile("dev"), "region"));
    assert_eq!(
        doc.render(),
        "[profile dev]\n# note\ns3 =\n  x = 1\n# between\n  y = 2\n[profile other]\nregion = c\n[profile dev]\n"
    );
    assert!(doc.remove(&profile("dev"), "s3"));
    assert_eq!(
        doc.render(),
        "[profile dev]\n# note\n# between\n[profile other]\nregion = c\n[profile dev]\n"
    );
    assert!(!doc.remove(&profile("dev"), "s3"));
    assert!(!doc.remove(&profile("missing"), "region"));
}

#[test]
fn remove_keeps_crlf_and_the_missing_final_newline() {
    let mut doc = credentials("[dev]\r\na = 1\r\nb = 2");
    assert!(doc.remove(&profile("dev"), "b"));
    assert_eq!(doc.render(), "[dev]\r\na = 1\r\n");
    let mut doc = credentials("[dev]\r\na = 1\r\nb = 2");
    assert!(doc.remove(&profile("dev"), "a"));
    assert_eq!(doc.render(), "[dev]\r\nb = 2");
}

#[test]
fn remove_section_removes_every_occurrence_and_its_inner_lines() {
    let text = "# top\n[profile a]\nk = 1\n# about b\n\n[profile b]\nk = 2\n\n[profile a]\nk = 3\n";
    let mut doc = config(text);
    assert!(doc.remove_section(&profile("a")));
    assert_eq!(doc.render(), "# top\n[profile b]\nk = 2\n\n");
    assert!(!doc.remove_section(&profile("a")));
}

#[test]
fn remove_section_default_removes_both_spellings_and_keeps_the_bom() {
    let mut doc = config("\u{feff}[default]\nk = 1\n[profile default]\nk = 2\n[profile x]\n");
    assert!(doc.remove_section(&profile("default")));
    assert_eq!(doc.render(), "\u{feff}[profile x]\n");
}

#[test]
fn credentials_sections_are_plain_names() {
    let mut doc = credentials("[profile dev]\nk = ignored\n");
    assert!(doc.section(&profile("dev")).is_none());
    assert!(doc.set(&profile("dev"), "k", "v"));
    assert_eq!(doc.render(), "[profile dev]\nk = ignored\n\n[dev]\nk = v\n");
    assert_eq!(doc.profile_names(), vec!["dev".to_owned()]);
}

#[test]
fn profile_names_are_valid_deduplicated_and_in_order() {
    let doc = config(
        "[profile b]\n[default]\n[profile a]\n[profile b]\n[profile in valid]\n[c]\n[sso-session s]\n[profile default]\n",
    );
    assert_eq!(doc.profile_names(), vec!["b", "default", "a"]);
}

#[test]
fn sub_properties_are_readable() {
    let doc = config(CONFIG);
    let dev = doc.section(&profile("dev")).unwrap();
    assert_eq!(
        dev.sub_property("s3", "max_concurrent_requests"),
        Some("10")
    );
    assert_eq!(dev.sub_property("s3", "missing"), None);
    assert_eq!(dev.sub_property("output", "json"), None);
    assert_eq!(
        dev.properties().map(|(k, _)| k).collect::<Vec<_>>(),
        vec!["region", "output", "s3"]
    );
    assert!(!dev.is_empty());
}

/// Moving keys out section by section: a comment that sat in `[b]`'s body above its keys
/// ends up directly above `[c]` once those keys are gone. Dropping `[c]` when it is left
/// bare must not take that comment with it (the INI editor's `remove_section` would, as
/// the block is `[c]`'s by position); `remove_bare_section` keeps it.
#[test]
fn dropping_a_bare_section_keeps_the_comment_above_it() {
    let text = "#\n[a]\n[b]\n; other\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
                [c]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\n";
    let mut doc = credentials(text);
    let b = SectionKey::Profile("b".into());
    let c = SectionKey::Profile("c".into());
    assert!(doc.remove(&b, "aws_access_key_id"));
    assert!(doc.remove(&c, "aws_access_key_id"));
    assert!(doc.remove_bare_section(&c));
    assert_eq!(doc.to_string(), "#\n[a]\n[b]\n; other\n");
    // The same edit through remove_section loses the comment: that is why the bare
    // variant exists.
    let mut doc = credentials(text);
    doc.remove(&b, "aws_access_key_id");
    doc.remove(&c, "aws_access_key_id");
    doc.remove_section(&c);
    assert_eq!(doc.to_string(), "#\n[a]\n[b]\n");
}
