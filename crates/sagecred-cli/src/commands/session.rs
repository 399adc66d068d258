//! Temporary credentials for keychain profiles: STS GetSessionToken with the stored
//! long-term key, cached in the keychain until five minutes before they expire, with MFA
//! codes read from the terminal. `credential-process`, `exec` and `env --credentials` share
//! this path.

use std::io::{BufRead, Write};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials as SdkCredentials;
use sagecred_core::{Credentials, ProfileName, Secret};
use sagecred_ini::Section;
use sagecred_keychain::KeychainStore;

use super::block_on;
use crate::context::Context;
use crate::error::{CliError, ErrorKind};

/// Cached session credentials are served until this long before they expire.
pub(crate) const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// How long a new session lasts: GetSessionToken's default, 12 hours.
const SESSION_SECONDS: i32 = 12 * 60 * 60;

/// Temporary credentials for `profile`, from the cache when still fresh.
pub(crate) fn temporary(
    ctx: &Context,
    store: &KeychainStore,
    profile: &ProfileName,
    section: &Section,
) -> Result<Credentials, CliError> {
    if let Some(cached) = store.get_session(profile)?
        && !cached.expires_within(SystemTime::now(), REFRESH_MARGIN)
    {
        tracing::debug!(%profile, "serving cached session credentials");
        return Ok(cached);
    }
    let key = store.get_key(profile)?;
    let mfa = match section.get("mfa_serial") {
        Some(serial) => Some((serial.to_owned(), read_mfa_code(serial)?)),
        None => None,
    };
    let region = ctx.region_for(section.get("region"))?;
    crate::aws_error::check_endpoints(ctx)?;
    let fresh = block_on(get_session_token(
        ctx,
        &key.credentials,
        region.as_str(),
        mfa,
        profile,
    ))??;
    store.put_session(profile, &fresh)?;
    Ok(fresh)
}

async fn get_session_token(
    ctx: &Context,
    key: &Credentials,
    region: &str,
    mfa: Option<(String, String)>,
    profile: &ProfileName,
) -> Result<Credentials, CliError> {
    let static_creds = SdkCredentials::new(
        key.access_key_id().as_str(),
        key.secret_access_key().expose(),
        None,
        None,
        "sagecred-keychain",
    );
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
