//! `sagecred exec P -- CMD ARGS...`: run a command with temporary credentials.

use std::process::Command;

use sagecred_core::role::{RoleInputs, resolve_role};
use sagecred_ini::ProfileSet;
use sagecred_keychain::KeychainStore;

use super::keys::keychain_backend_of;
use super::session;
use crate::cli::ExecArgs;
use crate::context::Context;
use crate::error::CliError;

pub(super) fn run(ctx: &Context, args: &ExecArgs) -> Result<(), CliError> {
    let profile = &args.target;
    let set = ProfileSet::load(&ctx.files)?;
    let Some(section) = set.profile(profile.as_str()) else {
        return Err(ctx.unknown_profile(profile));
    };
    let region = ctx.region_for(section.get("region"))?;

    // Keychain profiles get STS session credentials through the shared cache; every other
    // profile (plaintext, SSO, assume-role) through the SDK's own profile provider.
    let (key_id, secret, token, expiration) = match section
        .get("credential_process")
        .and_then(keychain_backend_of)
    {
        Some(backend) => {
            let store = KeychainStore::new(backend);
            let c = session::temporary(ctx, &store, profile, &section)?;
            (
                c.access_key_id().as_str().to_owned(),
                c.secret_access_key().clone(),
                c.session_token().cloned(),
                c.expiration().map(session::rfc3339),
            )
        }
        None => {
            let c = super::credentials::resolve(ctx, profile, Some(region.as_str()), args.login)?;
            c.into_parts()
        }
    };

    let role = resolve_role(RoleInputs {
        flag: None,
        environment: ctx.env.sagemaker_role.as_deref(),
        profile_arn: section.get("sagemaker_role_arn"),
        account_id: section.get("aws_account_id"),
        region: Some(region.as_str()),
    });

    let (program, rest) = args.command.split_first().expect("clap requires a command");
    let mut cmd = Command::new(program);
    // Nothing in the child's environment may lead an SDK to other credentials than these,
    // or pair a stale part (AWS_SECURITY_TOKEN) with them.
    for name in sagecred_core::env_vars::foreign_names() {
        cmd.env_remove(name);
    }
    cmd.args(rest)
        .env_remove("AWS_PROFILE")
        .env("AWS_ACCESS_KEY_ID", key_id)
        .env("AWS_SECRET_ACCESS_KEY", secret.expose())
        .env("AWS_REGION", region.as_str())
        .env("AWS_DEFAULT_REGION", region.as_str());
    match &token {
        Some(t) => cmd.env("AWS_SESSION_TOKEN", t.expose()),
        None => cmd.env_remove("AWS_SESSION_TOKEN"),
    };
    match &expiration {
        Some(e) => cmd.env("AWS_CREDENTIAL_EXPIRATION", e),
        None => cmd.env_remove("AWS_CREDENTIAL_EXPIRATION"),
    };
    if let Some((arn, _)) = role.role {
        cmd.env("SAGEMAKER_ROLE", arn.to_string());
    }
    let shown = program.to_string_lossy().into_owned();
    replace_process(cmd, &shown)
}

/// Runs the command in place of this process on Unix, so that signals and the exit code
/// are the command's own.
#[cfg(unix)]
fn replace_process(mut cmd: Command, shown: &str) -> Result<(), CliError> {
    use std::os::unix::process::CommandExt;
    let err = cmd.exec();
    Err(CliError::user(format!("cannot run `{shown}`: {err}"))
        .with_hint("check the command name and your PATH"))
}

#[cfg(not(unix))]
fn replace_process(mut cmd: Command, shown: &str) -> Result<(), CliError> {
    let status = cmd
        .status()
        .map_err(|e| CliError::user(format!("cannot run `{shown}`: {e}")))?;
    std::process::exit(status.code().unwrap_or(1));
}
