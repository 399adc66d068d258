//! The child side of tests that need another process: this binary, re-invoked on
//! [`entry_point`] with `SAGECRED_AGE_CHILD` naming a comma-separated list of steps. It
//! reports on stdout, one `sagecred-child: ` line per step.
// The child's only way to report to its parent is its stdout.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sagecred_age::{EncryptedFileStore, PassphraseRequest, SessionKeyring, StoredKey};
use sagecred_core::{Secret, StoreError};

use crate::support::{self, PASS, TEST_WORK_FACTOR, creds, creds2, profile};

fn report(line: &str) {
    println!("sagecred-child: {line}");
}

fn kind(e: &StoreError) -> &'static str {
    match e {
        StoreError::NotFound { .. } => "not-found",
        StoreError::Unavailable { .. } => "unavailable",
        StoreError::Corrupt { .. } => "corrupt",
        _ => "other",
    }
}

/// A store in `dir` with the session keyring as its cache (timeout from
/// `SAGECRED_AGE_TIMEOUT`, seconds), and a passphrase source that answers only when
/// `answer` is set; the counter says how often it was asked.
fn keyring_store(dir: &PathBuf, answer: bool) -> (EncryptedFileStore, Arc<AtomicUsize>) {
    let secs = std::env::var("SAGECRED_AGE_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3600);
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let store = EncryptedFileStore::new(dir, move |_: PassphraseRequest<'_>| {
        counter.fetch_add(1, Ordering::SeqCst);
        if answer {
            Ok(Secret::from(PASS))
        } else {
            Err(sagecred_age::PassphraseError {
                reason: "asked".into(),
                fix: "none".into(),
            })
        }
    })
    .with_scrypt_work_factor(TEST_WORK_FACTOR)
    .with_cache(SessionKeyring::new(Duration::from_secs(secs)));
    (store, asked)
}

#[test]
#[ignore = "entry point for child processes that other tests start"]
fn entry_point() {
    let Ok(steps) = std::env::var("SAGECRED_AGE_CHILD") else {
        return;
    };
    let dir = PathBuf::from(std::env::var("SAGECRED_AGE_DIR").unwrap_or_default());
    for step in steps.split(',') {
        match step {
            // Writes the profile `dev` over and over, alternating two keys, until killed.
            "writer-loop" => {
                let store = support::never_asks(&dir);
                report("writing");
                for i in 0usize.. {
                    let c = if i % 2 == 0 { creds2() } else { creds() };
                    store.put_key(&profile("dev"), &StoredKey::new(c)).unwrap();
                }
            }
            "available" => report(&format!("available {}", SessionKeyring::available())),
            // Stores a key with the passphrase (creating the identity).
            "put" => {
                let (store, asked) = keyring_store(&dir, true);
                let result = store.put_key(&profile("dev"), &StoredKey::new(creds()));
                report(&format!(
                    "put {} asked={}",
                    result.is_ok(),
                    asked.load(Ordering::SeqCst)
                ));
            }
            // Reads the key with a fresh store that answers the passphrase.
            "get" => {
                let (store, asked) = keyring_store(&dir, true);
                let ok = store
                    .get_key(&profile("dev"))
                    .map(|k| k.credentials == creds());
                report(&format!(
                    "get {ok:?} asked={}",
                    asked.load(Ordering::SeqCst)
                ));
            }
            // Reads the key with a fresh store that cannot be given a passphrase.
            "get-cached" => {
                let (store, asked) = keyring_store(&dir, false);
                match store.get_key(&profile("dev")) {
                    Ok(k) => report(&format!(
                        "get-cached ok same={} asked={}",
                        k.credentials == creds(),
                        asked.load(Ordering::SeqCst)
                    )),
                    Err(e) => report(&format!(
                        "get-cached err {} asked={}",
                        kind(&e),
                        asked.load(Ordering::SeqCst)
                    )),
                }
            }
            "lock" => report(&format!("lock forgot={}", SessionKeyring::forget_all())),
            "sleep" => std::thread::sleep(Duration::from_millis(2500)),
            // The permissions of the cached identity's keyring entry.
            "perms" => report(&format!("perms {}", cached_perms())),
            other => panic!("unknown child step {other}"),
        }
    }
}

#[cfg(target_os = "linux")]
fn cached_perms() -> String {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    let ring = KeyRing::from_special_id(KeyRingIdentifier::Session, false).unwrap();
    let links = ring.get_links(64).unwrap();
    links
        .iter()
        .filter_map(|n| n.as_key())
        .filter_map(|k| k.metadata().ok())
        .filter(|m| {
            m.get_description()
                .starts_with(sagecred_age::KEY_DESCRIPTION_PREFIX)
        })
        .map(|m| format!("{:08x}", m.get_perms().bits()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(not(target_os = "linux"))]
fn cached_perms() -> String {
    String::new()
}
