//! The device authorization flow, and the token logic every command goes through:
//! cached, else refreshed, else a new sign-in (or a clear "sign in again").

use std::time::{Duration, SystemTime};

use crate::cache::{CachedToken, TokenCache};
use crate::client::{DeviceAuthorization, Poll, Registration, SsoClient, TokenGrant};
use crate::error::SsoError;
use crate::session::SsoSession;

/// A cached token is refreshed when less than this is left on it.
pub const REFRESH_WINDOW: Duration = Duration::from_secs(15 * 60);

/// What `slow_down` adds to the polling interval (RFC 8628, section 3.5).
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// A registration is reused for a new sign-in only with at least this much time left.
const REGISTRATION_REUSE_MARGIN: Duration = Duration::from_secs(24 * 60 * 60);

/// How the flow waits between polls. Production code sleeps ([`TokioPacer`]); tests
/// record the waits and return at once.
#[async_trait::async_trait]
pub trait Pacer: Send {
    /// Waits `duration`.
    async fn wait(&mut self, duration: Duration);
}

/// Waits with `tokio::time::sleep`.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioPacer;

#[async_trait::async_trait]
impl Pacer for TokioPacer {
    async fn wait(&mut self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// What a sign-in reports while it runs, for the CLI to show.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoginEvent<'a> {
    /// The user must open `verification_uri` and confirm `user_code`.
    Prompt(&'a DeviceAuthorization),
    /// Still waiting for approval, `elapsed` after the prompt.
    Waiting {
        /// Time spent waiting so far.
        elapsed: Duration,
    },
    /// The server asked for slower polling; the interval is now `interval`.
    SlowDown {
        /// The new interval.
        interval: Duration,
    },
    /// The sign-in was approved.
    Approved,
}

/// How a sign-in waits and reports.
pub struct LoginOptions<'a> {
    /// The waiting between polls.
    pub pacer: &'a mut dyn Pacer,
    /// Called with progress; the first event is always [`LoginEvent::Prompt`].
    pub observer: &'a mut (dyn FnMut(LoginEvent<'_>) + Send),
}

impl std::fmt::Debug for LoginOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginOptions").finish_non_exhaustive()
    }
}

/// Runs the device authorization flow: reuse or make a client registration, start the
/// authorization, report the prompt, and poll CreateToken until it is approved, denied
/// or expired. Each poll comes after a wait of the current interval; `slow_down` adds 5
/// seconds to it. The device code's lifetime is counted in waited time.
pub async fn login(
    client: &SsoClient,
    session: &SsoSession,
    reuse: Option<&CachedToken>,
    now: SystemTime,
    options: &mut LoginOptions<'_>,
) -> Result<CachedToken, SsoError> {
    let registration = match reuse.and_then(|t| reusable_registration(t, session, now)) {
        Some(registration) => registration,
        None => client.register(session).await?,
    };
    let device = client
        .start_device_authorization(&registration, session)
        .await?;
    (options.observer)(LoginEvent::Prompt(&device));
    let mut interval = device.interval;
    let mut waited = Duration::ZERO;
    let grant = loop {
        if waited + interval > device.expires_in {
            return Err(SsoError::DeviceCodeExpired);
        }
        options.pacer.wait(interval).await;
        waited += interval;
        match client.poll_device_token(&registration, &device).await? {
            Poll::Granted(grant) => break grant,
            Poll::Pending => (options.observer)(LoginEvent::Waiting { elapsed: waited }),
            Poll::SlowDown => {
                interval += SLOW_DOWN_STEP;
                (options.observer)(LoginEvent::SlowDown { interval });
            }
        }
    };
    (options.observer)(LoginEvent::Approved);
    Ok(cached(session, &registration, grant, SystemTime::now()))
}

/// [`login`], then saves the token to the cache. Holds the session's lock throughout, so
/// a parallel refresh or sign-in waits for this one and then uses its token.
pub async fn login_and_cache(
    client: &SsoClient,
    cache: &TokenCache,
    session: &SsoSession,
    options: &mut LoginOptions<'_>,
) -> Result<CachedToken, SsoError> {
    let _lock = cache.lock(session)?;
    let previous = cache.load(session).ok().flatten();
    let token = login(
        client,
        session,
        previous.as_ref(),
        SystemTime::now(),
        options,
    )
    .await?;
    cache.save(session, &token)?;
    Ok(token)
}

/// A token with more than [`REFRESH_WINDOW`] left: the cached one, else a refreshed one,
/// else (when `login` is given) one from a new sign-in, else
/// [`SsoError::LoginRequired`].
///
/// Refreshing and signing in happen under the session's file lock, and the cache is read
/// again once the lock is held: of many processes that find the same stale token, the
/// first refreshes (or signs in) and the rest use its result. A token that could not be
/// refreshed but has not expired yet is still served.
pub async fn access_token(
    client: &SsoClient,
    cache: &TokenCache,
    session: &SsoSession,
    login_with: Option<&mut LoginOptions<'_>>,
) -> Result<CachedToken, SsoError> {
    if let Some(token) = cache.load(session)?
        && token.remaining(SystemTime::now()) > REFRESH_WINDOW
    {
        return Ok(token);
    }
    let _lock = cache.lock(session)?;
    let now = SystemTime::now();
    let cached = cache.load(session)?;
    if let Some(token) = &cached
        && token.remaining(now) > REFRESH_WINDOW
    {
        tracing::debug!("another process renewed the SSO token");
        return Ok(token.clone());
    }
    let mut reason = match &cached {
        None => "there is no cached token".to_owned(),
        Some(t) if t.remaining(now).is_zero() => "the cached token has expired".to_owned(),
        Some(_) => "the cached token expires soon".to_owned(),
    };
    if let Some(token) = &cached {
        match refresh(client, session, token).await {
            Ok(Some(fresh)) => {
                cache.save(session, &fresh)?;
                tracing::debug!("refreshed the SSO token");
                return Ok(fresh);
            }
            Ok(None) => reason.push_str(" and cannot be refreshed"),
            Err(e) if e.needs_login() => reason = e.to_string(),
            Err(e) => {
                // A network failure: a token that still works is better than none.
                if !token.remaining(now).is_zero() {
                    tracing::debug!(error = %e, "refresh failed; serving the cached token");
                    return Ok(token.clone());
                }
                return Err(e);
            }
        }
        if !token.remaining(now).is_zero() {
            return Ok(token.clone());
        }
    }
    match login_with {
        Some(options) => {
            let token = login(client, session, cached.as_ref(), now, options).await?;
            cache.save(session, &token)?;
            Ok(token)
        }
        None => Err(SsoError::LoginRequired {
            session: session.display_name().to_owned(),
            reason,
        }),
    }
}

/// Refreshes `token` when it can be; `None` when it cannot (no refresh token, or the
/// registration expired).
async fn refresh(
    client: &SsoClient,
    session: &SsoSession,
    token: &CachedToken,
) -> Result<Option<CachedToken>, SsoError> {
    if !token.can_refresh(SystemTime::now()) {
        return Ok(None);
    }
    let (Some(client_id), Some(client_secret), Some(refresh_token)) = (
        token.client_id.as_deref(),
        token.client_secret.as_ref(),
        token.refresh_token.as_ref(),
    ) else {
        return Ok(None);
    };
    let grant = client
        .refresh(session, client_id, client_secret, refresh_token)
        .await?;
    let registration = Registration {
        client_id: client_id.to_owned(),
        client_secret: client_secret.clone(),
        expires_at: token
            .registration_expires_at
            .unwrap_or(SystemTime::now() + grant.expires_in),
    };
    let mut fresh = cached(session, &registration, grant, SystemTime::now());
    // A server that does not rotate refresh tokens leaves the old one valid.
    if fresh.refresh_token.is_none() {
        fresh.refresh_token = token.refresh_token.clone();
    }
    Ok(Some(fresh))
}

fn reusable_registration(
    token: &CachedToken,
    session: &SsoSession,
    now: SystemTime,
) -> Option<Registration> {
    // Legacy sessions keep no registration in the cache, as the AWS CLI does.
    session.name.as_ref()?;
    let expires_at = token.registration_expires_at?;
    if expires_at < now + REGISTRATION_REUSE_MARGIN {
        return None;
    }
    // A token from a scope-less registration would never get refresh tokens.
    if session.refreshable() && token.refresh_token.is_none() {
        return None;
    }
    Some(Registration {
        client_id: token.client_id.clone()?,
        client_secret: token.client_secret.clone()?,
        expires_at,
    })
}

/// The cache record for a new grant. Legacy sessions store only the token, as the AWS
/// CLI does for them.
fn cached(
    session: &SsoSession,
    registration: &Registration,
    grant: TokenGrant,
    now: SystemTime,
) -> CachedToken {
    let with_registration = session.name.is_some();
    CachedToken {
        start_url: Some(session.start_url.clone()),
        region: Some(session.region.clone()),
        access_token: grant.access_token,
        expires_at: now + grant.expires_in,
        client_id: with_registration.then(|| registration.client_id.clone()),
        client_secret: with_registration.then(|| registration.client_secret.clone()),
        registration_expires_at: with_registration.then_some(registration.expires_at),
        refresh_token: if with_registration {
            grant.refresh_token
        } else {
            None
        },
    }
}
