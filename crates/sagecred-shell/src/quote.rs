//! Escapers: one per shell, each turning a value into a word the shell reads back exactly.
//!
//! Every escaper refuses control characters (Unicode category Cc: U+0000 to U+001F, U+007F
//! and U+0080 to U+009F). A newline would break the one-line-per-variable layout that cmd's
//! `for /f` depends on and that keeps the output easy to audit; a NUL cannot be in an
//! environment variable at all; and the others (escape, carriage return, backspace) can make
//! a terminal show something other than what the shell runs.

use std::borrow::Cow;

use crate::{QuoteError, Shell};

/// Quotes `value` as one word for a POSIX shell (sh, bash, zsh, dash, ksh).
///
/// A non-empty value made only of `[A-Za-z0-9_@%+:,./-]` is returned as it is
/// ([`Cow::Borrowed`]). Anything else is wrapped in single quotes, inside which a POSIX shell
/// expands nothing, and each embedded `'` becomes `'\''` (close the quotes, an escaped quote,
/// reopen them). Non-ASCII characters other than controls are fine inside single quotes.
///
/// `=` is left out of the unquoted set, unlike many shell quoting tables, because zsh performs
/// `=command` expansion in an assignment's value at its start and after each `:`, so that
/// `export X=a:=ls` sets `a:/usr/bin/ls`. `~` is left out for the same reason in every shell.
///
/// ```
/// use sagecred_shell::quote_posix;
///
/// assert_eq!(quote_posix("us-east-1")?, "us-east-1");
/// assert_eq!(quote_posix("it's $HOME")?, r"'it'\''s $HOME'");
/// assert!(quote_posix("two\nlines").is_err());
/// # Ok::<(), sagecred_shell::QuoteError>(())
/// ```
///
/// # Errors
///
/// [`QuoteError::Unsafe`] when the value holds a control character.
pub fn quote_posix(value: &str) -> Result<Cow<'_, str>, QuoteError> {
    refuse_controls(Shell::Posix, value)?;
    if !value.is_empty() && value.chars().all(is_posix_bare) {
        return Ok(Cow::Borrowed(value));
    }
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for c in value.chars() {
        if c == '\'' {
            quoted.push_str(r"'\''");
        } else {
            quoted.push(c);
        }
    }
    quoted.push('\'');
    Ok(Cow::Owned(quoted))
}

/// Quotes `value` as one word for fish.
///
/// A non-empty value made only of `[A-Za-z0-9_@+=:,./-]` is returned as it is
/// ([`Cow::Borrowed`]). Anything else is wrapped in single quotes, inside which fish knows
/// exactly two escapes, `\\` and `\'`, so each `\` and each `'` gets a backslash before it.
/// `%` is left out of the unquoted set, because fish before 3.0 expanded a leading `%` as a
/// process id.
///
/// ```
/// use sagecred_shell::quote_fish;
///
/// assert_eq!(quote_fish("us-east-1")?, "us-east-1");
/// assert_eq!(quote_fish(r"it's C:\temp")?, r"'it\'s C:\\temp'");
/// # Ok::<(), sagecred_shell::QuoteError>(())
/// ```
///
/// # Errors
///
/// [`QuoteError::Unsafe`] when the value holds a control character.
pub fn quote_fish(value: &str) -> Result<Cow<'_, str>, QuoteError> {
    refuse_controls(Shell::Fish, value)?;
    if !value.is_empty() && value.chars().all(is_fish_bare) {
        return Ok(Cow::Borrowed(value));
    }
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for c in value.chars() {
        if c == '\\' || c == '\'' {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('\'');
    Ok(Cow::Owned(quoted))
}

/// The characters PowerShell reads as a single quote.
///
/// The PowerShell language specification (`single-quote-character`, among string literals) names
/// the apostrophe U+0027 and the typographic quotes U+2018, U+2019, U+201A and U+201B. Any of
/// them ends a verbatim string, so each must be escaped, not only `'`.
pub(crate) const POWERSHELL_SINGLE_QUOTES: [char; 5] =
    ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// Quotes `value` as a PowerShell expression that evaluates to exactly `value`, written in
/// ASCII alone.
///
/// The value goes into a verbatim (single-quoted) string, inside which nothing is expanded:
/// `$`, `` ` `` and `"` are literal. The only special characters are the single-quote
/// characters (see the language specification, "verbatim-string-literal"), and a pair of them
/// stands for the second one, so each `'` is doubled. Unlike the other escapers this always
/// quotes and so always returns [`Cow::Owned`]: on the right of `$env:NAME =` PowerShell
/// parses in expression mode, where a bare word would be run as a command.
///
/// Non-ASCII characters never appear in the output. PowerShell decodes what a program prints
/// with the console's code page (`[Console]::OutputEncoding`), which is often not UTF-8: in
/// Windows-1252 the UTF-8 bytes of `Ò` (C3 92) read as `Ã’`, and `’` (U+2019) ends a
/// verbatim string, so a value could break out of its quotes and run code. So each non-ASCII
/// character is written as its UTF-16 code units, `[char]0xXXXX`, and the pieces are joined
/// with `+` inside parentheses, starting with a string so that `+` concatenates. The output
/// reads the same in every code page that keeps ASCII.
///
/// ```
/// use sagecred_shell::quote_powershell;
///
/// assert_eq!(quote_powershell("dev")?, "'dev'");
/// assert_eq!(quote_powershell("it's $HOME")?, "'it''s $HOME'");
/// assert_eq!(quote_powershell("it\u{2019}s")?, "('it' + [char]0x2019 + 's')");
/// assert_eq!(quote_powershell("\u{e9}")?, "('' + [char]0x00E9)");
/// # Ok::<(), sagecred_shell::QuoteError>(())
/// ```
///
/// # Errors
///
/// [`QuoteError::Unsafe`] when the value holds a control character.
pub fn quote_powershell(value: &str) -> Result<Cow<'_, str>, QuoteError> {
    refuse_controls(Shell::PowerShell, value)?;
    if value.is_ascii() {
        return Ok(Cow::Owned(powershell_verbatim(value)));
    }
    let mut parts: Vec<String> = Vec::new();
    let mut run_start = None;
    for (at, c) in value.char_indices() {
        if c.is_ascii() {
            run_start.get_or_insert(at);
            continue;
        }
        if let Some(start) = run_start.take() {
            parts.push(powershell_verbatim(&value[start..at]));
        }
        for unit in c.encode_utf16(&mut [0; 2]) {
            parts.push(format!("[char]0x{unit:04X}"));
        }
    }
    if let Some(start) = run_start {
        parts.push(powershell_verbatim(&value[start..]));
    }
    if !parts[0].starts_with('\'') {
        // `[char] + [char]` would add numbers; a string on the left makes `+` concatenate.
        parts.insert(0, "''".to_owned());
    }
    Ok(Cow::Owned(format!("({})", parts.join(" + "))))
}

/// `text` in a verbatim string, each single-quote character doubled.
fn powershell_verbatim(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('\'');
    for c in text.chars() {
        if POWERSHELL_SINGLE_QUOTES.contains(&c) {
            quoted.push(c);
        }
        quoted.push(c);
    }
    quoted.push('\'');
    quoted
}

/// Checks that `value` can follow `set NAME=` in cmd unchanged, and returns it.
///
/// cmd has no quoting that survives every context: `^` escapes are consumed once per parse,
/// `"` changes how the rest of the line parses, and `%NAME%` (or `!NAME!` with delayed
/// expansion) is expanded even inside quotes. So sagecred writes `set NAME=value` without
/// quotes and lets through only values that no cmd context interprets. `set "NAME=value"`
/// would not help, since it protects from neither `%` nor `!`. Refused are `%`, `!`, `"`,
/// `^`, `&`, `|`, `<`, `>`, `(`, `)`, control characters (the newline among them), and
/// non-ASCII characters, because `for /f` decodes command output in the console's code page,
/// which may turn them into other characters.
///
/// An empty value passes, but `set NAME=` removes the variable: cmd cannot hold an empty one.
///
/// ```
/// use sagecred_shell::check_cmd;
///
/// assert_eq!(check_cmd("us-east-1")?, "us-east-1");
/// assert!(check_cmd("100%").is_err());
/// # Ok::<(), sagecred_shell::QuoteError>(())
/// ```
///
/// # Errors
///
/// [`QuoteError::Unsafe`] naming the first refused character.
pub fn check_cmd(value: &str) -> Result<&str, QuoteError> {
    refuse_controls(Shell::Cmd, value)?;
    match value
        .chars()
        .find_map(|c| cmd_refusal(c).map(|reason| (c, reason)))
    {
        Some((c, reason)) => Err(QuoteError::unsafe_char(Shell::Cmd, c, reason)),
        None => Ok(value),
    }
}

/// Why cmd cannot carry `c`, or `None` when it can.
fn cmd_refusal(c: char) -> Option<&'static str> {
    match c {
        '%' => Some("in a value safely: it expands %NAME% everywhere on the line"),
        '!' => Some("in a value safely: it expands !NAME! when delayed expansion is on"),
        '"' => Some("in a value safely: a quote changes how it parses the rest of the line"),
        '^' | '&' | '|' | '<' | '>' | '(' | ')' => {
            Some("in a value safely: it is one of cmd's operators or its escape character")
        }
        c if !c.is_ascii() => {
            Some("in a value safely: `for /f` reads command output in the console code page")
        }
        _ => None,
    }
}

/// Refuses the first control character of `value`, if any.
fn refuse_controls(shell: Shell, value: &str) -> Result<(), QuoteError> {
    match value.chars().find(|c| c.is_control()) {
        Some(c) => {
            let reason = if c == '\n' { "on one line" } else { "safely" };
            Err(QuoteError::unsafe_char(shell, c, reason))
        }
        None => Ok(()),
    }
}

/// Characters that a POSIX shell never treats specially in an assignment's value.
fn is_posix_bare(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '@' | '%' | '+' | ':' | ',' | '.' | '/' | '-')
}

/// Characters that fish never treats specially in an argument.
fn is_fish_bare(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '@' | '+' | '=' | ':' | ',' | '.' | '/' | '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether a result borrowed its input, as the API promises for values needing no quotes.
    fn borrowed(result: Result<Cow<'_, str>, QuoteError>) -> bool {
        matches!(result, Ok(Cow::Borrowed(_)))
    }

    #[test]
    fn plain_values_are_borrowed() {
        for value in [
            "dev",
            "us-east-1",
            "AKIAIOSFODNN7EXAMPLE",
            "a/b+c@d%e:f,g.h_i",
        ] {
            assert!(borrowed(quote_posix(value)), "{value}");
        }
        for value in ["dev", "us-east-1", "a/b+c@d=e:f,g.h_i"] {
            assert!(borrowed(quote_fish(value)), "{value}");
        }
    }

    #[test]
    fn empty_values_are_quoted() {
        assert_eq!(quote_posix("").as_deref(), Ok("''"));
        assert_eq!(quote_fish("").as_deref(), Ok("''"));
        assert_eq!(quote_powershell("").as_deref(), Ok("''"));
        assert_eq!(check_cmd(""), Ok(""));
    }

    #[test]
    fn posix_quotes_equals_and_tilde_for_zsh() {
        assert_eq!(quote_posix("=ls").as_deref(), Ok("'=ls'"));
        assert_eq!(quote_posix("a:=ls").as_deref(), Ok("'a:=ls'"));
        assert_eq!(quote_posix("~").as_deref(), Ok("'~'"));
    }

    #[test]
    fn posix_escapes_single_quotes() {
        assert_eq!(quote_posix("'").as_deref(), Ok(r"''\'''"));
        assert_eq!(quote_posix(r"\'$x").as_deref(), Ok(r"'\'\''$x'"));
    }

    #[test]
    fn fish_escapes_backslash_and_quote_only() {
        assert_eq!(quote_fish(r"a\b'c$d").as_deref(), Ok(r"'a\\b\'c$d'"));
        assert_eq!(quote_fish("%self").as_deref(), Ok("'%self'"));
    }

    #[test]
    fn powershell_never_prints_a_typographic_quote() {
        // The four typographic single quotes would end a verbatim string: they are written
        // as character codes, outside any string.
        for quote in &POWERSHELL_SINGLE_QUOTES[1..] {
            let value = format!("a{quote}b");
            let quoted = quote_powershell(&value).unwrap();
            assert_eq!(
                quoted,
                format!("('a' + [char]0x{:04X} + 'b')", u32::from(*quote))
            );
        }
        assert_eq!(
            quote_powershell("\u{201C}\u{201D}").as_deref(),
            Ok("('' + [char]0x201C + [char]0x201D)")
        );
        // Outside the basic plane: a surrogate pair, then an ASCII quote, doubled.
        assert_eq!(
            quote_powershell("\u{1F980}'").as_deref(),
            Ok("('' + [char]0xD83E + [char]0xDD80 + '''')")
        );
    }

    #[test]
    fn every_escaper_refuses_every_control_character() {
        let controls = (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32);
        for c in controls {
            let value = format!("a{c}b");
            assert!(quote_posix(&value).is_err(), "{c:?}");
            assert!(quote_fish(&value).is_err(), "{c:?}");
            assert!(quote_powershell(&value).is_err(), "{c:?}");
            assert!(check_cmd(&value).is_err(), "{c:?}");
        }
    }

    #[test]
    fn cmd_refuses_its_special_characters_and_non_ascii() {
        for c in [
            '%', '!', '"', '^', '&', '|', '<', '>', '(', ')', 'é', '\u{2019}',
        ] {
            let error = check_cmd(&format!("a{c}b")).unwrap_err();
            let message = error.to_string();
            assert!(
                message.starts_with("the value contains ")
                    && message.contains("which cmd cannot carry"),
                "{message}"
            );
        }
    }

    #[test]
    fn cmd_passes_everything_else_printable() {
        let value: String = (' '..='~').filter(|c| cmd_refusal(*c).is_none()).collect();
        assert_eq!(check_cmd(&value), Ok(value.as_str()));
    }

    #[test]
    fn newline_reason_is_about_one_line() {
        let error = quote_fish("a\nb").unwrap_err();
        assert_eq!(
            error.to_string(),
            "the value contains a newline, which fish cannot carry on one line"
        );
        let error = quote_powershell("a\u{1b}[31m").unwrap_err();
        assert_eq!(
            error.to_string(),
            "the value contains a control character (U+001B), which powershell cannot carry safely"
        );
    }
}
