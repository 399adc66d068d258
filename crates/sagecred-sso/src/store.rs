//! [`SsoStore`]: the [`CredentialProvider`] for profiles that sign in through Identity
//! Center. It holds no keys, so it is no `CredentialStore`.

use std::collections::BTreeMap;

use sagecred_core::{CredentialProvider, Credentials, ProfileName, StoreError, StoreKind};

use crate::cache::TokenCache;
use crate::client::SsoClient;
use crate::error::SsoError;
use crate::flow::access_token;
use crate::session::{SsoRole, SsoSession};

/// Role credentials for SSO profiles. `get` takes the session's token (refreshing it when
/// due) and calls GetRoleCredentials; it never starts a sign-in, so a missing or dead token
/// is [`StoreError::Unavailable`] with `sagecred login` as the fix. Keys are never stored.
/// [`SsoStore::sign_out`] removes the profile's session from the local cache.
#[derive(Debug)]
pub struct SsoStore {
    cache: TokenCache,
    endpoint: Option<String>,
    profiles: BTreeMap<ProfileName, (SsoSession, SsoRole)>,
}

impl SsoStore {
    /// A store over `cache` that knows no profiles yet.
    pub fn new(cache: TokenCache) -> Self {
        Self {
            cache,
            endpoint: None,
            profiles: BTreeMap::new(),
        }
    }

    /// Sends the Identity Center calls to `url` instead of the endpoint the SDK picks.
    pub fn with_endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
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
        let client = SsoClient::with_endpoint(&session.region, self.endpoint.as_deref()).await;
        let token = access_token(&client, &self.cache, session, None)
            .await
            .map_err(|e| store_error(profile, e))?;
        client
            .role_credentials(
                &token.access_token,
                role.account_id.as_str(),
                &role.role_name,
            )
            .await
            .map_err(|e| store_error(profile, e))
    }
}
