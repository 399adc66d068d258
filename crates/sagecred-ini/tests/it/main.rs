//! Integration tests of sagecred-ini, linked into one binary so that the crate builds once.

mod canaries;
mod conformance;
mod edits;
// File modes and symlinks: POSIX only.
#[cfg(unix)]
mod files;
mod lookup;
mod preserve;
mod props;
mod store;
mod store_conformance;
// Devices, FIFOs, sockets and file modes: POSIX only.
#[cfg(unix)]
mod targets;
#[cfg(windows)]
mod windows_targets;
