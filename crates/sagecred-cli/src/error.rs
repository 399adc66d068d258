//! The CLI's one error type: a kind that decides the exit code, a message and a hint.

use std::fmt;
use std::process::ExitCode;

/// What went wrong, in the terms that decide the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The user asked for something invalid (bad value, missing input). Exit 2.
    User,
    /// A configuration or input file is malformed or unusable. Exit 3.
    Config,
    /// An AWS call failed (auth, permissions, network). Exit 4.
    Aws,
    /// A credential store is unavailable or refused. Exit 5.
    Store,
    /// `doctor` or `setup` ran, and at least one of their checks failed. Exit 6, so that
    /// scripts can tell "the setup needs a fix" from "a file is malformed" (3).
    CheckFailed,
    /// A bug or an unexpected system failure. Exit 70 (EX_SOFTWARE).
    Internal,
    /// stdout was closed by its reader (`sagecred profiles | head -1`): not a failure.
    BrokenPipe,
}

impl ErrorKind {
    /// The process exit code for this kind.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::BrokenPipe => 0,
            Self::User => 2,
            Self::Config => 3,
            Self::Aws => 4,
            Self::Store => 5,
            Self::CheckFailed => 6,
            Self::Internal => 70,
        }
    }
}

/// An error on its way to the user: one line of message and an optional hint line.
///
/// Messages name the file, line or value concerned, and never a secret.
#[derive(Debug)]
pub struct CliError {
    kind: ErrorKind,
    message: String,
    hint: Option<String>,
}

impl CliError {
    /// An error of `kind` with `message`. Control characters in the message (from a value
    /// it names) are escaped here, so that no error can drive the terminal.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: escaped(message.into()),
            hint: None,
        }
    }

    /// Invalid user input.
    pub fn user(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::User, message)
    }

    /// A malformed file or configuration.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    /// A failed AWS call.
    pub fn aws(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Aws, message)
    }

    /// An unexpected failure.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// Adds a line telling the user what to do.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(escaped(hint.into()));
        self
    }

    /// Puts `prefix` before the message.
    #[must_use]
    pub fn with_message_prefix(mut self, prefix: &str) -> Self {
        self.message.insert_str(0, prefix);
        self
    }

    /// Puts `prefix` before the hint (or makes it the hint when there is none).
    #[must_use]
    pub fn with_hint_prefix(mut self, prefix: &str) -> Self {
        self.hint = Some(match self.hint.take() {
            Some(h) => format!("{}{h}", crate::output::escape(prefix)),
            None => escaped(prefix.trim_end_matches([';', ' ']).to_owned()),
        });
        self
    }

    /// The hint line, if any.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Prints the error to stderr and returns its exit code. The message and hint were
    /// escaped when the error was built.
    #[allow(clippy::print_stderr)] // The one error sink; values are escaped in `new`.
    pub(crate) fn report(&self) -> ExitCode {
        if self.kind != ErrorKind::BrokenPipe {
            eprintln!("error: {}", self.message);
            if let Some(hint) = &self.hint {
                eprintln!("hint: {hint}");
            }
        }
        ExitCode::from(self.kind.exit_code())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

impl From<std::io::Error> for CliError {
    /// Only for writes to stdout and stderr; file errors carry their path and go through
    /// the library error types instead.
    fn from(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            Self::new(ErrorKind::BrokenPipe, "broken pipe")
        } else {
            Self::internal(format!("writing output: {err}"))
        }
    }
}

impl From<sagecred_ini::IniError> for CliError {
    fn from(err: sagecred_ini::IniError) -> Self {
        from_ini(&err)
    }
}

/// Maps an AWS-file error: a malformed or oversized file is exit 3; a target sagecred
/// refuses to write (not a regular file, read-only, open to other users) is exit 2.
fn from_ini(err: &sagecred_ini::IniError) -> CliError {
    use sagecred_ini::IniError;
    match err {
        IniError::Parse { path, .. } => CliError::config(err.to_string()).with_hint(format!(
            "fix that line of {} and run the command again; nothing was written",
            path.display()
        )),
        // One line: the message says what the path is and that nothing was written.
        IniError::NotAFile { .. } => CliError::user(err.to_string()),
        IniError::ReadOnly { path, .. } => CliError::user(err.to_string()).with_hint(format!(
            "the file was left as it is; make it writable with `chmod 600 {}` and run the \
             command again",
            path.display()
        )),
        IniError::NotPrivate { path, .. } => CliError::user(err.to_string()).with_hint(format!(
            "the file was left as it is; make it private with `chmod 600 {}` (`configure` and \
             `import` take --force to write to it as it is)",
            path.display()
        )),
        _ => CliError::config(err.to_string()),
    }
}

/// The AWS-file refusal inside a store error, if that is what it is: the plaintext store
/// reports them with the `IniError` as the source.
fn ini_refusal(err: &sagecred_core::StoreError) -> Option<&sagecred_ini::IniError> {
    use sagecred_ini::IniError;
    let ini = std::error::Error::source(err)?.downcast_ref::<IniError>()?;
    matches!(
        ini,
        IniError::NotAFile { .. } | IniError::ReadOnly { .. } | IniError::NotPrivate { .. }
    )
    .then_some(ini)
}

impl From<sagecred_core::StoreError> for CliError {
    fn from(err: sagecred_core::StoreError) -> Self {
        use sagecred_core::StoreError;
        if let Some(ini) = ini_refusal(&err) {
            return from_ini(ini);
        }
        match &err {
            StoreError::NotFound { profile, .. } => Self::user(err.to_string()).with_hint(format!(
                "run `sagecred configure --profile {profile}` to store keys for it"
            )),
            StoreError::Unavailable { fix, .. } => {
                let fix = fix.clone();
                Self::new(ErrorKind::Store, err.to_string()).with_hint(fix)
            }
            StoreError::Corrupt { profile, .. } => Self::new(ErrorKind::Store, err.to_string())
                .with_hint(format!(
                    "store the keys again with `sagecred configure --profile {profile}`"
                )),
            _ => Self::new(ErrorKind::Store, error_chain(&err)),
        }
    }
}

impl From<sagecred_core::SourceError> for CliError {
    fn from(err: sagecred_core::SourceError) -> Self {
        let fix = err.fix();
        Self::config(error_chain(&err)).with_hint(fix)
    }
}

impl From<sagecred_sso::SsoError> for CliError {
    /// The SSO library says what went wrong as a category; the advice is the CLI's.
    /// Commands that know the profile replace the sign-in hint with one that names it.
    fn from(err: sagecred_sso::SsoError) -> Self {
        use sagecred_sso::SsoError as E;
        let message = err.to_string();
        match &err {
            E::DeviceCodeExpired => Self::user(message)
                .with_hint("run `sagecred login` again and confirm the code within its time limit"),
            E::AccessDenied => Self::user(message).with_hint(
                "the request was denied in the browser, or your user may not sign in to this portal",
            ),
            e if e.needs_login() => {
                Self::new(ErrorKind::Store, message).with_hint("run `sagecred login`")
            }
            E::UnknownSession { .. } => Self::config(message).with_hint(
                "create it with `sagecred sso configure --sso-session NAME --start-url URL --sso-region REGION`",
            ),
            E::NoRole { .. } => Self::config(message)
                .with_hint("run `sagecred sso configure` to pick an account and role"),
            E::Config(_) | E::Cache { .. } => Self::config(message),
            E::NoAssignment { .. } => Self::aws(message).with_hint(
                "list what you can reach with `sagecred sso configure --populate`, or ask your Identity Center administrator",
            ),
            E::Service {
                operation,
                network: true,
                ..
            } => {
                let (service, var) = if operation.starts_with("sso-oidc:") {
                    ("SSO OIDC", "AWS_ENDPOINT_URL_SSO_OIDC")
                } else {
                    ("SSO portal", "AWS_ENDPOINT_URL_SSO")
                };
                Self::aws(message).with_hint(format!(
                    "the {service} endpoint could not be reached; check the network, the session's sso_region, and {var} or AWS_ENDPOINT_URL if set"
                ))
            }
            _ => Self::aws(message),
        }
    }
}

impl From<sagecred_provision::Error> for CliError {
    /// A refused option is the user's; a resource sagecred may not touch, or a user with
    /// two keys already, is the account's configuration; the rest are AWS's.
    fn from(err: sagecred_provision::Error) -> Self {
        use sagecred_provision::Error as E;
        let kind = match &err {
            E::InvalidOption { .. } => ErrorKind::User,
            E::NotManaged { .. } | E::TooManyKeys { .. } => ErrorKind::Config,
            _ => ErrorKind::Aws,
        };
        let out = Self::new(kind, error_chain(&err));
        match &err {
            E::NotManaged { .. } => {
                out.with_hint("pass --adopt to take it over, or choose other names")
            }
            E::TooManyKeys { user, .. } => out.with_hint(format!(
                "delete or deactivate one (`sagecred rotate`, or `aws iam delete-access-key --user-name {user} --access-key-id ID`), then run again"
            )),
            _ => out,
        }
    }
}

/// The most characters an error message or hint shows; a longer one ends in `…`.
const MAX_MESSAGE_CHARS: usize = 2048;

/// `text` with control characters escaped and its length bounded, reusing the allocation
/// when it needs neither.
fn escaped(text: String) -> String {
    let fits = text.len() <= MAX_MESSAGE_CHARS;
    match crate::output::escape(&text) {
        std::borrow::Cow::Borrowed(_) if fits => text,
        _ => crate::output::cell(&text, MAX_MESSAGE_CHARS),
    }
}

/// An error and its sources on one line, joined by `: `.
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
