//! Command lines from [`argv::join`] against the reader that matters most: botocore's own
//! `compat_shell_split`, which boto3, the AWS CLI and the SageMaker Python SDK use to split a
//! `credential_process` line, with `win32` rules on Windows and `shlex` elsewhere.
//!
//! botocore must be importable by `python3` (`cargo xtask test` installs boto3); the tests
//! fail rather than pass untested when it is not.

use std::io::Write;
use std::process::{Command, Stdio};

use proptest::prelude::*;
use sagecred_shell::argv::{self, Rules};

/// Splits each line with botocore for `platform` in one Python process, and returns the
/// argument vectors in order (or `None` where botocore raised).
fn botocore_split(platform: &str, lines: &[String]) -> Vec<Option<Vec<String>>> {
    const SCRIPT: &str = r#"
import json, sys
from botocore.compat import compat_shell_split
out = []
for line in json.load(sys.stdin)["lines"]:
    try:
        out.append(compat_shell_split(line, sys.argv[1]))
    except ValueError:
        out.append(None)
json.dump(out, sys.stdout)
"#;
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT, platform])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 must be installed");
    let input = serde_json_lines(lines);
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "botocore's splitter did not run (is boto3 installed? `cargo xtask test` installs it): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    parse_json_lists(&String::from_utf8(output.stdout).unwrap())
}

/// `{"lines": [...]}` with each line as a JSON string (no serde_json dependency needed).
fn serde_json_lines(lines: &[String]) -> String {
    let mut s = String::from("{\"lines\": [");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&json_string(line));
    }
    s.push_str("]}");
    s
}

fn json_string(value: &str) -> String {
    let mut s = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => s.push_str(&format!("\\u{:04x}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Parses Python's `json.dump` of a list whose items are lists of strings or `null`.
/// `json.dump` escapes every non-ASCII character as `\uXXXX`, with surrogate pairs.
fn parse_json_lists(text: &str) -> Vec<Option<Vec<String>>> {
    let mut chars = text.chars().peekable();
    let mut out = Vec::new();
    let expect = |c: char, chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        assert_eq!(
            chars.next(),
            Some(c),
            "unexpected json from botocore: {text}"
        );
    };
    expect('[', &mut chars);
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ',').is_some() {}
        match chars.peek() {
            Some(']') => break,
            Some('n') => {
                for c in "null".chars() {
                    assert_eq!(chars.next(), Some(c));
                }
                out.push(None);
            }
            Some('[') => {
                chars.next();
                let mut list = Vec::new();
                loop {
                    while chars.next_if(|c| c.is_whitespace() || *c == ',').is_some() {}
                    if chars.next_if_eq(&']').is_some() {
                        break;
                    }
                    list.push(parse_string(&mut chars));
                }
                out.push(Some(list));
            }
            other => panic!("unexpected json from botocore at {other:?}: {text}"),
        }
    }
    out
}

fn parse_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    assert_eq!(chars.next(), Some('"'));
    let mut units: Vec<u16> = Vec::new();
    loop {
        match chars.next().expect("unterminated json string") {
            '"' => break,
            '\\' => match chars.next().unwrap() {
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    units.push(u16::from_str_radix(&hex, 16).unwrap());
                }
                'n' => units.push(u16::from(b'\n')),
                't' => units.push(u16::from(b'\t')),
                'r' => units.push(u16::from(b'\r')),
                'b' => units.push(8),
                'f' => units.push(12),
                c => units.extend(c.encode_utf16(&mut [0; 2]).iter()),
            },
            c => units.extend(c.encode_utf16(&mut [0; 2]).iter()),
        }
    }
    String::from_utf16(&units).unwrap()
}

fn platform(rules: Rules) -> &'static str {
    match rules {
        Rules::Windows => "win32",
        Rules::Posix => "linux2",
    }
}

/// Programs a user may have sagecred installed as, with the rules they are legal under.
const PROGRAMS: &[(Rules, &str)] = &[
    (Rules::Windows, r"C:\Users\dev\.cargo\bin\sagecred.exe"),
    (Rules::Windows, r"C:\Users\Jane Doe\.cargo\bin\sagecred.exe"),
    (
        Rules::Windows,
        r"C:\Program Files (x86)\sagecred\sagecred.exe",
    ),
    (Rules::Windows, r"D:\it's\tools\sagecred.exe"),
    (Rules::Windows, r"E:\a&b;c=d,e^f\sagecred.exe"),
    (Rules::Windows, r"\\server\share\bin\sagecred.exe"),
    (Rules::Windows, r"Z:\tmp\näme\sagecred.exe"),
    (Rules::Posix, "/usr/local/bin/sagecred"),
    (Rules::Posix, "/home/jane doe/.cargo/bin/sagecred"),
    (Rules::Posix, "/opt/it's/sagecred"),
    (Rules::Posix, r#"/opt/say "hi"/sagecred"#),
    (Rules::Posix, r"/opt/back\slash/$HOME/`x`/sagecred"),
    (Rules::Posix, "/opt/~tilde/=eq/!bang/*glob?/sagecred"),
    (Rules::Posix, "/opt/näme/sagecred"),
];

#[test]
fn botocore_reads_the_program_and_arguments_back() {
    for rules in [Rules::Windows, Rules::Posix] {
        let cases: Vec<Vec<&str>> = PROGRAMS
            .iter()
            .filter(|(r, _)| *r == rules)
            .flat_map(|(_, program)| {
                [
                    vec![*program, "credential-process", "--profile", "dev"],
                    vec![
                        *program,
                        "credential-process",
                        "--profile",
                        "team/a@b:c+d.e_f-g",
                        "--store",
                        "keyutils",
                    ],
                ]
            })
            .collect();
        let lines: Vec<String> = cases
            .iter()
            .map(|args| argv::join(rules, args).unwrap())
            .collect();
        let split = botocore_split(platform(rules), &lines);
        for ((args, line), got) in cases.iter().zip(&lines).zip(split) {
            let got = got.unwrap_or_else(|| panic!("botocore refused {line}"));
            assert_eq!(got[0], args[0], "argv[0] of {line}");
            assert_eq!(&got, args, "{line}");
            // Our own reader agrees with botocore's.
            assert_eq!(argv::split(rules, line).unwrap(), got, "{line}");
        }
    }
}

#[test]
fn a_posix_quoted_windows_path_is_what_windows_readers_get_wrong() {
    // The line sagecred wrote before it knew Windows rules: botocore on win32 keeps the
    // single quotes as part of the program's name.
    let old = r"'\\?\Z:\tools\sagecred.exe' credential-process --profile win".to_owned();
    let got = botocore_split("win32", &[old]).remove(0).unwrap();
    assert_eq!(got[0], r"'\\?\Z:\tools\sagecred.exe'");
}

/// Arguments of any printable characters, blanks and quotes included.
fn argument() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::char::range('!', '~'),
            1 => prop::sample::select(vec![' ', '\\', '"', '\'', 'é', '\u{2019}', '€']),
        ],
        0..12,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// Whatever join accepts, botocore and our own reader split back exactly; what it refuses
/// holds a character the rules cannot carry.
///
/// Python starts in about 0.2 s, so rather than one start per case, 256 generated argument
/// vectors are joined first and botocore splits them all in one run per platform.
#[test]
fn join_round_trips_through_botocore() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let strategy = (argument(), prop::collection::vec(argument(), 0..6));
    let mut runner = TestRunner::default();
    let batch: Vec<Vec<String>> = (0..256)
        .map(|_| {
            let (program, rest) = strategy.new_tree(&mut runner).unwrap().current();
            let mut args = vec![format!("C:\\x\\{program}")];
            args.extend(rest);
            args
        })
        .collect();
    for rules in [Rules::Windows, Rules::Posix] {
        let mut joined = Vec::new();
        for args in &batch {
            match argv::join(rules, args) {
                Ok(line) => joined.push((args, line)),
                Err(error) => {
                    assert_eq!(rules, Rules::Windows, "posix refused {args:?}: {error}");
                    let refused = args.iter().any(|a| a.contains('"') || a.contains('%'))
                        || args[0].ends_with('\\');
                    assert!(refused, "{args:?}: {error}");
                }
            }
        }
        assert!(joined.len() > 64, "too few lines were accepted to test");
        let lines: Vec<String> = joined.iter().map(|(_, line)| line.clone()).collect();
        let split = botocore_split(platform(rules), &lines);
        for ((args, line), got) in joined.iter().zip(split) {
            assert_eq!(got.as_ref(), Some(*args), "botocore, {line}");
            assert_eq!(&argv::split(rules, line).unwrap(), *args, "ours, {line}");
        }
    }
}
