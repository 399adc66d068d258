//! What can go wrong in a sign-in or a credential request. Messages never quote a token.

use std::path::PathBuf;

/// A failed SSO operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SsoError {
    /// The session or profile settings are incomplete or invalid.
    #[error("{0}")]
    Config(String),
    /// A profile names an `[sso-session NAME]` section the config file does not have.
    #[error("the config file has no [sso-session {session}] section")]
    UnknownSession {
        /// The session name.
        session: String,
    },
    /// The profile names a session but no account and role to sign in to.
    #[error("profile `{profile}` has no sso_account_id and sso_role_name")]
    NoRole {
        /// The profile.
        profile: String,
    },
    /// There is no usable token and this caller may not start a sign-in.
    #[error("the SSO session `{session}` needs a new sign-in: {reason}")]
    LoginRequired {
        /// The session (or, for a legacy profile, the start URL).
        session: String,
        /// Why: no token cached, expired and not refreshable, refresh refused...
        reason: String,
    },
    /// The user code was not approved before the device code expired.
    #[error("the sign-in request expired before it was approved in the browser")]
    DeviceCodeExpired,
    /// The user (or an administrator's policy) denied the sign-in request.
    #[error("the sign-in request was denied")]
    AccessDenied,
    /// The portal rejected the access token: it expired or was signed out.
    #[error("the SSO access token was rejected (expired or signed out)")]
    Unauthorized,
    /// The signed-in user has no such account or role assignment.
    #[error("no access to role `{role}` in account {account}")]
    NoAssignment {
        /// The account id.
        account: String,
        /// The permission set's role name.
        role: String,
    },
    /// An SSO API call failed for another reason (network, throttling, server error).
    #[error("{operation} failed: {message}")]
    Service {
        /// The API, as `sso-oidc:CreateToken`.
        operation: &'static str,
        /// What went wrong, from the SDK error's typed fields (never the request).
        message: String,
        /// Whether the endpoint could not be reached or did not answer in time.
        network: bool,
    },
    /// The token cache file cannot be read or written.
    #[error("SSO token cache {}: {detail}", path.display())]
    Cache {
        /// The cache file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
}

impl SsoError {
    /// `true` when only a new sign-in can fix this.
    pub fn needs_login(&self) -> bool {
        matches!(
            self,
            Self::LoginRequired { .. }
                | Self::Unauthorized
                | Self::DeviceCodeExpired
                | Self::AccessDenied
        )
    }
}
