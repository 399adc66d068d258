//! The SageMaker Python SDK's defaults file, as `setup`, `provision --apply` and `role set`
//! offer to write it, and as `doctor` checks it.
//!
//! The rule, with and without a terminal: a missing key (or file) is added, and a value
//! that was this profile's before the command is updated. A value that belongs to
//! something else is replaced only when the user says so at the prompt; without a
//! terminal (or with `setup --yes`) it is kept and a warning says how to change it.

use std::io::IsTerminal;
use std::path::PathBuf;

use sagecred_provision::{
    SdkConfigValues, SdkKey, SdkKeyPlan, SdkPlatform, plan_sdk_config, read_sdk_config,
    sdk_config_path, write_sdk_config,
};

use crate::context::Context;
use crate::error::CliError;
use crate::output;

/// The defaults file the SDK reads in this environment.
pub(super) fn path(ctx: &Context) -> Option<PathBuf> {
    sdk_config_path(&ctx.env.sagemaker_sdk, SdkPlatform::current())
}

/// Whether prompts can be shown: stdin and stderr are terminals.
pub(super) fn can_ask() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn yes(question: &str, default_yes: bool) -> Result<bool, CliError> {
    let hint = if default_yes { "Y/n" } else { "y/N" };
    let answer = output::ask(&format!("{question} [{hint}]: "))?;
    Ok(match answer.trim() {
        "" => default_yes,
        a => matches!(a, "y" | "Y" | "yes" | "Yes"),
    })
}

/// Offers to write `wanted` into the defaults file. `previous` is what the profile used
/// before this command (its values are updated without asking); `interactive` says
/// whether the user may be asked. Problems with the file are warnings: the IAM work and
/// the profile are already done, and the SDK still works with `role=` passed explicitly.
pub(super) fn offer(
    ctx: &Context,
    wanted: &[(SdkKey, &str)],
    previous: &SdkConfigValues,
    interactive: bool,
) -> Result<(), CliError> {
    let Some(path) = path(ctx) else {
        output::note("note: no home directory, so the sagemaker sdk defaults file was not written");
        return Ok(());
    };
    let shown = path.display();
    let current = match read_sdk_config(&path) {
        Ok(c) => c,
        Err(e) => {
            output::note(&format!(
                "warning: {e}; it was left as it is (pass --no-sdk-config to skip it)"
            ));
            return Ok(());
        }
    };
    let plan = plan_sdk_config(current.as_ref(), wanted, previous);
    let mut changes: Vec<(SdkKey, &str)> = Vec::new();
    let mut kept = Vec::new();
    let pending: Vec<_> = plan
        .iter()
        .filter(|(_, p)| *p != SdkKeyPlan::Same)
        .collect();
    if pending.is_empty() {
        return Ok(());
    }
    let proceed = if interactive {
        for (key, p) in &pending {
            let value = value_of(wanted, *key);
            let what = match p {
                SdkKeyPlan::Add => "add".to_owned(),
                SdkKeyPlan::UpdateOwn { found } | SdkKeyPlan::Conflict { found } => {
                    format!("replace `{found}` with")
                }
                SdkKeyPlan::Same => continue,
            };
            output::note(&format!("  {}: {what} `{value}`", key.dotted()));
        }
        yes(
            &format!(
                "write these sagemaker python sdk defaults to {shown} (role= and the output bucket then need not be passed)?"
            ),
            true,
        )?
    } else {
        true
    };
    if !proceed {
        output::note("the sagemaker sdk defaults file was left as it is");
        return Ok(());
    }
    for (key, p) in &pending {
        let value = value_of(wanted, *key);
        match p {
            SdkKeyPlan::Conflict { found } => {
                let replace = interactive
                    && yes(
                        &format!(
                            "{shown} sets {} to `{found}`, which profile `{}` did not write; replace it?",
                            key.dotted(),
                            ctx.profile
                        ),
                        false,
                    )?;
                if replace {
                    changes.push((*key, value));
                } else {
                    kept.push((*key, found.clone(), value));
                }
            }
            _ => changes.push((*key, value)),
        }
    }
    if !changes.is_empty() {
        match write_sdk_config(&path, &changes) {
            Ok(true) => output::note(&format!(
                "wrote {} to the sagemaker sdk defaults file {shown}",
                changes
                    .iter()
                    .map(|(k, _)| k.dotted())
                    .collect::<Vec<_>>()
                    .join(" and ")
            )),
            Ok(false) => {}
            Err(e) => output::note(&format!(
                "warning: {e}; it was left as it is (pass --no-sdk-config to skip it)"
            )),
        }
    }
    for (key, found, value) in kept {
        output::note(&format!(
            "warning: {shown} keeps {} = `{found}`; the sagemaker sdk will use it instead of `{value}`. To change it, edit the file, or run the command again in a terminal and answer yes",
            key.dotted()
        ));
    }
    Ok(())
}

fn value_of<'a>(wanted: &[(SdkKey, &'a str)], key: SdkKey) -> &'a str {
    wanted
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)
        .unwrap_or_default()
}
