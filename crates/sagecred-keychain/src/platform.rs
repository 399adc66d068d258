//! The per-platform parts: how an entry is built for each backend, how availability is
//! probed, and how the Secret Service is searched.
//!
//! Callers hold the process-wide keyring lock around every function here.

use sagecred_core::{StoreError, StoreKind};

use crate::errors;

/// Builds the keyring entry for `service` and `user` on `backend`.
///
/// The keychain backend uses keyring's platform default (macOS Keychain, Windows Credential
/// Manager, Secret Service on Linux and the BSDs). The kernel keyring is only ever built
/// explicitly, here, and only when the process has a session keyring that can hold it.
pub(crate) fn entry(
    kind: StoreKind,
    service: &str,
    user: &str,
) -> Result<keyring::Entry, EntryError> {
    match kind {
        StoreKind::Keyutils => keyutils_entry(service, user),
        // The constructor admits only the keychain and the kernel keyring.
        _ => keyring::Entry::new(service, user).map_err(EntryError::Keyring),
    }
}

/// Why an entry could not be built.
pub(crate) enum EntryError {
    /// keyring refused the service or user name.
    Keyring(keyring::Error),
    /// The backend cannot work in this process, for a known reason.
    Store(StoreError),
}

#[cfg(target_os = "linux")]
fn keyutils_entry(service: &str, user: &str) -> Result<keyring::Entry, EntryError> {
    if !process_has_own_session_keyring()? {
        return Err(EntryError::Store(errors::unavailable(
            StoreKind::Keyutils,
            &errors::NO_SESSION_KEYRING,
        )));
    }
    let credential = keyring::keyutils::KeyutilsCredential::new_with_target(None, service, user)
        .map_err(EntryError::Keyring)?;
    Ok(keyring::Entry::new_with_credential(Box::new(credential)))
}

/// Whether this process started with a session keyring of its own, as `keyctl session`
/// or pam_keyinit give it, rather than the user's fallback one (`_uid_ses.UID`).
///
/// On the fallback keyring, keyring 3.6 stores keys that no later process can find, and
/// then reports "no entry": its first call quietly gives the process a new, anonymous
/// session keyring that dies with it. So the answer is taken once, before the first
/// keyring call can change it, and kept for the life of the process.
#[cfg(target_os = "linux")]
fn process_has_own_session_keyring() -> Result<bool, EntryError> {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    static ANSWER: std::sync::OnceLock<Result<bool, String>> = std::sync::OnceLock::new();
    let answer = ANSWER.get_or_init(|| {
        // Looking the session keyring up without `create` does not replace it.
        KeyRing::from_special_id(KeyRingIdentifier::Session, false)
            .and_then(|ring| ring.metadata())
            .map(|meta| !meta.get_description().starts_with("_uid_ses."))
            .map_err(|e| format!("cannot read the session keyring: {e}"))
    });
    answer.clone().map_err(|text| {
        EntryError::Store(errors::from_platform_text(
            StoreKind::Keyutils,
            &text,
            false,
        ))
    })
}

#[cfg(not(target_os = "linux"))]
fn keyutils_entry(_service: &str, _user: &str) -> Result<keyring::Entry, EntryError> {
    Err(EntryError::Store(not_linux()))
}

/// The error for the kernel keyring on a system that has none.
#[cfg(not(target_os = "linux"))]
pub(crate) fn not_linux() -> StoreError {
    StoreError::Unsupported {
        store: StoreKind::Keyutils,
        operation: "hold keys",
        reason: "the kernel keyring exists only on Linux; use --store keychain".to_owned(),
    }
}

#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
pub(crate) use secret_service::{list, probe};

/// The Secret Service, reached directly for what keyring does not offer: a search by
/// service, and a probe of the default collection's lock.
#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
mod secret_service {
    use std::collections::HashMap;

    use dbus_secret_service::{EncryptionType, SecretService};
    use sagecred_core::{StoreError, StoreKind};

    use super::probe_by_reading;
    use crate::errors::{self, Diagnosis};

    /// Maps a dbus-secret-service error to a store error.
    fn ss_error(err: &dbus_secret_service::Error) -> StoreError {
        use dbus_secret_service::Error;
        match err {
            Error::Locked | Error::Prompt => {
                errors::unavailable(StoreKind::Keychain, &errors::LOCKED)
            }
            Error::Unavailable => errors::unavailable(StoreKind::Keychain, &errors::NO_BUS),
            Error::NoResult => errors::unavailable(
                StoreKind::Keychain,
                &Diagnosis {
                    reason: "the Secret Service has no default collection",
                    fix: "create a keyring and make it the default one (in seahorse: \
                          File > New > Password Keyring, then Set as Default)",
                },
            ),
            other => errors::from_platform_text(StoreKind::Keychain, &other.to_string(), false),
        }
    }

    /// Connects without encryption: these calls move no secrets, and skipping the
    /// Diffie-Hellman exchange keeps the probe fast.
    fn connect() -> Result<SecretService, StoreError> {
        SecretService::connect(EncryptionType::Plain).map_err(|e| ss_error(&e))
    }

    /// Checks that the Secret Service answers and that its default collection, where
    /// keyring creates new items, is unlocked. A locked collection is unlocked the way a
    /// write would unlock it: on a desktop that shows the unlock prompt, and headless it
    /// fails at once.
    pub(crate) fn probe(kind: StoreKind) -> Result<(), StoreError> {
        match kind {
            StoreKind::Keyutils => probe_by_reading(kind),
            _ => {
                let ss = connect()?;
                let collection = ss.get_default_collection().map_err(|e| ss_error(&e))?;
                if collection.is_locked().map_err(|e| ss_error(&e))? {
                    collection.unlock().map_err(|e| ss_error(&e))?;
                }
                Ok(())
            }
        }
    }

    /// The `username` attribute of every item whose `service` attribute is `service`.
    pub(crate) fn list(service: &str) -> Result<Vec<String>, StoreError> {
        let ss = connect()?;
        let found = ss
            .search_items(HashMap::from([("service", service)]))
            .map_err(|e| ss_error(&e))?;
        if !found.locked.is_empty() {
            // Attributes of locked items may be unreadable, so unlock them first, as a
            // read of one of them would.
            let locked: Vec<_> = found.locked.iter().collect();
            ss.unlock_all(&locked).map_err(|e| ss_error(&e))?;
        }
        let mut users = Vec::new();
        for item in found.unlocked.iter().chain(found.locked.iter()) {
            let mut attributes = item.get_attributes().map_err(|e| ss_error(&e))?;
            if let Some(user) = attributes.remove("username") {
                users.push(user);
            }
        }
        Ok(users)
    }
}

/// Checks availability by reading an entry that does not exist: "no entry" means the
/// store answered.
fn probe_by_reading(kind: StoreKind) -> Result<(), StoreError> {
    let entry = match entry(kind, "sagecred-probe", "sagecred-probe") {
        Ok(entry) => entry,
        Err(EntryError::Store(e)) => return Err(e),
        Err(EntryError::Keyring(e)) => return Err(probe_error(kind, e)),
    };
    match entry.get_secret() {
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(probe_error(kind, e)),
    }
}

fn probe_error(kind: StoreKind, err: keyring::Error) -> StoreError {
    match err {
        keyring::Error::PlatformFailure(e) => {
            errors::from_platform_text(kind, &e.to_string(), false)
        }
        keyring::Error::NoStorageAccess(e) => {
            errors::from_platform_text(kind, &e.to_string(), true)
        }
        other => errors::from_platform_text(kind, &other.to_string(), false),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")))]
pub(crate) fn probe(kind: StoreKind) -> Result<(), StoreError> {
    probe_by_reading(kind)
}

#[cfg(not(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd")))]
pub(crate) fn list(_service: &str) -> Result<Vec<String>, StoreError> {
    Err(StoreError::Unsupported {
        store: StoreKind::Keychain,
        operation: "list profiles",
        reason: "this platform's keychain cannot be searched by sagecred; the profiles \
                 that use it are the ones whose config runs `sagecred credential-process`"
            .to_owned(),
    })
}
