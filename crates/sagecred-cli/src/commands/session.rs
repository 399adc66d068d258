//! Serving a profile's credentials, for every source, in one place: `credential-process`,
//! `exec`, `env --credentials`, `whoami`, `role resolve` and `doctor` all come here with
//! the profile resolved once ([`ResolvedProfile`]).
//!
//! Keys in a store are exchanged for STS GetSessionToken credentials, cached in the
//! store's session cache until five minutes before they expire, with MFA codes read from
//! the terminal. SSO profiles get role credentials through `sagecred-sso`. Foreign
//! `credential_process` lines and assume-role profiles go through the SDK's own profile
//! provider, and the environment's keys through its environment provider.

use std::io::{BufRead, Write};
use std::time::SystemTime;

use aws_credential_types::Credentials as SdkCredentials;
use aws_credential_types::provider::ProvideCredentials;
use sagecred_core::{
    CredentialSource, CredentialStore, Credentials, ProfileName, ResolvedProfile,
    SESSION_REFRESH_MARGIN, Secret, StoreError, StoreKind, fresh_session, remember_session,
};

use super::{block_on, stores};
use crate::context::Context;
use crate::error::{CliError, ErrorKind};

/// How long a new session lasts: GetSessionToken's default, 12 hours.
const SESSION_SECONDS: i32 = 12 * 60 * 60;

/// Which credentials a command wants from a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// What an AWS SDK gets for the profile: the session `credential-process` serves for
    /// a stored key, plaintext keys as they are.
    AsSdk,
    /// Temporary credentials, also for plaintext keys (`exec`, `env --credentials`).
    Temporary,
    /// The stored long-term key itself (`credential-process --no-session`).
    LongTerm,
}

/// How credentials are served.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Serve {
    pub(crate) want: Want,
    /// SSO: start a sign-in when the token cannot be refreshed.
    pub(crate) allow_login: bool,
    /// With `allow_login`: do not open a browser.
    pub(crate) no_browser: bool,
}

impl Serve {
    pub(crate) fn new(want: Want) -> Self {
        Self {
            want,
            allow_login: false,
            no_browser: false,
        }
    }
}

/// The credentials of `profile`, from its source.
pub(crate) fn credentials(
    ctx: &Context,
    profile: &ResolvedProfile,
    serve: Serve,
) -> Result<Credentials, CliError> {
    let name = &profile.name;
    tracing::debug!(
        profile = %name,
        source = profile.source.label(),
        want = ?serve.want,
        "serving credentials"
    );
    match &profile.source {
        CredentialSource::File | CredentialSource::Store(_) => {
            let kind = profile.source.key_store().unwrap_or(StoreKind::File);
            let store = stores::open(ctx, kind)?;
            match (serve.want, kind) {
                (Want::LongTerm, _) | (Want::AsSdk, StoreKind::File) => store
                    .get(name)
                    .map(|k| k.credentials)
                    .map_err(|e| key_error(e, &profile.source, name)),
                _ => temporary(ctx, store.as_ref(), profile),
            }
        }
        CredentialSource::Sso(_) => {
            let (_, sso) = super::sso::profile_settings(ctx, name)?;
            let sso = sso.ok_or_else(|| {
                CliError::internal(format!("profile `{name}` resolved to SSO without SSO settings"))
            })?;
            super::sso::role_credentials(ctx, name, &sso, serve.allow_login, serve.no_browser)
        }
        CredentialSource::Process(_) | CredentialSource::AssumeRole(_) => {
            sdk_profile(ctx, profile)
        }
        CredentialSource::Environment => sdk_environment(),
        CredentialSource::None => Err(CliError::new(
            ErrorKind::Store,
            format!("profile `{name}` has no credentials"),
        )
        .with_hint(format!(
            "store keys with `{}`, or sign in through IAM Identity Center with `sagecred sso configure --profile {name}`",
            profile.source.fix(name)
        ))),
    }
}

/// A store's error about `profile`'s key, with the source's one advice as the hint when
/// the key is missing or unusable (a store that cannot be reached keeps its own fix).
pub(crate) fn key_error(
    e: StoreError,
    source: &CredentialSource,
    profile: &ProfileName,
) -> CliError {
    let advice = matches!(e, StoreError::NotFound { .. } | StoreError::Corrupt { .. });
    let err = CliError::from(e);
    if advice {
        err.with_hint(format!("run `{}`", source.fix(profile)))
    } else {
        err
    }
}

/// Temporary credentials for a stored key, from the store's session cache when fresh.
fn temporary(
    ctx: &Context,
    store: &dyn CredentialStore,
    profile: &ResolvedProfile,
) -> Result<Credentials, CliError> {
    let name = &profile.name;
    let cache = store.sessions();
    if let Some(cached) = fresh_session(cache, name, SystemTime::now(), SESSION_REFRESH_MARGIN) {
        tracing::debug!(profile = %name, "serving cached session credentials");
        return Ok(cached);
    }
    let key = store
        .get(name)
        .map_err(|e| key_error(e, &profile.source, name))?
        .credentials;
    if key.session_token().is_some() {
        // A plaintext profile that already holds session credentials: STS will not make
        // a session from a session, so they are served as they are.
        return Ok(key);
    }
    let mfa = match &profile.mfa_serial {
        Some(serial) => Some((serial.clone(), read_mfa_code(serial)?)),
        None => None,
    };
    let region = ctx.region_for(profile.region.as_deref())?;
    crate::aws_error::check_endpoints(ctx)?;
    let fresh = block_on(get_session_token(ctx, &key, region.as_str(), mfa, name))??;
    remember_session(cache, name, &fresh)?;
    Ok(fresh)
}

/// Credentials through the SDK's own profile provider (foreign `credential_process`,
/// assume-role), exactly as boto3 and the AWS CLI would resolve them.
fn sdk_profile(ctx: &Context, profile: &ResolvedProfile) -> Result<Credentials, CliError> {
    let name = &profile.name;
    let region = ctx.region_for(profile.region.as_deref())?;
    block_on(async {
        let provider_config = aws_config::provider_config::ProviderConfig::default()
            .with_region(Some(aws_config::Region::new(region.as_str().to_owned())));
        let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
            .configure(&provider_config)
            .profile_name(name.as_str())
            .build();
        let creds = provider.provide_credentials().await.map_err(|e| {
            CliError::new(
                ErrorKind::Store,
                format!(
                    "cannot load credentials for profile `{name}`: {}",
                    sagecred_sdk_error::describe_credentials_error(&e)
                ),
            )
            .with_hint(profile.source.fix(name))
        })?;
        from_sdk(&creds)
    })?
}

/// The environment's `AWS_ACCESS_KEY_ID` and friends, through the SDK's provider.
fn sdk_environment() -> Result<Credentials, CliError> {
    block_on(async {
        let provider = aws_config::environment::EnvironmentVariableCredentialsProvider::new();
        let creds = provider.provide_credentials().await.map_err(|e| {
            CliError::new(
                ErrorKind::Store,
                format!(
                    "cannot load credentials from the environment: {}",
                    sagecred_sdk_error::describe_credentials_error(&e)
                ),
            )
            .with_hint("check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment")
        })?;
        from_sdk(&creds)
    })?
}

fn from_sdk(creds: &SdkCredentials) -> Result<Credentials, CliError> {
    let id = creds
        .access_key_id()
        .parse()
        .map_err(|e| CliError::aws(format!("the credentials hold an unusable key id: {e}")))?;
    let mut out = Credentials::new(id, Secret::from(creds.secret_access_key()));
    if let Some(token) = creds.session_token() {
        out = out.with_session_token(Secret::from(token));
    }
    if let Some(expiry) = creds.expiry() {
        out = out.with_expiration(expiry);
    }
    Ok(out)
}

/// Credentials in the SDK's form, for a client that signs with exactly these.
pub(crate) fn to_sdk(creds: &Credentials, provider: &'static str) -> SdkCredentials {
    SdkCredentials::new(
        creds.access_key_id().as_str(),
        creds.secret_access_key().expose(),
        creds.session_token().map(|t| t.expose().to_owned()),
        creds.expiration(),
        provider,
    )
}

async fn get_session_token(
    ctx: &Context,
    key: &Credentials,
    region: &str,
    mfa: Option<(String, String)>,
    profile: &ProfileName,
) -> Result<Credentials, CliError> {
    let static_creds = to_sdk(key, "sagecred-store");
    // The credentials are given explicitly: loading them from the profile would run this
    // profile's credential_process, which is this very command.
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_owned()))
        .credentials_provider(static_creds)
        .load()
        .await;
    let sts = aws_sdk_sts::Client::new(&config);
    let mut request = sts.get_session_token().duration_seconds(SESSION_SECONDS);
    if let Some((serial, code)) = mfa {
        request = request.serial_number(serial).token_code(code);
    }
    tracing::debug!(%profile, "calling sts:GetSessionToken");
    let out = request.send().await.map_err(|e| {
        crate::aws_error::call_failed(
            ctx,
            &format!("sts:GetSessionToken for profile `{profile}`"),
            "STS",
            &sagecred_sdk_error::Failure::from_sdk(&e),
            &format!(
                "check the stored key with `sagecred whoami --profile {profile}`; `--no-session` serves the long-term key"
            ),
        )
    })?;
    let c = out
        .credentials()
        .ok_or_else(|| CliError::aws("sts:GetSessionToken returned no credentials"))?;
    let id = c.access_key_id().parse().map_err(|e| {
        CliError::aws(format!(
            "sts:GetSessionToken returned an unusable key id: {e}"
        ))
    })?;
    let expiration = SystemTime::try_from(*c.expiration()).map_err(|e| {
        CliError::aws(format!(
            "sts:GetSessionToken returned an unusable expiry: {e}"
        ))
    })?;
    Ok(Credentials::new(id, Secret::from(c.secret_access_key()))
        .with_session_token(Secret::from(c.session_token()))
        .with_expiration(expiration))
}

/// Reads an MFA code from the terminal itself: stdin and stdout belong to the SDK that
/// runs `credential_process`.
fn read_mfa_code(serial: &str) -> Result<String, CliError> {
    let (input, mut output) = open_terminal().map_err(|e| {
        CliError::new(
            ErrorKind::User,
            format!("the profile needs an MFA code for {serial}, but there is no terminal to ask: {e}"),
        )
        .with_hint("run `sagecred credential-process --profile P` once in a terminal; the session it caches serves later calls")
    })?;
    write!(output, "MFA code for {serial}: ")?;
    output.flush()?;
    let mut line = String::new();
    std::io::BufReader::new(input)
        .read_line(&mut line)
        .map_err(|e| CliError::user(format!("reading the MFA code: {e}")))?;
    let code = line.trim().to_owned();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(CliError::user("an MFA code is 6 digits"));
    }
    Ok(code)
}

#[cfg(unix)]
fn open_terminal() -> std::io::Result<(std::fs::File, std::fs::File)> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")?;
    Ok((tty.try_clone()?, tty))
}

#[cfg(windows)]
fn open_terminal() -> std::io::Result<(std::fs::File, std::fs::File)> {
    let input = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("CONIN$")?;
    let output = std::fs::OpenOptions::new().write(true).open("CONOUT$")?;
    Ok((input, output))
}

/// AWS's credential_process Version 1 JSON.
pub(crate) fn process_json(creds: &Credentials) -> String {
    let mut v = serde_json::json!({
        "Version": 1,
        "AccessKeyId": creds.access_key_id().as_str(),
        "SecretAccessKey": creds.secret_access_key().expose(),
    });
    if let Some(token) = creds.session_token() {
        v["SessionToken"] = token.expose().into();
    }
    if let Some(exp) = creds.expiration() {
        v["Expiration"] = rfc3339(exp).into();
    }
    let mut text = v.to_string();
    text.push('\n');
    text
}

/// A time as RFC 3339 in UTC, whole seconds: `2026-11-28T18:00:00Z`.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    aws_smithy_types::DateTime::from(t)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}
