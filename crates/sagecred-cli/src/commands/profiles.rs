//! `sagecred profiles`: every profile in the AWS files, with where its credentials live.

use std::time::SystemTime;

use sagecred_core::{AccessKeyId, ProfileName};
use sagecred_keychain::KeychainStore;
use serde_json::json;

use super::keys::{self, keychain_backend_of, store_of};
use crate::cli::OutputFormat;
use crate::context::Context;
use crate::error::CliError;
use crate::output;

/// One column of the text table: its header and how a JSON row shows in it. The text
/// table is built from this list alone, so a header can never sit over another column's
/// value.
struct Column {
    header: &'static str,
    cell: fn(&serde_json::Value) -> String,
}

/// A string field of a row, or `-` when it is absent.
fn text(row: &serde_json::Value, field: &str) -> String {
    row[field].as_str().unwrap_or("-").to_owned()
}

const COLUMNS: &[Column] = &[
    Column {
        header: "  PROFILE",
        cell: |r| {
            let marker = if r["current"] == true { "* " } else { "  " };
            format!("{marker}{}", text(r, "name"))
        },
    },
    Column {
        header: "STORE",
        cell: |r| text(r, "store"),
    },
    Column {
        header: "REGION",
        cell: |r| text(r, "region"),
    },
    Column {
        header: "KEY",
        cell: |r| text(r, "access_key_id"),
    },
    Column {
        header: "KEY AGE",
        cell: |r| {
            r["key_age_days"]
                .as_u64()
                .map_or_else(|| "-".to_owned(), |d| format!("{d}d"))
        },
    },
    Column {
        header: "ACCOUNT",
        cell: |r| text(r, "aws_account_id"),
    },
    Column {
        header: "SAGEMAKER ROLE",
        cell: |r| text(r, "sagemaker_role_arn"),
    },
];

pub(super) fn run(ctx: &Context) -> Result<(), CliError> {
    let set = keys::load_profiles(ctx)?;
    let mut rows = Vec::new();
    let mut keychain_error = None;
    for name in set.profile_names() {
        let profile = set.profile(&name).unwrap_or_default();
        let mut key = profile
            .get("aws_access_key_id")
            .and_then(|id| id.parse::<AccessKeyId>().ok())
            .map(|id| id.masked());
        let mut age_days = None;
        // Keychain profiles: the key id and its age come from the entry itself. A keychain
        // that cannot be read is reported once, and the listing goes on.
        if let (Some(backend), Ok(profile_name)) = (
            profile
                .get("credential_process")
                .and_then(keychain_backend_of),
            name.parse::<ProfileName>(),
        ) && keychain_error.is_none()
        {
            match KeychainStore::new(backend).get_key(&profile_name) {
                Ok(stored) => {
                    key = Some(stored.credentials.access_key_id().masked());
                    age_days = stored.created.and_then(|c| {
                        SystemTime::now()
                            .duration_since(c)
                            .ok()
                            .map(|d| d.as_secs() / 86_400)
                    });
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => keychain_error = Some(e.to_string()),
            }
        }
        rows.push(json!({
            "key_age_days": age_days,
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
        OutputFormat::Json => {
            if let Some(e) = &keychain_error {
                output::note(&format!("warning: {e}; keychain key ids are not shown"));
            }
            output::print_json(&json!({ "profiles": rows }))
        }
        OutputFormat::Text => {
            if rows.is_empty() {
                output::note(&format!(
                    "no profiles in {} or {}; create one with `sagecred configure`",
                    ctx.files.config.display(),
                    ctx.files.credentials.display()
                ));
                return Ok(());
            }
            let table_rows: Vec<Vec<String>> = rows
                .iter()
                .map(|r| COLUMNS.iter().map(|c| (c.cell)(r)).collect())
                .collect();
            if let Some(e) = &keychain_error {
                output::note(&format!("warning: {e}; keychain key ids are not shown"));
            }
            let headers: Vec<&str> = COLUMNS.iter().map(|c| c.header).collect();
            output::print(&output::table(&headers, &table_rows))
        }
    }
}
