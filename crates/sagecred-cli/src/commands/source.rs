//! Resolving a profile once per command: the CLI's side of
//! [`ResolvedProfile`](sagecred_core::ResolvedProfile). It reads the AWS files and hands the
//! library the environment; every command asks the value it returns.

use sagecred_core::{ProfileName, ProfileSettings, ResolvedProfile, SourceEnv};
use sagecred_ini::{ProfileSet, Section};

use crate::context::Context;
use crate::error::CliError;

/// The environment, as resolution needs it.
pub(crate) fn source_env(ctx: &Context) -> SourceEnv {
    SourceEnv {
        access_key_id_set: ctx.env.access_key_id_set,
    }
}

/// Resolves `name` from both files, already loaded.
pub(crate) fn resolve(
    ctx: &Context,
    set: &ProfileSet,
    name: &ProfileName,
) -> Result<ResolvedProfile, CliError> {
    let section = set.profile(name.as_str());
    resolve_section(
        ctx,
        name,
        section.as_ref(),
        set.has_plaintext_keys(name.as_str()),
    )
}

/// Resolves `name` from its merged section (`None` when no file defines it);
/// `plaintext_keys` says whether the credentials file holds keys for it.
pub(crate) fn resolve_section(
    ctx: &Context,
    name: &ProfileName,
    section: Option<&Section>,
    plaintext_keys: bool,
) -> Result<ResolvedProfile, CliError> {
    Ok(ResolvedProfile::resolve(
        name,
        section.map(|s| s as &dyn ProfileSettings),
        plaintext_keys,
        &source_env(ctx),
    )?)
}

/// [`resolve_section`] for commands that need a profile's settings but not its
/// credentials: a source that cannot be resolved is warned about, not fatal.
pub(crate) fn resolve_settings(
    ctx: &Context,
    name: &ProfileName,
    section: Option<&Section>,
) -> ResolvedProfile {
    let (profile, error) = ResolvedProfile::resolve_lenient(
        name,
        section.map(|s| s as &dyn ProfileSettings),
        false,
        &source_env(ctx),
    );
    if let Some(e) = error {
        crate::output::note(&format!("sagecred: warning: {e}"));
    }
    profile
}

/// Resolves `name` from both files, read now.
pub(crate) fn load_and_resolve(
    ctx: &Context,
    name: &ProfileName,
) -> Result<(ProfileSet, ResolvedProfile), CliError> {
    let set = ProfileSet::load(&ctx.files)?;
    let resolved = resolve(ctx, &set, name)?;
    Ok((set, resolved))
}
