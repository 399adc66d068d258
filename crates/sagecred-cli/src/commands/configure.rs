//! `sagecred configure`: store a key pair for a profile, prompting like `aws configure` or
//! reading two lines from stdin. Secrets never come from argv.

use std::io::{IsTerminal, Read};

use sagecred_core::{AccessKeyId, Credentials, Region, Secret};
use zeroize::Zeroizing;

use super::keys::{self, ProfileSettings};
use crate::cli::ConfigureArgs;
use crate::context::Context;
use crate::error::CliError;
use crate::output;

/// The most stdin is allowed to hold with `--stdin`: two short lines, with room to spare.
const STDIN_LIMIT: u64 = 64 * 1024;

pub(super) fn run(ctx: &Context, args: &ConfigureArgs) -> Result<(), CliError> {
    let profiles = keys::load_profiles(ctx)?;
    // Before a secret is asked for: the files it would go to must be writable.
    keys::check_targets(ctx, args.store, args.force)?;
    let current = profiles.profile(ctx.profile.as_str()).unwrap_or_default();
    let current_region = current.get("region").map(str::to_owned);

    let (creds, settings) = if args.stdin {
        let creds = read_stdin_pair()?;
        let settings = ProfileSettings {
            region: args.region.clone(),
            force: args.force,
            ..Default::default()
        };
        (creds, settings)
    } else {
        if !std::io::stdin().is_terminal() {
            return Err(
                CliError::user("stdin is not a terminal, so there is no one to prompt")
                    .with_hint("pass --stdin and send the key id and the secret as two lines"),
            );
        }
        let current_key = profiles_key_hint(&profiles, ctx);
        prompt(
            args,
            current_key.as_deref(),
            current_region.as_deref(),
            current.get("output"),
        )?
    };

    let location = keys::save(
        ctx,
        args.store,
        &ctx.profile,
        &creds,
        current_region.as_deref(),
        &settings,
    )?;
    crate::output::note(&format!(
        "stored key {} for profile `{}` in {location}",
        creds.access_key_id().masked(),
        ctx.profile
    ));
    Ok(())
}

/// The masked key id already stored for the profile in the plaintext file, if any.
fn profiles_key_hint(profiles: &sagecred_ini::ProfileSet, ctx: &Context) -> Option<String> {
    let id = profiles
        .profile(ctx.profile.as_str())?
        .get("aws_access_key_id")?
        .to_owned();
    id.parse::<AccessKeyId>().ok().map(|id| id.masked())
}

/// Reads `KEY_ID\nSECRET\n` from stdin. Blank lines after the two are allowed.
fn read_stdin_pair() -> Result<Credentials, CliError> {
    let mut buf = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .take(STDIN_LIMIT)
        .read_to_string(&mut buf)
        .map_err(|e| CliError::user(format!("reading stdin: {e}")))?;
    let mut lines = buf.lines().map(|l| l.trim_end_matches('\r'));
    let key_id = lines.next().unwrap_or("").trim();
    let secret = lines.next().unwrap_or("");
    if key_id.is_empty() || secret.is_empty() {
        return Err(CliError::user(
            "--stdin expects two lines, the access key id and then the secret access key",
        )
        .with_hint("printf '%s\\n%s\\n' \"$KEY_ID\" \"$SECRET\" | sagecred configure --stdin"));
    }
    if lines.any(|l| !l.trim().is_empty()) {
        return Err(CliError::user(
            "--stdin got more than two lines; send only the access key id and the secret",
        ));
    }
    credentials_from(key_id, secret, "line 2 of stdin")
}

/// Validates a key pair. Errors name the key id (not secret) but never the secret.
pub(super) fn credentials_from(
    key_id: &str,
    secret: &str,
    secret_origin: &str,
) -> Result<Credentials, CliError> {
    let key_id: AccessKeyId = key_id.parse().map_err(|e| {
        CliError::user(format!("{e}"))
            .with_hint("copy the key id again from the IAM console or the CSV file")
    })?;
    let secret = secret.trim();
    if secret.is_empty() {
        return Err(CliError::user(format!(
            "the secret access key ({secret_origin}) is empty"
        )));
    }
    if let Some(c) = secret.chars().find(|c| c.is_whitespace() || c.is_control()) {
        let what = if c.is_whitespace() {
            "whitespace"
        } else {
            "a control character"
        };
        return Err(CliError::user(format!(
            "the secret access key ({secret_origin}) contains {what}; secret keys have none"
        ))
        .with_hint("paste the secret again, exactly as the console showed it"));
    }
    // A bound on what is stored; the error gives the length, never the value.
    sagecred_core::check_secret_access_key(secret).map_err(|e| {
        CliError::user(format!("{e} ({secret_origin})"))
            .with_hint("paste the secret again, exactly as the console showed it")
    })?;
    Ok(Credentials::new(key_id, Secret::from(secret)))
}

/// Asks like `aws configure`: the current value in brackets, Enter keeps it.
fn prompt(
    args: &ConfigureArgs,
    current_key: Option<&str>,
    current_region: Option<&str>,
    current_output: Option<&str>,
) -> Result<(Credentials, ProfileSettings), CliError> {
    let shown = |v: Option<&str>| v.unwrap_or("None").to_owned();
    let key_id = output::ask(&format!("AWS Access Key ID [{}]: ", shown(current_key)))?;
    if key_id.is_empty() {
        return Err(CliError::user(
            "no access key id entered; nothing was changed",
        ));
    }
    let secret = Zeroizing::new(
        rpassword::prompt_password("AWS Secret Access Key (input hidden): ")
            .map_err(|e| CliError::user(format!("reading the secret from the terminal: {e}")))?,
    );
    let creds = credentials_from(&key_id, &secret, "as typed")?;
    let region = match &args.region {
        Some(r) => Some(r.clone()),
        None => {
            let answer = output::ask(&format!(
                "Default region name [{}]: ",
                shown(current_region)
            ))?;
            if answer.is_empty() {
                None
            } else {
                Some(
                    answer
                        .parse::<Region>()
                        .map_err(|e| CliError::user(e.to_string()))?,
                )
            }
        }
    };
    let output = output::ask(&format!(
        "Default output format [{}]: ",
        shown(current_output)
    ))?;
    let cli_output = match output.as_str() {
        "" => None,
        "json" | "text" | "table" | "yaml" | "yaml-stream" => Some(output),
        other => {
            return Err(CliError::user(format!(
                "output format `{other}` is not one of json, text, table, yaml, yaml-stream"
            )));
        }
    };
    Ok((
        creds,
        ProfileSettings {
            region,
            cli_output,
            user_name: None,
            force: args.force,
        },
    ))
}
