//! End-to-end tests of the real `sagecred` binary: one test binary, one module per area.
//!
//! Every test runs the binary with a cleared environment, a temporary `HOME` and its own
//! AWS files. Tests that need AWS use the moto server that `cargo xtask test` starts
//! (`SAGECRED_MOTO_ENDPOINT`); nothing here reaches a real AWS endpoint.
//!
//! They run POSIX shells, the Secret Service and file modes, so they are Unix-only; the
//! Windows binary has its own end-to-end checks under Wine (`xtask/src/windows/e2e.rs`).
#![cfg(unix)]

#[path = "../../../sagecred-keychain/tests/it/cleanup.rs"]
mod cleanup;
mod common;
use sagecred_test_support::sso_emulator as emulator;

mod child_env;
mod concurrency;
mod configure;
mod doctor;
mod hostile;
mod import;
mod interop;
mod keychain;
mod man;
mod migrate_props;
mod output_safety;
mod profiles;
mod provision;
mod role;
mod rotate;
mod sdk;
mod shells;
mod sources;
mod sso;
mod targets;
mod whoami;
