//! `sagecred whoami`: STS GetCallerIdentity with the profile's credentials, the guide's
//! `aws sts get-caller-identity`. The account id is cached in the profile so that
//! `sagecred env` can build the default role ARN without the network.

use aws_config::BehaviorVersion;
use sagecred_ini::{FileKind, SectionKey};
use serde_json::json;

use sagecred_core::{CredentialSource, Credentials};

use super::session::{self, Serve, Want};
use super::{block_on, source};
use crate::cli::OutputFormat;
use crate::context::Context;
use crate::error::CliError;
use crate::output;

/// The caller identity as STS reports it.
#[derive(Debug)]
pub(crate) struct Identity {
    pub(crate) account: String,
    pub(crate) arn: String,
    pub(crate) user_id: String,
}

pub(super) fn run(ctx: &Context) -> Result<(), CliError> {
    let (_, profile) = source::load_and_resolve(ctx, &ctx.profile)?;
    if !profile.exists && ctx.profile_named {
        return Err(ctx.unknown_profile(&ctx.profile));
    }
    let region = ctx.region_for(profile.region.as_deref())?;
    let creds = session::credentials(ctx, &profile, Serve::new(Want::AsSdk))?;
    let identity = block_on(caller_identity(
        ctx,
        &creds,
        profile.exists,
        region.as_str(),
    ))??;

    // Cache the account id only when the identity came from the profile's own credentials.
    let own = profile.exists && !matches!(profile.source, CredentialSource::Environment);
    let cached = profile.account_id.as_deref();
    if own
        && (cached != Some(identity.account.as_str())
            || matches!(profile.source, CredentialSource::Sso(_)))
        && let Ok(account) = identity.account.parse::<sagecred_core::AccountId>()
    {
        let section = SectionKey::Profile(ctx.profile.as_str().to_owned());
        sagecred_ini::edit(&ctx.files.config, FileKind::Config, |doc| {
            doc.set(&section, "aws_account_id", account.as_str());
            Ok::<_, CliError>(())
        })?;
    }

    match ctx.output {
        OutputFormat::Json => output::print_json(&json!({
            "Account": identity.account,
            "Arn": identity.arn,
            "UserId": identity.user_id,
            "Profile": ctx.profile.as_str(),
        })),
        OutputFormat::Text => output::print(&format!(
            "account  {}\narn      {}\nuser id  {}\nprofile  {}\n",
            identity.account, identity.arn, identity.user_id, ctx.profile
        )),
    }
}

/// Calls GetCallerIdentity, signed with `creds`. With `use_profile`, the profile's other
/// settings (such as `endpoint_url`) apply, as in `aws --profile P`.
pub(crate) async fn caller_identity(
    ctx: &Context,
    creds: &Credentials,
    use_profile: bool,
    region: &str,
) -> Result<Identity, CliError> {
    crate::aws_error::check_endpoints(ctx)?;
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_owned()))
        .credentials_provider(session::to_sdk(creds, "sagecred"));
    if use_profile {
        loader = loader.profile_name(ctx.profile.as_str());
    }
    let config = loader.load().await;
    let client = aws_sdk_sts::Client::new(&config);
    tracing::debug!(profile = %ctx.profile, region, "calling sts:GetCallerIdentity");
    let out = client.get_caller_identity().send().await.map_err(|e| {
        crate::aws_error::call_failed(
            ctx,
            &format!("sts:GetCallerIdentity for profile `{}`", ctx.profile),
            "STS",
            &sagecred_sdk_error::Failure::from_sdk(&e),
            "the keys were refused; check them with `sagecred profiles`, or store new ones with `sagecred configure`",
        )
    })?;
    Ok(Identity {
        account: out.account().unwrap_or_default().to_owned(),
        arn: out.arn().unwrap_or_default().to_owned(),
        user_id: out.user_id().unwrap_or_default().to_owned(),
    })
}
