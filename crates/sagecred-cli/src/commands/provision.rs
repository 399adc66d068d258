//! `sagecred provision`, `teardown` and `setup`: the guide's Parts 1 and 2 as a plan that
//! is printed, and applied only when asked.

use std::io::IsTerminal;

use aws_config::BehaviorVersion;
use sagecred_core::{AccessKeyId, ProfileName};
use sagecred_doctor::access::{
    AccessTarget, Propagation, bucket_check, probe_access, probe_until_propagated, sagemaker_check,
};
use sagecred_doctor::{Check, Fix, Status};
use sagecred_ini::{FileKind, ProfileSet, SectionKey};
use sagecred_provision::{
    BucketAccess, DesiredState, Plan, ProgressEvent, ProvisionOptions, SdkConfigValues, SdkKey,
    VerifyRetry, apply, caller_identity, check_bucket, create_bucket, discover,
    emit_cloudformation, emit_terraform, list_training_jobs, s3_client, teardown_apply,
    teardown_plan, verify_key,
};
use sagecred_sso::TokioPacer;
use serde_json::json;

use super::keys::{self, ProfileSettings};
use super::stores;
use super::{block_on, doctor, sdk_config};
use crate::cli::{EmitFormat, OutputFormat, ProvisionArgs, SetupArgs};
use crate::context::Context;
use crate::error::{CliError, ErrorKind};
use crate::output;

/// Prints progress on stderr, so that stdout keeps only the plan or JSON.
fn progress(event: ProgressEvent) {
    match event {
        ProgressEvent::Step {
            index,
            total,
            action,
            kind,
            name,
        } => {
            crate::output::note(&format!("[{index}/{total}] {action} {kind} {name}"));
        }
        ProgressEvent::Waiting { kind, name } => {
            crate::output::note(&format!("      waiting for {kind} {name} to exist..."))
        }
        ProgressEvent::Ready { .. } => {}
        ProgressEvent::Verifying {
            attempt,
            max_attempts,
        } => {
            crate::output::note(&format!(
                "      verifying the new key with STS (attempt {attempt} of {max_attempts})..."
            ));
        }
        _ => {}
    }
}

/// The administrator's SDK config: the `--profile` credentials, which make the changes.
async fn admin_config(ctx: &Context, region: &str) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_owned()));
    if ctx.profile_named
        || ProfileSet::load(&ctx.files)
            .ok()
            .and_then(|s| s.profile(ctx.profile.as_str()))
            .is_some()
    {
        loader = loader
            .profile_name(ctx.profile.as_str())
            .credentials_provider(
                aws_config::profile::ProfileFileCredentialsProvider::builder()
                    .profile_name(ctx.profile.as_str())
                    .build(),
            );
    }
    loader.load().await
}

fn key_profile(args: &ProvisionArgs) -> Result<ProfileName, CliError> {
    match &args.key_profile {
        Some(p) => Ok(p.clone()),
        None => args.user_name.parse().map_err(|e| {
            CliError::user(format!("the user name cannot be a profile name: {e}"))
                .with_hint("pass --key-profile NAME")
        }),
    }
}

/// The key id the key profile's store already holds, so that a re-run creates no new key.
fn held_key(
    ctx: &Context,
    set: &ProfileSet,
    profile: &ProfileName,
) -> Result<Option<AccessKeyId>, CliError> {
    let Some(section) = set.profile(profile.as_str()) else {
        return Ok(None);
    };
    if let Some(id) = section.get("aws_access_key_id") {
        return Ok(id.parse().ok());
    }
    let resolved = super::source::resolve(ctx, set, profile)?;
    if let Some(kind) = resolved.source.key_store() {
        return match stores::open(ctx, kind)?.get(profile) {
            Ok(k) => Ok(Some(k.credentials.access_key_id().clone())),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        };
    }
    Ok(None)
}

struct Prepared {
    config: aws_config::SdkConfig,
    desired: DesiredState,
    key_profile: ProfileName,
    region: String,
}

fn prepare(
    ctx: &Context,
    args: &ProvisionArgs,
    set: &ProfileSet,
    create_key: bool,
) -> Result<Prepared, CliError> {
    let key_profile = key_profile(args)?;
    let region = ctx.region_for(
        set.profile(ctx.profile.as_str())
            .and_then(|p| p.get("region").map(str::to_owned))
            .as_deref(),
    )?;
    let options = ProvisionOptions {
        bucket: args.bucket.clone(),
        role_name: args.role_name.clone(),
        policy_name: args.policy_name.clone(),
        user_name: (!args.no_user).then(|| args.user_name.clone()),
        least_privilege: args.least_privilege,
        adopt: args.adopt,
        create_access_key: create_key && !args.no_user,
        held_access_key_id: held_key(ctx, set, &key_profile)?,
        ..ProvisionOptions::default()
    };
    let config = block_on(admin_config(ctx, region.as_str()))?;
    let identity =
        block_on(caller_identity(&aws_sdk_sts::Client::new(&config)))?.map_err(CliError::from)?;
    let desired = DesiredState::new(&options, &identity.account, identity.partition)
        .map_err(CliError::from)?;
    Ok(Prepared {
        config,
        desired,
        key_profile,
        region: region.as_str().to_owned(),
    })
}

fn print_plan(ctx: &Context, plan: &Plan, applied: bool) -> Result<(), CliError> {
    match ctx.output {
        OutputFormat::Json => {
            let mut v: serde_json::Value = serde_json::from_str(&plan.to_json())
                .map_err(|e| CliError::internal(format!("plan JSON: {e}")))?;
            v["applied"] = applied.into();
            output::print_json(&v)
        }
        OutputFormat::Text => output::print(&plan.render_text()),
    }
}

pub(super) fn run_provision(ctx: &Context, args: &ProvisionArgs) -> Result<(), CliError> {
    if let Some(format) = args.emit {
        // Offline: the code names the account and partition symbolically, so no
        // credentials and no AWS call are needed.
        let options = ProvisionOptions {
            bucket: args.bucket.clone(),
            role_name: args.role_name.clone(),
            policy_name: args.policy_name.clone(),
            user_name: (!args.no_user).then(|| args.user_name.clone()),
            least_privilege: args.least_privilege,
            create_access_key: args.include_access_key && !args.no_user,
            ..ProvisionOptions::default()
        };
        if args.include_access_key {
            crate::output::note(
                "warning: the access key's secret will live in the stack's state and outputs, not in your keychain",
            );
        }
        let code = match format {
            EmitFormat::Cloudformation => emit_cloudformation(&options),
            EmitFormat::Terraform => emit_terraform(&options),
        }
        .map_err(CliError::from)?;
        return output::print(&code);
    }
    let set = keys::load_profiles(ctx)?;
    // The store must work before a key is created that it would have to hold.
    if args.apply && !args.no_user {
        stores::open_checked(ctx, args.store)?;
    }
    if args.apply && !args.no_user {
        keys::check_targets(ctx, args.store, false)?;
    }
    let prepared = prepare(ctx, args, &set, true)?;
    let iam = aws_sdk_iam::Client::new(&prepared.config);
    let plan = block_on(discover(&iam, &prepared.desired))?.map_err(CliError::from)?;
    if !args.apply {
        print_plan(ctx, &plan, false)?;
        if !plan.is_noop() {
            crate::output::note(
                "nothing was changed; run again with --apply to make these changes",
            );
        }
        return Ok(());
    }
    apply_plan(ctx, args, &prepared, &plan, sdk_config::can_ask())
}

fn apply_plan(
    ctx: &Context,
    args: &ProvisionArgs,
    prepared: &Prepared,
    plan: &Plan,
    interactive: bool,
) -> Result<(), CliError> {
    // What the profile used before, so that the SDK defaults file follows its own values.
    let previous = previous_sdk_values(ctx, args, &prepared.key_profile);
    let iam = aws_sdk_iam::Client::new(&prepared.config);
    let outcome = block_on(apply(&iam, plan, &progress))?.map_err(CliError::from)?;
    let role_arn = outcome
        .role_arn
        .as_ref()
        .map(ToString::to_string)
        .or_else(|| plan.role_arn.clone());
    let key = &prepared.key_profile;
    if let Some(creds) = &outcome.access_key {
        // Store the key at once: it exists only in this process until it is stored.
        let settings = ProfileSettings {
            region: prepared.region.parse().ok(),
            cli_output: None,
            user_name: Some(args.user_name.clone()),
            force: false,
        };
        let location = keys::save(ctx, args.store, key, creds, None, &settings)?;
        crate::output::note(&format!(
            "stored the new key {} for profile `{key}` in {location}",
            creds.access_key_id().masked()
        ));
        let arn = block_on(verify_key(
            &prepared.config,
            creds,
            VerifyRetry::default(),
            &progress,
        ))?
        .map_err(CliError::from)?;
        crate::output::note(&format!("verified: the new key signs in as {arn}"));
    }
    if !args.no_user {
        let section = SectionKey::Profile(key.as_str().to_owned());
        let account = prepared.desired.account_id.clone();
        sagecred_ini::edit(&ctx.files.config, FileKind::Config, |doc| {
            if let Some(arn) = &role_arn {
                doc.set(&section, "sagemaker_role_arn", arn);
            }
            doc.set(&section, "aws_account_id", &account);
            doc.set(&section, "sagemaker_bucket", &args.bucket);
            if doc
                .section(&section)
                .and_then(|s| s.get("region").map(str::to_owned))
                .is_none()
            {
                doc.set(&section, "region", &prepared.region);
            }
            Ok::<_, CliError>(())
        })?;
    }
    if !args.no_sdk_config
        && let Some(arn) = &role_arn
    {
        sdk_config::offer(
            ctx,
            &[
                (SdkKey::TrainingJobRoleArn, arn.as_str()),
                (SdkKey::DefaultS3Bucket, args.bucket.as_str()),
            ],
            &previous,
            interactive,
        )?;
    }
    match ctx.output {
        OutputFormat::Json => output::print_json(&json!({
            "applied": true,
            "changes": outcome.changes_applied,
            "role_arn": role_arn,
            "key_profile": (!args.no_user).then(|| key.as_str()),
            "access_key_created": outcome.access_key.is_some(),
        })),
        OutputFormat::Text => {
            if outcome.changes_applied == 0 {
                crate::output::note("everything is already in place; nothing was changed");
            } else {
                crate::output::note(&format!("applied {} changes", outcome.changes_applied));
            }
            Ok(())
        }
    }
}

pub(super) fn run_teardown(ctx: &Context, args: &ProvisionArgs) -> Result<(), CliError> {
    let set = keys::load_profiles(ctx)?;
    let prepared = prepare(ctx, args, &set, false)?;
    let iam = aws_sdk_iam::Client::new(&prepared.config);
    let plan = block_on(teardown_plan(&iam, &prepared.desired))?.map_err(CliError::from)?;
    if !args.apply {
        print_plan(ctx, &plan, false)?;
        if !plan.is_noop() {
            crate::output::note("nothing was changed; run again with --apply to remove these");
        }
        return Ok(());
    }
    block_on(teardown_apply(&iam, &plan, &progress))?.map_err(CliError::from)?;
    print_plan(ctx, &plan, true)?;
    crate::output::note(&format!(
        "removed; the local profile `{}` now holds a deleted key: remove it with `sagecred remove {}`",
        prepared.key_profile, prepared.key_profile
    ));
    Ok(())
}

fn ask(question: &str, default: &str) -> Result<String, CliError> {
    let answer = output::ask(&format!("{question} [{default}]: "))?;
    Ok(if answer.is_empty() {
        default.to_owned()
    } else {
        answer
    })
}

pub(super) fn run_setup(ctx: &Context, args: &SetupArgs) -> Result<(), CliError> {
    if args.provision.emit.is_some() {
        return Err(CliError::user(
            "setup applies; use `sagecred provision --emit` to write code",
        ));
    }
    let mut p = ProvisionArgs {
        apply: false,
        ..clone_args(&args.provision)
    };
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(
                CliError::user("setup asks questions, and stdin is not a terminal")
                    .with_hint("pass --yes to take the defaults and flags as they are"),
            );
        }
        p.bucket = ask("S3 bucket for training data", &p.bucket)?;
        p.role_name = ask("SageMaker execution role", &p.role_name)?;
        p.policy_name = ask("custom S3/ECR/CloudWatch policy", &p.policy_name)?;
        p.user_name = ask("IAM user for this machine", &p.user_name)?;
    }
    stores::open_checked(ctx, p.store)?;
    if !p.no_user {
        keys::check_targets(ctx, p.store, false)?;
    }
    let set = keys::load_profiles(ctx)?;
    let prepared = prepare(ctx, &p, &set, true)?;
    let iam = aws_sdk_iam::Client::new(&prepared.config);
    let plan = block_on(discover(&iam, &prepared.desired))?.map_err(CliError::from)?;
    crate::output::eprint_text(&plan.render_text());
    if !args.yes && !plan.is_noop() {
        let answer = ask("apply these changes?", "y/N")?;
        if !matches!(answer.as_str(), "y" | "Y" | "yes") {
            crate::output::note("nothing was changed");
            return Ok(());
        }
    }
    p.apply = true;
    let quiet = Context {
        output: OutputFormat::Text,
        ..ctx.clone()
    };
    apply_plan(&quiet, &p, &prepared, &plan, !args.yes)?;
    let checks = setup_access_checks(ctx, args, &p, &prepared, !plan.is_noop())?;
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    let key = &prepared.key_profile;
    crate::output::note("");
    crate::output::note("done. Add this line to your shell profile (~/.bashrc or ~/.zshrc):");
    crate::output::note("");
    crate::output::note(&format!("    eval \"$(sagecred env --profile {key})\""));
    crate::output::note("");
    crate::output::note(&format!(
        "and check with `sagecred whoami --profile {key}`. Other shells: docs/shell-integration.md"
    ));
    if ctx.output == OutputFormat::Json {
        output::print_json(&json!({
            "key_profile": key.as_str(),
            "shell_line": format!("eval \"$(sagecred env --profile {key})\""),
            "checks": doctor::checks_json(&checks),
        }))?;
    }
    if failed > 0 {
        return Err(CliError::new(
            ErrorKind::CheckFailed,
            format!("the iam setup is done, but {failed} of the guide's access tests failed"),
        )
        .with_hint(format!(
            "run the fix shown for each failed check, then `sagecred doctor --profile {}`",
            if p.no_user { &ctx.profile } else { key }
        )));
    }
    Ok(())
}

/// The SDK config of `profile` as the SDKs resolve it, in `region`.
async fn profile_config(profile: &str, region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_owned()))
        .profile_name(profile)
        .credentials_provider(
            aws_config::profile::ProfileFileCredentialsProvider::builder()
                .profile_name(profile)
                .build(),
        )
        .load()
        .await
}

/// The guide's Part 3 tests at the end of setup, with the new key's profile (the admin's
/// with --no-user). A missing bucket is created with the admin's credentials when the user
/// agrees or passed --create-bucket, then checked again.
///
/// `changed` says that this run changed IAM: AWS takes a few seconds to carry a new key or
/// policy to S3 and SageMaker, so refusals are then asked again for a bounded time.
fn setup_access_checks(
    ctx: &Context,
    args: &SetupArgs,
    p: &ProvisionArgs,
    prepared: &Prepared,
    changed: bool,
) -> Result<Vec<Check>, CliError> {
    let region = prepared.region.as_str();
    let bucket = p.bucket.as_str();
    let (config, profile, user) = if p.no_user {
        (prepared.config.clone(), &ctx.profile, None)
    } else {
        (
            block_on(profile_config(prepared.key_profile.as_str(), region))?,
            &prepared.key_profile,
            Some(p.user_name.as_str()),
        )
    };
    crate::output::note("");
    crate::output::note(&format!(
        "testing access as profile `{profile}` (the guide's Part 3)..."
    ));
    let s3 = s3_client(&config);
    let mut outcome = block_on(check_bucket(&s3, bucket, region))?;
    if outcome == BucketAccess::NoSuchBucket {
        let create = args.create_bucket
            || (!args.yes
                && matches!(
                    ask(
                        &format!(
                            "bucket `{bucket}` does not exist; create it in {region} (private, encrypted)?"
                        ),
                        "y/N"
                    )?
                    .as_str(),
                    "y" | "Y" | "yes"
                ));
        if create {
            block_on(create_bucket(&s3_client(&prepared.config), bucket, region))?
                .map_err(CliError::from)?;
            crate::output::note(&format!(
                "created bucket `{bucket}` in {region}: public access blocked, default encryption (SSE-S3) on"
            ));
            outcome = block_on(check_bucket(&s3, bucket, region))?;
        }
    }
    let sagemaker = block_on(list_training_jobs(&config))?;
    let mut first = Some((outcome, sagemaker));
    let mut pacer = TokioPacer;
    let (outcome, sagemaker) = block_on(probe_until_propagated(
        Propagation::default(),
        changed,
        &mut pacer,
        &mut |attempt, attempts| {
            crate::output::note(&format!(
                "      refused; iam changes take a few seconds to reach s3 and sagemaker, trying again (attempt {attempt} of {attempts})..."
            ));
        },
        || {
            let first = first.take();
            let config = &config;
            async move {
                match first {
                    Some(outcome) => outcome,
                    None => probe_access(config, bucket, region).await,
                }
            }
        },
    ))?;
    let target = AccessTarget {
        bucket: bucket.to_owned(),
        region: region.to_owned(),
        profile: profile.clone(),
        user: user.map(str::to_owned),
        partition: prepared
            .desired
            .partition
            .parse()
            .unwrap_or(sagecred_core::Partition::Aws),
        provision_fix: Fix::Provision {
            role_name: p.role_name.clone(),
            policy_name: p.policy_name.clone(),
            bucket: Some(bucket.to_owned()),
            admin_profile: Some(ctx.profile.clone()),
        },
    };
    let checks = vec![
        bucket_check(&target, &outcome),
        sagemaker_check(&target, &sagemaker),
    ];
    crate::output::eprint_text(&doctor::render_checks(&checks));
    Ok(checks)
}

/// The role and bucket the profile named before this command.
fn previous_sdk_values(
    ctx: &Context,
    args: &ProvisionArgs,
    key_profile: &ProfileName,
) -> SdkConfigValues {
    let name = if args.no_user {
        ctx.profile.as_str()
    } else {
        key_profile.as_str()
    };
    let section = ProfileSet::load_config_only(&ctx.files)
        .ok()
        .and_then(|s| s.profile(name));
    let get = |key: &str| section.as_ref().and_then(|p| p.get(key).map(str::to_owned));
    SdkConfigValues {
        role_arn: get("sagemaker_role_arn"),
        bucket: get("sagemaker_bucket"),
    }
}

fn clone_args(a: &ProvisionArgs) -> ProvisionArgs {
    ProvisionArgs {
        apply: a.apply,
        bucket: a.bucket.clone(),
        role_name: a.role_name.clone(),
        policy_name: a.policy_name.clone(),
        user_name: a.user_name.clone(),
        no_user: a.no_user,
        least_privilege: a.least_privilege,
        adopt: a.adopt,
        key_profile: a.key_profile.clone(),
        store: a.store,
        emit: a.emit,
        include_access_key: a.include_access_key,
        no_sdk_config: a.no_sdk_config,
    }
}
