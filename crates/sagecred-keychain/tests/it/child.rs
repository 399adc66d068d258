//! The child side of the tests that need another environment: this binary, re-invoked on
//! [`entry_point`] with `SAGECRED_KEYCHAIN_CHILD` naming what to do. It reports on stdout,
//! one `sagecred-child: ` line per result, which the parent reads with
//! [`crate::support::child_lines`].
// The child's only way to report to its parent is its stdout.
#![allow(clippy::print_stdout)]

use sagecred_core::StoreError;
use sagecred_core::{CredentialStore, SessionCache, StoreKind};
use sagecred_keychain::KeychainStore;

use sagecred_test_support::conformance::{self, Expect};

use crate::support::{self, profile, stored_key};

/// Environment variables the parent sets for the child.
pub(crate) const SERVICE: &str = "SAGECRED_CHILD_SERVICE";
pub(crate) const BACKEND: &str = "SAGECRED_CHILD_BACKEND";
pub(crate) const PROFILE: &str = "SAGECRED_CHILD_PROFILE";

fn report(line: &str) {
    println!("sagecred-child: {line}");
}

/// Reports an outcome as `ok DETAIL`, or as `err KIND DISPLAY (fix: FIX)` followed by
/// `debug DEBUG`.
fn report_result<T>(what: &str, result: Result<T, StoreError>, detail: impl Fn(&T) -> String) {
    match result {
        Ok(value) => report(&format!("{what} ok {}", detail(&value))),
        Err(e) => {
            let kind = match &e {
                StoreError::NotFound { .. } => "not-found",
                StoreError::Unavailable { .. } => "unavailable",
                StoreError::Corrupt { .. } => "corrupt",
                StoreError::Unsupported { .. } => "unsupported",
                _ => "other",
            };
            // The fix is not part of the error's Display; the CLI prints it as a hint.
            let fix = match &e {
                StoreError::Unavailable { fix, .. } => format!(" (fix: {fix})"),
                _ => String::new(),
            };
            report(&format!("{what} err {kind} {e}{fix}"));
            report(&format!("{what} debug {e:?}"));
        }
    }
}

/// Runs a part of the conformance suite and reports `NAME ok`, or `NAME failed: MESSAGE`.
fn report_suite(name: &str, suite: impl FnOnce() + std::panic::UnwindSafe) {
    match std::panic::catch_unwind(suite) {
        Ok(()) => report(&format!("{name} ok")),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            report(&format!("{name} failed: {}", message.replace('\n', " ")));
        }
    }
}

#[test]
#[ignore = "entry point for child processes that other tests start"]
fn entry_point() {
    let Ok(case) = std::env::var("SAGECRED_KEYCHAIN_CHILD") else {
        // Run by hand with --ignored: there is nothing to do without a parent.
        return;
    };
    let kind = match std::env::var(BACKEND).as_deref() {
        Ok("keyutils") => StoreKind::Keyutils,
        _ => StoreKind::Keychain,
    };
    let service = std::env::var(SERVICE).unwrap_or_else(|_| support::unique_service());
    let profile = profile(&std::env::var(PROFILE).unwrap_or_else(|_| "dev".to_owned()));
    let store = KeychainStore::with_service(kind, &service).unwrap();
    for step in case.split(',') {
        match step {
            "check" => report_result("check", store.check_available(), |()| String::new()),
            "put" => report_result("put", store.put(&profile, &stored_key()), |()| {
                String::new()
            }),
            "get" => report_result("get", store.get(&profile), |k| {
                // The key id is not secret; the secret is compared, never printed.
                let same = k.credentials == stored_key().credentials;
                format!("{} same-secret={same}", k.credentials.access_key_id())
            }),
            "put-session" => report_result(
                "put-session",
                store.put_session(&profile, &support::session()),
                |()| String::new(),
            ),
            "get-session" => report_result("get-session", store.get_session(&profile), |s| {
                format!("same={}", s.as_ref() == Some(&support::session()))
            }),
            "delete" => report_result("delete", store.delete_key(&profile), |b| b.to_string()),
            "delete-session" => {
                report_result("delete-session", store.delete_session(&profile), |b| {
                    b.to_string()
                })
            }
            "conformance" => report_suite("conformance", || {
                let expect = Expect {
                    lists: kind != StoreKind::Keyutils,
                    keeps_metadata: true,
                };
                conformance::run(&store, expect);
                conformance::session_cache(&store);
            }),
            "conformance-unavailable" => report_suite("conformance-unavailable", || {
                conformance::unavailable(&store);
            }),
            other => panic!("unknown child step `{other}`"),
        }
    }
}
