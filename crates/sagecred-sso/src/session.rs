//! Which Identity Center a profile signs in to, and as whom.

use sagecred_core::AccountId;

use crate::error::SsoError;

/// The scope that makes Identity Center issue refresh tokens.
pub const DEFAULT_SCOPE: &str = "sso:account:access";

/// An Identity Center sign-in: where the portal is and what the token may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoSession {
    /// The `[sso-session NAME]` name, or `None` for a legacy profile that carries
    /// `sso_start_url` itself (such profiles get no refresh tokens).
    pub name: Option<String>,
    /// The AWS access portal URL, `https://d-xxxxxxxxxx.awsapps.com/start`.
    pub start_url: String,
    /// The region Identity Center runs in.
    pub region: String,
    /// The OAuth scopes to register with; empty for legacy profiles.
    pub scopes: Vec<String>,
}

impl SsoSession {
    /// A session from the settings of an `[sso-session NAME]` section, read through `get`.
    ///
    /// `sso_start_url` and `sso_region` are required; `sso_registration_scopes` is a
    /// comma-separated list and defaults to [`DEFAULT_SCOPE`].
    pub fn from_section<'a>(
        name: &str,
        get: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<Self, SsoError> {
        let required = |key: &str| {
            get(key)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| {
                    SsoError::Config(format!("[sso-session {name}] has no `{key}` setting"))
                })
        };
        let start_url = required("sso_start_url")?;
        let region = required("sso_region")?;
        let scopes = match get("sso_registration_scopes") {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            None => vec![DEFAULT_SCOPE.to_owned()],
        };
        Ok(Self {
            name: Some(name.to_owned()),
            start_url,
            region,
            scopes,
        })
    }

    /// The legacy form: `sso_start_url` and `sso_region` in the profile itself.
    pub fn legacy(start_url: &str, region: &str) -> Self {
        Self {
            name: None,
            start_url: start_url.to_owned(),
            region: region.to_owned(),
            scopes: Vec::new(),
        }
    }

    /// What names this session in messages and in `sagecred login --sso-session`.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.start_url)
    }

    /// The string whose SHA-1 names the cache file: the session name, or for a legacy
    /// profile the start URL, exactly as the AWS CLI v2 keys them.
    pub fn cache_key(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.start_url)
    }

    /// Whether tokens of this session can be refreshed (a scope was registered).
    pub fn refreshable(&self) -> bool {
        self.name.is_some() && !self.scopes.is_empty()
    }
}

/// The account and permission-set role that a profile signs in to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoRole {
    /// The 12-digit account id.
    pub account_id: AccountId,
    /// The role name, which is the permission set's name.
    pub role_name: String,
}

impl SsoRole {
    /// Validates the account id and role name of a profile.
    pub fn new(account_id: &str, role_name: &str) -> Result<Self, SsoError> {
        let account_id = account_id
            .trim()
            .parse()
            .map_err(|e| SsoError::Config(format!("sso_account_id: {e}")))?;
        let role_name = role_name.trim();
        if role_name.is_empty() {
            return Err(SsoError::Config("sso_role_name is empty".into()));
        }
        Ok(Self {
            account_id,
            role_name: role_name.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_need_a_start_url_and_a_region() {
        let full = |k: &str| match k {
            "sso_start_url" => Some("https://d-1234567890.awsapps.com/start"),
            "sso_region" => Some("eu-west-1"),
            "sso_registration_scopes" => Some("sso:account:access, extra:scope"),
            _ => None,
        };
        let s = SsoSession::from_section("team", full).unwrap();
        assert_eq!(s.scopes, ["sso:account:access", "extra:scope"]);
        assert_eq!(s.cache_key(), "team");
        assert!(s.refreshable());

        let no_region = |k: &str| (k == "sso_start_url").then_some("https://x");
        let err = SsoSession::from_section("team", no_region).unwrap_err();
        assert!(err.to_string().contains("sso_region"), "{err}");
    }

    #[test]
    fn scopes_default_to_account_access_and_legacy_sessions_key_by_url() {
        let get = |k: &str| match k {
            "sso_start_url" => Some("https://x"),
            "sso_region" => Some("us-east-1"),
            _ => None,
        };
        let s = SsoSession::from_section("t", get).unwrap();
        assert_eq!(s.scopes, [DEFAULT_SCOPE]);
        let legacy = SsoSession::legacy("https://x", "us-east-1");
        assert_eq!(legacy.cache_key(), "https://x");
        assert!(!legacy.refreshable());
    }

    #[test]
    fn roles_validate_the_account() {
        assert!(SsoRole::new("123", "Dev").is_err());
        assert!(SsoRole::new("111122223333", " ").is_err());
        assert_eq!(
            SsoRole::new("111122223333", "Dev").unwrap().role_name,
            "Dev"
        );
    }
}
