//! Integration tests of sagecred-ini, linked into one binary so that the crate builds once.

mod conformance;
mod edits;
// File modes and symlinks: POSIX only.
#[cfg(unix)]
mod files;
mod lookup;
mod preserve;
mod props;
mod store;
