//! Tests leave no key behind: a drop guard that removes what a test wrote to the kernel
//! keyring and to the Secret Service, also when the test fails, and a throwaway user
//! namespace for the kernel keyring.
//!
//! keyring 3.6 links every key it writes with keyutils into the user's persistent keyring
//! (`_persistent.UID`) as well as the session keyring, so a key written inside a
//! `keyctl session -` outlives that session by days. Two defences:
//!
//! * [`keyutils_session`] runs the child inside a new user namespace when the kernel allows
//!   it (`unshare --user --map-root-user`): persistent keyrings are per namespace, so the
//!   child's persistent keyring dies with it.
//! * [`KeyringGuard`] purges the test's entries by their exact description from the host
//!   user's persistent keyring, and clears its Secret Service items, when it is dropped.
//!
//! This file is shared by the keychain crate's and the CLI's integration tests.
#![allow(dead_code)] // Each test binary uses part of it.

use std::process::{Command, Stdio};

/// Removes the listed entries when dropped.
#[derive(Debug, Default)]
pub(crate) struct KeyringGuard {
    /// (service, user) pairs of kernel keyring entries.
    keyutils: Vec<(String, String)>,
    /// Services whose Secret Service items all go.
    secret_service: Vec<String>,
    /// (service, user) pairs of single Secret Service items.
    secret_service_items: Vec<(String, String)>,
}

impl KeyringGuard {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Removes `user`'s entries under `service` and `<service>-session` from the kernel
    /// keyring on drop.
    #[must_use]
    pub(crate) fn keyutils(mut self, service: &str, user: &str) -> Self {
        for s in [service.to_owned(), format!("{service}-session")] {
            self.keyutils.push((s, user.to_owned()));
        }
        self
    }

    /// Removes every item under `service` and `<service>-session` from the Secret
    /// Service on drop.
    #[must_use]
    pub(crate) fn secret_service(mut self, service: &str) -> Self {
        self.secret_service.push(service.to_owned());
        self.secret_service.push(format!("{service}-session"));
        self
    }
}

impl KeyringGuard {
    /// Removes everything sagecred keeps for `profile` under its real service names
    /// (`sagecred`, `sagecred-session`): the Secret Service items (of the private Secret
    /// Service the tests run), and with `keyutils` the keys in this user's persistent
    /// keyring. That keyring is the real one, shared with the user's own keys, so
    /// `keyutils` is only for profile names made unique to a test run.
    #[must_use]
    pub(crate) fn sagecred_profile(mut self, profile: &str, keyutils: bool) -> Self {
        if keyutils {
            self = self.keyutils("sagecred", profile);
        }
        for s in ["sagecred", "sagecred-session"] {
            self.secret_service_items
                .push((s.to_owned(), profile.to_owned()));
        }
        self
    }
}

impl Drop for KeyringGuard {
    fn drop(&mut self) {
        for (service, user) in &self.secret_service_items {
            clear_secret_service_item(service, user);
        }
        for (service, user) in &self.keyutils {
            purge_persistent(&keyutils_description(service, user));
        }
        for service in &self.secret_service {
            clear_secret_service(service);
        }
    }
}

/// The description keyring 3.6 gives a keyutils entry.
pub(crate) fn keyutils_description(service: &str, user: &str) -> String {
    format!("keyring-rs:{user}@{service}")
}

/// Unlinks every `user` key called `description` from the host user's persistent keyring.
/// It runs in a throwaway session keyring, so the test process's own keyrings are not
/// touched (`get_persistent @s` links the persistent keyring into that session only).
pub(crate) fn purge_persistent(description: &str) {
    let _ = Command::new("keyctl")
        .args([
            "session",
            "-",
            "sh",
            "-c",
            "keyctl get_persistent @s >/dev/null 2>&1 && keyctl purge user \"$1\" >/dev/null 2>&1; true",
            "sh",
            description,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Whether a `user` key called `description` is in the host user's persistent keyring.
pub(crate) fn in_persistent(description: &str) -> bool {
    Command::new("keyctl")
        .args([
            "session",
            "-",
            "sh",
            "-c",
            "p=$(keyctl get_persistent @s) && keyctl search \"$p\" user \"$1\" >/dev/null 2>&1",
            "sh",
            description,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Deletes the Secret Service item of `user` under `service`.
fn clear_secret_service_item(service: &str, user: &str) {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return;
    }
    let _ = Command::new("secret-tool")
        .args(["clear", "service", service, "username", user])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Deletes the Secret Service items under `service`, on the bus of this process's
/// environment (the private one `cargo xtask test` starts).
fn clear_secret_service(service: &str) {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return;
    }
    let _ = Command::new("secret-tool")
        .args(["clear", "service", service])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The command prefix that gives a child a fresh session keyring, inside a new user
/// namespace (and so a throwaway persistent keyring) when the kernel allows one.
pub(crate) fn keyutils_session() -> Vec<&'static str> {
    static USERNS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let userns = *USERNS.get_or_init(|| {
        Command::new("unshare")
            .args(["--user", "--map-root-user", "true"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if userns {
        vec![
            "unshare",
            "--user",
            "--map-root-user",
            "keyctl",
            "session",
            "-",
        ]
    } else {
        vec!["keyctl", "session", "-"]
    }
}
