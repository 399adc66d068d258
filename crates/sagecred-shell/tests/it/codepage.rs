//! PowerShell and cmd code stays what it says when the console's code page is not UTF-8.
//!
//! Windows consoles often run in a legacy code page (Windows-1252, or OEM 437/850), and
//! PowerShell decodes a program's output with it, cmd's `for /f` too. The UTF-8 bytes of a
//! non-ASCII character can then turn into other characters, some of them quotes: `Ò` is C3 92,
//! and 0x92 is `’` (U+2019) in Windows-1252, which ends a PowerShell verbatim string. And
//! Windows' "best fit" conversions map look-alikes such as the fullwidth apostrophe U+FF07 to
//! `'` when text passes through a legacy code page. So the PowerShell output is ASCII alone
//! (non-ASCII characters become `[char]0xXXXX` codes outside any string) and cmd refuses
//! non-ASCII values. These tests decode the output as those code pages would and evaluate it
//! with a model of PowerShell's string grammar.

use proptest::prelude::*;
use sagecred_shell::{EnvChange, Shell, check_cmd, quote_powershell, render};

/// Windows-1252's 0x80..=0x9F; the rest of its upper half is Latin-1 (U+00A0..=U+00FF).
/// Unassigned bytes map to the C1 control of the same number, as Windows' decoder does.
const CP1252_80_9F: [char; 32] = [
    '\u{20AC}', '\u{81}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{8D}', '\u{017D}', '\u{8F}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{9D}', '\u{017E}', '\u{0178}',
];

/// Decodes bytes as Windows-1252.
fn decode_cp1252(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => CP1252_80_9F[usize::from(b - 0x80)],
            b => char::from(b),
        })
        .collect()
}

/// PowerShell's single-quote-characters (the language specification).
const PS_SINGLE_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// Evaluates the right-hand side of `$env:NAME = ...` as PowerShell would, for the forms
/// sagecred writes: a verbatim string, or a parenthesised `+` chain of verbatim strings and
/// `[char]0xXXXX` codes. Returns `None` for anything else, including text after the
/// expression (which PowerShell would run as further code).
fn eval_powershell(expr: &str) -> Option<String> {
    let mut chars = expr.chars().peekable();
    let mut units: Vec<u16> = Vec::new();
    let verbatim = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, units: &mut Vec<u16>| {
        if !chars.next().is_some_and(|c| PS_SINGLE_QUOTES.contains(&c)) {
            return false;
        }
        loop {
            match chars.next() {
                None => return false,
                Some(c) if PS_SINGLE_QUOTES.contains(&c) => {
                    match chars.next_if(|d| PS_SINGLE_QUOTES.contains(d)) {
                        // A pair of quote characters stands for the second.
                        Some(second) => units.extend(second.encode_utf16(&mut [0; 2]).iter()),
                        None => return true,
                    }
                }
                Some(c) => units.extend(c.encode_utf16(&mut [0; 2]).iter()),
            }
        }
    };
    if chars.next_if_eq(&'(').is_none() {
        if !verbatim(&mut chars, &mut units) || chars.next().is_some() {
            return None;
        }
        return String::from_utf16(&units).ok();
    }
    loop {
        if chars.peek().is_some_and(|c| PS_SINGLE_QUOTES.contains(c)) {
            if !verbatim(&mut chars, &mut units) {
                return None;
            }
        } else {
            for expected in "[char]0x".chars() {
                if chars.next() != Some(expected) {
                    return None;
                }
            }
            let hex: String = chars.by_ref().take(4).collect();
            if hex.len() != 4 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            units.push(u16::from_str_radix(&hex, 16).ok()?);
        }
        match chars.next() {
            Some(')') if chars.next().is_none() => return String::from_utf16(&units).ok(),
            Some(' ') => {
                for expected in "+ ".chars() {
                    if chars.next() != Some(expected) {
                        return None;
                    }
                }
            }
            _ => return None,
        }
    }
}

/// The right-hand side of the one `$env:` line `render` writes for `value`.
fn powershell_rhs(value: &str) -> String {
    let code = render(Shell::PowerShell, &[EnvChange::Set("AWS_PROFILE", value)]).unwrap();
    code.strip_prefix("$env:AWS_PROFILE = ")
        .and_then(|rest| rest.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("unexpected line: {code:?}"))
        .to_owned()
}

#[test]
fn raw_utf8_would_break_out_of_a_verbatim_string_in_cp1252() {
    // Why the output must be ASCII: the verbatim string a UTF-8 console would have been
    // given, read in Windows-1252, ends early and runs `calc`.
    let value = "\u{D2}'; calc; #";
    let naive = format!("'{}'", value.replace('\'', "''"));
    let seen = decode_cp1252(naive.as_bytes());
    assert_eq!(seen, "'\u{C3}\u{2019}''; calc; #'");
    assert_eq!(
        eval_powershell(&seen),
        None,
        "the decoded line does not stay a string"
    );

    // What sagecred writes instead is ASCII and evaluates to the value in any code page.
    let rhs = powershell_rhs(value);
    assert_eq!(rhs, "('' + [char]0x00D2 + '''; calc; #')");
    assert!(rhs.is_ascii());
    assert_eq!(
        eval_powershell(&decode_cp1252(rhs.as_bytes())).as_deref(),
        Some(value)
    );
}

#[test]
fn best_fit_look_alikes_are_codes_not_quotes() {
    // Fullwidth apostrophe and quotation mark, prime, and the typographic quotes: each is
    // written as its code, never as a character a conversion could turn into a quote.
    for (value, rhs) in [
        ("\u{FF07}", "('' + [char]0xFF07)"),
        ("\u{FF02}", "('' + [char]0xFF02)"),
        ("\u{2032}", "('' + [char]0x2032)"),
        ("a\u{2019}b", "('a' + [char]0x2019 + 'b')"),
        (
            "\u{201C}x\u{201D}",
            "('' + [char]0x201C + 'x' + [char]0x201D)",
        ),
    ] {
        assert_eq!(powershell_rhs(value), rhs, "{value:?}");
        assert_eq!(eval_powershell(rhs).as_deref(), Some(value));
    }
    // cmd has no way to write a character code: it refuses them.
    for value in ["\u{FF07}", "\u{FF02}", "\u{D2}", "\u{2019}"] {
        let error = check_cmd(value).unwrap_err().to_string();
        assert!(error.contains("non-ascii"), "{error}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Every value PowerShell output accepts is written in ASCII, reads the same in
    /// Windows-1252 as in UTF-8, and evaluates back to exactly the value.
    #[test]
    fn powershell_output_is_ascii_and_evaluates_back(value in any::<String>()) {
        match quote_powershell(&value) {
            Ok(rhs) => {
                prop_assert!(rhs.is_ascii(), "{}", rhs);
                prop_assert_eq!(decode_cp1252(rhs.as_bytes()), rhs.to_string());
                prop_assert_eq!(eval_powershell(&rhs), Some(value.clone()), "{}", rhs);
            }
            Err(_) => prop_assert!(value.chars().any(char::is_control), "{:?}", value),
        }
    }

    /// cmd output never holds a byte a code page could read differently.
    #[test]
    fn cmd_output_is_ascii(value in any::<String>()) {
        if let Ok(line) = render(Shell::Cmd, &[EnvChange::Set("AWS_PROFILE", &value)]) {
            prop_assert!(line.is_ascii(), "{:?}", line);
        }
    }
}
