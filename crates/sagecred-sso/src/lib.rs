//! IAM Identity Center (SSO) for sagecred: sign-in without long-lived keys.
//!
//! The pieces, in the order a sign-in uses them:
//!
//! - [`SsoSession`] is an `[sso-session NAME]` section (start URL, region, scopes), or the
//!   legacy form where a profile carries `sso_start_url` itself. [`SsoRole`] is the account
//!   and role a profile signs in to.
//! - [`SsoClient`] calls the two AWS services: SSO OIDC (RegisterClient,
//!   StartDeviceAuthorization, CreateToken) and the SSO portal (GetRoleCredentials,
//!   ListAccounts, ListAccountRoles, Logout). Endpoints follow the SDK's rules, so
//!   `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_SSO_OIDC` / `AWS_ENDPOINT_URL_SSO` redirect them.
//! - [`login`] runs the OAuth device authorization flow and polls CreateToken at the
//!   server's interval (`slow_down` adds 5 seconds); waiting goes through a [`Pacer`], so
//!   tests can count the waits instead of sleeping.
//! - [`TokenCache`] is the AWS CLI v2's cache, `~/.aws/sso/cache/<sha1 hex>.json`, read and
//!   written in the CLI's own format and with mode 0600, so that a token either side wrote
//!   serves the other.
//! - [`access_token`] is what every command calls: the cached token when it has more than
//!   15 minutes left, else a refresh (`refresh_token` grant), else a new login or
//!   [`SsoError::LoginRequired`]. Refreshes and logins hold a file lock, so parallel
//!   processes make one of each, not one per process.
//! - [`SsoStore`] is the async `CredentialProvider` whose `provide` returns role
//!   credentials. SSO keys are never stored, so it is no `CredentialStore`.

mod cache;
mod client;
mod error;
mod flow;
mod session;
mod store;

pub use cache::{CachedToken, TokenCache, format_timestamp, parse_timestamp};
pub use client::{Account, DeviceAuthorization, Registration, SsoClient, TokenGrant};
pub use error::SsoError;
pub use flow::{
    LoginEvent, LoginOptions, Pacer, REFRESH_WINDOW, TokioPacer, access_token, login,
    login_and_cache,
};
pub use session::{DEFAULT_SCOPE, SsoRole, SsoSession};
pub use store::SsoStore;
