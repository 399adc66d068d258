//! The error for names and values that cannot be written as shell code.

use std::fmt;

use crate::Shell;

/// A variable name or value that cannot be written safely as shell code.
///
/// Messages name the variable and describe the offending character, but never include the
/// value itself, because the value may be a secret such as `AWS_SECRET_ACCESS_KEY`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuoteError {
    /// The name is not of the portable form `[A-Za-z_][A-Za-z0-9_]*`.
    #[error(
        "invalid environment variable name {name:?}: a name is ascii letters, digits and `_`, \
         and does not start with a digit"
    )]
    BadName {
        /// The name as given.
        name: String,
    },
    /// The value holds a character that the shell cannot carry safely.
    #[error("the value{} contains {found}, which {} cannot carry {reason}", OfName(name), shell.phrase())]
    Unsafe {
        /// The shell the value was quoted for.
        shell: Shell,
        /// The variable whose value it is; `None` when an escaper was called directly,
        /// and filled in by [`render`](crate::render).
        name: Option<String>,
        /// The offending character, described: "a newline", "a control character (U+001B)",
        /// "`%`".
        found: String,
        /// The end of the sentence: why or how the shell cannot carry it, such as
        /// "on one line".
        reason: &'static str,
    },
}

impl QuoteError {
    /// Builds [`QuoteError::Unsafe`] for the character `c`, with no variable name yet.
    pub(crate) fn unsafe_char(shell: Shell, c: char, reason: &'static str) -> QuoteError {
        QuoteError::Unsafe {
            shell,
            name: None,
            found: describe(c),
            reason,
        }
    }

    /// Records which variable's value was refused, so that the message can name it.
    pub(crate) fn with_name(self, variable: &str) -> QuoteError {
        match self {
            QuoteError::Unsafe {
                shell,
                found,
                reason,
                ..
            } => QuoteError::Unsafe {
                shell,
                name: Some(variable.to_owned()),
                found,
                reason,
            },
            other => other,
        }
    }
}

/// Describes one character for a message without printing anything a terminal would act on.
fn describe(c: char) -> String {
    match c {
        '\n' => "a newline".to_owned(),
        '\r' => "a carriage return".to_owned(),
        '\t' => "a tab".to_owned(),
        '\0' => "a nul character".to_owned(),
        c if c.is_control() => format!("a control character (U+{:04X})", u32::from(c)),
        c if !c.is_ascii() => format!("a non-ascii character (U+{:04X})", u32::from(c)),
        c => format!("`{c}`"),
    }
}

/// Displays " of NAME" when the variable is known, and nothing otherwise.
struct OfName<'a>(&'a Option<String>);

impl fmt::Display for OfName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(name) => write!(f, " of {name}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_characters_without_emitting_them() {
        assert_eq!(describe('\n'), "a newline");
        assert_eq!(describe('\r'), "a carriage return");
        assert_eq!(describe('\t'), "a tab");
        assert_eq!(describe('\0'), "a nul character");
        assert_eq!(describe('\u{1b}'), "a control character (U+001B)");
        assert_eq!(describe('\u{7f}'), "a control character (U+007F)");
        assert_eq!(describe('\u{85}'), "a control character (U+0085)");
        assert_eq!(describe('é'), "a non-ascii character (U+00E9)");
        assert_eq!(describe('%'), "`%`");
    }

    #[test]
    fn messages_are_lower_case_sentences_without_a_period() {
        let unnamed = QuoteError::unsafe_char(Shell::Posix, '\n', "on one line");
        assert_eq!(
            unnamed.to_string(),
            "the value contains a newline, which a posix shell cannot carry on one line"
        );
        let named = unnamed.with_name("AWS_SECRET_ACCESS_KEY");
        assert_eq!(
            named.to_string(),
            "the value of AWS_SECRET_ACCESS_KEY contains a newline, \
             which a posix shell cannot carry on one line"
        );
        let bad = QuoteError::BadName {
            name: "A\nB".to_owned(),
        };
        assert_eq!(
            bad.to_string(),
            "invalid environment variable name \"A\\nB\": a name is ascii letters, digits and `_`, \
             and does not start with a digit"
        );
    }
}
