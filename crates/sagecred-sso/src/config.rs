//! The SSO side of a config file: which profiles sign in through Identity Center, which
//! sessions exist, and signing a session out (its token, the portal session, and the role
//! credentials cached for its profiles).

use std::time::SystemTime;

use sagecred_core::{ProfileName, SessionCache};
use sagecred_ini::ProfileSet;

use crate::cache::TokenCache;
use crate::client::{SsoClient, SsoEndpoints};
use crate::error::SsoError;
use crate::profile::SsoProfile;
use crate::session::SsoSession;

/// Every profile of `set` that signs in through SSO with valid settings, in file order.
/// Profiles whose SSO settings are broken are left out.
pub fn sso_profiles(set: &ProfileSet) -> Vec<(ProfileName, SsoProfile)> {
    set.profile_names()
        .into_iter()
        .filter_map(|name| {
            let profile: ProfileName = name.parse().ok()?;
            let section = set.profile(&name)?;
            let sso = SsoProfile::from_settings(&section, |s| set.sso_session(s))
                .ok()
                .flatten()?;
            Some((profile, sso))
        })
        .collect()
}

/// Every session `set` uses: those of its SSO profiles (legacy start URLs included), then
/// every `[sso-session]` section, each once.
pub fn all_sessions(set: &ProfileSet) -> Vec<SsoSession> {
    let mut out: Vec<SsoSession> = Vec::new();
    for (_, p) in sso_profiles(set) {
        if !out.contains(&p.session) {
            out.push(p.session);
        }
    }
    for name in set.config().sso_session_names() {
        if let Some(section) = set.sso_session(&name)
            && let Ok(s) = SsoSession::from_section(&name, |k| section.get(k))
            && !out.contains(&s)
        {
            out.push(s);
        }
    }
    out
}

/// The default name of a profile written for an account and role: `{role}-{account}`, as
/// `aws configure sso` suggests, with characters a profile name cannot hold made `-`.
pub fn populated_profile_name(role: &str, account: &str) -> Option<ProfileName> {
    let name: String = format!("{role}-{account}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_-.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    name.parse().ok()
}

/// What [`sign_out`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOut {
    /// A cached token was deleted.
    pub token_deleted: bool,
    /// The portal ended the session (Logout), which needs a token that had not expired.
    pub portal_session_ended: bool,
    /// The profiles whose cached role credentials were deleted.
    pub role_credentials_deleted: Vec<ProfileName>,
}

/// Signs `session` out: ends the portal session with the cached token when it is still
/// valid (a failure there is not an error: the local sign-out goes on), deletes the token,
/// and deletes the role credentials cached in `roles` for each of `profiles` that uses the
/// session.
pub async fn sign_out(
    tokens: &TokenCache,
    roles: Option<&dyn SessionCache>,
    endpoints: &SsoEndpoints,
    session: &SsoSession,
    profiles: &[(ProfileName, SsoProfile)],
    now: SystemTime,
) -> Result<SignOut, SsoError> {
    let token = tokens.load(session).ok().flatten();
    let mut portal_session_ended = false;
    if let Some(token) = &token
        && !token.remaining(now).is_zero()
    {
        let client = SsoClient::with_endpoints(&session.region, endpoints).await;
        portal_session_ended = client
            .logout(&token.access_token)
            .await
            .inspect_err(|e| tracing::debug!(error = %e, "portal sign-out failed"))
            .is_ok();
    }
    let token_deleted = tokens.remove(session)?;
    let role_credentials_deleted = profiles
        .iter()
        .filter(|(_, p)| p.session == *session)
        .filter(|(name, _)| roles.is_some_and(|r| r.delete_session(name).unwrap_or(false)))
        .map(|(name, _)| name.clone())
        .collect();
    Ok(SignOut {
        token_deleted,
        portal_session_ended,
        role_credentials_deleted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn populated_names_are_profile_names() {
        assert_eq!(
            populated_profile_name("Admin Access", "111122223333")
                .unwrap()
                .as_str(),
            "Admin-Access-111122223333"
        );
    }
}
