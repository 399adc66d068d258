//! `sagecred credential-process --profile P`: what the AWS SDKs and CLI run through a
//! profile's `credential_process` line. stdout carries the JSON and nothing else.

use sagecred_keychain::KeychainStore;

use super::keys::backend_of;
use super::{session, sso};
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
    let (section, sso) = sso::profile_settings(ctx, &ctx.profile)?;
    if let Some(sso) = sso {
        let creds = sso::role_credentials(ctx, &ctx.profile, &sso, args.login, args.no_browser)?;
        return output::print_exact(&session::process_json(&creds));
    }
    let Some(backend) = backend_of(args.store) else {
        return Err(CliError::user(
            "credential-process serves keychain and SSO profiles; a plaintext profile needs no credential_process",
        ));
    };
    let store = KeychainStore::new(backend);
    let creds = if args.no_session {
        store.get_key(&ctx.profile)?.credentials
    } else {
        session::temporary(ctx, &store, &ctx.profile, &section)?
    };
    output::print_exact(&session::process_json(&creds))
}
