//! Property tests: an edit of one section leaves every byte outside it unchanged, and the
//! edited file reads back with the intended value.

use proptest::prelude::*;
use sagecred_ini::{Document, FileKind, SectionKey};

/// Header spellings the generator uses, with the section each one means in a config file.
const HEADERS: &[(&str, Option<(&str, &str)>)] = &[
    ("[profile a]", Some(("profile", "a"))),
    ("[profile  a ] # spaced", Some(("profile", "a"))),
    ("[profile b]", Some(("profile", "b"))),
    ("[default]", Some(("profile", "default"))),
    ("[profile default];x", Some(("profile", "default"))),
    ("[sso-session s]", Some(("sso", "s"))),
    ("[services x]", Some(("services", "x"))),
    ("[c]", None),
    ("[profile in valid]", None),
];

/// Sections an edit may target; `new` never appears in generated files.
const TARGETS: &[(&str, &str)] = &[
    ("profile", "a"),
    ("profile", "b"),
    ("profile", "default"),
    ("profile", "new"),
    ("sso", "s"),
    ("services", "x"),
];

fn key(target: (&str, &str)) -> SectionKey {
    match target.0 {
        "profile" => SectionKey::Profile(target.1.to_owned()),
        "sso" => SectionKey::SsoSession(target.1.to_owned()),
        _ => SectionKey::Services(target.1.to_owned()),
    }
}

/// The section a header line means, by the table above (and the header `set` writes).
fn meaning(header: &str) -> Option<(String, String)> {
    if header == "[profile new]" {
        return Some(("profile".into(), "new".into()));
    }
    HEADERS
        .iter()
        .find(|(h, _)| *h == header)
        .and_then(|(_, m)| m.map(|(a, b)| (a.to_owned(), b.to_owned())))
}

#[derive(Debug, Clone)]
enum Item {
    Property {
        name: String,
        value: String,
        comment: bool,
    },
    Continued {
        name: String,
        value: String,
    },
    Block {
        name: String,
    },
    Comment(&'static str),
    Blank(&'static str),
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("region".to_owned()),
        Just("Region".to_owned()),
        Just("output".to_owned()),
        Just("k1".to_owned()),
        Just("s3".to_owned()),
        Just("in valid".to_owned()),
    ]
}

fn filler() -> impl Strategy<Value = Item> {
    prop_oneof![
        prop_oneof![Just("# note"), Just("; other"), Just("#")].prop_map(Item::Comment),
        prop_oneof![Just(""), Just("  "), Just("\t")].prop_map(Item::Blank),
    ]
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        3 => (name(), "[a-z0-9]{0,6}", any::<bool>())
            .prop_map(|(name, value, comment)| Item::Property { name, value, comment }),
        1 => (name(), "[a-z0-9]{1,6}").prop_map(|(name, value)| Item::Continued { name, value }),
        1 => name().prop_map(|name| Item::Block { name }),
        2 => filler(),
    ]
}

#[derive(Debug, Clone)]
struct File {
    preamble: Vec<Item>,
    sections: Vec<(usize, Vec<Item>)>,
    crlf: bool,
    final_newline: bool,
}

fn file() -> impl Strategy<Value = File> {
    (
        prop::collection::vec(filler(), 0..3),
        prop::collection::vec(
            (0..HEADERS.len(), prop::collection::vec(item(), 0..6)),
            0..7,
        ),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(preamble, sections, crlf, final_newline)| File {
            preamble,
            sections,
            crlf,
            final_newline,
        })
}

fn render(file: &File) -> String {
    let mut lines: Vec<String> = Vec::new();
    let push_item = |lines: &mut Vec<String>, item: &Item| match item {
        Item::Property {
            name,
            value,
            comment,
        } => {
            let c = if *comment { " # c" } else { "" };
            lines.push(format!("{name} = {value}{c}"));
        }
        Item::Continued { name, value } => {
            lines.push(format!("{name}={value}"));
            lines.push("   more".to_owned());
        }
        Item::Block { name } => {
            lines.push(format!("{name} ="));
            lines.push("  max = 1".to_owned());
        }
        Item::Comment(c) => lines.push((*c).to_owned()),
        Item::Blank(b) => lines.push((*b).to_owned()),
    };
    for item in &file.preamble {
        push_item(&mut lines, item);
    }
    for (header, items) in &file.sections {
        lines.push(HEADERS[*header].0.to_owned());
        for item in items {
            push_item(&mut lines, item);
        }
    }
    let nl = if file.crlf { "\r\n" } else { "\n" };
    let mut text = lines.join(nl);
    if file.final_newline && !text.is_empty() {
        text.push_str(nl);
    }
    text
}

/// Splits a text into runs that each start at a header line (the first run is the
/// preamble), keeping every byte, each tagged with the section its header means.
fn runs(text: &str) -> Vec<(Option<(String, String)>, String)> {
    let mut out: Vec<(Option<(String, String)>, String)> = vec![(None, String::new())];
    for line in text.split_inclusive('\n') {
        if line.starts_with('[') {
            let header = line.trim_end_matches(['\r', '\n']);
            out.push((meaning(header), String::new()));
        }
        out.last_mut().unwrap().1.push_str(line);
    }
    out
}

#[derive(Debug, Clone)]
enum Edit {
    Set(String, String),
    Remove(String),
}

fn edit() -> impl Strategy<Value = Edit> {
    let name = prop_oneof![
        Just("region".to_owned()),
        Just("OUTPUT".to_owned()),
        Just("k2".to_owned()),
        Just("s3".to_owned()),
    ];
    prop_oneof![
        (name.clone(), "[a-z0-9][a-z0-9=#;-]{0,6}").prop_map(|(n, v)| Edit::Set(n, v)),
        name.prop_map(Edit::Remove),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_then_render_is_identity(file in file()) {
        let text = render(&file);
        let doc = Document::parse(&text, FileKind::Config).unwrap();
        prop_assert_eq!(doc.render(), text);
    }

    #[test]
    fn edits_change_only_their_section(file in file(), target in 0..TARGETS.len(), op in edit()) {
        let text = render(&file);
        let target = TARGETS[target];
        let key = key(target);
        let before = Document::parse(&text, FileKind::Config).unwrap();
        let mut doc = before.clone();
        let changed = match &op {
            Edit::Set(name, value) => doc.set(&key, name, value),
            Edit::Remove(name) => doc.remove(&key, name),
        };
        let after = doc.render();
        prop_assert_eq!(changed, after != text);

        // Every run that is not the edited section is unchanged, in the same order.
        let mine = Some((target.0.to_owned(), target.1.to_owned()));
        let had_section = runs(&text).iter().any(|(m, _)| *m == mine);
        let others = |t: &str| -> Vec<String> {
            runs(t).into_iter().filter(|(m, _)| *m != mine).map(|(_, r)| r).collect()
        };
        let (old, new) = (others(&text), others(&after));
        prop_assert_eq!(old.len(), new.len());
        for (i, (o, n)) in old.iter().zip(&new).enumerate() {
            if i + 1 == old.len() && !had_section {
                // A new section is appended after the last run, which may gain the
                // newlines that separate them.
                prop_assert!(n.starts_with(o.as_str()), "{:?} -> {:?}", o, n);
                prop_assert!(n[o.len()..].chars().all(|c| c == '\r' || c == '\n'));
            } else {
                prop_assert_eq!(o, n);
            }
        }

        // The edited file reads back with the intended effective value, and every
        // other section reads as before.
        let reparsed = Document::parse(&after, FileKind::Config).unwrap();
        match &op {
            Edit::Set(name, value) => {
                let section = reparsed.section(&key).unwrap();
                prop_assert_eq!(section.get(name), Some(value.as_str()));
            }
            Edit::Remove(name) => {
                prop_assert_eq!(reparsed.section(&key).and_then(|s| s.get(name).map(str::to_owned)), None);
            }
        }
        for other in TARGETS.iter().copied().filter(|t| *t != target) {
            prop_assert_eq!(before.section(&self::key(other)), reparsed.section(&self::key(other)));
        }
    }
}

/// Whether a line, without its terminator, is a section header, a comment, or a
/// continuation (indented and not blank), as the generated files spell them.
fn is_header(line: &str) -> bool {
    line.starts_with('[')
}

fn is_comment(line: &str) -> bool {
    line.starts_with(['#', ';'])
}

fn is_continuation(line: &str) -> bool {
    line.starts_with([' ', '\t']) && !line.trim().is_empty()
}

/// The file's lines with their terminators, and the same lines without them.
fn lines_of(text: &str) -> (Vec<&str>, Vec<&str>) {
    let raw: Vec<&str> = text.split_inclusive('\n').collect();
    let bare = raw
        .iter()
        .map(|l| l.trim_end_matches('\n').trim_end_matches('\r'))
        .collect();
    (raw, bare)
}

/// What `remove_section` must leave: every line but those the section owns, byte for
/// byte. A section owns its header, the comment lines directly above the header (unless
/// they are above the file's first header), and the lines below it up to the comment
/// lines directly above the next header.
fn without_section(text: &str, target: (&str, &str)) -> String {
    let (raw, bare) = lines_of(text);
    let mine = Some((target.0.to_owned(), target.1.to_owned()));
    let first_header = bare.iter().position(|l| is_header(l));
    let mut delete = vec![false; raw.len()];
    for h in (0..bare.len()).filter(|&i| is_header(bare[i]) && meaning(bare[i]) == mine) {
        let mut start = h;
        if Some(h) != first_header {
            while start > 0 && is_comment(bare[start - 1]) {
                start -= 1;
            }
        }
        let next = (h + 1..bare.len())
            .find(|&i| is_header(bare[i]))
            .unwrap_or(bare.len());
        let mut end = next;
        if next < bare.len() {
            while end > h + 1 && is_comment(bare[end - 1]) {
                end -= 1;
            }
        }
        for d in &mut delete[start..end] {
            *d = true;
        }
    }
    raw.iter()
        .zip(&delete)
        .filter(|(_, d)| !**d)
        .map(|(l, _)| *l)
        .collect()
}

/// What `remove(key, name)` must leave: every line but the `name` property lines of the
/// section's occurrences and their continuation lines, byte for byte.
fn without_property(text: &str, target: (&str, &str), name: &str) -> String {
    let (raw, bare) = lines_of(text);
    let mine = Some((target.0.to_owned(), target.1.to_owned()));
    let mut in_section = false;
    let mut removing = false;
    let mut kept = String::new();
    for (raw, line) in raw.iter().zip(&bare) {
        let delete = if is_header(line) {
            in_section = meaning(line) == mine;
            removing = false;
            false
        } else if !in_section || line.trim().is_empty() || is_comment(line) {
            false
        } else if is_continuation(line) {
            removing
        } else {
            let key = line.split('=').next().unwrap_or("").trim();
            removing = key.eq_ignore_ascii_case(name);
            removing
        };
        if !delete {
            kept.push_str(raw);
        }
    }
    kept
}

fn property_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("region".to_owned()),
        Just("OUTPUT".to_owned()),
        Just("k1".to_owned()),
        Just("s3".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn remove_section_keeps_every_byte_it_does_not_own(
        file in file(),
        target in 0..TARGETS.len(),
    ) {
        let text = render(&file);
        let target = TARGETS[target];
        let key = key(target);
        let before = Document::parse(&text, FileKind::Config).unwrap();
        let mut doc = before.clone();
        let changed = doc.remove_section(&key);
        let after = doc.render();
        prop_assert_eq!(&after, &without_section(&text, target));
        prop_assert_eq!(changed, after != text);

        let reparsed = Document::parse(&after, FileKind::Config).unwrap();
        prop_assert_eq!(reparsed.section(&key), None);
        for other in TARGETS.iter().copied().filter(|t| *t != target) {
            prop_assert_eq!(before.section(&self::key(other)), reparsed.section(&self::key(other)));
        }
    }

    #[test]
    fn remove_keeps_every_byte_but_the_property_lines(
        file in file(),
        target in 0..TARGETS.len(),
        name in property_name(),
    ) {
        let text = render(&file);
        let target = TARGETS[target];
        let key = key(target);
        let mut doc = Document::parse(&text, FileKind::Config).unwrap();
        let changed = doc.remove(&key, &name);
        let after = doc.render();
        prop_assert_eq!(&after, &without_property(&text, target, &name));
        prop_assert_eq!(changed, after != text);
    }
}

#[test]
fn remove_section_keeps_the_comment_of_the_next_section() {
    let text = "# the file\n[profile a]\nk = v\n\n# about dev\n[profile dev]\nregion = x\n\n# about b\n[profile b]\nk = w\n";
    let mut doc = Document::parse(text, FileKind::Config).unwrap();
    assert!(doc.remove_section(&SectionKey::Profile("dev".into())));
    assert_eq!(
        doc.render(),
        "# the file\n[profile a]\nk = v\n\n# about b\n[profile b]\nk = w\n"
    );
    // The first section's comment block is the file's, and stays.
    assert!(doc.remove_section(&SectionKey::Profile("a".into())));
    assert_eq!(doc.render(), "# the file\n# about b\n[profile b]\nk = w\n");
}
