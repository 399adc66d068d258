//! `sagecred credential-process --profile P`: what the AWS SDKs and CLI run through a
//! profile's `credential_process` line. stdout carries the JSON and nothing else.

use sagecred_core::{CredentialSource, ProcessLine, ResolvedProfile};

use super::session::{self, Serve, Want};
use super::source;
use crate::cli::CredentialProcessArgs;
use crate::context::Context;
use crate::error::CliError;
use crate::output;

pub(super) fn run(ctx: &Context, args: &CredentialProcessArgs) -> Result<(), CliError> {
    serve(ctx, args).map_err(|e| {
        // Only on failure is it worth reading both files to tell an unknown profile apart.
        match ctx.require_profile(&ctx.profile) {
            Err(unknown) if unknown.kind() == crate::error::ErrorKind::User => unknown,
            _ => e,
        }
    })
}

fn serve(ctx: &Context, args: &CredentialProcessArgs) -> Result<(), CliError> {
    // One streaming lookup of the config file: this runs at every SDK credential refresh.
    let section = sagecred_ini::find_config_profile(&ctx.files, ctx.profile.as_str())?;
    let mut profile = source::resolve_section(ctx, &ctx.profile, section.as_ref(), false)?;
    // The line that runs this command names the store; the profile's own settings decide
    // only whether it signs in through SSO instead.
    if !matches!(profile.source, CredentialSource::Sso(_)) {
        if !args.store.served_by_process() {
            return Err(CliError::user(
                "credential-process serves keys from sagecred's stores and SSO profiles; a plaintext profile needs no credential_process",
            ));
        }
        profile = ResolvedProfile {
            source: CredentialSource::Store(
                ProcessLine::new("sagecred", ctx.profile.clone(), args.store)
                    .map_err(|e| CliError::internal(format!("credential-process store: {e}")))?,
            ),
            ..profile
        };
    }
    let want = if args.no_session {
        Want::LongTerm
    } else {
        Want::AsSdk
    };
    let creds = session::credentials(
        ctx,
        &profile,
        Serve {
            want,
            allow_login: args.login,
            no_browser: args.no_browser,
        },
    )?;
    output::print_exact(&session::process_json(&creds))
}
