//! `sagecred env` and `sagecred use`: shell code that sets the profile's variables.
//!
//! `env` runs at every shell start, so its default path reads `~/.aws/config` and nothing
//! else: no network, no keychain, no credentials file (not even for a profile missing from
//! the config), and no async runtime.

use std::io::IsTerminal;

use sagecred_core::role::{RoleInputs, resolve_role};
use sagecred_ini::Section;
use sagecred_shell::{EnvChange, Shell};

use crate::cli::{EnvArgs, UseArgs};
use crate::context::Context;
use crate::error::CliError;
use crate::output;

/// The variables `env` always manages.
const PROFILE_VARS: [&str; 4] = [
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "SAGEMAKER_ROLE",
];
/// The variables `env --credentials` adds, and `use` clears.
const CREDENTIAL_VARS: [&str; 4] = sagecred_core::env_vars::INJECTED;

/// Whether the values describe the current shell (`env`) or a switch away from it (`use`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The environment's `AWS_REGION` and `SAGEMAKER_ROLE` win, as in the AWS CLI.
    Env,
    /// The environment holds the previous profile's values: ignore them.
    Switch,
}

pub(super) fn run_env(ctx: &Context, args: &EnvArgs) -> Result<(), CliError> {
    let shell = pick_shell(ctx, args.shell)?;
    if args.unset {
        let mut names: Vec<&str> = PROFILE_VARS.to_vec();
        if args.credentials {
            names.extend(CREDENTIAL_VARS);
            names.extend(sagecred_core::env_vars::foreign_names());
        }
        let changes: Vec<EnvChange<'_>> = names.into_iter().map(EnvChange::Unset).collect();
        return emit(shell, &changes);
    }
    let values = ProfileValues::resolve(ctx, &ctx.profile, args.role.as_deref(), Mode::Env)?;
    let mut changes = values.changes(Mode::Env);
    let creds;
    if args.credentials {
        creds = super::credentials::resolve(ctx, &ctx.profile, false)?;
        changes.extend(creds.changes());
        // Variables through which an SDK would find other credentials, or a stale part of
        // them (botocore reads AWS_SECURITY_TOKEN before AWS_SESSION_TOKEN), go.
        for name in sagecred_core::env_vars::foreign_names() {
            changes.push(EnvChange::Unset(name));
        }
    }
    emit(shell, &changes)?;
    flush_notes();
    Ok(())
}

pub(super) fn run_use(ctx: &Context, args: &UseArgs) -> Result<(), CliError> {
    let shell = pick_shell(ctx, args.shell)?;
    let values = ProfileValues::resolve(ctx, &args.target, None, Mode::Switch)?;
    let mut changes: Vec<EnvChange<'_>> =
        CREDENTIAL_VARS.into_iter().map(EnvChange::Unset).collect();
    changes.extend(values.changes(Mode::Switch));
    emit(shell, &changes)?;
    flush_notes();
    if !ctx.env.in_shell_function && std::io::stdout().is_terminal() {
        output::note(&format!(
            "hint: this only printed the code; to switch shells with `sagecred use`, add the line from `sagecred shell-init {}` to your shell profile",
            shell_name_for_hint(ctx, shell)
        ));
    }
    Ok(())
}

fn shell_name_for_hint(ctx: &Context, shell: Shell) -> String {
    match (shell, ctx.env.shell.as_deref()) {
        (Shell::Posix, Some(path)) => path.rsplit('/').next().unwrap_or("bash").to_owned(),
        (Shell::Posix, None) => "bash".to_owned(),
        (other, _) => other.as_str().to_owned(),
    }
}

/// `--shell`, else `$SHELL`'s basename, else the platform default.
pub(crate) fn pick_shell(ctx: &Context, flag: Option<Shell>) -> Result<Shell, CliError> {
    if let Some(shell) = flag {
        return Ok(shell);
    }
    match ctx.env.shell.as_deref() {
        Some(path) => Shell::from_name(path).ok_or_else(|| {
            CliError::user(format!("cannot write code for SHELL={path}"))
                .with_hint("pass --shell bash, zsh, sh, dash, fish, powershell or cmd")
        }),
        None => Ok(Shell::platform_default()),
    }
}

fn emit(shell: Shell, changes: &[EnvChange<'_>]) -> Result<(), CliError> {
    let code = sagecred_shell::render(shell, changes).map_err(|e| {
        CliError::config(e.to_string())
            .with_hint("nothing was printed; fix the value and run again")
    })?;
    output::print_exact(&code)
}

thread_local! {
    /// Warnings about the profile, held back until the command has succeeded, so that a
    /// failing command prints its one error line and nothing else.
    static NOTES: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn note(text: String) {
    NOTES.with(|n| n.borrow_mut().push(text));
}

/// Prints the warnings held back by [`note`].
fn flush_notes() {
    for text in NOTES.with(|n| std::mem::take(&mut *n.borrow_mut())) {
        output::note(&text);
    }
}

/// The values `env` and `use` export for one profile.
#[derive(Debug)]
struct ProfileValues {
    profile: Option<String>,
    region: Option<String>,
    role: Option<String>,
}

impl ProfileValues {
    fn resolve(
        ctx: &Context,
        name: &sagecred_core::ProfileName,
        role_flag: Option<&str>,
        mode: Mode,
    ) -> Result<Self, CliError> {
        // A streaming lookup: the config file is read through a small reused buffer,
        // never held whole, which keeps this shell-start path fast on huge files. The
        // credentials file is never read here, not even when the profile is missing from
        // the config.
        let section = sagecred_ini::find_config_profile(&ctx.files, name.as_str())?;
        let explicit = mode == Mode::Switch || ctx.profile_named;
        let Some(section) = section else {
            if explicit {
                return Err(CliError::user(format!(
                    "profile `{name}` is not in {}",
                    ctx.files.config.display()
                ))
                .with_hint(format!(
                    "`env` and `use` read only the config file: list profiles with `sagecred profiles`, create this one with `sagecred configure --profile {name}`, or for a profile that lives in the credentials file alone, `export AWS_PROFILE={name}`"
                )));
            }
            note(format!(
                "sagecred: no `{name}` profile yet; create one with `sagecred configure` or `sagecred import`"
            ));
            return Ok(Self::unresolved(ctx, role_flag, mode));
        };
        Ok(Self::from_section(ctx, name, &section, role_flag, mode))
    }

    /// Values when the profile does not exist: only what the environment or flags give.
    fn unresolved(ctx: &Context, role_flag: Option<&str>, mode: Mode) -> Self {
        let env_role = (mode == Mode::Env)
            .then_some(ctx.env.sagemaker_role.as_deref())
            .flatten();
        let role = resolve_role(RoleInputs {
            flag: role_flag,
            environment: env_role,
            ..Default::default()
        });
        Self {
            profile: None,
            region: (mode == Mode::Env)
                .then(|| ctx.env.region().map(str::to_owned))
                .flatten(),
            role: role.role.map(|(arn, _)| arn.to_string()),
        }
    }

    fn from_section(
        ctx: &Context,
        name: &sagecred_core::ProfileName,
        section: &Section,
        role_flag: Option<&str>,
        mode: Mode,
    ) -> Self {
        let profile_region = section.get("region");
        let region = match mode {
            Mode::Env => ctx.env.region().or(profile_region),
            Mode::Switch => profile_region,
        };
        // The one resolution: the role comes from every account source the profile has
        // (`aws_account_id`, or `sso_account_id` for SSO profiles).
        let resolved = super::source::resolve_settings(ctx, name, Some(section));
        let environment = match mode {
            Mode::Env => ctx.env.sagemaker_role.as_deref(),
            Mode::Switch => None,
        };
        let resolution = resolved.role(role_flag, environment, region);
        for skipped in &resolution.skipped {
            note(format!("sagecred: warning: {skipped}; ignoring it"));
        }
        if resolution.role.is_none() {
            note(format!(
                "sagecred: no SageMaker role for profile `{name}`: run `sagecred role resolve --profile {name}` (or `sagecred whoami`) to cache the account id, or `sagecred role set ARN`"
            ));
        }
        if region.is_none() {
            note(format!(
                "sagecred: profile `{name}` has no region: run `sagecred configure --profile {name}` or set AWS_REGION"
            ));
        }
        Self {
            profile: Some(name.as_str().to_owned()),
            region: region.map(str::to_owned),
            role: resolution.role.map(|(arn, _)| arn.to_string()),
        }
    }

    /// Set what is known. On a switch, clear what the new profile does not define, so that
    /// nothing of the previous profile stays behind.
    fn changes(&self, mode: Mode) -> Vec<EnvChange<'_>> {
        let values = [&self.profile, &self.region, &self.region, &self.role];
        let mut out = Vec::with_capacity(PROFILE_VARS.len());
        for (name, value) in PROFILE_VARS.into_iter().zip(values) {
            match value {
                Some(v) => out.push(EnvChange::Set(name, v.as_str())),
                None if mode == Mode::Switch => out.push(EnvChange::Unset(name)),
                None => {}
            }
        }
        out
    }
}
