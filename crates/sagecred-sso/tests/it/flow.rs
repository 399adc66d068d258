//! The device flow and token renewal against the emulator, with a pacer that records
//! waits instead of sleeping.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sagecred_core::{CredentialProvider, ProfileName, Secret};
use sagecred_sso::{
    CachedToken, LoginEvent, LoginOptions, Pacer, SsoClient, SsoError, SsoRole, SsoSession,
    SsoStore, TokenCache, access_token, login_and_cache,
};
use serde_json::json;

use crate::emulator::{DEVICE_GRANT, Emulator};

/// Records every wait and returns at once.
#[derive(Debug, Default)]
struct Recorder {
    waits: Vec<Duration>,
}

#[async_trait::async_trait]
impl Pacer for Recorder {
    async fn wait(&mut self, duration: Duration) {
        self.waits.push(duration);
    }
}

fn session() -> SsoSession {
    SsoSession::from_section("team", |k| match k {
        "sso_start_url" => Some("https://d-1234567890.awsapps.com/start"),
        "sso_region" => Some("us-east-1"),
        _ => None,
    })
    .unwrap()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

struct Fixture {
    emulator: Emulator,
    _dir: tempfile::TempDir,
    cache: TokenCache,
}

impl Fixture {
    fn new() -> Self {
        let emulator = Emulator::start();
        let dir = tempfile::tempdir().unwrap();
        let cache = TokenCache::new(dir.path().join("sso/cache"));
        Self {
            emulator,
            _dir: dir,
            cache,
        }
    }

    async fn client(&self) -> SsoClient {
        SsoClient::with_endpoint("us-east-1", Some(self.emulator.url())).await
    }

    /// Writes a cache file for a session the emulator made, `ttl` seconds from expiry.
    fn seed(&self, ttl: i64, with_refresh: bool) -> CachedToken {
        let s = self.emulator.session(ttl, with_refresh);
        let expires = UNIX_EPOCH + secs(s["expiresAt"].as_u64().unwrap_or(0));
        let token = CachedToken {
            start_url: Some(session().start_url),
            region: Some("us-east-1".into()),
            access_token: Secret::from(s["accessToken"].as_str().unwrap()),
            expires_at: expires,
            client_id: Some(s["clientId"].as_str().unwrap().into()),
            client_secret: Some(Secret::from(s["clientSecret"].as_str().unwrap())),
            registration_expires_at: Some(
                UNIX_EPOCH + secs(s["clientSecretExpiresAt"].as_u64().unwrap()),
            ),
            refresh_token: s["refreshToken"].as_str().map(Secret::from),
        };
        self.cache.save(&session(), &token).unwrap();
        token
    }

    async fn login(&self, pacer: &mut Recorder) -> (Result<CachedToken, SsoError>, Vec<String>) {
        let mut events = Vec::new();
        let mut observer = |e: LoginEvent<'_>| {
            events.push(match e {
                LoginEvent::Prompt(d) => format!("prompt {} {}", d.user_code, d.verification_uri),
                LoginEvent::Waiting { elapsed } => format!("waiting {}", elapsed.as_secs()),
                LoginEvent::SlowDown { interval } => format!("slow_down {}", interval.as_secs()),
                LoginEvent::Approved => "approved".into(),
                _ => "other".into(),
            })
        };
        let mut options = LoginOptions {
            pacer,
            observer: &mut observer,
        };
        let client = self.client().await;
        let result = login_and_cache(&client, &self.cache, &session(), &mut options).await;
        (result, events)
    }
}

#[tokio::test]
async fn a_login_polls_at_the_interval_and_slows_down_when_told() {
    let f = Fixture::new();
    f.emulator.configure(json!({
        "interval": 2,
        "device_script": ["authorization_pending", "slow_down", "authorization_pending", "ok"],
    }));
    let mut pacer = Recorder::default();
    let (token, events) = f.login(&mut pacer).await;
    let token = token.unwrap();

    // A wait of the interval before each poll; slow_down adds 5 seconds for good.
    assert_eq!(pacer.waits, [secs(2), secs(2), secs(7), secs(7)]);
    assert_eq!(f.emulator.token_calls(DEVICE_GRANT), 4);
    assert_eq!(f.emulator.count("register_client"), 1);
    assert!(
        events[0].starts_with("prompt ") && events[0].contains("/device"),
        "{events:?}"
    );
    assert_eq!(
        events[1..],
        ["waiting 2", "slow_down 7", "waiting 11", "approved"]
    );

    // The cache holds what a refresh needs, and the token works at the portal.
    let cached = f.cache.load(&session()).unwrap().unwrap();
    assert_eq!(cached.access_token.expose(), token.access_token.expose());
    assert!(
        cached.refresh_token.is_some(),
        "sso:account:access must yield a refresh token"
    );
    assert!(cached.can_refresh(SystemTime::now()));
    let remaining = cached.remaining(SystemTime::now());
    assert!(
        remaining > secs(3500) && remaining <= secs(3600),
        "{remaining:?}"
    );
    let accounts = f
        .client()
        .await
        .accounts(&cached.access_token)
        .await
        .unwrap();
    assert_eq!(accounts.len(), 3, "three accounts over two pages");
}

#[tokio::test]
async fn a_second_login_reuses_the_client_registration() {
    let f = Fixture::new();
    f.login(&mut Recorder::default()).await.0.unwrap();
    f.login(&mut Recorder::default()).await.0.unwrap();
    assert_eq!(f.emulator.count("register_client"), 1);
    assert_eq!(f.emulator.count("device_authorization"), 2);
}

#[tokio::test]
async fn denied_and_expired_requests_end_the_login_with_their_cause() {
    for (state, polls) in [("expired_token", 2), ("access_denied", 3)] {
        let f = Fixture::new();
        let mut script = vec!["authorization_pending"; polls - 1];
        script.push(state);
        f.emulator.configure(json!({ "device_script": script }));
        let mut pacer = Recorder::default();
        let err = f.login(&mut pacer).await.0.unwrap_err();
        match state {
            "expired_token" => assert!(matches!(err, SsoError::DeviceCodeExpired), "{err}"),
            _ => assert!(matches!(err, SsoError::AccessDenied), "{err}"),
        }
        assert_eq!(f.emulator.token_calls(DEVICE_GRANT), polls, "{state}");
        assert_eq!(pacer.waits.len(), polls);
        assert!(
            f.cache.load(&session()).unwrap().is_none(),
            "nothing cached"
        );
    }
}

#[tokio::test]
async fn the_login_gives_up_when_the_device_code_runs_out() {
    let f = Fixture::new();
    f.emulator.configure(json!({
        "interval": 2,
        "expires_in": 7,
        "device_script": vec!["authorization_pending"; 20],
    }));
    let mut pacer = Recorder::default();
    let err = f.login(&mut pacer).await.0.unwrap_err();
    assert!(matches!(err, SsoError::DeviceCodeExpired), "{err}");
    // Waits of 2+2+2 fit in 7 seconds; a fourth would not.
    assert_eq!(pacer.waits, [secs(2), secs(2), secs(2)]);
    assert_eq!(f.emulator.token_calls(DEVICE_GRANT), 3);
}

#[tokio::test]
async fn a_token_with_time_left_is_served_from_the_cache() {
    let f = Fixture::new();
    let seeded = f.seed(20 * 60, true);
    let got = access_token(&f.client().await, &f.cache, &session(), None)
        .await
        .unwrap();
    assert_eq!(got.access_token.expose(), seeded.access_token.expose());
    assert_eq!(
        f.emulator.stats()["create_token"].as_array().unwrap().len(),
        0
    );
}

#[tokio::test]
async fn a_token_within_fifteen_minutes_of_expiry_is_refreshed() {
    let f = Fixture::new();
    let seeded = f.seed(10 * 60, true);
    let before = std::fs::read_to_string(f.cache.path(&session())).unwrap();
    let got = access_token(&f.client().await, &f.cache, &session(), None)
        .await
        .unwrap();
    assert_eq!(f.emulator.token_calls("refresh_token"), 1);
    assert_ne!(got.access_token.expose(), seeded.access_token.expose());
    assert!(got.remaining(SystemTime::now()) > secs(3500));
    // The rotated refresh token was saved, and the old one is dead at the server.
    let saved = f.cache.load(&session()).unwrap().unwrap();
    assert_eq!(saved.access_token.expose(), got.access_token.expose());
    assert_ne!(
        saved.refresh_token.as_ref().unwrap().expose(),
        seeded.refresh_token.as_ref().unwrap().expose()
    );
    assert_ne!(
        std::fs::read_to_string(f.cache.path(&session())).unwrap(),
        before
    );
}

#[tokio::test]
async fn an_unrefreshable_token_is_served_until_it_expires_and_then_needs_a_login() {
    let f = Fixture::new();
    f.emulator.configure(json!({ "refresh": "invalid_grant" }));
    let seeded = f.seed(10 * 60, true);
    let client = f.client().await;
    let got = access_token(&client, &f.cache, &session(), None)
        .await
        .unwrap();
    assert_eq!(got.access_token.expose(), seeded.access_token.expose());

    f.seed(-60, true);
    let err = access_token(&client, &f.cache, &session(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, SsoError::LoginRequired { .. }), "{err}");
    assert!(err.to_string().contains("refused"), "{err}");

    f.seed(-60, false);
    let err = access_token(&client, &f.cache, &session(), None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot be refreshed"), "{err}");
    assert_eq!(
        f.emulator.count("device_authorization"),
        0,
        "no login without consent"
    );
}

#[tokio::test]
async fn the_provider_returns_role_credentials_and_signs_out() {
    let f = Fixture::new();
    f.seed(3600, true);
    let profile: ProfileName = "ml-dev".parse().unwrap();
    let store = SsoStore::new(f.cache.clone())
        .with_endpoint(f.emulator.url())
        .with_profile(
            profile.clone(),
            session(),
            SsoRole::new("111122223333", "SageMakerDeveloper").unwrap(),
        );
    let creds = store.provide(&profile).await.unwrap();
    assert!(creds.access_key_id().as_str().starts_with("ASIA"));
    assert!(creds.session_token().is_some());
    let left = creds
        .expiration()
        .unwrap()
        .duration_since(SystemTime::now())
        .unwrap();
    assert!(left > secs(3500) && left <= secs(3600), "{left:?}");
    assert_eq!(f.emulator.count("get_role_credentials"), 1);
    let unknown: ProfileName = "other".parse().unwrap();
    assert!(store.provide(&unknown).await.unwrap_err().is_not_found());

    let token = f.cache.load(&session()).unwrap().unwrap();
    let client = f.client().await;
    let err = client
        .role_credentials(&token.access_token, "444455556666", "Admin")
        .await
        .unwrap_err();
    assert!(matches!(err, SsoError::NoAssignment { .. }), "{err}");

    let roles = client
        .account_roles(&token.access_token, "111122223333")
        .await
        .unwrap();
    assert_eq!(roles, ["SageMakerDeveloper", "ReadOnly"]);

    assert_eq!(store.profiles(), std::slice::from_ref(&profile));
    assert!(
        store.sign_out(&profile).unwrap(),
        "sign_out removes the cached token"
    );
    assert!(f.cache.load(&session()).unwrap().is_none());
}

#[tokio::test]
async fn logout_ends_the_token_at_the_portal() {
    let f = Fixture::new();
    let token = f.seed(3600, true);
    let client = f.client().await;
    client.accounts(&token.access_token).await.unwrap();
    client.logout(&token.access_token).await.unwrap();
    let err = client.accounts(&token.access_token).await.unwrap_err();
    assert!(matches!(err, SsoError::Unauthorized), "{err}");
}
