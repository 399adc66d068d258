//! Integration tests of sagecred-keychain against a real Secret Service (gnome-keyring on a
//! private D-Bus session bus) and the real Linux kernel keyring.
//!
//! `cargo xtask test` starts the Secret Service and sets `SAGECRED_TEST_SECRET_SERVICE=1`
//! and `DBUS_SESSION_BUS_ADDRESS`. Tests that need it fail, rather than pass untested,
//! when those are missing.
//!
//! Every test uses its own service name, so tests running at once never see each other's
//! entries, and the default test threading is kept on purpose: the store's process-wide
//! lock is what makes concurrent use safe, and these tests exercise it.
//!
//! Failure cases that need a different environment (another bus, no bus, a session
//! keyring) run in a child process: this same test binary, re-invoked on the ignored
//! [`child::entry_point`] test. Changing the environment in-process would race with the
//! other test threads.
#![cfg(target_os = "linux")]

use sagecred_test_support::secret_service;

mod child;
mod cleanup;
mod conformance;
mod failures;
mod keyutils;
mod secret_service_store;
mod support;
