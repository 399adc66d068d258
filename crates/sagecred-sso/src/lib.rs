//! IAM Identity Center (SSO) for sagecred: sign-in without long-lived keys.
//!
//! The pieces, in the order a sign-in uses them:
//!
//! - [`SsoSession`] is an `[sso-session NAME]` section (start URL, region, scopes), or the
//!   legacy form where a profile carries `sso_start_url` itself. [`SsoRole`] is the account
//!   and role a profile signs in to.
//! - [`SsoProfile`] is a profile's SSO settings (its session and, when set, its role), read
//!   from the profile's settings and its `[sso-session]` section.
//! - [`SsoClient`] calls the two AWS services: SSO OIDC (RegisterClient,
//!   StartDeviceAuthorization, CreateToken) and the SSO portal (GetRoleCredentials,
//!   ListAccounts, ListAccountRoles, Logout), at the [`SsoEndpoints`] the caller hands in:
//!   the crate reads no environment variable and no AWS file.
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
//! - [`role_credentials`] is how a profile's role credentials are served, by the CLI and by
//!   [`SsoStore`] alike: from a role-credential cache (`sagecred_core::SessionCache`) while
//!   fresh, else through [`access_token`] and GetRoleCredentials, with one new sign-in when
//!   the portal rejects a token and the caller allows it.
//! - [`sso_profiles`], [`all_sessions`] and [`sign_out`] are a config file's SSO side:
//!   which profiles and sessions exist, and ending a session (portal, token, cached role
//!   credentials).
//! - [`SsoStore`] is the async `CredentialProvider` whose `provide` returns role
//!   credentials. SSO keys are never stored, so it is no `CredentialStore`.

mod cache;
mod client;
mod config;
mod error;
mod flow;
mod profile;
mod session;
mod store;

pub use cache::{CachedToken, TokenCache, format_timestamp, parse_timestamp};
pub use client::{Account, DeviceAuthorization, Registration, SsoClient, SsoEndpoints, TokenGrant};
pub use config::{SignOut, all_sessions, populated_profile_name, sign_out, sso_profiles};
pub use error::SsoError;
pub use flow::{
    LoginEvent, LoginOptions, Pacer, REFRESH_WINDOW, TokioPacer, access_token, login,
    login_and_cache,
};
pub use profile::{RoleSources, SsoProfile, assignments, role_credentials};
pub use session::{DEFAULT_SCOPE, SsoRole, SsoSession};
pub use store::SsoStore;
