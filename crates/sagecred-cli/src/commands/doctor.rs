//! `sagecred doctor`: runs `sagecred-doctor`'s checks for the profile and renders them.
//! Each check reports pass, warn or fail with a one-line reason and the command that fixes
//! it; any fail makes the exit code non-zero.
//!
//! This module gathers what the library is handed (the files, the environment's values,
//! the profile's credentials as the SDKs resolve them, the stored key) and prints the
//! report as text or JSON. The checks themselves live in `sagecred_doctor`.

use std::time::SystemTime;

use aws_config::BehaviorVersion;
use sagecred_core::{DEFAULT_BUCKET, ResolvedProfile, RoleArn, StoreKind};
use sagecred_doctor::{AwsInputs, Check, CheckId, Fix, Report, Status, StoredKey, aws, local};
use sagecred_ini::{ProfileSet, Section};
use serde_json::json;

use super::session::{self, Serve, Want};
use super::{block_on, keys, source, stores};
use crate::cli::{DoctorArgs, OutputFormat};
use crate::context::Context;
use crate::error::CliError;
use crate::output;

pub(super) fn run(ctx: &Context, args: &DoctorArgs) -> Result<(), CliError> {
    let set = keys::load_profiles(ctx)?;
    let profile = set.profile(ctx.profile.as_str());
    let files = &ctx.files;
    let mut checks = Vec::new();

    // Without the profile, a missing region is only a consequence of the missing profile.
    if profile.is_some() || ctx.env.region().is_some() {
        checks.push(local::region_check(
            &ctx.profile,
            ctx.env.region(),
            profile.as_ref().and_then(|p| p.get("region")),
            &files.config,
        ));
    }
    let sso_cache = ctx.env.home.as_ref().map(|h| h.join(".aws/sso/cache"));
    let private = local::private_files(&files.config, &files.credentials, sso_cache.as_deref());
    checks.push(local::file_permissions(&private));
    let plaintext: Vec<String> = set
        .profile_names()
        .into_iter()
        .filter(|n| set.has_plaintext_keys(n))
        .collect();
    checks.push(local::plaintext_check(&plaintext, &files.credentials));
    if let Some(check) = profile.as_ref().and_then(|p| sdk_config_check(ctx, p)) {
        checks.push(check);
    }

    match &profile {
        None => checks.push(local::missing_profile(
            &ctx.profile,
            &files.config,
            &files.credentials,
        )),
        Some(section) => checks.extend(aws_checks(ctx, args, &set, section)?),
    }
    report(ctx, &Report::new(checks))
}

/// The SageMaker Python SDK's defaults file against the profile's role and bucket
/// (`sagecred_provision::check_sdk_config`); no check when the profile names no role.
fn sdk_config_check(ctx: &Context, profile: &Section) -> Option<Check> {
    use sagecred_doctor::{CheckId, Fix};
    use sagecred_provision::SdkConfigCheck;
    let id = CheckId::SagemakerSdkConfig;
    let role = profile.get("sagemaker_role_arn")?;
    let bucket = profile.get("sagemaker_bucket");
    let path = super::sdk_config::path(ctx)?;
    let shown = path.display();
    let fix = format!("sagecred role set {role} --profile {}", ctx.profile);
    Some(
        match sagecred_provision::check_sdk_config(&path, Some(role), bucket) {
            SdkConfigCheck::Agrees => {
                Check::pass(id, format!("{shown} names the profile's role and bucket"))
            }
            SdkConfigCheck::NoFile => Check::pass(
                id,
                format!(
                    "no sagemaker sdk defaults file at {shown}: pass role= to the sdk, or write it with `{fix}`"
                ),
            ),
            SdkConfigCheck::Disagrees { mismatches } => Check::warn(
                id,
                mismatches
                    .iter()
                    .map(|m| match &m.found {
                        Some(found) => format!(
                            "{shown} sets {} to `{found}`, but profile `{}` uses `{}`",
                            m.key.dotted(),
                            ctx.profile,
                            m.expected
                        ),
                        None => format!(
                            "{shown} has no {}; profile `{}` uses `{}`",
                            m.key.dotted(),
                            ctx.profile,
                            m.expected
                        ),
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                Fix::Command(format!(
                    "{fix} (in a terminal, answer yes to replace), or edit {shown}"
                )),
            ),
            SdkConfigCheck::Unreadable { reason } => Check::warn(
                id,
                reason,
                Fix::Command(format!(
                    "fix {shown} by hand: sagecred changes only files it can edit safely"
                )),
            ),
            _ => return None,
        },
    )
}

/// What the profile's sagecred store says about its key (for the key-age check).
fn stored_key(ctx: &Context, resolved: &ResolvedProfile) -> StoredKey {
    // sagecred's own stores record when a key was stored; the plaintext file does not.
    let Some(kind) = resolved
        .source
        .key_store()
        .filter(|k| *k != StoreKind::File)
    else {
        return StoredKey::NotKept;
    };
    match stores::open(ctx, kind).and_then(|s| Ok(s.get(&resolved.name)?)) {
        Ok(stored) => StoredKey::Read {
            key_id: stored.credentials.access_key_id().clone(),
            created: stored.created,
        },
        Err(e) => StoredKey::Unreadable {
            reason: e.to_string(),
        },
    }
}

/// The AWS checks, with the credentials served as the SDKs get them (a credential_process
/// or SSO profile is served the same way boto3 is).
fn aws_checks(
    ctx: &Context,
    args: &DoctorArgs,
    set: &ProfileSet,
    section: &Section,
) -> Result<Vec<Check>, CliError> {
    let p = &ctx.profile;
    let resolved = match source::resolve(ctx, set, p) {
        Ok(r) => r,
        Err(e) => {
            let fix = Fix::Command(e.hint().unwrap_or_default().to_owned());
            return Ok(vec![Check::fail(
                CheckId::Credentials,
                format!("{e}; the aws checks were skipped"),
                fix,
            )]);
        }
    };
    let creds = match session::credentials(ctx, &resolved, Serve::new(Want::AsSdk)) {
        Ok(c) => c,
        Err(e) => {
            return Ok(vec![aws::credentials_unresolved(
                p,
                &resolved.source,
                &e.to_string(),
            )]);
        }
    };
    let region = ctx.region_for(section.get("region"))?;
    let inputs = AwsInputs {
        profile: p.clone(),
        source: resolved.source.clone(),
        key_id: creds.access_key_id().as_str().to_owned(),
        temporary: creds.session_token().is_some(),
        region: region.clone(),
        policy_name: args.policy_name.clone(),
        user_policies: args.user_policy.clone(),
        role_name: args.role_name.clone(),
        configured_role: section
            .get("sagemaker_role_arn")
            .and_then(|a| a.parse::<RoleArn>().ok()),
        bucket: args
            .bucket
            .clone()
            .or_else(|| section.get("sagemaker_bucket").map(str::to_owned))
            .unwrap_or_else(|| DEFAULT_BUCKET.to_owned()),
        sagemaker_role_env: ctx.env.sagemaker_role.clone(),
        stored_key: stored_key(ctx, &resolved),
        now: SystemTime::now(),
    };
    let sdk = session::to_sdk(&creds, "sagecred");
    block_on(async {
        // The resolved credentials are used as they are, so a credential_process runs once.
        let config = aws_config::defaults(BehaviorVersion::latest())
            .region(aws_config::Region::new(region.as_str().to_owned()))
            .profile_name(p.as_str())
            .credentials_provider(sdk)
            .load()
            .await;
        aws::aws_checks(&config, &inputs).await
    })
}

fn report(ctx: &Context, report: &Report) -> Result<(), CliError> {
    let checks = report.checks();
    let failed = report.failed();
    match ctx.output {
        OutputFormat::Json => output::print_json(&json!({
            "profile": ctx.profile.as_str(),
            "checks": checks_json(checks),
            "failed": failed,
        }))?,
        OutputFormat::Text => {
            let mut text = format!("profile {}\n", ctx.profile);
            text.push_str(&render_checks(checks));
            text.push_str(&format!(
                "{} passed, {} warned, {failed} failed\n",
                report.count(Status::Pass),
                report.count(Status::Warn)
            ));
            output::print(&text)?;
        }
    }
    if failed > 0 {
        return Err(CliError::new(
            crate::error::ErrorKind::CheckFailed,
            format!(
                "{failed} of {} checks failed for profile `{}`",
                checks.len(),
                ctx.profile
            ),
        )
        .with_hint("run the fix shown for each failed check, then `sagecred doctor` again"));
    }
    Ok(())
}

/// The checks as JSON objects: name, status, reason and fix.
pub(super) fn checks_json(checks: &[Check]) -> Vec<serde_json::Value> {
    checks
        .iter()
        .map(|c| {
            json!({
                "name": c.id.as_str(),
                "status": c.status.as_str(),
                "reason": c.reason,
                "fix": c.fix.as_ref().map(ToString::to_string),
            })
        })
        .collect()
}

/// The checks as text, one line each, with the fix under each problem.
pub(super) fn render_checks(checks: &[Check]) -> String {
    let width = checks
        .iter()
        .map(|c| c.id.as_str().len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for c in checks {
        text.push_str(&format!(
            "{}  {:width$}  {}\n",
            c.status.as_str(),
            c.id.as_str(),
            c.reason
        ));
        if let Some(fix) = c.fix.as_ref().filter(|_| c.status != Status::Pass) {
            text.push_str(&format!("      {:width$}  fix: {fix}\n", ""));
        }
    }
    text
}
