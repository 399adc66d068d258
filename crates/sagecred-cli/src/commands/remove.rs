//! `sagecred remove P`: delete a profile's keys from its store and its sections from both
//! AWS files.

use std::io::{BufRead, IsTerminal, Write};

use sagecred_core::CredentialStore;
use sagecred_ini::{FileKind, FileStore, ProfileSet, SectionKey};
use sagecred_keychain::KeychainStore;

use super::block_on;
use super::keys::keychain_backend_of;
use crate::cli::RemoveArgs;
use crate::context::Context;
use crate::error::CliError;

pub(super) fn run(ctx: &Context, args: &RemoveArgs) -> Result<(), CliError> {
    let profile = &args.target;
    let set = ProfileSet::load(&ctx.files)?;
    let Some(section) = set.profile(profile.as_str()) else {
        return Err(ctx.unknown_profile(profile));
    };
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::user(format!(
                "removing profile `{profile}` needs confirmation, and stdin is not a terminal"
            ))
            .with_hint("pass --yes to remove it without asking"));
        }
        let mut err = std::io::stderr().lock();
        write!(err, "remove profile `{profile}` and its keys? [y/N] ")?;
        err.flush()?;
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(|e| CliError::user(format!("reading the answer: {e}")))?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            crate::output::note("nothing was removed");
            return Ok(());
        }
    }
    // The keys go first: a config section without keys is harmless, keys without a
    // profile are forgotten secrets.
    if let Some(backend) = section
        .get("credential_process")
        .and_then(keychain_backend_of)
    {
        KeychainStore::new(backend).delete_key(profile)?;
        KeychainStore::new(backend).delete_session(profile)?;
    }
    let file = FileStore::new(ctx.files.clone());
    block_on(file.delete(profile))??;
    let key = SectionKey::Profile(profile.as_str().to_owned());
    sagecred_ini::edit(&ctx.files.config, FileKind::Config, |doc| {
        doc.remove_section(&key);
        Ok::<_, CliError>(())
    })?;
    sagecred_ini::edit(&ctx.files.credentials, FileKind::Credentials, |doc| {
        doc.remove_section(&key);
        Ok::<_, CliError>(())
    })?;
    crate::output::note(&format!("removed profile `{profile}`"));
    Ok(())
}
