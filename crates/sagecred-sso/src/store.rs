//! [`SsoStore`]: the [`CredentialProvider`] for profiles that sign in through Identity
//! Center. It holds no keys, so it is no `CredentialStore`.

use std::collections::BTreeMap;

use sagecred_core::{CredentialProvider, Credentials, ProfileName, StoreError, StoreKind};

use crate::cache::TokenCache;
use crate::client::SsoEndpoints;
use crate::error::SsoError;
use crate::profile::{RoleSources, SsoProfile, role_credentials};
use crate::session::{SsoRole, SsoSession};

/// Role credentials for SSO profiles. `get` takes the session's token (refreshing it when
/// due) and calls GetRoleCredentials; it never starts a sign-in, so a missing or dead token
/// is [`StoreError::Unavailable`] with `sagecred login` as the fix. Keys are never stored.
/// [`SsoStore::sign_out`] removes the profile's session from the local cache.
#[derive(Debug)]
pub struct SsoStore {
    cache: TokenCache,
    endpoints: SsoEndpoints,
    profiles: BTreeMap<ProfileName, (SsoSession, SsoRole)>,
}

impl SsoStore {
    /// A store over `cache` that knows no profiles yet.
    pub fn new(cache: TokenCache) -> Self {
        Self {
            cache,
            endpoints: SsoEndpoints::default(),
            profiles: BTreeMap::new(),
        }
    }

    /// Sends both Identity Center services' calls to `url` instead of AWS's endpoints.
    pub fn with_endpoint(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.endpoints = SsoEndpoints {
            oidc: Some(url.clone()),
            portal: Some(url),
        };
        self
    }

    /// Sends the Identity Center calls to `endpoints`.
    pub fn with_endpoints(mut self, endpoints: SsoEndpoints) -> Self {
        self.endpoints = endpoints;
        self
    }

    /// Adds a profile: the session it signs in with and the role it uses.
    pub fn with_profile(
        mut self,
        profile: ProfileName,
        session: SsoSession,
        role: SsoRole,
    ) -> Self {
        self.profiles.insert(profile, (session, role));
        self
    }

    fn entry(&self, profile: &ProfileName) -> Result<&(SsoSession, SsoRole), StoreError> {
        self.profiles
            .get(profile)
            .ok_or_else(|| StoreError::NotFound {
                store: StoreKind::Sso,
                profile: profile.clone(),
            })
    }
}

/// Maps an SSO failure of `profile` to the store's error kinds.
pub(crate) fn store_error(profile: &ProfileName, e: SsoError) -> StoreError {
    if e.needs_login() {
        StoreError::Unavailable {
            store: StoreKind::Sso,
            reason: e.to_string(),
            fix: format!("run `sagecred login --profile {profile}`"),
        }
    } else {
        StoreError::Backend {
            store: StoreKind::Sso,
            context: format!("getting role credentials for profile `{profile}`"),
            source: Box::new(e),
        }
    }
}

impl SsoStore {
    /// Removes the token of `profile`'s session from the local cache. Returns whether
    /// there was one.
    pub fn sign_out(&self, profile: &ProfileName) -> Result<bool, StoreError> {
        let (session, _) = self.entry(profile)?;
        self.cache
            .remove(session)
            .map_err(|e| store_error(profile, e))
    }

    /// The profiles this provider knows.
    pub fn profiles(&self) -> Vec<ProfileName> {
        self.profiles.keys().cloned().collect()
    }
}

#[async_trait::async_trait]
impl CredentialProvider for SsoStore {
    fn kind(&self) -> StoreKind {
        StoreKind::Sso
    }

    async fn provide(&self, profile: &ProfileName) -> Result<Credentials, StoreError> {
        let (session, role) = self.entry(profile)?;
        let sso = SsoProfile {
            session: session.clone(),
            role: Some(role.clone()),
        };
        let sources = RoleSources {
            tokens: &self.cache,
            roles: None,
            endpoints: &self.endpoints,
        };
        role_credentials(&sources, profile, &sso, std::time::SystemTime::now(), None)
            .await
            .map_err(|e| store_error(profile, e))
    }
}
