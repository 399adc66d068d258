//! Credentials and the secret wrapper that keeps them out of logs and errors.

use std::fmt;
use std::time::SystemTime;

use secrecy::{ExposeSecret, SecretString};

use crate::AccessKeyId;

/// What every secret-holding type prints instead of its contents.
pub const REDACTED: &str = "** redacted **";

/// A secret string: zeroed on drop, printed as [`REDACTED`] by `Debug` and `Display`.
///
/// The only way to read it is [`Secret::expose`], so every place that touches the
/// plaintext is easy to find with a search.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a secret value, taking ownership so that no plaintext copy stays behind.
    pub fn new(value: String) -> Self {
        Self(SecretString::from(value))
    }

    /// Returns the plaintext. Call it only where the value leaves for its consumer
    /// (a store, a signed request, the `credential_process` JSON).
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value.to_owned())
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        // Not constant-time: secrets are compared only in tests and in read-back checks
        // of values this process wrote itself.
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// AWS credentials: a key id, its secret, and for temporary credentials a session token
/// and an expiry.
///
/// `Debug` shows the key id and expiry but never the secret or the token:
///
/// ```
/// use sagecred_core::{AccessKeyId, Credentials};
/// let id: AccessKeyId = "AKIAIOSFODNN7EXAMPLE".parse().unwrap();
/// let creds = Credentials::new(id, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into());
/// let shown = format!("{creds:?}");
/// assert!(shown.contains("** redacted **"));
/// assert!(!shown.contains("wJalr"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: AccessKeyId,
    secret_access_key: Secret,
    session_token: Option<Secret>,
    expiration: Option<SystemTime>,
}

impl Credentials {
    /// Long-term credentials: a key id and its secret.
    pub fn new(access_key_id: AccessKeyId, secret_access_key: Secret) -> Self {
        Self {
            access_key_id,
            secret_access_key,
            session_token: None,
            expiration: None,
        }
    }

    /// Adds a session token, making these temporary credentials.
    #[must_use]
    pub fn with_session_token(mut self, token: Secret) -> Self {
        self.session_token = Some(token);
        self
    }

    /// Adds the time after which the credentials stop working.
    #[must_use]
    pub fn with_expiration(mut self, expiration: SystemTime) -> Self {
        self.expiration = Some(expiration);
        self
    }

    /// The access key id (not secret, but shown masked to users).
    pub fn access_key_id(&self) -> &AccessKeyId {
        &self.access_key_id
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &Secret {
        &self.secret_access_key
    }

    /// The session token of temporary credentials.
    pub fn session_token(&self) -> Option<&Secret> {
        self.session_token.as_ref()
    }

    /// When temporary credentials expire.
    pub fn expiration(&self) -> Option<SystemTime> {
        self.expiration
    }

    /// Whether these credentials are expired at `now`, or will be within `margin`.
    pub fn expires_within(&self, now: SystemTime, margin: std::time::Duration) -> bool {
        match self.expiration {
            Some(at) => now + margin >= at,
            None => false,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field("session_token", &self.session_token)
            .field("expiration", &self.expiration)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    fn creds() -> Credentials {
        Credentials::new("AKIAIOSFODNN7EXAMPLE".parse().unwrap(), SECRET.into())
    }

    #[test]
    fn debug_and_display_never_show_secrets() {
        let c = creds().with_session_token("FwoGZXIvYXdzEXAMPLETOKEN".into());
        let debug = format!("{c:?} {c:#?}");
        assert!(!debug.contains(SECRET), "{debug}");
        assert!(!debug.contains("FwoGZX"), "{debug}");
        assert!(debug.contains(REDACTED));
        assert!(debug.contains("AKIAIOSFODNN7EXAMPLE"));
        assert_eq!(c.secret_access_key().to_string(), REDACTED);
    }

    #[test]
    fn expose_returns_the_plaintext() {
        assert_eq!(creds().secret_access_key().expose(), SECRET);
    }

    #[test]
    fn expiry_margin() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let c = creds().with_expiration(now + Duration::from_secs(600));
        assert!(!c.expires_within(now, Duration::from_secs(300)));
        assert!(c.expires_within(now, Duration::from_secs(600)));
        assert!(!creds().expires_within(now, Duration::from_secs(1 << 30)));
    }
}
