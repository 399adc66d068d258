//! Saving a key pair to the chosen store and the profile's settings to the config file:
//! the part `configure`, `import` and `migrate` share.

use std::time::SystemTime;

use sagecred_core::{
    Credentials, DEFAULT_REGION, ProcessLine, ProfileName, Region, StoreKind, StoredKey,
};
use sagecred_ini::{FileKind, ProfileSet, SectionKey, WriteOptions};

use super::stores;
use crate::context::Context;
use crate::error::CliError;

/// What to write for a profile besides its keys.
#[derive(Debug, Default)]
pub(super) struct ProfileSettings {
    pub(super) region: Option<Region>,
    /// The AWS CLI's default output format (`json`, `text`, `table`, ...).
    pub(super) cli_output: Option<String>,
    /// The IAM user the key belongs to, when known (the console CSV says).
    pub(super) user_name: Option<String>,
    /// With the file store: write the keys even into a credentials file that other users
    /// may read (`--force`).
    pub(super) force: bool,
}

/// Refuses, before anything is stored anywhere, AWS files that `save` could not write:
/// a device, FIFO, socket or directory, a read-only file, and for the file store a
/// credentials file that other users may read (unless `force`).
pub(super) fn check_targets(ctx: &Context, store: StoreKind, force: bool) -> Result<(), CliError> {
    sagecred_ini::check_writable(&ctx.files.config, WriteOptions::default())?;
    if store == StoreKind::File {
        let secrets = WriteOptions::default().secrets(true).force(force);
        sagecred_ini::check_writable(&ctx.files.credentials, secrets)?;
    }
    Ok(())
}

/// Loads both AWS files, so that a malformed file stops the command before anything is
/// written.
pub(super) fn load_profiles(ctx: &Context) -> Result<ProfileSet, CliError> {
    Ok(ProfileSet::load(&ctx.files)?)
}

/// The `credential_process` line for a profile whose key lives in `store`: this very
/// binary, by absolute path.
pub(crate) fn credential_process_line(
    profile: &ProfileName,
    store: StoreKind,
) -> Result<String, CliError> {
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .map_err(|e| {
            CliError::internal(format!("cannot find the path of the sagecred binary: {e}"))
        })?;
    let exe = exe.to_str().ok_or_else(|| {
        CliError::internal(format!(
            "the path of the sagecred binary is not UTF-8: {}",
            exe.display()
        ))
    })?;
    // The SDKs split the line with their platform's rules (a POSIX shell or shlex; cmd.exe or
    // CommandLineToArgvW on Windows): `ProcessLine::render` joins it with those, from the
    // path users know.
    let exe = sagecred_shell::argv::strip_verbatim(exe);
    ProcessLine::new(exe.as_ref(), profile.clone(), store)
        .and_then(|line| line.render())
        .map_err(|e| {
            CliError::user(format!(
                "cannot write the credential_process line for profile `{profile}`: {e}"
            ))
            .with_hint("rename the profile, or install sagecred in a plainer directory")
        })
}

/// Whether a `credential_process` value is a line of ours.
fn is_ours(line: &str) -> bool {
    matches!(ProcessLine::parse(line), Ok(Some(_)) | Err(_))
}

/// Stores `creds` for the profile and writes its settings to the config file.
///
/// Returns a one-line description of where the keys went, for the confirmation message.
pub(super) fn save(
    ctx: &Context,
    store: StoreKind,
    profile: &ProfileName,
    creds: &Credentials,
    existing_region: Option<&str>,
    settings: &ProfileSettings,
) -> Result<String, CliError> {
    save_with(ctx, store, profile, creds, existing_region, settings, false)
}

/// [`save`] for `migrate`, which moves keys and changes no other line: the profile's
/// `region` is left alone, whatever it is or lacks.
pub(super) fn save_keeping_region(
    ctx: &Context,
    store: StoreKind,
    profile: &ProfileName,
    creds: &Credentials,
) -> Result<String, CliError> {
    save_with(
        ctx,
        store,
        profile,
        creds,
        None,
        &ProfileSettings::default(),
        true,
    )
}

fn save_with(
    ctx: &Context,
    store: StoreKind,
    profile: &ProfileName,
    creds: &Credentials,
    existing_region: Option<&str>,
    settings: &ProfileSettings,
    keep_region: bool,
) -> Result<String, CliError> {
    let section = SectionKey::Profile(profile.as_str().to_owned());
    // The region is always written, so that the profile works without AWS_REGION;
    // an existing one is kept unless a new one was given.
    let region = match (&settings.region, existing_region) {
        _ if keep_region => None,
        (Some(r), _) => Some(r.as_str().to_owned()),
        (None, Some(r)) => Some(r.to_owned()),
        (None, None) => Some(DEFAULT_REGION.to_owned()),
    };
    check_targets(ctx, store, settings.force)?;
    let target = stores::open_for_write(ctx, store, settings.force)?;
    let stored = StoredKey {
        credentials: creds.clone(),
        user_name: settings.user_name.clone(),
        created: Some(SystemTime::now()),
    };

    if !store.served_by_process() {
        // The plaintext file: the SDKs read the keys themselves.
        target.put(profile, &stored)?;
        sagecred_ini::edit(&ctx.files.config, FileKind::Config, |doc| {
            if let Some(region) = &region {
                doc.set(&section, "region", region);
            }
            if let Some(output) = &settings.cli_output {
                doc.set(&section, "output", output);
            }
            // The key now lives in the plaintext file: a stale credential_process line of
            // ours would only confuse readers, since static keys win in every SDK.
            let ours = doc
                .section(&section)
                .and_then(|s| s.get("credential_process").map(is_ours))
                .unwrap_or(false);
            if ours {
                doc.remove(&section, "credential_process");
            }
            Ok::<_, CliError>(())
        })?;
        return Ok(format!("{} (plaintext)", ctx.files.credentials.display()));
    }

    let line = credential_process_line(profile, store)?;
    target.put(profile, &stored)?;
    // Read it back before the config points at it: a store that accepts a write and
    // loses it must not leave the profile without a key.
    let back = target.get(profile)?;
    if back.credentials != *creds {
        return Err(CliError::new(
            crate::error::ErrorKind::Store,
            format!(
                "the {store} store returned a different key than was written for profile `{profile}`"
            ),
        ));
    }
    // A session cached for an earlier key must not outlive it.
    if let Some(sessions) = target.sessions() {
        sessions.delete_session(profile)?;
    }
    sagecred_ini::edit(&ctx.files.config, FileKind::Config, |doc| {
        if let Some(region) = &region {
            doc.set(&section, "region", region);
        }
        doc.set(&section, "credential_process", &line);
        if let Some(output) = &settings.cli_output {
            doc.set(&section, "output", output);
        }
        Ok::<_, CliError>(())
    })?;
    // Plaintext keys for the profile would win over credential_process in every SDK, and
    // they are what the store replaces: remove them.
    stores::open(ctx, StoreKind::File)?.delete(profile)?;
    Ok(store.location().to_owned())
}
