//! The AWS shared `config` and `credentials` files: AWS-faithful parsing, byte-preserving
//! edits, and locked atomic writes.
//!
//! * [`Document`] is one file, parsed by the rules of AWS's profile parser (smithy-rs
//!   `aws-config`, checked against AWS's conformance cases) while keeping every byte, so
//!   that an edit changes only the lines it must.
//! * [`ProfileSet`] merges both files as the SDKs do: the credentials file overrides the
//!   config file property by property.
//! * [`find_config_profile`] reads one profile of the config file through a small
//!   reused buffer, for the shell-start path where touching memory costs most.
//! * [`edit`] and [`write_atomic`] write safely: a lock against concurrent writers, a
//!   temporary file, fsync, rename, and mode 0600 for new files. They never replace
//!   anything but a regular file, never replace a read-only file, and with
//!   [`WriteOptions::secrets`] refuse to put secrets into a file other users may read.
//! * Errors never quote the files' contents: a parse error names the file, the line and
//!   the kind of error ([`SyntaxError`]), since a malformed line may hold a secret.
//! * [`FileStore`] is the plaintext [`sagecred_core::CredentialStore`] over the
//!   credentials file.
//!
//! This crate never looks at the environment or the home directory: callers resolve the
//! two paths (honouring `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`) and pass
//! them in as [`AwsFiles`].
#![warn(missing_docs)]

use std::path::PathBuf;

mod document;
mod fs;
mod lookup;
mod profile_set;
mod store;
mod syntax;

pub use document::{
    Document, EditError, FileKind, MAX_NAME_LEN, MAX_VALUE_LEN, ParseError, Section, SectionKey,
    SyntaxError,
};
pub use fs::{
    FileLock, IniError, MAX_FILE_LEN, WriteOptions, check_writable, edit, edit_with, lock_file,
    write_atomic, write_private, write_private_with,
};
pub use lookup::{find_config_profile, find_config_profile_chunked};
pub use profile_set::ProfileSet;
pub use store::FileStore;

/// Paths of the two files, resolved by the caller (this crate never reads the
/// environment or `HOME`).
#[derive(Debug, Clone)]
pub struct AwsFiles {
    /// The shared config file, usually `~/.aws/config`.
    pub config: PathBuf,
    /// The shared credentials file, usually `~/.aws/credentials`.
    pub credentials: PathBuf,
}
