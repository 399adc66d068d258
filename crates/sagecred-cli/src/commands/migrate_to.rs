//! `sagecred migrate --to STORE`: move keys between any two stores (the keychain, the
//! encrypted files, the kernel keyring, the plaintext file).
//!
//! For each profile, in this order, and stopping at the first failure:
//! 1. read the key (and its IAM user name and creation time) from the store the profile's
//!    config says it lives in;
//! 2. write it to the target store, then read it back from there and compare: a store that
//!    accepts a write and loses it stops here, with the old store untouched;
//! 3. point the profile's config at the target (`credential_process` naming it, or no line
//!    of ours for the plaintext file); every other line of the file stays as it was;
//! 4. only then delete the key (and its cached session) from the old store.
//!
//! A failure before step 4 leaves the key where it was; a failure in step 4 leaves it in
//! both stores, and says so.

use sagecred_core::{ProcessLine, ProfileName, StoreKind};
use sagecred_ini::{FileKind, SectionKey};
use serde_json::json;

use super::{keys, source, stores};
use crate::cli::{MigrateArgs, OutputFormat};
use crate::context::Context;
use crate::error::{CliError, ErrorKind};
use crate::output;

/// One profile to move.
struct Move {
    profile: ProfileName,
    from: StoreKind,
}

pub(super) fn run(ctx: &Context, args: &MigrateArgs, to: StoreKind) -> Result<(), CliError> {
    if !to.holds_keys() {
        return Err(CliError::user(format!(
            "the {to} store holds no keys; choose --to keychain, encrypted-file, keyutils or file"
        )));
    }
    let set = keys::load_profiles(ctx)?;
    let mut moves = Vec::new();
    let names: Vec<ProfileName> = if args.all {
        set.profile_names()
            .into_iter()
            .filter_map(|n| n.parse().ok())
            .collect()
    } else {
        if !set
            .profile_names()
            .iter()
            .any(|n| n == ctx.profile.as_str())
        {
            return Err(ctx.unknown_profile(&ctx.profile));
        }
        vec![ctx.profile.clone()]
    };
    for name in names {
        let resolved = source::resolve(ctx, &set, &name)?;
        match resolved.source.key_store() {
            Some(from) if from == to => {
                if !args.all {
                    return Err(CliError::user(format!(
                        "profile `{name}` already keeps its key in the {to} store"
                    )));
                }
            }
            Some(from) => moves.push(Move {
                profile: name,
                from,
            }),
            None if args.all => {}
            None => {
                return Err(CliError::user(format!(
                    "profile `{name}` has no stored key to move (its credentials come from: {})",
                    resolved.source.label()
                ))
                .with_hint("list profiles and their stores with `sagecred profiles`"));
            }
        }
    }

    let mut report = Vec::new();
    if !args.dry_run && !moves.is_empty() {
        let target = stores::open_checked(ctx, to)?;
        for m in &moves {
            move_one(ctx, target.as_ref(), m, to)?;
            report.push(json!({ "profile": m.profile.as_str(), "from": m.from.as_str(), "to": to.as_str(), "done": true }));
            if ctx.output == OutputFormat::Text {
                crate::output::note(&format!(
                    "moved profile `{}` from the {} store to the {to} store (read back before the old copy was deleted)",
                    m.profile, m.from
                ));
            }
        }
    } else {
        for m in &moves {
            report.push(json!({ "profile": m.profile.as_str(), "from": m.from.as_str(), "to": to.as_str(), "done": false }));
            if ctx.output == OutputFormat::Text {
                crate::output::note(&format!(
                    "would move profile `{}` from the {} store to the {to} store",
                    m.profile, m.from
                ));
            }
        }
    }
    match ctx.output {
        OutputFormat::Json => {
            output::print_json(&json!({ "dry_run": args.dry_run, "profiles": report }))
        }
        OutputFormat::Text => {
            if moves.is_empty() {
                crate::output::note(&format!(
                    "no profile keeps a key outside the {to} store; nothing to migrate"
                ));
            }
            Ok(())
        }
    }
}

fn move_one(
    ctx: &Context,
    target: &dyn sagecred_core::CredentialStore,
    m: &Move,
    to: StoreKind,
) -> Result<(), CliError> {
    let name = &m.profile;
    let old = stores::open(ctx, m.from)?;
    let key = old.get(name)?;
    target.put(name, &key)?;
    let back = target.get(name)?;
    if back.credentials != key.credentials {
        return Err(CliError::new(
            ErrorKind::Store,
            format!(
                "the {to} store returned a different key than was written for profile `{name}`; \
                 the key is still in the {} store",
                m.from
            ),
        ));
    }
    // A session cached under the old store belongs to the same key: it is dropped with the
    // old copy, and the target starts without one.
    if let Some(sessions) = target.sessions() {
        sessions.delete_session(name)?;
    }
    point_config_at(ctx, name, to)?;
    old.delete(name).map_err(|e| {
        CliError::from(e).with_hint_prefix(&format!(
            "the key is now in the {to} store and the config points there, but its old copy \
             in the {} store could not be deleted; ",
            m.from
        ))
    })?;
    Ok(())
}

/// Points the profile's config at `to`: our `credential_process` line naming it, or, for
/// the plaintext file (which the SDKs read themselves), no line of ours.
fn point_config_at(ctx: &Context, name: &ProfileName, to: StoreKind) -> Result<(), CliError> {
    let section = SectionKey::Profile(name.as_str().to_owned());
    let line = if to.served_by_process() {
        Some(keys::credential_process_line(name, to)?)
    } else {
        None
    };
    sagecred_ini::edit(&ctx.files.config, FileKind::Config, |doc| {
        match &line {
            Some(line) => {
                doc.set(&section, "credential_process", line);
            }
            None => {
                let ours = doc.section(&section).is_some_and(|s| {
                    s.get("credential_process")
                        .is_some_and(|l| matches!(ProcessLine::parse(l), Ok(Some(_))))
                });
                if ours {
                    doc.remove(&section, "credential_process");
                }
            }
        }
        Ok::<_, CliError>(())
    })?;
    Ok(())
}
