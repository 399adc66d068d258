//! `sagecred migrate`: move plaintext keys from `~/.aws/credentials` into the keychain.
//!
//! For each profile: write the key to the keychain, read it back and compare, point the
//! config at `credential_process`, and only then delete the plaintext lines. A failure at
//! any step leaves the plaintext key where it was.

use sagecred_core::{ProfileName, StoreKind};
use serde_json::json;

use super::keys;
use super::stores;
use crate::cli::{MigrateArgs, OutputFormat};
use crate::context::Context;
use crate::error::CliError;
use crate::output;

pub(super) fn run(ctx: &Context, args: &MigrateArgs) -> Result<(), CliError> {
    if args.store == StoreKind::File {
        return Err(CliError::user(
            "migrate moves keys out of the plaintext file; choose --store keychain or keyutils",
        ));
    }
    let set = keys::load_profiles(ctx)?;
    let targets: Vec<String> = if args.all {
        set.profile_names()
            .into_iter()
            .filter(|n| set.has_plaintext_keys(n))
            .collect()
    } else if set.has_plaintext_keys(ctx.profile.as_str()) {
        vec![ctx.profile.as_str().to_owned()]
    } else {
        return Err(CliError::user(format!(
            "profile `{}` has no plaintext keys in {}",
            ctx.profile,
            ctx.files.credentials.display()
        ))
        .with_hint("list profiles and their stores with `sagecred profiles`, or pass --all"));
    };

    let file = stores::open(ctx, StoreKind::File)?;
    let mut moved = Vec::new();
    for name in &targets {
        let profile: ProfileName = name.parse().map_err(|e| CliError::config(format!("{e}")))?;
        if args.dry_run {
            moved.push(json!({ "profile": name, "to": args.store.as_str(), "done": false }));
            continue;
        }
        let creds = file.get(&profile)?.credentials;
        // `save` stores, reads back, points the config at the store and only then deletes
        // the plaintext lines; the profile's region and every other line stay as they are.
        keys::save_keeping_region(ctx, args.store, &profile, &creds)?;
        moved.push(json!({ "profile": name, "to": args.store.as_str(), "done": true }));
    }
    match ctx.output {
        OutputFormat::Json => {
            output::print_json(&json!({ "dry_run": args.dry_run, "profiles": moved }))
        }
        OutputFormat::Text => {
            if targets.is_empty() {
                crate::output::note(&format!(
                    "no plaintext keys in {}; nothing to migrate",
                    ctx.files.credentials.display()
                ));
            }
            for name in &targets {
                if args.dry_run {
                    crate::output::note(&format!(
                        "would move profile `{name}` to the {}",
                        args.store.as_str()
                    ));
                } else {
                    crate::output::note(&format!(
                        "moved profile `{name}` to the {}; its plaintext lines are gone",
                        args.store.as_str()
                    ));
                }
            }
            Ok(())
        }
    }
}
