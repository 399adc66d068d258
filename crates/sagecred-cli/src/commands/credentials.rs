//! Resolving a profile's credentials the way every AWS SDK does, through aws-config's
//! profile provider: plaintext keys, `credential_process`, SSO and assume-role alike.

use aws_credential_types::provider::ProvideCredentials;
use aws_smithy_types::date_time::Format;
use sagecred_core::{ProfileName, Secret};
use sagecred_shell::EnvChange;

use super::block_on;
use crate::context::Context;
use crate::error::CliError;

/// Credentials ready to be exported as environment variables.
#[derive(Debug)]
pub(crate) struct ResolvedCredentials {
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Option<Secret>,
    /// RFC 3339, UTC.
    expiration: Option<String>,
}

impl ResolvedCredentials {
    /// Key id, secret, session token and RFC 3339 expiry, for building an environment.
    pub(crate) fn into_parts(self) -> (String, Secret, Option<Secret>, Option<String>) {
        (
            self.access_key_id,
            self.secret_access_key,
            self.session_token,
            self.expiration,
        )
    }

    /// The `AWS_*` variables. Absent parts are unset, so that a token of earlier
    /// credentials cannot pair with a new key.
    pub(crate) fn changes(&self) -> Vec<EnvChange<'_>> {
        let mut out = vec![
            EnvChange::Set("AWS_ACCESS_KEY_ID", &self.access_key_id),
            EnvChange::Set("AWS_SECRET_ACCESS_KEY", self.secret_access_key.expose()),
        ];
        out.push(match &self.session_token {
            Some(t) => EnvChange::Set("AWS_SESSION_TOKEN", t.expose()),
            None => EnvChange::Unset("AWS_SESSION_TOKEN"),
        });
        out.push(match &self.expiration {
            Some(e) => EnvChange::Set("AWS_CREDENTIAL_EXPIRATION", e),
            None => EnvChange::Unset("AWS_CREDENTIAL_EXPIRATION"),
        });
        out
    }
}

/// Resolves `profile`'s credentials: SSO profiles through sagecred's own Identity Center
/// client (with `allow_login`, an expired token starts a sign-in), every other profile
/// with the SDK's own profile provider.
pub(crate) fn resolve(
    ctx: &Context,
    profile: &ProfileName,
    region: Option<&str>,
    allow_login: bool,
) -> Result<ResolvedCredentials, CliError> {
    if let (_, Some(sso)) = super::sso::profile_settings(ctx, profile)? {
        let c = super::sso::role_credentials(ctx, profile, &sso, allow_login, false)?;
        return Ok(ResolvedCredentials {
            access_key_id: c.access_key_id().as_str().to_owned(),
            secret_access_key: c.secret_access_key().clone(),
            session_token: c.session_token().cloned(),
            expiration: c.expiration().map(super::session::rfc3339),
        });
    }
    let region = ctx.region_for(region)?;
    block_on(async {
        let provider_config = aws_config::provider_config::ProviderConfig::default()
            .with_region(Some(aws_config::Region::new(region.as_str().to_owned())));
        let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
            .configure(&provider_config)
            .profile_name(profile.as_str())
            .build();
        let creds = provider.provide_credentials().await.map_err(|e| {
            CliError::new(
                crate::error::ErrorKind::Store,
                format!(
                    "cannot load credentials for profile `{profile}`: {}",
                    sagecred_sdk_error::describe_credentials_error(&e)
                ),
            )
            .with_hint(format!("check the profile with `sagecred profiles`, or store keys with `sagecred configure --profile {profile}`"))
        })?;
        Ok(ResolvedCredentials {
            access_key_id: creds.access_key_id().to_owned(),
            secret_access_key: Secret::from(creds.secret_access_key()),
            session_token: creds.session_token().map(Secret::from),
            expiration: creds.expiry().and_then(|t| {
                aws_smithy_types::DateTime::from(t)
                    .fmt(Format::DateTime)
                    .ok()
            }),
        })
    })?
}
