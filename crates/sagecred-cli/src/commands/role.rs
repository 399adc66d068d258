//! `sagecred role`: which SageMaker execution role a profile uses, setting it, and
//! looking it up in AWS.

use aws_config::BehaviorVersion;
use aws_sdk_iam::error::ProvideErrorMetadata;
use sagecred_core::{DEFAULT_ROLE_NAME, RoleArn};
use sagecred_ini::{FileKind, ProfileSet, SectionKey};
use serde_json::json;

use super::block_on;
use crate::cli::{OutputFormat, RoleAction, RoleArgs};
use crate::context::Context;
use crate::error::CliError;
use crate::output;

pub(super) fn run(ctx: &Context, args: &RoleArgs) -> Result<(), CliError> {
    match &args.action {
        None => show(ctx),
        Some(RoleAction::Set { arn, no_sdk_config }) => set(ctx, arn, *no_sdk_config),
        Some(RoleAction::Resolve { name }) => resolve(ctx, name.as_deref()),
    }
}

fn show(ctx: &Context) -> Result<(), CliError> {
    let set = ProfileSet::load_config_only(&ctx.files)?;
    let section = set.profile(ctx.profile.as_str());
    let profile = super::source::resolve_settings(ctx, &ctx.profile, section.as_ref());
    let resolution = profile.role(None, ctx.env.sagemaker_role.as_deref(), ctx.env.region());
    for skipped in &resolution.skipped {
        crate::output::note(&format!("warning: {skipped}; ignoring it"));
    }
    let Some((arn, source)) = resolution.role else {
        return Err(CliError::config(format!(
            "no SageMaker role for profile `{}`: no SAGEMAKER_ROLE, no sagemaker_role_arn and no cached aws_account_id",
            ctx.profile
        ))
        .with_hint(format!(
            "run `sagecred role resolve --profile {0}`, or `sagecred role set ARN --profile {0}`",
            ctx.profile
        )));
    };
    match ctx.output {
        OutputFormat::Json => output::print_json(&json!({
            "profile": ctx.profile.as_str(),
            "role_arn": arn.to_string(),
            "source": source.as_str(),
        })),
        OutputFormat::Text => output::print(&format!("{arn}\t(from {})\n", source.describe())),
    }
}

fn set(ctx: &Context, arn: &RoleArn, no_sdk_config: bool) -> Result<(), CliError> {
    // Parse both files first: a malformed file stops the command before any write.
    let current = ProfileSet::load(&ctx.files)?.profile(ctx.profile.as_str());
    if let Some(account) = current.as_ref().and_then(|p| p.get("aws_account_id"))
        && account != arn.account().as_str()
    {
        crate::output::note(&format!(
            "warning: the role is in account {} but profile `{}` signs in to account {account}",
            arn.account(),
            ctx.profile
        ));
    }
    write_role(ctx, arn, None)?;
    crate::output::note(&format!("profile `{}` now uses {arn}", ctx.profile));
    if !no_sdk_config {
        let get = |key: &str| current.as_ref().and_then(|p| p.get(key).map(str::to_owned));
        let previous = sagecred_provision::SdkConfigValues {
            role_arn: get("sagemaker_role_arn"),
            bucket: get("sagemaker_bucket"),
        };
        let arn_text = arn.to_string();
        let mut wanted = vec![(
            sagecred_provision::SdkKey::TrainingJobRoleArn,
            arn_text.as_str(),
        )];
        if let Some(bucket) = previous.bucket.as_deref() {
            wanted.push((sagecred_provision::SdkKey::DefaultS3Bucket, bucket));
        }
        super::sdk_config::offer(ctx, &wanted, &previous, super::sdk_config::can_ask())?;
    }
    Ok(())
}

fn write_role(ctx: &Context, arn: &RoleArn, account: Option<&str>) -> Result<(), CliError> {
    let section = SectionKey::Profile(ctx.profile.as_str().to_owned());
    sagecred_ini::edit(&ctx.files.config, FileKind::Config, |doc| {
        doc.set(&section, "sagemaker_role_arn", &arn.to_string());
        if let Some(account) = account {
            doc.set(&section, "aws_account_id", account);
        }
        Ok::<_, CliError>(())
    })
}

fn resolve(ctx: &Context, name: Option<&str>) -> Result<(), CliError> {
    let (set, resolved) = super::source::load_and_resolve(ctx, &ctx.profile)?;
    let Some(profile) = set.profile(ctx.profile.as_str()) else {
        return Err(ctx.unknown_profile(&ctx.profile));
    };
    let configured: Option<RoleArn> = profile
        .get("sagemaker_role_arn")
        .and_then(|a| a.parse().ok());
    let role_name = name
        .map(str::to_owned)
        .or_else(|| configured.as_ref().map(|a| a.name().to_owned()))
        .unwrap_or_else(|| DEFAULT_ROLE_NAME.to_owned());
    let region = ctx.region_for(profile.get("region"))?;

    // The profile's credentials, from the one serving path, sign both calls.
    let creds = super::session::credentials(
        ctx,
        &resolved,
        super::session::Serve::new(super::session::Want::AsSdk),
    )?;
    let (identity, lookup) = block_on(async {
        let identity = super::whoami::caller_identity(ctx, &creds, true, region.as_str()).await?;
        let config = aws_config::defaults(BehaviorVersion::latest())
            .region(aws_config::Region::new(region.as_str().to_owned()))
            .profile_name(ctx.profile.as_str())
            .credentials_provider(super::session::to_sdk(&creds, "sagecred"))
            .load()
            .await;
        let iam = aws_sdk_iam::Client::new(&config);
        let lookup = iam.get_role().role_name(&role_name).send().await;
        Ok::<_, CliError>((identity, lookup))
    })??;

    let account: sagecred_core::AccountId = identity.account.parse().map_err(|e| {
        CliError::aws(format!(
            "sts:GetCallerIdentity returned an unusable account: {e}"
        ))
    })?;
    let (arn, how) = match lookup {
        Ok(out) => {
            let arn_text = out.role().map(|r| r.arn()).unwrap_or_default();
            let arn: RoleArn = arn_text
                .parse()
                .map_err(|e| CliError::aws(format!("iam:GetRole returned an unusable ARN: {e}")))?;
            (arn, "found with iam:GetRole")
        }
        Err(err) => {
            let code = err.code().unwrap_or_default().to_owned();
            let raw_status = err.raw_response().map(|r| r.status().as_u16());
            let arn = match configured {
                Some(a) => a,
                None => RoleArn::new(
                    sagecred_core::Partition::of_region(&region),
                    account.clone(),
                    &role_name,
                )
                .map_err(|e| CliError::user(e.to_string()))?,
            };
            if code == "NoSuchEntity" {
                crate::output::note(&format!(
                    "warning: role `{role_name}` does not exist in account {account}; create it as the setup guide's Part 1 describes, or name the right one with --name"
                ));
                (arn, "assumed: the role does not exist yet")
            } else if code == "AccessDenied" || raw_status == Some(403) {
                (
                    arn,
                    "assumed: iam:GetRole is not permitted, so a role path cannot be checked",
                )
            } else {
                return Err(crate::aws_error::call_failed(
                    ctx,
                    &format!("iam:GetRole for `{role_name}`"),
                    "IAM",
                    &sagecred_sdk_error::Failure::from_sdk(&err),
                    "the keys were refused; check them with `sagecred whoami`",
                ));
            }
        }
    };
    write_role(ctx, &arn, Some(account.as_str()))?;
    match ctx.output {
        OutputFormat::Json => output::print_json(&json!({
            "profile": ctx.profile.as_str(),
            "aws_account_id": account.as_str(),
            "role_arn": arn.to_string(),
            "how": how,
        })),
        OutputFormat::Text => output::print(&format!("{arn}\t({how})\n")),
    }
}
