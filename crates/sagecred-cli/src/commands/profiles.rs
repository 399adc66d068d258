//! `sagecred profiles`: every profile in the AWS files, with where its credentials live.

use std::time::SystemTime;

use sagecred_core::{AccessKeyId, ProfileName, StoreKind};
use serde_json::json;

use super::{keys, source, stores};
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
        // The one resolution; a profile that cannot be resolved is listed as `none`, with
        // a warning, so that one broken profile does not hide the others.
        let resolved = name.parse::<ProfileName>().ok().map(|profile_name| {
            let section = set.profile(&name);
            source::resolve_section(
                ctx,
                &profile_name,
                section.as_ref(),
                set.has_plaintext_keys(&name),
            )
            .unwrap_or_else(|e| {
                crate::output::note(&format!("warning: {e}"));
                source::resolve_settings(ctx, &profile_name, None)
            })
        });
        let label = resolved.as_ref().map_or("none", |r| r.source.label());
        // Keys in sagecred's own stores: the key id and its age come from the entry
        // itself. A store that cannot be read is reported once, and the listing goes on.
        if let Some(resolved) = &resolved
            && let Some(kind) = resolved.source.key_store()
            && kind != StoreKind::File
            && keychain_error.is_none()
        {
            let got = stores::open(ctx, kind)
                .map(|store| {
                    store
                        .get(&resolved.name)
                        .map_err(|e| (e.is_not_found(), e.to_string()))
                })
                .map_err(|e| (false, e.to_string()))
                .and_then(|r| r);
            match got {
                Ok(stored) => {
                    key = Some(stored.credentials.access_key_id().masked());
                    age_days = stored.created.and_then(|c| {
                        SystemTime::now()
                            .duration_since(c)
                            .ok()
                            .map(|d| d.as_secs() / 86_400)
                    });
                }
                Err((true, _)) => {}
                Err((false, e)) => keychain_error = Some(e),
            }
        }
        rows.push(json!({
            "key_age_days": age_days,
            "name": name,
            "store": label,
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
