//! Printing to the terminal: data to stdout as text or JSON, notes to stderr. Write errors
//! surface as [`CliError`], so a closed pipe ends the command quietly with exit 0.
//!
//! Values printed here come from the AWS files, the environment and AWS responses, and any
//! of them may hold control characters (`region = us-east-1\e]0;X\a` retitles a terminal,
//! other sequences rewrite the screen or the clipboard). So text never reaches a terminal
//! raw: [`escape`] is the one place that decides what is shown escaped, and every text
//! renderer, table cell, note and error message goes through it. What consumers parse is
//! printed exactly: shell code (which `sagecred-shell` refuses to build from such values),
//! the `credential_process` JSON, and `--output json`, whose string escapes carry every
//! value unchanged.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;

use crate::error::CliError;

/// The most characters a table cell shows in text output; longer values end in `…`.
/// `--output json` always carries the whole value.
pub(crate) const MAX_CELL_CHARS: usize = 96;

/// Whether `c` must not reach a terminal as it is: the C0 controls (ESC, BEL, CR, ...),
/// DEL, the C1 controls (U+0080 to U+009F; U+009B starts a sequence on some terminals),
/// and the Unicode bidirectional overrides and isolates, which reorder what is shown.
pub(crate) fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Writes `c` escaped: `\x1b` for ASCII controls, `\u{9b}` beyond ASCII.
fn push_escaped(out: &mut String, c: char) {
    if c.is_ascii() {
        let _ = write!(out, "\\x{:02x}", c as u32);
    } else {
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    }
}

/// `value` with every character that [`is_unsafe_char`] escaped, so that it shows on one
/// line and cannot drive the terminal. Borrows when there is nothing to escape.
pub(crate) fn escape(value: &str) -> Cow<'_, str> {
    escape_keeping(value, |_| false)
}

/// Like [`escape`], but keeps the newlines and tabs that lay out multi-line text.
fn escape_text(text: &str) -> Cow<'_, str> {
    escape_keeping(text, |c| c == '\n' || c == '\t')
}

fn escape_keeping(value: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| is_unsafe_char(c) && !keep(c);
    let Some(first) = value.find(unsafe_char) else {
        return Cow::Borrowed(value);
    };
    let mut out = String::with_capacity(value.len() + 8);
    out.push_str(&value[..first]);
    for c in value[first..].chars() {
        if unsafe_char(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `value` escaped and cut to at most `max` characters, the last of them `…` when it was
/// cut. Reads only as much of `value` as it shows, so a 10 MB value costs no more than a
/// short one.
pub(crate) fn cell(value: &str, max: usize) -> String {
    let mut out = String::new();
    let mut shown = 0;
    for c in value.chars() {
        let before = out.len();
        if is_unsafe_char(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
        // Escapes are ASCII, so their length in bytes is their length in characters.
        shown += if is_unsafe_char(c) {
            out.len() - before
        } else {
            1
        };
        if shown > max {
            // Cut back to `max - 1` characters and mark the cut.
            let keep: usize = out
                .char_indices()
                .nth(max.saturating_sub(1))
                .map_or(out.len(), |(i, _)| i);
            out.truncate(keep);
            out.push('…');
            return out;
        }
    }
    out
}

/// Writes `text` to stdout in one go, with control characters escaped (newlines and tabs
/// kept): the way every text renderer prints.
pub(crate) fn print(text: &str) -> Result<(), CliError> {
    print_exact(&escape_text(text))
}

/// Writes `text` to stdout byte for byte: only for what a program parses (shell code,
/// the `credential_process` JSON, completion scripts, man pages).
pub(crate) fn print_exact(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Writes `value` to stdout as pretty JSON followed by a newline. Strings stay exact; DEL,
/// the C1 controls and the bidirectional controls, which JSON may carry raw, are written
/// as `\u` escapes so that the text is safe on a terminal and parses to the same values.
pub(crate) fn print_json(value: &serde_json::Value) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::internal(format!("encoding JSON: {e}")))?;
    let mut text = json_terminal_safe(text);
    text.push('\n');
    print_exact(&text)
}

/// Rewrites raw unsafe characters of a JSON text as `\uXXXX`. Outside strings JSON holds
/// only ASCII punctuation, digits, letters and whitespace, which are never rewritten, so
/// only string contents change, and only in spelling.
fn json_terminal_safe(text: String) -> String {
    if !text.contains(|c: char| is_unsafe_char(c) && !c.is_ascii_whitespace()) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe_char(c) && !c.is_ascii_whitespace() {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Writes one line to stderr with every control character escaped: for notes and
/// warnings that name values from the AWS files or the environment.
pub(crate) fn note(line: &str) {
    let mut err = std::io::stderr().lock();
    // A closed stderr leaves nobody to tell.
    let _ = writeln!(err, "{}", escape(line));
}

/// Writes multi-line text to stderr as it is laid out, with control characters escaped
/// (newlines and tabs kept): for plans, reports and menus shown beside a prompt.
pub(crate) fn eprint_text(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(escape_text(text).as_bytes());
    let _ = err.flush();
}

/// Asks a question on stderr and reads one line of answer from stdin, trimmed. Prompts go
/// to stderr so that stdout keeps only data.
pub(crate) fn ask(prompt: &str) -> Result<String, CliError> {
    use std::io::BufRead;
    let mut err = std::io::stderr().lock();
    err.write_all(escape(prompt).as_bytes())?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::user(format!("reading the terminal: {e}")))?;
    Ok(line.trim().to_owned())
}

/// Lays out rows as left-aligned columns separated by two spaces. Cells are escaped and
/// cut to [`MAX_CELL_CHARS`], so the table's size is bounded by its row count, whatever
/// the values. A row must have as many cells as there are headers.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            debug_assert_eq!(
                row.len(),
                header.len(),
                "a row's cells must match the headers"
            );
            row.iter().map(|c| cell(c, MAX_CELL_CHARS)).collect()
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.zip(&widths).enumerate() {
            if i > 0 {
                l.push_str("  ");
            }
            l.push_str(cell);
            l.extend(std::iter::repeat_n(' ', w - cell.chars().count()));
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for row in &rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let t = table(
            &["A", "BB"],
            &[vec!["xyz".into(), "1".into()], vec!["q".into(), "".into()]],
        );
        assert_eq!(t, "A    BB\nxyz  1\nq\n");
    }

    #[test]
    fn escape_shows_controls_and_keeps_the_rest() {
        assert_eq!(escape("us-east-1"), "us-east-1");
        assert!(matches!(escape("us-east-1"), Cow::Borrowed(_)));
        assert_eq!(
            escape("us-east-1\u{1b}]0;X\u{7}"),
            "us-east-1\\x1b]0;X\\x07"
        );
        assert_eq!(escape("a\nb\tc\rd\u{7f}"), "a\\x0ab\\x09c\\x0dd\\x7f");
        assert_eq!(escape("\u{9b}31m é ü"), "\\u{9b}31m é ü");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(escape_text("a\tb\nc\u{1b}"), "a\tb\nc\\x1b");
    }

    #[test]
    fn cells_are_bounded_and_escaped() {
        assert_eq!(cell("short", 10), "short");
        assert_eq!(cell("0123456789", 10), "0123456789");
        assert_eq!(cell("0123456789a", 10), "012345678…");
        assert_eq!(cell("ab\u{1b}cdef", 6), "ab\\x1…");
        let huge = "x".repeat(10 << 20);
        assert_eq!(cell(&huge, 8).chars().count(), 8);
        let t = table(&["H"], &[vec![huge]]);
        assert_eq!(t.lines().nth(1).unwrap().chars().count(), MAX_CELL_CHARS);
    }

    #[test]
    fn json_stays_exact_and_terminal_safe() {
        let value = serde_json::json!({ "r": "us-east-1\u{1b}]0;X\u{7}\u{9b}\u{7f}\u{202e}é" });
        let text = json_terminal_safe(serde_json::to_string_pretty(&value).unwrap());
        assert!(
            !text.chars().any(|c| is_unsafe_char(c) && c != '\n'),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }
}
