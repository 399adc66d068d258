//! [`SsoProfile`]: the Identity Center settings of one profile, read from its settings and
//! its `[sso-session]` section, and [`role_credentials`], the one way a profile's role
//! credentials are served: from the role-credential cache while fresh, else with the
//! session's token (refreshed, or from a new sign-in when the caller allows one).

use std::time::SystemTime;

use sagecred_core::{
    Credentials, ProfileName, ProfileSettings, SESSION_REFRESH_MARGIN, SessionCache, fresh_session,
    remember_session,
};

use crate::cache::TokenCache;
use crate::client::{SsoClient, SsoEndpoints};
use crate::error::SsoError;
use crate::flow::{LoginOptions, access_token, login_and_cache};
use crate::session::{SsoRole, SsoSession};

/// A profile's Identity Center settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoProfile {
    /// The session it signs in with.
    pub session: SsoSession,
    /// The account and role; `None` for a profile that only names a session.
    pub role: Option<SsoRole>,
}

impl SsoProfile {
    /// The SSO settings of a profile, or `None` when it does not sign in through SSO.
    ///
    /// `profile` is the profile's merged settings; `session` finds an `[sso-session NAME]`
    /// section by name. A profile may name a session (`sso_session`) or carry the legacy
    /// `sso_start_url` and `sso_region` itself.
    pub fn from_settings<S: ProfileSettings>(
        profile: &dyn ProfileSettings,
        session: impl FnOnce(&str) -> Option<S>,
    ) -> Result<Option<Self>, SsoError> {
        let session = if let Some(name) = profile.setting("sso_session") {
            let Some(section) = session(name) else {
                return Err(SsoError::UnknownSession {
                    session: name.to_owned(),
                });
            };
            SsoSession::from_section(name, |k| section.setting(k))?
        } else if let Some(url) = profile.setting("sso_start_url") {
            let region = profile
                .setting("sso_region")
                .ok_or_else(|| SsoError::Config("it has sso_start_url but no sso_region".into()))?;
            SsoSession::legacy(url, region)
        } else {
            return Ok(None);
        };
        let role = match (
            profile.setting("sso_account_id"),
            profile.setting("sso_role_name"),
        ) {
            (Some(account), Some(role)) => Some(SsoRole::new(account, role)?),
            _ => None,
        };
        Ok(Some(Self { session, role }))
    }
}

/// Where [`role_credentials`] finds and keeps things.
#[derive(Debug)]
pub struct RoleSources<'a> {
    /// The SSO token cache.
    pub tokens: &'a TokenCache,
    /// Where role credentials are cached between calls (the CLI: the OS keychain's
    /// session entries), when one can be used.
    pub roles: Option<&'a dyn SessionCache>,
    /// The Identity Center endpoints.
    pub endpoints: &'a SsoEndpoints,
}

/// The role credentials of `profile`. Cached ones are served until
/// [`SESSION_REFRESH_MARGIN`] before they expire; otherwise the session's token is taken
/// ([`access_token`]: cached, refreshed, or with `login` a new sign-in) and
/// GetRoleCredentials called. When the portal rejects a token the cache still calls valid
/// (a sign-out elsewhere) and `login` is given, one new sign-in is made. New credentials
/// are cached; a cache that refuses them is no error.
///
/// Without `login`, a token that only a new sign-in can renew is
/// [`SsoError::LoginRequired`] (see [`SsoError::needs_login`]).
pub async fn role_credentials(
    sources: &RoleSources<'_>,
    profile: &ProfileName,
    sso: &SsoProfile,
    now: SystemTime,
    mut login: Option<&mut LoginOptions<'_>>,
) -> Result<Credentials, SsoError> {
    let Some(role) = &sso.role else {
        return Err(SsoError::NoRole {
            profile: profile.to_string(),
        });
    };
    if let Some(cached) = fresh_session(sources.roles, profile, now, SESSION_REFRESH_MARGIN) {
        tracing::debug!(%profile, "serving cached SSO role credentials");
        return Ok(cached);
    }
    let client = SsoClient::with_endpoints(&sso.session.region, sources.endpoints).await;
    let token = access_token(&client, sources.tokens, &sso.session, login.as_deref_mut()).await?;
    let account = role.account_id.as_str();
    let got = client
        .role_credentials(&token.access_token, account, &role.role_name)
        .await;
    let creds = match (got, login) {
        (Err(SsoError::Unauthorized), Some(options)) => {
            let token = login_and_cache(&client, sources.tokens, &sso.session, options).await?;
            client
                .role_credentials(&token.access_token, account, &role.role_name)
                .await?
        }
        (other, _) => other?,
    };
    if let Err(e) = remember_session(sources.roles, profile, &creds) {
        tracing::debug!(error = %e, "not caching SSO role credentials");
    }
    Ok(creds)
}

/// Every (account id, role name) the signed-in user can reach with `access_token`
/// (ListAccounts, then ListAccountRoles for each account), sorted.
pub async fn assignments(
    client: &SsoClient,
    access_token: &sagecred_core::Secret,
) -> Result<Vec<(String, String)>, SsoError> {
    let mut out = Vec::new();
    for account in client.accounts(access_token).await? {
        for role in client
            .account_roles(access_token, &account.account_id)
            .await?
        {
            out.push((account.account_id.clone(), role));
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy)]
    struct Settings(&'static [(&'static str, &'static str)]);

    impl ProfileSettings for Settings {
        fn setting(&self, key: &str) -> Option<&str> {
            self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
        }
    }

    static TEAM: Settings = Settings(&[
        ("sso_start_url", "https://d-1234567890.awsapps.com/start"),
        ("sso_region", "eu-west-1"),
    ]);

    fn sessions(name: &str) -> Option<Settings> {
        (name == "team").then_some(TEAM)
    }

    #[test]
    fn profiles_name_a_session_or_carry_a_legacy_start_url() {
        let named = Settings(&[
            ("sso_session", "team"),
            ("sso_account_id", "111122223333"),
            ("sso_role_name", "Dev"),
        ]);
        let p = SsoProfile::from_settings(&named, sessions)
            .unwrap()
            .unwrap();
        assert_eq!(p.session.name.as_deref(), Some("team"));
        assert_eq!(p.session.region, "eu-west-1");
        assert_eq!(p.role.unwrap().role_name, "Dev");

        let legacy = Settings(&[("sso_start_url", "https://x"), ("sso_region", "us-east-1")]);
        let p = SsoProfile::from_settings(&legacy, sessions)
            .unwrap()
            .unwrap();
        assert_eq!(p.session.cache_key(), "https://x");
        assert_eq!(p.role, None);

        let keys = Settings(&[("region", "us-east-1")]);
        assert_eq!(SsoProfile::from_settings(&keys, sessions).unwrap(), None);
    }

    #[test]
    fn broken_profiles_are_categories_not_advice() {
        let unknown = Settings(&[("sso_session", "nope")]);
        assert!(matches!(
            SsoProfile::from_settings(&unknown, sessions),
            Err(SsoError::UnknownSession { session }) if session == "nope"
        ));
        let no_region = Settings(&[("sso_start_url", "https://x")]);
        let e = SsoProfile::from_settings(&no_region, sessions).unwrap_err();
        assert!(e.to_string().contains("sso_region"), "{e}");
        assert!(!e.to_string().contains("sagecred"), "{e}");
        let bad_account = Settings(&[
            ("sso_session", "team"),
            ("sso_account_id", "12"),
            ("sso_role_name", "Dev"),
        ]);
        assert!(matches!(
            SsoProfile::from_settings(&bad_account, sessions),
            Err(SsoError::Config(_))
        ));
    }
}
