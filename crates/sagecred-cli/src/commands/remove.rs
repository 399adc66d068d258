//! `sagecred remove P`: delete a profile's keys from its store and its sections from both
//! AWS files.

use std::io::{BufRead, IsTerminal, Write};

use sagecred_core::StoreKind;
use sagecred_ini::{FileKind, SectionKey};

use super::{source, stores};
use crate::cli::RemoveArgs;
use crate::context::Context;
use crate::error::CliError;

pub(super) fn run(ctx: &Context, args: &RemoveArgs) -> Result<(), CliError> {
    let profile = &args.target;
    let (_, resolved) = source::load_and_resolve(ctx, profile)?;
    if !resolved.exists {
        return Err(ctx.unknown_profile(profile));
    }
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
    // A profile resolves to one source, but a plaintext key may sit beside a line of ours
    // (static keys win in the SDKs): both are removed.
    if let Some(line) = &resolved.process_line {
        stores::open(ctx, line.store)?.delete(profile)?;
    }
    stores::open(ctx, StoreKind::File)?.delete(profile)?;
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
