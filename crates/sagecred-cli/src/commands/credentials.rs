//! Credentials as environment variables, for `env --credentials`.

use sagecred_core::{ProfileName, Secret};
use sagecred_shell::EnvChange;

use super::session::{Serve, Want};
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

/// Resolves `profile`'s temporary credentials through the one serving path, as `exec`
/// gets them (a stored key becomes an STS session; SSO profiles get role credentials).
pub(crate) fn resolve(
    ctx: &Context,
    profile: &ProfileName,
    allow_login: bool,
) -> Result<ResolvedCredentials, CliError> {
    let (_, resolved) = super::source::load_and_resolve(ctx, profile)?;
    let c = super::session::credentials(
        ctx,
        &resolved,
        Serve {
            want: Want::Temporary,
            allow_login,
            no_browser: false,
        },
    )?;
    Ok(ResolvedCredentials {
        access_key_id: c.access_key_id().as_str().to_owned(),
        secret_access_key: c.secret_access_key().clone(),
        session_token: c.session_token().cloned(),
        expiration: c.expiration().map(super::session::rfc3339),
    })
}
