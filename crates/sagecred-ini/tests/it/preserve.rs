//! Parsing then rendering is the identity, whatever the file looks like.

use sagecred_ini::{Document, FileKind};

const TRICKY: &[&str] = &[
    "",
    "\n",
    "\r\n",
    "[default]",
    "[default]\nregion = us-east-1",
    "[default]\r\nregion = us-east-1\r\n",
    "[default]\r\nregion = us-east-1\noutput = json\r\n",
    "\u{feff}[default]\nregion = us-east-1\n",
    "\u{feff}",
    "# only a comment",
    "; semicolon\n\n\n",
    "[profile dev]\nregion\t=\tus-east-1\t\n \t continued\t\n",
    "[profile dev]   # trailing\nregion=us-east-1;not-a-comment\n",
    "[profile dev]\ns3 =\n    max_concurrent_requests = 10\n\n    multipart_threshold = 8MB\n",
    "[profile dev]\nk = v\n  continued\n  # kept inside\n",
    "[unprefixed]\nk = v\n[profile in valid]\nx = 1\n[weird prefix dev]\n",
    "[profile dev]\nin valid = v\nUPPER = V\nunknown_key = 1\n",
    "[profile dev]\nnote = caf\u{e9} \u{1F600}\n\n\n\n",
    "[profile dev]\nk = v   \n   \n\t\n",
    "[profile dev]\nk = v\r",
];

#[test]
fn parse_then_render_is_identity() {
    for text in TRICKY {
        for kind in [FileKind::Config, FileKind::Credentials] {
            let doc =
                Document::parse(text, kind).unwrap_or_else(|e| panic!("{text:?} as {kind:?}: {e}"));
            assert_eq!(&doc.render(), text, "{kind:?}");
            assert_eq!(&doc.to_string(), text, "{kind:?}");
            assert_eq!(doc.as_str(), *text);
            assert_eq!(doc.kind(), kind);
        }
    }
}

#[test]
fn debug_output_shows_no_contents() {
    let text = "[dev]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
    let doc = Document::parse(text, FileKind::Credentials).unwrap();
    let debug = format!("{doc:?}");
    assert!(!debug.contains("wJalr"), "{debug}");
    let section = doc
        .section(&sagecred_ini::SectionKey::Profile("dev".into()))
        .unwrap();
    let debug = format!("{section:?}");
    assert!(!debug.contains("wJalr"), "{debug}");
    assert!(debug.contains("** redacted **"), "{debug}");
}
