//! Saving a key pair to the chosen store and the profile's settings to the config file:
//! the part `configure` and `import` share.

use sagecred_core::{CredentialStore, Credentials, DEFAULT_REGION, ProfileName, Region};
use sagecred_ini::{FileKind, FileStore, ProfileSet, SectionKey};

use super::block_on;
use crate::cli::StoreChoice;
use crate::context::Context;
use crate::error::CliError;

/// What to write for a profile besides its keys.
#[derive(Debug, Default)]
pub(super) struct ProfileSettings {
    pub(super) region: Option<Region>,
    /// The AWS CLI's default output format (`json`, `text`, `table`, ...).
    pub(super) cli_output: Option<String>,
}

/// Loads both AWS files, so that a malformed file stops the command before anything is
/// written.
pub(super) fn load_profiles(ctx: &Context) -> Result<ProfileSet, CliError> {
    Ok(ProfileSet::load(&ctx.files)?)
}

/// Stores `creds` for the profile and writes its settings to the config file.
///
/// Returns a one-line description of where the keys went, for the confirmation message.
pub(super) fn save(
    ctx: &Context,
    store: StoreChoice,
    profile: &ProfileName,
    creds: &Credentials,
    existing_region: Option<&str>,
    settings: &ProfileSettings,
) -> Result<String, CliError> {
    let location = match store {
        StoreChoice::File => {
            let store = FileStore::new(ctx.files.clone());
            block_on(store.put(profile, creds))??;
            format!("{} (plaintext)", ctx.files.credentials.display())
        }
    };

    // The region is always written, so that the profile works without AWS_REGION;
    // an existing one is kept unless a new one was given.
    let region = match (&settings.region, existing_region) {
        (Some(r), _) => r.as_str().to_owned(),
        (None, Some(r)) => r.to_owned(),
        (None, None) => DEFAULT_REGION.to_owned(),
    };
    let section = SectionKey::Profile(profile.as_str().to_owned());
    sagecred_ini::edit(&ctx.files.config, FileKind::Config, |doc| {
        doc.set(&section, "region", &region);
        if let Some(output) = &settings.cli_output {
            doc.set(&section, "output", output);
        }
        Ok::<_, CliError>(())
    })?;
    Ok(location)
}
