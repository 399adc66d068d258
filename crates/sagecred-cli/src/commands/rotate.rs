//! `sagecred rotate` and `sagecred recover`: the guide's "Rotate access keys periodically"
//! and "Lost your secret access key?" as commands that never leave the profile without a
//! working key. The steps and their rollback live in `sagecred_provision::rotate`; this
//! module adapts the profile's store (keychain or plaintext file) to its `KeyStore`.

use std::time::SystemTime;

use aws_config::BehaviorVersion;
use sagecred_core::{
    CredentialSource, CredentialStore, Credentials, ProfileName, StoreError, StoredKey,
};
use sagecred_ini::ProfileSet;
use sagecred_provision::{
    FinishOutcome, KeyStore, OldKeyState, RecoverOptions, RotateError, RotateEvent, RotateOptions,
    RotateOutcome, recover, rotate, rotate_finish,
};
use serde_json::json;

use super::{block_on, keys, source, stores};
use crate::cli::{OutputFormat, RecoverArgs, RotateArgs};
use crate::context::Context;
use crate::error::{CliError, ErrorKind, error_chain};
use crate::output;

/// The store that holds one profile's key, as the rotation library sees it. Whatever the
/// store, it is reached through `CredentialStore`, synchronously, from inside the
/// rotation's runtime.
#[derive(Debug)]
struct ProfileStore {
    store: Box<dyn CredentialStore>,
    profile: ProfileName,
    /// Where the key comes from, for the one advice when it is missing.
    source: CredentialSource,
}

impl KeyStore for ProfileStore {
    fn read(&self) -> Result<Option<Credentials>, StoreError> {
        match self.store.get(&self.profile) {
            Ok(k) => Ok(Some(k.credentials)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn write(&self, credentials: &Credentials) -> Result<(), StoreError> {
        // Keep the user name the entry had; the key is new, so is its date.
        let user_name = self.user_name();
        self.store.put(
            &self.profile,
            &StoredKey {
                credentials: credentials.clone(),
                user_name,
                created: Some(SystemTime::now()),
            },
        )
    }

    fn invalidate_sessions(&self) -> Result<(), StoreError> {
        match self.store.sessions() {
            Some(sessions) => sessions.delete_session(&self.profile).map(drop),
            // A store without a session cache has no sessions of ours to drop.
            None => Ok(()),
        }
    }
}

impl ProfileStore {
    /// The store of `ctx.profile`, from its resolved source: the stores that hold a
    /// long-term key (keychain, keyutils, the plaintext file).
    fn of(ctx: &Context, set: &ProfileSet) -> Result<Self, CliError> {
        let profile = ctx.profile.clone();
        let resolved = source::resolve(ctx, set, &profile)?;
        match resolved.source.key_store() {
            Some(kind) => Ok(Self {
                store: stores::open_checked(ctx, kind)?,
                profile,
                source: resolved.source,
            }),
            None => Err(CliError::user(format!(
                "profile `{profile}` keeps no access key in a store sagecred manages (its credentials come from {})",
                resolved.source.label()
            ))
            .with_hint(format!(
                "store a key first with `sagecred configure --profile {profile}`, or create one with `sagecred provision --apply`"
            ))),
        }
    }

    /// The stored key, or `None`; a store's error carries the source's advice.
    fn stored(&self) -> Result<Option<Credentials>, CliError> {
        self.read()
            .map_err(|e| super::session::key_error(e, &self.source, &self.profile))
    }

    /// The one advice for a profile of this store without a working key.
    fn fix(&self) -> String {
        self.source.fix(&self.profile)
    }

    /// The user name the store records, if any.
    fn user_name(&self) -> Option<String> {
        self.store.get(&self.profile).ok().and_then(|k| k.user_name)
    }
}

/// Prints each step on stderr, so that stdout keeps only the summary.
fn progress(event: RotateEvent) {
    match event {
        RotateEvent::Done { step, detail } => crate::output::note(&format!("[{step}] {detail}")),
        RotateEvent::Verifying {
            attempt,
            max_attempts,
        } => crate::output::note(&format!(
            "      verifying the new key with STS (attempt {attempt} of {max_attempts})..."
        )),
        _ => {}
    }
}

fn rotate_error(e: RotateError, profile: &ProfileName, fix: &str) -> CliError {
    let kind = match &e {
        RotateError::NothingStored => ErrorKind::User,
        RotateError::TooManyKeys { .. } => ErrorKind::Config,
        RotateError::Store { .. } | RotateError::ReadBack => ErrorKind::Store,
        _ => ErrorKind::Aws,
    };
    let hint = match &e {
        RotateError::NothingStored => Some(format!(
            "store a key with `{fix}`, or get a new one with `sagecred recover --profile {profile} --admin-profile ADMIN`"
        )),
        RotateError::AdminRefused { .. } => Some(
            "--admin-profile must name credentials allowed iam:ListAccessKeys, iam:CreateAccessKey and iam:UpdateAccessKey on the user (for example AdministratorAccess)".to_owned(),
        ),
        _ if e.aws_code().is_some_and(|c| c.starts_with("AccessDenied")) => Some(format!(
            "the key may not manage its own access keys; an administrator can run `sagecred recover --profile {profile} --admin-profile ADMIN`"
        )),
        _ => None,
    };
    let err = CliError::new(kind, error_chain(&e));
    match hint {
        Some(h) => err.with_hint(h),
        None => err,
    }
}

/// An SDK config for `region` that signs with `credentials` (the stored long-term key:
/// IAM refuses GetSessionToken credentials without MFA, so the session cache is not used).
async fn key_config(region: &str, credentials: &Credentials) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_owned()))
        .credentials_provider(aws_credential_types::Credentials::new(
            credentials.access_key_id().as_str(),
            credentials.secret_access_key().expose(),
            None,
            None,
            "sagecred-rotate",
        ))
        .load()
        .await
}

fn print_outcome(ctx: &Context, what: &str, done: &RotateOutcome) -> Result<(), CliError> {
    let state = match done.old_key_state {
        OldKeyState::Deleted => "deleted",
        _ => "inactive",
    };
    match ctx.output {
        OutputFormat::Json => output::print_json(&json!({
            "profile": ctx.profile.as_str(),
            "user": done.user,
            "new_key": done.new_key,
            "arn": done.arn,
            "old_keys": done.old_keys,
            "old_key_state": state,
            "old_key_last_used": done.old_key_last_used,
        })),
        OutputFormat::Text => {
            let p = &ctx.profile;
            let old = if done.old_keys.is_empty() {
                "there was no old key to deactivate".to_owned()
            } else {
                format!("old key {} is {state}", done.old_keys.join(", "))
            };
            let next = match done.old_key_state {
                OldKeyState::Inactive if !done.old_keys.is_empty() => format!(
                    "; once nothing uses it, delete it with `sagecred rotate --finish --profile {p}`"
                ),
                _ => String::new(),
            };
            output::print(&format!(
                "{what}: profile `{p}` now holds key {} (signs in as {}); {old}{next}\n",
                done.new_key, done.arn
            ))
        }
    }
}

fn print_finish(ctx: &Context, done: &FinishOutcome) -> Result<(), CliError> {
    match ctx.output {
        OutputFormat::Json => output::print_json(&json!({
            "profile": ctx.profile.as_str(),
            "user": done.user,
            "deactivated": done.deactivated,
            "deleted": done.deleted.iter().map(|(k, used)| json!({"key": k, "last_used": used})).collect::<Vec<_>>(),
        })),
        OutputFormat::Text => {
            let mut text = String::new();
            for k in &done.deactivated {
                text.push_str(&format!(
                    "set {k} inactive (it was still active); run `sagecred rotate --finish` again to delete it\n"
                ));
            }
            for (k, used) in &done.deleted {
                text.push_str(&format!("deleted {k} ({used})\n"));
            }
            if text.is_empty() {
                text = format!(
                    "nothing to finish: user `{}` has no key besides the stored one\n",
                    done.user
                );
            }
            output::print(&text)
        }
    }
}

pub(super) fn run_rotate(ctx: &Context, args: &RotateArgs) -> Result<(), CliError> {
    let set = keys::load_profiles(ctx)?;
    let store = ProfileStore::of(ctx, &set)?;
    let p = &ctx.profile;
    let fix = store.fix();
    let stored = store
        .stored()?
        .ok_or_else(|| rotate_error(RotateError::NothingStored, p, &fix))?;
    let region = ctx.region_for(
        set.profile(p.as_str())
            .as_ref()
            .and_then(|s| s.get("region")),
    )?;
    let options = RotateOptions {
        user_name: store.user_name(),
        delete_old: args.delete_old,
        ..RotateOptions::default()
    };
    block_on(async {
        let base = key_config(region.as_str(), &stored).await;
        if args.finish {
            let done = rotate_finish(&base, &store, &options, &progress)
                .await
                .map_err(|e| rotate_error(e, p, &fix))?;
            return print_finish(ctx, &done);
        }
        let iam = aws_sdk_iam::Client::new(&base);
        let done = rotate(&iam, &base, &store, &options, &progress)
            .await
            .map_err(|e| rotate_error(e, p, &fix))?;
        print_outcome(ctx, "rotated", &done)
    })?
}

pub(super) fn run_recover(ctx: &Context, args: &RecoverArgs) -> Result<(), CliError> {
    let set = keys::load_profiles(ctx)?;
    let admin = &args.admin_profile;
    let Some(admin_section) = set.profile(admin.as_str()) else {
        return Err(CliError::user(format!(
            "the admin profile `{admin}` is not in {} or {}",
            ctx.files.config.display(),
            ctx.files.credentials.display()
        ))
        .with_hint(
            "recover needs other credentials with IAM rights: store an administrator's keys with `sagecred configure --profile admin`, then pass --admin-profile admin",
        ));
    };
    if admin.as_str() == ctx.profile.as_str() {
        return Err(CliError::user(
            "--admin-profile names the profile being recovered; its key is the one that was lost",
        )
        .with_hint("pass a profile with other credentials that have IAM rights"));
    }
    let store = ProfileStore::of(ctx, &set)?;
    let fix = store.fix();
    let p = &ctx.profile;
    let user_name = args
        .user_name
        .clone()
        .or_else(|| store.user_name())
        .unwrap_or_else(|| p.as_str().to_owned());
    let region = ctx.region_for(admin_section.get("region"))?;
    let options = RecoverOptions {
        user_name,
        ..RecoverOptions::default()
    };
    block_on(async {
        let base = aws_config::defaults(BehaviorVersion::latest())
            .region(aws_config::Region::new(region.as_str().to_owned()))
            .profile_name(admin.as_str())
            .credentials_provider(
                aws_config::profile::ProfileFileCredentialsProvider::builder()
                    .profile_name(admin.as_str())
                    .build(),
            )
            .load()
            .await;
        let iam = aws_sdk_iam::Client::new(&base);
        let done = recover(&iam, &base, &store, &options, &progress)
            .await
            .map_err(|e| rotate_error(e, p, &fix))?;
        print_outcome(ctx, "recovered", &done)
    })?
}
