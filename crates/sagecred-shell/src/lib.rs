//! Shell code that sets and unsets environment variables, for `eval "$(sagecred env)"`.
//!
//! `sagecred env` runs at every shell start, so this crate is small and pure: no I/O, no
//! regex, no allocation beyond the output string. It has four parts:
//!
//! * [`Shell`], the four shell families sagecred writes code for, and [`render`], the one
//!   function that turns a list of [`EnvChange`]s into shell code, one line per change;
//! * the escapers [`quote_posix`], [`quote_fish`], [`quote_powershell`] and [`check_cmd`],
//!   each of which either returns a word that the shell reads back as exactly the given value
//!   or refuses the value with a [`QuoteError`];
//! * [`init_script`], the shell function behind `sagecred use PROFILE`;
//! * [`argv`], command lines joined and split with POSIX or Windows rules, for the
//!   `credential_process` line that every AWS SDK splits with its platform's rules.
//!
//! A value that cannot be carried safely is refused, never emitted. Control characters are
//! refused for every shell (they include the newline, and a variable must fit on one line), and
//! cmd, which has no quoting at all, refuses every character it would interpret. Error messages
//! name the variable and describe the offending character, but never repeat the value, since it
//! may be a secret.
//!
//! ```
//! use sagecred_shell::{EnvChange, Shell, render};
//!
//! let code = render(
//!     Shell::Posix,
//!     &[EnvChange::Unset("AWS_SESSION_TOKEN"), EnvChange::Set("AWS_PROFILE", "it's mine")],
//! )?;
//! assert_eq!(code, "unset AWS_SESSION_TOKEN\nexport AWS_PROFILE='it'\\''s mine'\n");
//! # Ok::<(), sagecred_shell::QuoteError>(())
//! ```
#![warn(missing_docs)]

pub mod argv;
mod error;
mod init;
mod quote;

use std::fmt;

pub use error::QuoteError;
pub use init::init_script;
pub use quote::{check_cmd, quote_fish, quote_posix, quote_powershell};

/// A family of shells that read the same code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// The POSIX family: sh, bash, zsh, dash and ksh.
    Posix,
    /// The fish shell.
    Fish,
    /// Windows PowerShell and PowerShell 7 (`pwsh`).
    PowerShell,
    /// The Windows command prompt, `cmd.exe`.
    Cmd,
}

impl Shell {
    /// Every shell family, in a fixed order.
    pub const ALL: [Shell; 4] = [Shell::Posix, Shell::Fish, Shell::PowerShell, Shell::Cmd];

    /// Finds the shell family for a shell's name, or `None` when the name is unknown.
    ///
    /// `bash`, `zsh`, `sh`, `dash`, `ksh` and `posix` are [`Shell::Posix`], `fish` is
    /// [`Shell::Fish`], `powershell` and `pwsh` are [`Shell::PowerShell`], and `cmd` is
    /// [`Shell::Cmd`]. The name may be a path such as `/usr/bin/zsh` or
    /// `C:\Windows\System32\cmd.exe` (only its last component counts), may end in `.exe`,
    /// may start with the `-` that marks a login shell's `$0`, and is matched without regard
    /// to ASCII case, because Windows spells `PowerShell.exe` and `CMD.EXE` either way.
    ///
    /// ```
    /// use sagecred_shell::Shell;
    ///
    /// assert_eq!(Shell::from_name("/usr/bin/zsh"), Some(Shell::Posix));
    /// assert_eq!(Shell::from_name("pwsh.exe"), Some(Shell::PowerShell));
    /// assert_eq!(Shell::from_name("tcsh"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Shell> {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let base = base.strip_prefix('-').unwrap_or(base);
        let base = match base.len().checked_sub(4) {
            // `get` rather than slicing, because byte `cut` may fall inside a multibyte char.
            Some(cut)
                if base
                    .get(cut..)
                    .is_some_and(|ext| ext.eq_ignore_ascii_case(".exe")) =>
            {
                &base[..cut]
            }
            _ => base,
        };
        let is = |candidate: &str| base.eq_ignore_ascii_case(candidate);
        if ["bash", "zsh", "sh", "dash", "ksh", "posix"]
            .into_iter()
            .any(is)
        {
            Some(Shell::Posix)
        } else if is("fish") {
            Some(Shell::Fish)
        } else if is("powershell") || is("pwsh") {
            Some(Shell::PowerShell)
        } else if is("cmd") {
            Some(Shell::Cmd)
        } else {
            None
        }
    }

    /// The shell to assume when none is named: PowerShell on Windows, POSIX elsewhere.
    pub fn platform_default() -> Shell {
        if cfg!(windows) {
            Shell::PowerShell
        } else {
            Shell::Posix
        }
    }

    /// The family's name: `posix`, `fish`, `powershell` or `cmd`.
    ///
    /// [`Shell::from_name`] accepts each of these, so the name round-trips, which lets the
    /// shell function of [`init_script`] pass it back to `sagecred use --shell`.
    pub fn as_str(self) -> &'static str {
        match self {
            Shell::Posix => "posix",
            Shell::Fish => "fish",
            Shell::PowerShell => "powershell",
            Shell::Cmd => "cmd",
        }
    }

    /// How error messages name the shell: "a posix shell", "fish", "powershell" or "cmd".
    fn phrase(self) -> &'static str {
        match self {
            Shell::Posix => "a posix shell",
            other => other.as_str(),
        }
    }
}

impl fmt::Display for Shell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change to the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvChange<'a> {
    /// Sets and exports the variable `.0` to the value `.1`.
    Set(&'a str, &'a str),
    /// Removes the variable `.0`.
    Unset(&'a str),
}

impl<'a> EnvChange<'a> {
    /// The name of the variable this change touches.
    pub fn name(&self) -> &'a str {
        match *self {
            EnvChange::Set(name, _) | EnvChange::Unset(name) => name,
        }
    }
}

/// Renders `changes` as code for `shell`: one line per change, each ending in `'\n'`.
///
/// The lines are, per shell:
///
/// | shell | set | unset |
/// |---|---|---|
/// | [`Shell::Posix`] | `export NAME=VALUE` | `unset NAME` |
/// | [`Shell::Fish`] | `set -gx NAME VALUE` | `set -e -g NAME` |
/// | [`Shell::PowerShell`] | `$env:NAME = VALUE` | `Remove-Item Env:NAME -ErrorAction SilentlyContinue` |
/// | [`Shell::Cmd`] | `set NAME=VALUE` | `set NAME=` |
///
/// where VALUE is the value as [`quote_posix`], [`quote_fish`], [`quote_powershell`] or
/// [`check_cmd`] returns it. Fish erases only the global variable (`-g`): a plain `set -e`
/// would erase a universal variable of the same name, for every fish session and for good.
/// (Erasing an absent variable sets fish's status to 4, and the `set` lines after it pass that
/// status on, so fish code that unsets may end with a non-zero status; the code still ran.)
/// Each line is a complete command on its own, because cmd's `for /f` runs output lines one
/// at a time. Nothing is returned unless every change renders.
///
/// On PowerShell and cmd an empty value removes the variable, as it does for any Windows
/// process that sets one; this is the shells' behaviour, not a choice made here.
///
/// # Errors
///
/// [`QuoteError::BadName`] when a name is not of the form `[A-Za-z_][A-Za-z0-9_]*`, and
/// [`QuoteError::Unsafe`], naming the variable, when a value cannot be carried safely.
pub fn render(shell: Shell, changes: &[EnvChange<'_>]) -> Result<String, QuoteError> {
    let mut out = String::with_capacity(changes.len() * 48);
    for change in changes {
        render_line(shell, change, &mut out)?;
    }
    Ok(out)
}

/// Appends the line for one change to `out`.
fn render_line(shell: Shell, change: &EnvChange<'_>, out: &mut String) -> Result<(), QuoteError> {
    let name = change.name();
    check_name(name)?;
    let named = |error: QuoteError| error.with_name(name);
    match (shell, change) {
        (Shell::Posix, EnvChange::Set(_, value)) => {
            push_line(
                out,
                &["export ", name, "=", &quote_posix(value).map_err(named)?],
            );
        }
        (Shell::Posix, EnvChange::Unset(_)) => push_line(out, &["unset ", name]),
        (Shell::Fish, EnvChange::Set(_, value)) => {
            push_line(
                out,
                &["set -gx ", name, " ", &quote_fish(value).map_err(named)?],
            );
        }
        (Shell::Fish, EnvChange::Unset(_)) => push_line(out, &["set -e -g ", name]),
        (Shell::PowerShell, EnvChange::Set(_, value)) => {
            push_line(
                out,
                &[
                    "$env:",
                    name,
                    " = ",
                    &quote_powershell(value).map_err(named)?,
                ],
            );
        }
        (Shell::PowerShell, EnvChange::Unset(_)) => push_line(
            out,
            &["Remove-Item Env:", name, " -ErrorAction SilentlyContinue"],
        ),
        (Shell::Cmd, EnvChange::Set(_, value)) => {
            push_line(out, &["set ", name, "=", check_cmd(value).map_err(named)?]);
        }
        (Shell::Cmd, EnvChange::Unset(_)) => push_line(out, &["set ", name, "="]),
    }
    Ok(())
}

/// Appends the parts of one line and its newline to `out`.
fn push_line(out: &mut String, parts: &[&str]) {
    for part in parts {
        out.push_str(part);
    }
    out.push('\n');
}

/// Accepts only portable environment variable names, `[A-Za-z_][A-Za-z0-9_]*`.
///
/// These are the names every supported shell can assign without quoting, so a name never
/// needs escaping and never reaches the shell as anything but a name.
fn check_name(name: &str) -> Result<(), QuoteError> {
    let mut bytes = name.bytes();
    let valid = bytes
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(QuoteError::BadName {
            name: name.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_name_knows_every_documented_name() {
        for name in ["bash", "zsh", "sh", "dash", "ksh", "posix"] {
            assert_eq!(Shell::from_name(name), Some(Shell::Posix), "{name}");
        }
        assert_eq!(Shell::from_name("fish"), Some(Shell::Fish));
        assert_eq!(Shell::from_name("powershell"), Some(Shell::PowerShell));
        assert_eq!(Shell::from_name("pwsh"), Some(Shell::PowerShell));
        assert_eq!(Shell::from_name("cmd"), Some(Shell::Cmd));
    }

    #[test]
    fn from_name_takes_paths_exe_login_dash_and_any_case() {
        assert_eq!(Shell::from_name("/usr/bin/zsh"), Some(Shell::Posix));
        assert_eq!(Shell::from_name("/bin/sh"), Some(Shell::Posix));
        assert_eq!(Shell::from_name("-bash"), Some(Shell::Posix));
        assert_eq!(
            Shell::from_name("/opt/homebrew/bin/fish"),
            Some(Shell::Fish)
        );
        assert_eq!(Shell::from_name("pwsh.exe"), Some(Shell::PowerShell));
        assert_eq!(
            Shell::from_name(r"C:\Windows\System32\WindowsPowerShell\v1.0\PowerShell.exe"),
            Some(Shell::PowerShell)
        );
        assert_eq!(
            Shell::from_name(r"C:\Windows\System32\CMD.EXE"),
            Some(Shell::Cmd)
        );
    }

    #[test]
    fn from_name_refuses_unknown_names() {
        for name in [
            "",
            "tcsh",
            "nu",
            "bash2",
            ".exe",
            "/usr/bin/",
            "fish.sh",
            "exe",
            "é.exe",
        ] {
            assert_eq!(Shell::from_name(name), None, "{name:?}");
        }
    }

    #[test]
    fn as_str_round_trips_through_from_name() {
        for shell in Shell::ALL {
            assert_eq!(Shell::from_name(shell.as_str()), Some(shell));
            assert_eq!(shell.to_string(), shell.as_str());
        }
    }

    #[test]
    fn platform_default_matches_the_target() {
        let expected = if cfg!(windows) {
            Shell::PowerShell
        } else {
            Shell::Posix
        };
        assert_eq!(Shell::platform_default(), expected);
    }

    #[test]
    fn names_must_be_portable() {
        for good in ["A", "_", "AWS_PROFILE", "a1", "_9"] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for bad in ["", "1A", "A-B", "A B", "A=B", "É", "A\n", "$A", "A;B"] {
            assert_eq!(
                check_name(bad),
                Err(QuoteError::BadName {
                    name: bad.to_owned()
                }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn render_writes_one_line_per_change_for_every_shell() {
        let changes = [
            EnvChange::Unset("AWS_SESSION_TOKEN"),
            EnvChange::Set("AWS_PROFILE", "dev"),
        ];
        let expected = [
            (
                Shell::Posix,
                "unset AWS_SESSION_TOKEN\nexport AWS_PROFILE=dev\n",
            ),
            (
                Shell::Fish,
                "set -e -g AWS_SESSION_TOKEN\nset -gx AWS_PROFILE dev\n",
            ),
            (
                Shell::PowerShell,
                "Remove-Item Env:AWS_SESSION_TOKEN -ErrorAction SilentlyContinue\n\
                 $env:AWS_PROFILE = 'dev'\n",
            ),
            (Shell::Cmd, "set AWS_SESSION_TOKEN=\nset AWS_PROFILE=dev\n"),
        ];
        for (shell, code) in expected {
            assert_eq!(render(shell, &changes).as_deref(), Ok(code), "{shell}");
        }
    }

    #[test]
    fn render_of_nothing_is_empty() {
        for shell in Shell::ALL {
            assert_eq!(render(shell, &[]).as_deref(), Ok(""));
        }
    }

    #[test]
    fn render_checks_names_for_unset_too() {
        for shell in Shell::ALL {
            let error = render(shell, &[EnvChange::Unset("A;rm")]).unwrap_err();
            assert!(matches!(error, QuoteError::BadName { .. }), "{shell}");
        }
    }

    #[test]
    fn render_names_the_variable_and_hides_the_value() {
        let secret = "wJalrXUtnFEMI/K7MDENG\nbPxRfiCYEXAMPLEKEY";
        for shell in Shell::ALL {
            let error = render(
                shell,
                &[
                    EnvChange::Set("AWS_PROFILE", "dev"),
                    EnvChange::Set("AWS_SECRET_ACCESS_KEY", secret),
                ],
            )
            .unwrap_err();
            let message = error.to_string();
            assert!(
                message.starts_with("the value of AWS_SECRET_ACCESS_KEY contains a newline"),
                "{message}"
            );
            assert!(!message.contains("wJalr"), "{message}");
            assert!(!message.contains("EXAMPLEKEY"), "{message}");
        }
    }
}
