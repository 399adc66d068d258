//! Integration tests of sagecred-shell: one binary, so the crate and its dev-dependencies
//! link once.
//!
//! The modules that run real shells are Unix-only; the golden tests run everywhere.

#[cfg(unix)]
mod argv_botocore;
mod codepage;
mod golden;
#[cfg(unix)]
mod hostile;
#[cfg(unix)]
mod init_shells;
#[cfg(unix)]
mod real_shells;
#[cfg(unix)]
mod support;
