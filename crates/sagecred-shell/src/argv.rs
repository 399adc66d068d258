//! Command lines: joining an argument vector into one line and splitting a line back, with
//! the rules of the platform that will read it.
//!
//! The `credential_process` setting of `~/.aws/config` is one line of text that every AWS SDK
//! turns back into a program and its arguments, each with its platform's rules:
//!
//! * elsewhere than Windows the line goes to `sh -c` (the Rust, Go, Java and JavaScript SDKs)
//!   or to Python's `shlex.split` (botocore, so boto3 and the AWS CLI);
//! * on Windows it goes to `cmd.exe /C` (most SDKs) or to botocore's own splitter, which
//!   follows the rules of `CommandLineToArgvW` and the C runtime. Single quotes mean nothing
//!   there, so a POSIX-quoted path is read as a different program.
//!
//! [`join`] writes a line that all of those readers split into exactly the given arguments,
//! and refuses (with an [`ArgvError`]) what none of its forms could carry. [`split`] is the
//! reader's side, used to check lines, and the tests hold the two against each other.
//!
//! ```
//! use sagecred_shell::argv::{Rules, join, split};
//!
//! let args = ["C:\\Program Files\\sagecred\\sagecred.exe", "credential-process"];
//! let line = join(Rules::Windows, &args)?;
//! assert_eq!(line, r#""C:\Program Files\sagecred\sagecred.exe" credential-process"#);
//! assert_eq!(split(Rules::Windows, &line)?, args);
//!
//! let line = join(Rules::Posix, &["/opt/my tools/sagecred", "credential-process"])?;
//! assert_eq!(line, "'/opt/my tools/sagecred' credential-process");
//! # Ok::<(), sagecred_shell::argv::ArgvError>(())
//! ```

use std::borrow::Cow;

/// The rules a command line is read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rules {
    /// A POSIX shell's word splitting and quoting (`sh -c`), which Python's `shlex.split`
    /// follows for the quotes [`join`] writes.
    Posix,
    /// Windows: `CommandLineToArgvW` and the C runtime's argument parsing, as botocore's
    /// splitter and every Windows program read a command line, written so that `cmd.exe /C`
    /// passes it through unchanged.
    Windows,
}

impl Rules {
    /// The rules of the platform this was compiled for.
    pub fn native() -> Rules {
        if cfg!(windows) {
            Rules::Windows
        } else {
            Rules::Posix
        }
    }
}

/// An argument vector that cannot be written as one command line, or a line that cannot be
/// split.
///
/// Messages say which argument and which character, but never repeat the argument.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArgvError {
    /// There is no program to run.
    #[error("a command line needs at least a program")]
    Empty,
    /// An argument holds a character that the rules cannot carry.
    #[error("argument {index} of the command line contains {found}, which {why}")]
    Unrepresentable {
        /// The argument's position; 0 is the program.
        index: usize,
        /// The character, described: "a newline", "`\"`".
        found: String,
        /// Why it cannot be written.
        why: &'static str,
    },
    /// A line ends inside a quoted part.
    #[error("the command line has an unclosed {quote} quote")]
    Unclosed {
        /// "single" or "double".
        quote: &'static str,
    },
    /// A POSIX line ends with a backslash that escapes nothing.
    #[error("the command line ends with a lone backslash")]
    TrailingBackslash,
}

/// Joins `args` into one command line that `rules`' readers split back into exactly `args`.
///
/// Posix: a word made only of `[A-Za-z0-9_@%+:,./-]` is written as it is; anything else is
/// wrapped in single quotes, each `'` inside becoming `'\''`. `~` and `=` are quoted because
/// shells expand them at the start of a word.
///
/// Windows: an argument is wrapped in double quotes when it is empty or holds a space, a tab
/// or one of cmd's operators and separators (`&|<>^(),;=`); inside the quotes, backslashes
/// before the closing quote are doubled, as `CommandLineToArgvW` expects. The program (the
/// first argument) is read by Windows with a rule of its own, without backslash escapes, so a
/// quoted program must not end with a backslash.
///
/// # Errors
///
/// - [`ArgvError::Empty`] when `args` is empty.
/// - [`ArgvError::Unrepresentable`] for a control character anywhere (a command line is
///   one line of text), and on Windows for `"` (cmd's quote tracking cannot take an escaped
///   quote, and no Windows file name holds one), `%` (cmd expands `%NAME%` even inside
///   quotes), and a program that needs quotes but ends with a backslash.
pub fn join<S: AsRef<str>>(rules: Rules, args: &[S]) -> Result<String, ArgvError> {
    if args.is_empty() {
        return Err(ArgvError::Empty);
    }
    let mut line = String::new();
    for (index, arg) in args.iter().enumerate() {
        let arg = arg.as_ref();
        if index > 0 {
            line.push(' ');
        }
        let word = match rules {
            Rules::Posix => posix_word(index, arg)?,
            Rules::Windows => windows_word(index, arg)?,
        };
        line.push_str(&word);
    }
    Ok(line)
}

/// Splits a command line into its arguments, as `rules`' readers do.
///
/// Posix follows `shlex.split` (botocore's reader, which is what `sh` does for lines without
/// expansions): blanks separate words, single quotes keep everything literally, inside double
/// quotes a backslash escapes only `"` and `\`, and outside quotes a backslash escapes any
/// character. Nothing is expanded.
///
/// Windows follows `CommandLineToArgvW`: the program runs to the first blank, or from an
/// opening `"` to the next `"`, with backslashes literal; the other arguments are split at
/// spaces and tabs outside quotes, `"` toggles quoting, and a run of backslashes before a `"`
/// stands for half as many backslashes, the quote being literal when the run is odd.
///
/// # Errors
///
/// [`ArgvError::Unclosed`] for a quote that is never closed (botocore refuses those on both
/// platforms), and [`ArgvError::TrailingBackslash`] for a POSIX line ending in a lone `\`.
pub fn split(rules: Rules, line: &str) -> Result<Vec<String>, ArgvError> {
    match rules {
        Rules::Posix => split_posix(line),
        Rules::Windows => split_windows(line),
    }
}

/// Removes the `\\?\` prefix that `std::fs::canonicalize` puts before a Windows path, when the
/// path means the same without it: `\\?\C:\x` becomes `C:\x` and `\\?\UNC\server\share\x`
/// becomes `\\server\share\x`. Any other path is returned as it is.
///
/// Users should see the path they know, and SDKs that hand the line to `cmd.exe` cannot run a
/// verbatim path. A verbatim path whose plain form would read differently (one with a `/`,
/// or a component `.` or `..`) keeps its prefix.
///
/// ```
/// use sagecred_shell::argv::strip_verbatim;
///
/// assert_eq!(strip_verbatim(r"\\?\Z:\tools\sagecred.exe"), r"Z:\tools\sagecred.exe");
/// assert_eq!(strip_verbatim(r"\\?\UNC\host\share\s.exe"), r"\\host\share\s.exe");
/// assert_eq!(strip_verbatim("/usr/bin/sagecred"), "/usr/bin/sagecred");
/// ```
pub fn strip_verbatim(path: &str) -> Cow<'_, str> {
    let Some(rest) = path.strip_prefix(r"\\?\") else {
        return Cow::Borrowed(path);
    };
    let plain_is_same = |p: &str| {
        !p.contains('/')
            && p.split('\\')
                .skip(1)
                .all(|component| component != "." && component != "..")
    };
    if let Some(unc) = rest.strip_prefix(r"UNC\") {
        if plain_is_same(unc) {
            return Cow::Owned(format!(r"\\{unc}"));
        }
        return Cow::Borrowed(path);
    }
    let bytes = rest.as_bytes();
    let drive_absolute =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && &bytes[1..3] == b":\\";
    if drive_absolute && plain_is_same(rest) {
        Cow::Borrowed(rest)
    } else {
        Cow::Borrowed(path)
    }
}

/// Describes a character for a message.
fn describe(c: char) -> String {
    match c {
        '\n' => "a newline".to_owned(),
        '\r' => "a carriage return".to_owned(),
        '\0' => "a nul character".to_owned(),
        c if c.is_control() => format!("a control character (U+{:04X})", u32::from(c)),
        c => format!("`{c}`"),
    }
}

fn refuse(index: usize, c: char, why: &'static str) -> ArgvError {
    ArgvError::Unrepresentable {
        index,
        found: describe(c),
        why,
    }
}

fn refuse_controls(index: usize, arg: &str) -> Result<(), ArgvError> {
    match arg.chars().find(|c| c.is_control()) {
        Some(c) => Err(refuse(index, c, "a one-line command line cannot carry")),
        None => Ok(()),
    }
}

fn is_posix_bare(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '@' | '%' | '+' | ':' | ',' | '.' | '/' | '-')
}

fn posix_word(index: usize, arg: &str) -> Result<Cow<'_, str>, ArgvError> {
    refuse_controls(index, arg)?;
    if !arg.is_empty() && arg.chars().all(is_posix_bare) {
        return Ok(Cow::Borrowed(arg));
    }
    let mut word = String::with_capacity(arg.len() + 2);
    word.push('\'');
    for c in arg.chars() {
        if c == '\'' {
            word.push_str(r"'\''");
        } else {
            word.push(c);
        }
    }
    word.push('\'');
    Ok(Cow::Owned(word))
}

/// Characters that make a Windows argument need quotes: blanks for `CommandLineToArgvW`, and
/// the characters cmd treats as operators or separators outside quotes.
fn windows_needs_quotes(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '&' | '|' | '<' | '>' | '^' | '(' | ')' | ',' | ';' | '='
    )
}

fn windows_word(index: usize, arg: &str) -> Result<Cow<'_, str>, ArgvError> {
    refuse_controls(index, arg)?;
    if arg.contains('"') {
        return Err(refuse(
            index,
            '"',
            "cmd.exe cannot read inside a Windows command line",
        ));
    }
    if arg.contains('%') {
        return Err(refuse(
            index,
            '%',
            "cmd.exe would expand as %NAME% in a Windows command line",
        ));
    }
    if !arg.is_empty() && !arg.chars().any(windows_needs_quotes) {
        return Ok(Cow::Borrowed(arg));
    }
    let trailing = arg.len() - arg.trim_end_matches('\\').len();
    if index == 0 && trailing > 0 {
        return Err(refuse(
            index,
            '\\',
            "cannot end a quoted program in a Windows command line",
        ));
    }
    let mut word = String::with_capacity(arg.len() + trailing + 2);
    word.push('"');
    word.push_str(arg);
    // Backslashes before the closing quote would escape it: double them.
    word.extend(std::iter::repeat_n('\\', trailing));
    word.push('"');
    Ok(Cow::Owned(word))
}

fn split_posix(line: &str) -> Result<Vec<String>, ArgvError> {
    let mut args = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if in_word {
                    args.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(ArgvError::Unclosed { quote: "single" }),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(ArgvError::Unclosed { quote: "double" }),
                        },
                        Some(c) => word.push(c),
                        None => return Err(ArgvError::Unclosed { quote: "double" }),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => word.push(c),
                    None => return Err(ArgvError::TrailingBackslash),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        args.push(word);
    }
    Ok(args)
}

fn split_windows(line: &str) -> Result<Vec<String>, ArgvError> {
    let mut chars = line.chars().peekable();
    let mut args = Vec::new();
    // The program: no escapes; quotes only group.
    while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
    if chars.peek().is_none() {
        return Ok(args);
    }
    let mut program = String::new();
    if chars.next_if_eq(&'"').is_some() {
        loop {
            match chars.next() {
                Some('"') => break,
                Some(c) => program.push(c),
                None => return Err(ArgvError::Unclosed { quote: "double" }),
            }
        }
    }
    while let Some(c) = chars.next_if(|c| *c != ' ' && *c != '\t') {
        program.push(c);
    }
    args.push(program);

    // The arguments: the C runtime's rules.
    let mut word = String::new();
    let mut in_word = false;
    let mut quoted = false;
    let mut backslashes = 0usize;
    for c in chars {
        match c {
            '\\' => {
                backslashes += 1;
                in_word = true;
            }
            '"' => {
                word.extend(std::iter::repeat_n('\\', backslashes / 2));
                let escaped = backslashes % 2 == 1;
                backslashes = 0;
                in_word = true;
                if escaped {
                    word.push('"');
                } else {
                    quoted = !quoted;
                }
            }
            ' ' | '\t' if !quoted => {
                word.extend(std::iter::repeat_n('\\', backslashes));
                backslashes = 0;
                if in_word {
                    args.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.extend(std::iter::repeat_n('\\', backslashes));
                backslashes = 0;
                in_word = true;
                word.push(c);
            }
        }
    }
    if quoted {
        return Err(ArgvError::Unclosed { quote: "double" });
    }
    word.extend(std::iter::repeat_n('\\', backslashes));
    if in_word {
        args.push(word);
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_leaves_plain_words_and_quotes_the_rest() {
        assert_eq!(
            join(Rules::Posix, &["/usr/bin/sagecred", "--profile", "a/b@c"]).unwrap(),
            "/usr/bin/sagecred --profile a/b@c"
        );
        assert_eq!(
            join(Rules::Posix, &["/opt/it's here/s", "", "~", "=x", "$HOME"]).unwrap(),
            r"'/opt/it'\''s here/s' '' '~' '=x' '$HOME'"
        );
    }

    #[test]
    fn windows_quotes_blanks_and_cmd_operators_only() {
        assert_eq!(
            join(
                Rules::Windows,
                &[r"C:\tools\sagecred.exe", "--profile", "dev"]
            )
            .unwrap(),
            r"C:\tools\sagecred.exe --profile dev"
        );
        assert_eq!(
            join(
                Rules::Windows,
                &[r"C:\Program Files (x86)\s.exe", "a&b", "", r"dir with\"]
            )
            .unwrap(),
            r#""C:\Program Files (x86)\s.exe" "a&b" "" "dir with\\""#
        );
    }

    #[test]
    fn windows_refuses_what_cmd_cannot_carry() {
        for (args, found) in [
            (vec![r"C:\a\s.exe", "say \"hi\""], "`\"`"),
            (vec![r"C:\a%PATH%\s.exe"], "`%`"),
            (vec![r"C:\dir with space\"], r"`\`"),
            (vec![r"C:\s.exe", "two\nlines"], "a newline"),
        ] {
            let error = join(Rules::Windows, &args).unwrap_err();
            assert!(error.to_string().contains(found), "{error}");
        }
        // A program without blanks keeps its trailing backslash: no quote follows it.
        assert_eq!(join(Rules::Windows, &[r"C:\x\"]).unwrap(), r"C:\x\");
    }

    #[test]
    fn errors_do_not_repeat_the_argument() {
        let error = join(Rules::Posix, &["s", "secret\u{1b}value"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "argument 1 of the command line contains a control character (U+001B), \
             which a one-line command line cannot carry"
        );
        assert_eq!(
            join::<&str>(Rules::Posix, &[]).unwrap_err(),
            ArgvError::Empty
        );
    }

    #[test]
    fn windows_program_rule_has_no_escapes() {
        assert_eq!(
            split(Rules::Windows, r#""C:\a b\"x y"#).unwrap(),
            [r"C:\a b\x", "y"]
        );
        assert_eq!(
            split(Rules::Windows, r#"s.exe a\\\"b "c d" e\\"f g" h\i"#).unwrap(),
            ["s.exe", r#"a\"b"#, "c d", r"e\f g", r"h\i"]
        );
        assert_eq!(split(Rules::Windows, "  ").unwrap(), Vec::<String>::new());
        assert_eq!(
            split(Rules::Windows, r#"s "open"#).unwrap_err(),
            ArgvError::Unclosed { quote: "double" }
        );
    }

    #[test]
    fn posix_split_follows_shlex() {
        assert_eq!(
            split(Rules::Posix, r#" a 'b c' "d\"e\$f" g\ h '' "#).unwrap(),
            ["a", "b c", r#"d"e\$f"#, "g h", ""]
        );
        assert_eq!(
            split(Rules::Posix, "'x").unwrap_err(),
            ArgvError::Unclosed { quote: "single" }
        );
        assert_eq!(
            split(Rules::Posix, r"x\").unwrap_err(),
            ArgvError::TrailingBackslash
        );
    }

    #[test]
    fn verbatim_prefix_is_stripped_only_when_harmless() {
        assert_eq!(strip_verbatim(r"\\?\C:\a\b.exe"), r"C:\a\b.exe");
        assert_eq!(strip_verbatim(r"\\?\UNC\h\s\b.exe"), r"\\h\s\b.exe");
        for kept in [
            r"\\?\C:\a\..\b.exe",
            r"\\?\C:\a/b",
            r"\\?\Volume{x}\b",
            r"\\?\C:",
        ] {
            assert_eq!(strip_verbatim(kept), kept);
        }
        assert!(matches!(strip_verbatim(r"C:\x"), Cow::Borrowed(_)));
    }
}
