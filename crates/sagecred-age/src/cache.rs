//! Keeping the unlocked identity between commands: the kernel session keyring.
//!
//! After the passphrase has opened the identity file once, the identity (an
//! `AGE-SECRET-KEY-1...` string) is added to the login session's keyring as a `user` key
//! named `sagecred:age-identity:<recipient>`, readable only by its possessors (the
//! processes of that login session), with a timeout after which the kernel drops it. Later
//! commands in the same session find it there and decrypt without asking; other sessions
//! of the same user, and other users, cannot read it. `sagecred lock` (or the timeout, or
//! the end of the login session) forgets it.
//!
//! A process without a session keyring of its own (one that only has the user's fallback
//! `_uid_ses.UID` keyring, such as a cron job or a service without pam_keyinit) gets no
//! cache: there the passphrase is asked every time.

use std::fmt;
use std::time::Duration;

use zeroize::Zeroizing;

/// The prefix of the keyring descriptions this crate writes.
pub const KEY_DESCRIPTION_PREFIX: &str = "sagecred:age-identity:";

/// How long an unlocked identity is kept when nobody says otherwise: a working day.
pub const DEFAULT_UNLOCK_TIMEOUT: Duration = Duration::from_secs(8 * 60 * 60);

/// Somewhere the unlocked identity can wait between commands.
pub trait IdentityCache: Send + Sync + fmt::Debug {
    /// The identity cached for `recipient`, if any.
    fn load(&self, recipient: &str) -> Option<Zeroizing<String>>;
    /// Caches `identity` under `recipient`. Best effort: a cache that cannot keep it
    /// only means the passphrase is asked again next time.
    fn store(&self, recipient: &str, identity: &str);
    /// Forgets what is cached for `recipient`.
    fn forget(&self, recipient: &str);
}

/// No cache: every process asks for the passphrase once.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCache;

impl IdentityCache for NoCache {
    fn load(&self, _recipient: &str) -> Option<Zeroizing<String>> {
        None
    }
    fn store(&self, _recipient: &str, _identity: &str) {}
    fn forget(&self, _recipient: &str) {}
}

/// The kernel session keyring of the login session (Linux), with a timeout.
#[derive(Debug, Clone, Copy)]
pub struct SessionKeyring {
    timeout: Duration,
}

impl SessionKeyring {
    /// A cache whose entries the kernel drops after `timeout` (whole seconds; zero means
    /// nothing is cached).
    pub fn new(timeout: Duration) -> Self {
        Self { timeout }
    }

    /// The timeout entries get.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether this process has a session keyring of its own to cache in.
    pub fn available() -> bool {
        keyring::session().is_some()
    }

    /// Forgets every identity this crate cached in the session keyring, whatever store it
    /// belongs to. Returns how many were forgotten.
    pub fn forget_all() -> usize {
        keyring::forget_all()
    }
}

impl Default for SessionKeyring {
    fn default() -> Self {
        Self::new(DEFAULT_UNLOCK_TIMEOUT)
    }
}

impl IdentityCache for SessionKeyring {
    fn load(&self, recipient: &str) -> Option<Zeroizing<String>> {
        keyring::load(&description(recipient))
    }

    fn store(&self, recipient: &str, identity: &str) {
        if self.timeout.as_secs() > 0 {
            keyring::store(&description(recipient), identity, self.timeout);
        }
    }

    fn forget(&self, recipient: &str) {
        keyring::forget(&description(recipient));
    }
}

fn description(recipient: &str) -> String {
    format!("{KEY_DESCRIPTION_PREFIX}{recipient}")
}

#[cfg(target_os = "linux")]
mod keyring {
    use std::time::Duration;

    use linux_keyutils::{KeyPermissionsBuilder, KeyRing, KeyRingIdentifier, Permission};
    use zeroize::Zeroizing;

    use super::KEY_DESCRIPTION_PREFIX;

    /// The session keyring, when the process has one of its own: looked up without
    /// `create`, so that the lookup never makes one. The user's fallback session keyring
    /// (`_uid_ses.UID`) is shared by every process of the user that has no session of its
    /// own, outlives logins, and is not what "this login session" means: it is not used.
    pub(super) fn session() -> Option<KeyRing> {
        let ring = KeyRing::from_special_id(KeyRingIdentifier::Session, false).ok()?;
        let meta = ring.metadata().ok()?;
        (!meta.get_description().starts_with("_uid_ses.")).then_some(ring)
    }

    pub(super) fn load(description: &str) -> Option<Zeroizing<String>> {
        let ring = session()?;
        let key = ring.search(description).ok()?;
        let bytes = Zeroizing::new(key.read_to_vec().ok()?);
        let text = std::str::from_utf8(&bytes).ok()?;
        Some(Zeroizing::new(text.to_owned()))
    }

    pub(super) fn store(description: &str, identity: &str, timeout: Duration) {
        let Some(ring) = session() else { return };
        let Ok(key) = ring.add_key(description, identity.as_bytes()) else {
            return;
        };
        // Possessors (this login session's processes) may use it; the user's other
        // processes may only see that it exists.
        let perms = KeyPermissionsBuilder::builder()
            .posessor(
                Permission::VIEW
                    | Permission::READ
                    | Permission::WRITE
                    | Permission::SEARCH
                    | Permission::LINK
                    | Permission::SETATTR,
            )
            .user(Permission::VIEW)
            .build();
        let secs = usize::try_from(timeout.as_secs()).unwrap_or(usize::MAX);
        if key.set_timeout(secs).is_err() || key.set_perms(perms).is_err() {
            // A key that cannot be confined or made to expire is not kept.
            let _ = key.invalidate();
        }
    }

    pub(super) fn forget(description: &str) {
        if let Some(ring) = session() {
            while let Ok(key) = ring.search(description) {
                if key.invalidate().is_err() {
                    break;
                }
            }
        }
    }

    pub(super) fn forget_all() -> usize {
        let Some(ring) = session() else { return 0 };
        let Ok(links) = ring.get_links(4096) else {
            return 0;
        };
        let mut forgotten = 0;
        for node in links.iter() {
            let Some(key) = node.as_key() else { continue };
            let ours = key
                .metadata()
                .map(|m| m.get_description().starts_with(KEY_DESCRIPTION_PREFIX))
                .unwrap_or(false);
            if ours && key.invalidate().is_ok() {
                forgotten += 1;
            }
        }
        forgotten
    }
}

#[cfg(not(target_os = "linux"))]
mod keyring {
    use std::time::Duration;

    use zeroize::Zeroizing;

    /// Only Linux has a kernel keyring.
    pub(super) fn session() -> Option<()> {
        None
    }
    pub(super) fn load(_description: &str) -> Option<Zeroizing<String>> {
        None
    }
    pub(super) fn store(_description: &str, _identity: &str, _timeout: Duration) {}
    pub(super) fn forget(_description: &str) {}
    pub(super) fn forget_all() -> usize {
        0
    }
}
