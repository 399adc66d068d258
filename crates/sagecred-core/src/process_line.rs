//! [`ProcessLine`]: the `credential_process` line sagecred writes for a profile whose key
//! lives in one of its stores, rendered and parsed here and nowhere else.
//!
//! A line of ours names this binary by absolute path, the `credential-process`
//! subcommand, the profile and (for every store but the default keychain) the store,
//! joined and split with the platform's rules by `sagecred_shell::argv`:
//!
//! ```text
//! /usr/local/bin/sagecred credential-process --profile dev --store keyutils
//! ```
//!
//! Other programs' lines are not ours: [`ProcessLine::parse`] answers `None` for them, and
//! the profile's source is then a foreign process.

use std::fmt;

use sagecred_shell::argv;

use crate::{ProfileName, StoreKind};

/// The subcommand every line of ours runs.
const SUBCOMMAND: &str = "credential-process";

/// A `credential_process` line of ours: which binary, which profile, which store.
#[derive(Clone, PartialEq, Eq)]
pub struct ProcessLine {
    /// The sagecred binary, by absolute path.
    pub program: String,
    /// The profile named by `--profile`. Lines without one serve whatever profile the
    /// environment names, which is why sagecred always writes it.
    pub profile: Option<ProfileName>,
    /// The store named by `--store` (the keychain when absent). Always a store that
    /// [`StoreKind::served_by_process`].
    pub store: StoreKind,
    /// Further arguments (such as `--no-session`), kept as they were written.
    pub extra: Vec<String>,
}

impl fmt::Debug for ProcessLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessLine")
            .field("program", &self.program)
            .field("profile", &self.profile)
            .field("store", &self.store)
            .field("extra", &self.extra)
            .finish()
    }
}

/// Why a line that runs `sagecred credential-process` cannot be used, or cannot be written.
///
/// No variant quotes the line: a foreign line may carry a secret, and ours has nothing the
/// user needs to see again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProcessLineError {
    /// `--store` names no store sagecred knows.
    #[error("it names an unknown store `{0}`")]
    UnknownStore(String),
    /// `--store` names a store that is not served through `credential_process`.
    #[error("the {0} store is not served through credential_process")]
    NotServed(StoreKind),
    /// `--profile` holds an invalid profile name.
    #[error("its --profile value is not a valid profile name")]
    BadProfile,
    /// A flag at the end of the line has no value.
    #[error("{0} has no value")]
    MissingValue(&'static str),
    /// A word cannot be written in a command line this platform's SDKs split back
    /// (a control character in the binary's path, a `%` on Windows).
    #[error(transparent)]
    Unwritable(#[from] sagecred_shell::argv::ArgvError),
    /// The store given to [`ProcessLine::new`] is not served through `credential_process`.
    #[error("the {0} store needs no credential_process line")]
    NoLineNeeded(StoreKind),
}

impl ProcessLine {
    /// The line for `profile`'s key in `store`, run by the binary at `program`.
    pub fn new(
        program: impl Into<String>,
        profile: ProfileName,
        store: StoreKind,
    ) -> Result<Self, ProcessLineError> {
        if !store.served_by_process() {
            return Err(ProcessLineError::NoLineNeeded(store));
        }
        Ok(Self {
            program: program.into(),
            profile: Some(profile),
            store,
            extra: Vec::new(),
        })
    }

    /// The line as it goes into `~/.aws/config`, joined with the rules of the platform
    /// whose SDKs will split it (`sagecred_shell::argv`: a POSIX shell or shlex;
    /// `CommandLineToArgvW` and cmd.exe on Windows).
    ///
    /// ```
    /// use sagecred_core::{ProcessLine, StoreKind};
    /// let line = ProcessLine::new("/usr/local/bin/sagecred", "dev".parse()?, StoreKind::Keyutils)?;
    /// let text = line.render()?;
    /// assert_eq!(text, "/usr/local/bin/sagecred credential-process --profile dev --store keyutils");
    /// assert_eq!(ProcessLine::parse(&text)?, Some(line));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn render(&self) -> Result<String, ProcessLineError> {
        let mut words: Vec<&str> = vec![&self.program, SUBCOMMAND];
        if let Some(profile) = &self.profile {
            words.extend(["--profile", profile.as_str()]);
        }
        // The keychain is credential-process's default store, and lines written before
        // `--store` existed omit it: so does this, to keep those lines unchanged.
        if self.store != StoreKind::Keychain {
            words.extend(["--store", self.store.as_str()]);
        }
        words.extend(self.extra.iter().map(String::as_str));
        Ok(argv::join(argv::Rules::native(), &words)?)
    }

    /// Reads a `credential_process` value: `Ok(Some)` for a line of ours, `Ok(None)` for
    /// any other program's, and an error for a line of ours that cannot be served.
    ///
    /// A line is ours when its program's file name is `sagecred` (or starts with it, as
    /// `sagecred.exe` does) and its first argument is `credential-process`.
    ///
    /// ```
    /// use sagecred_core::{ProcessLine, StoreKind};
    /// let ours = ProcessLine::parse("/usr/bin/sagecred credential-process --profile dev")?.unwrap();
    /// assert_eq!(ours.store, StoreKind::Keychain);
    /// assert_eq!(ProcessLine::parse("aws-vault export --format=json dev")?, None);
    /// # Ok::<(), sagecred_core::ProcessLineError>(())
    /// ```
    pub fn parse(line: &str) -> Result<Option<Self>, ProcessLineError> {
        // A line no reader could split (an unclosed quote) is nobody's we can serve.
        let Ok(words) = argv::split(argv::Rules::native(), line) else {
            return Ok(None);
        };
        let mut words = words.into_iter();
        let (Some(program), Some(sub)) = (words.next(), words.next()) else {
            return Ok(None);
        };
        if sub != SUBCOMMAND || !is_sagecred(&program) {
            return Ok(None);
        }
        let mut parsed = Self {
            program,
            profile: None,
            store: StoreKind::Keychain,
            extra: Vec::new(),
        };
        while let Some(word) = words.next() {
            let (flag, inline) = match word.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => {
                    (flag.to_owned(), Some(value.to_owned()))
                }
                _ => (word.clone(), None),
            };
            match flag.as_str() {
                "--profile" => {
                    let value = inline
                        .or_else(|| words.next())
                        .ok_or(ProcessLineError::MissingValue("--profile"))?;
                    parsed.profile = Some(value.parse().map_err(|_| ProcessLineError::BadProfile)?);
                }
                "--store" => {
                    let value = inline
                        .or_else(|| words.next())
                        .ok_or(ProcessLineError::MissingValue("--store"))?;
                    let store: StoreKind = value
                        .parse()
                        .map_err(|e: crate::UnknownStore| ProcessLineError::UnknownStore(e.0))?;
                    if !store.served_by_process() {
                        return Err(ProcessLineError::NotServed(store));
                    }
                    parsed.store = store;
                }
                _ => parsed.extra.push(word),
            }
        }
        Ok(Some(parsed))
    }
}

/// Whether a program path names the sagecred binary.
fn is_sagecred(program: &str) -> bool {
    let name = program.rsplit(['/', '\\']).next().unwrap_or(program);
    name.starts_with("sagecred")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev() -> ProfileName {
        "dev".parse().unwrap()
    }

    #[test]
    fn lines_written_before_the_store_flag_still_parse() {
        let old = "/home/u/.cargo/bin/sagecred credential-process --profile dev";
        let line = ProcessLine::parse(old).unwrap().unwrap();
        assert_eq!(line.store, StoreKind::Keychain);
        assert_eq!(line.profile, Some(dev()));
        assert_eq!(line.render().unwrap(), old);
    }

    #[test]
    fn keyutils_round_trips() {
        let line = ProcessLine::new("/usr/bin/sagecred", dev(), StoreKind::Keyutils).unwrap();
        let text = line.render().unwrap();
        assert_eq!(
            text,
            "/usr/bin/sagecred credential-process --profile dev --store keyutils"
        );
        assert_eq!(ProcessLine::parse(&text).unwrap(), Some(line));
    }

    #[test]
    fn quoted_paths_round_trip() {
        let paths: &[&str] = if cfg!(windows) {
            &[
                r"C:\Program Files\sagecred\sagecred.exe",
                r"D:\a&b\sagecred.exe",
            ]
        } else {
            &[
                "/opt/it's here/sagecred",
                "/tmp/a b/sagecred",
                "/x/$HOME/`id`/sagecred",
            ]
        };
        for path in paths.iter().copied() {
            let line = ProcessLine::new(path, dev(), StoreKind::Keychain).unwrap();
            let back = ProcessLine::parse(&line.render().unwrap()).unwrap();
            assert_eq!(back, Some(line), "{path}");
        }
    }

    #[test]
    #[cfg(unix)]
    fn double_quoted_and_equals_forms_parse() {
        let line =
            ProcessLine::parse(r#""/opt/my dir/sagecred" credential-process --profile=dev --store=keyutils --no-session"#)
                .unwrap()
                .unwrap();
        assert_eq!(line.program, "/opt/my dir/sagecred");
        assert_eq!(line.profile, Some(dev()));
        assert_eq!(line.store, StoreKind::Keyutils);
        assert_eq!(line.extra, vec!["--no-session".to_owned()]);
    }

    #[test]
    fn other_programs_are_not_ours() {
        for line in [
            "aws-vault export --format=json dev",
            "/usr/bin/python3 get_creds.py credential-process",
            "sagecred-helper-that-is-not credential",
            "/bin/echo 'unclosed",
            "",
        ] {
            assert_eq!(ProcessLine::parse(line).unwrap(), None, "{line}");
        }
    }

    #[test]
    fn broken_lines_of_ours_are_errors_that_do_not_quote_the_line() {
        let err =
            ProcessLine::parse("/usr/bin/sagecred credential-process --store vault").unwrap_err();
        assert_eq!(err, ProcessLineError::UnknownStore("vault".into()));
        assert_eq!(
            ProcessLine::parse("/usr/bin/sagecred credential-process --store file").unwrap_err(),
            ProcessLineError::NotServed(StoreKind::File)
        );
        assert_eq!(
            ProcessLine::parse("/usr/bin/sagecred credential-process --profile").unwrap_err(),
            ProcessLineError::MissingValue("--profile")
        );
        assert!(ProcessLine::new("/x/sagecred", dev(), StoreKind::File).is_err());
    }
}
