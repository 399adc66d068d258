//! Turning keyring and Secret Service failures into [`StoreError`]s that say what is wrong
//! and how to fix it.
//!
//! The platform libraries report most failures as an opaque error whose only useful part
//! is its text, so the common headless failures are recognised by the phrases that libdbus
//! and gnome-keyring put in it. Whatever is not recognised still reaches the user with the
//! platform's own words.
//!
//! No error built here holds a `keyring::Error` itself: its `Debug` form prints the raw
//! bytes of a `BadEncoding` value, which could be a secret. Only its `Display` text is
//! kept, and that never quotes a stored value.

use std::fmt;

use sagecred_core::{ProfileName, StoreError, StoreKind};

/// Why the Secret Service is out of reach, and what to do about it.
pub(crate) struct Diagnosis {
    pub(crate) reason: &'static str,
    pub(crate) fix: &'static str,
}

pub(crate) const NO_BUS: Diagnosis = Diagnosis {
    reason: "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset or dead)",
    fix: "run inside a desktop session, or start one: `dbus-run-session -- $SHELL` then \
          `gnome-keyring-daemon --unlock`; on a headless box use --store keyutils",
};

pub(crate) const NO_SECRET_SERVICE: Diagnosis = Diagnosis {
    reason: "no Secret Service is running on the session bus (org.freedesktop.secrets)",
    fix: "install and start gnome-keyring or KeePassXC's Secret Service, or use --store keyutils",
};

pub(crate) const LOCKED: Diagnosis = Diagnosis {
    reason: "the keychain is locked",
    fix: "unlock it (log in to the desktop, or `gnome-keyring-daemon --unlock` with your \
          password on stdin)",
};

/// The kernel keyring case: keyring 3.6 reports "no entry" when the process has only the
/// user's fallback session keyring, so it is checked for and explained up front.
#[cfg(target_os = "linux")]
pub(crate) const NO_SESSION_KEYRING: Diagnosis = Diagnosis {
    reason: "this process has no session keyring of its own, so a key stored in the kernel \
             keyring could not be read back",
    fix: "start a shell with its own session keyring: `keyctl session - $SHELL` (keys kept \
          there are lost on reboot, and expire after 3 days unused), or use --store keychain",
};

/// A generic fix for platform failures that are not recognised.
const UNKNOWN_FIX: &str = "check that the OS keychain service is running and unlocked, \
                           or choose another store with --store";

/// Recognises the common Secret Service failures from their text.
///
/// The phrases come from libdbus (`Unable to autolaunch`, `Failed to connect to socket`),
/// the bus daemon (`ServiceUnknown`, `was not provided by any .service files`) and
/// dbus-secret-service (`unlock prompt was dismissed`, `object locked`). They were seen on
/// Debian 12 with gnome-keyring 42.
pub(crate) fn diagnose(text: &str) -> Option<Diagnosis> {
    let has = |needle: &str| text.contains(needle);
    if has("autolaunch")
        || has("Failed to connect to socket")
        || has("DBUS_SESSION_BUS_ADDRESS")
        || has("Connection refused")
        || has("No DBus session")
        || has("Address does not contain a colon")
        || has("org.freedesktop.DBus.Error.NoServer")
        || has("org.freedesktop.DBus.Error.FileNotFound")
        || has("org.freedesktop.DBus.Error.BadAddress")
    {
        Some(NO_BUS)
    } else if has("prompt was dismissed")
        || has("object locked")
        || has("in a locked collection")
        || has("org.freedesktop.Secret.Error.IsLocked")
    {
        Some(LOCKED)
    } else if has("ServiceUnknown") || has("not provided by any .service files") {
        Some(NO_SECRET_SERVICE)
    } else {
        None
    }
}

/// The failure text of a platform error, kept as a plain string so that its `Debug` form
/// is as safe as its `Display` form.
#[derive(Debug)]
pub(crate) struct PlatformError(pub(crate) String);

impl fmt::Display for PlatformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlatformError {}

/// An unavailable store with a known diagnosis.
pub(crate) fn unavailable(store: StoreKind, d: &Diagnosis) -> StoreError {
    StoreError::Unavailable {
        store,
        reason: d.reason.to_owned(),
        fix: d.fix.to_owned(),
    }
}

/// Maps a platform failure's text to [`StoreError::Unavailable`], recognised or not.
pub(crate) fn from_platform_text(store: StoreKind, text: &str, no_access: bool) -> StoreError {
    if let Some(d) = diagnose(text) {
        return unavailable(store, &d);
    }
    if no_access {
        // keyring reports "the store refused access" this way; on every platform the usual
        // cause is a locked keychain or a denied access prompt.
        return StoreError::Unavailable {
            store,
            reason: format!("access to the keychain was refused ({text})"),
            fix: LOCKED.fix.to_owned(),
        };
    }
    StoreError::Unavailable {
        store,
        reason: text.to_owned(),
        fix: UNKNOWN_FIX.to_owned(),
    }
}

/// Maps a keyring error for `profile`'s entry; `doing` says what was being done, as in
/// "reading the key".
pub(crate) fn from_keyring(
    store: StoreKind,
    profile: &ProfileName,
    doing: &str,
    err: keyring::Error,
) -> StoreError {
    match err {
        keyring::Error::NoEntry => StoreError::NotFound {
            store,
            profile: profile.clone(),
        },
        keyring::Error::PlatformFailure(inner) => {
            from_platform_text(store, &inner.to_string(), false)
        }
        keyring::Error::NoStorageAccess(inner) => {
            from_platform_text(store, &inner.to_string(), true)
        }
        // The bytes are deliberately dropped unread: they are the stored secret.
        keyring::Error::BadEncoding(_) => StoreError::Corrupt {
            store,
            profile: profile.clone(),
            detail: "the stored value is not UTF-8 text".to_owned(),
        },
        keyring::Error::Ambiguous(matches) => StoreError::Corrupt {
            store,
            profile: profile.clone(),
            detail: format!(
                "{} keychain items match it; remove the extra ones with your keychain tool \
                 (such as seahorse or `secret-tool clear`)",
                matches.len()
            ),
        },
        other => StoreError::Backend {
            store,
            context: format!("{doing} for profile `{profile}`"),
            source: Box::new(PlatformError(other.to_string())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_headless_failures() {
        let cases = [
            (
                "Platform secure storage failure: DBus error: Unable to autolaunch a dbus-daemon without a $DISPLAY for X11",
                NO_BUS.reason,
            ),
            (
                "DBus error: Failed to connect to socket /nonexistent/bus: No such file or directory",
                NO_BUS.reason,
            ),
            (
                "DBus error: The name org.freedesktop.secrets was not provided by any .service files",
                NO_SECRET_SERVICE.reason,
            ),
            (
                "Couldn't access platform secure storage: Secret Service: unlock prompt was dismissed",
                LOCKED.reason,
            ),
            (
                "Platform secure storage failure: DBus error: Cannot create an item in a locked collection",
                LOCKED.reason,
            ),
        ];
        for (text, reason) in cases {
            match from_platform_text(StoreKind::Keychain, text, false) {
                StoreError::Unavailable { reason: r, .. } => assert_eq!(r, reason, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn unknown_failures_keep_the_platform_text() {
        let err = from_platform_text(StoreKind::Keychain, "something odd", false);
        assert!(err.to_string().contains("something odd"), "{err}");
    }

    #[test]
    fn bad_encoding_never_shows_its_bytes() {
        let profile: ProfileName = "dev".parse().unwrap();
        let secret = b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\xff".to_vec();
        let err = from_keyring(
            StoreKind::Keychain,
            &profile,
            "reading the key",
            keyring::Error::BadEncoding(secret),
        );
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("wJalr"), "{shown}");
        assert!(!shown.contains("119, 74, 97"), "{shown}"); // "wJa" as a byte list.
        assert!(matches!(err, StoreError::Corrupt { .. }));
    }
}
