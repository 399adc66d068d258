//! Integration tests of sagecred-age: the store over real files, its faults, the kernel
//! session keyring (in throwaway session keyrings, `keyctl session -`), and interop with
//! the reference `age` CLI and PyPI's `pyrage`.
//!
//! Tests that need another environment (a session keyring, a process to kill mid-write)
//! run this same binary again as a child on the ignored [`child::entry_point`] test.

mod child;
mod conformance;
mod faults;
mod interop;
#[cfg(target_os = "linux")]
mod keyring;
mod store;
mod support;
