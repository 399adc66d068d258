//! Where the passphrase comes from: handed in by the caller, because this library never
//! reads the terminal or the environment.
//!
//! The CLI's source asks on `/dev/tty` or runs the user's passphrase command; tests hand
//! in a closure.

use std::fmt;
use std::path::Path;

use sagecred_core::Secret;

/// What the passphrase is needed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PassphraseRequest<'a> {
    /// Unlock the existing identity file.
    Unlock {
        /// The passphrase-protected identity file.
        identity_file: &'a Path,
    },
    /// Protect a new identity file: an interactive source should ask twice.
    Create {
        /// The identity file about to be written.
        identity_file: &'a Path,
    },
}

impl PassphraseRequest<'_> {
    /// The identity file concerned.
    pub fn identity_file(&self) -> &Path {
        match self {
            Self::Unlock { identity_file } | Self::Create { identity_file } => identity_file,
        }
    }
}

/// Why no passphrase could be had, in the source's own words: the store turns it into
/// [`sagecred_core::StoreError::Unavailable`] with this reason and fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassphraseError {
    /// What went wrong, in one line.
    pub reason: String,
    /// What the user can do, in one line.
    pub fix: String,
}

/// A source of the store's passphrase.
///
/// Any `Fn(PassphraseRequest) -> Result<Secret, PassphraseError>` closure is one:
///
/// ```
/// use sagecred_age::{PassphraseRequest, PassphraseSource};
/// use sagecred_core::Secret;
///
/// let source = |_: PassphraseRequest<'_>| Ok(Secret::from("correct horse battery staple"));
/// let path = std::path::Path::new("identity.age");
/// let pass = source.passphrase(PassphraseRequest::Unlock { identity_file: path }).unwrap();
/// assert_eq!(pass.expose(), "correct horse battery staple");
/// ```
pub trait PassphraseSource: Send + Sync {
    /// The passphrase for `request`. Called at most once per unlock; a wrong answer is
    /// not retried.
    fn passphrase(&self, request: PassphraseRequest<'_>) -> Result<Secret, PassphraseError>;
}

impl<F> PassphraseSource for F
where
    F: Fn(PassphraseRequest<'_>) -> Result<Secret, PassphraseError> + Send + Sync,
{
    fn passphrase(&self, request: PassphraseRequest<'_>) -> Result<Secret, PassphraseError> {
        self(request)
    }
}

/// A source that never has a passphrase: for commands that must not prompt (`profiles`
/// on a locked store, benchmarks). Its error says why.
#[derive(Debug, Clone)]
pub struct NoPassphrase {
    reason: String,
    fix: String,
}

impl NoPassphrase {
    /// A source that always fails with `reason` and `fix`.
    pub fn new(reason: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            fix: fix.into(),
        }
    }
}

impl PassphraseSource for NoPassphrase {
    fn passphrase(&self, _request: PassphraseRequest<'_>) -> Result<Secret, PassphraseError> {
        Err(PassphraseError {
            reason: self.reason.clone(),
            fix: self.fix.clone(),
        })
    }
}

/// A boxed source that prints as its role, never as a secret.
pub(crate) struct BoxedSource(pub(crate) Box<dyn PassphraseSource>);

impl fmt::Debug for BoxedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PassphraseSource")
    }
}
