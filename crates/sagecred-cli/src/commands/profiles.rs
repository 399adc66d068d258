//! `sagecred profiles`: every profile in the AWS files, with where its credentials live.

use sagecred_core::AccessKeyId;
use serde_json::json;

use super::keys::{self, store_of};
use crate::cli::OutputFormat;
use crate::context::Context;
use crate::error::CliError;
use crate::output;

pub(super) fn run(ctx: &Context) -> Result<(), CliError> {
    let set = keys::load_profiles(ctx)?;
    let mut rows = Vec::new();
    for name in set.profile_names() {
        let profile = set.profile(&name).unwrap_or_default();
        let key = profile
            .get("aws_access_key_id")
            .and_then(|id| id.parse::<AccessKeyId>().ok())
            .map(|id| id.masked());
        rows.push(json!({
            "name": name,
            "store": store_of(&set, &name, &profile),
            "region": profile.get("region"),
            "access_key_id": key,
            "sagemaker_role_arn": profile.get("sagemaker_role_arn"),
            "aws_account_id": profile.get("aws_account_id"),
            "current": name == ctx.profile.as_str(),
        }));
    }
    match ctx.output {
        OutputFormat::Json => output::print_json(&json!({ "profiles": rows })),
        OutputFormat::Text => {
            if rows.is_empty() {
                eprintln!(
                    "no profiles in {} or {}; create one with `sagecred configure`",
                    ctx.files.config.display(),
                    ctx.files.credentials.display()
                );
                return Ok(());
            }
            let cell = |v: &serde_json::Value| v.as_str().unwrap_or("-").to_owned();
            let table_rows: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let marker = if r["current"] == true { "* " } else { "  " };
                    vec![
                        format!("{marker}{}", cell(&r["name"])),
                        cell(&r["store"]),
                        cell(&r["region"]),
                        cell(&r["access_key_id"]),
                        cell(&r["aws_account_id"]),
                        cell(&r["sagemaker_role_arn"]),
                    ]
                })
                .collect();
            output::print(&output::table(
                &[
                    "  PROFILE",
                    "STORE",
                    "REGION",
                    "KEY",
                    "ACCOUNT",
                    "SAGEMAKER ROLE",
                ],
                &table_rows,
            ))
        }
    }
}
