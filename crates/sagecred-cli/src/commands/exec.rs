//! `sagecred exec P -- CMD ARGS...`: run a command with temporary credentials.

use std::process::Command;

use super::session::{self, Serve, Want};
use super::source;
use crate::cli::ExecArgs;
use crate::context::Context;
use crate::error::CliError;

pub(super) fn run(ctx: &Context, args: &ExecArgs) -> Result<(), CliError> {
    let (_, profile) = source::load_and_resolve(ctx, &args.target)?;
    if !profile.exists {
        return Err(ctx.unknown_profile(&args.target));
    }
    let region = ctx.region_for(profile.region.as_deref())?;

    // Temporary credentials from every source: a stored key (keychain or plaintext file)
    // is exchanged for an STS session, cached where its store keeps sessions.
    let c = session::credentials(
        ctx,
        &profile,
        Serve {
            want: Want::Temporary,
            allow_login: args.login,
            no_browser: false,
        },
    )?;
    let (key_id, secret, token, expiration) = (
        c.access_key_id().as_str().to_owned(),
        c.secret_access_key().clone(),
        c.session_token().cloned(),
        c.expiration().map(session::rfc3339),
    );

    let role = profile.role(
        None,
        ctx.env.sagemaker_role.as_deref(),
        Some(region.as_str()),
    );

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
