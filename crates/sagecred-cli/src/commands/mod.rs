//! One module per subcommand, and the dispatcher that picks one.
//!
//! Commands that talk to AWS or to an async store build a single-threaded tokio runtime
//! for themselves; the others never start one.

mod configure;
mod credential_process;
mod credentials;
mod doctor;
mod env;
mod exec;
mod import;
mod keys;
mod migrate;
mod profiles;
mod provision;
mod remove;
mod role;
mod rotate;
mod sdk_config;
mod session;
mod shell_init;
mod source;
mod sso;
mod stores;
mod whoami;

pub use shell_init::{man_page, man_page_commands};

use crate::cli::{Cli, Command};
use crate::context::Context;
use crate::error::CliError;

/// Runs the chosen subcommand.
pub(crate) fn dispatch(cli: Cli) -> Result<(), CliError> {
    // These need no profile, files or environment.
    match &cli.command {
        Command::ShellInit(args) => return shell_init::run_init(args),
        Command::Completions(args) => return shell_init::run_completions(args),
        Command::Man(args) => return shell_init::run_man(args),
        _ => {}
    }
    let ctx = Context::new(&cli.global)?;
    // Commands that always call AWS refuse a malformed endpoint variable first; the others
    // check it where they build a client, if they do.
    if matches!(
        cli.command,
        Command::Whoami
            | Command::Provision(_)
            | Command::Teardown(_)
            | Command::Setup(_)
            | Command::Rotate(_)
            | Command::Recover(_)
            | Command::Login(_)
            | Command::Logout(_)
            | Command::Sso(_)
    ) {
        crate::aws_error::check_endpoints(&ctx)?;
    }
    // Commands that work on an existing profile refuse an unknown one in the same words.
    // (`env`, `use`, `whoami`, `exec` and `remove` check it themselves, as part of their
    // own lookup; `credential-process` does on its failure path, to keep its fast path.)
    let named = ctx.profile_named;
    let needs_profile = match &cli.command {
        Command::Role(_)
        | Command::Doctor(_)
        | Command::Provision(_)
        | Command::Teardown(_)
        | Command::Rotate(_)
        | Command::Recover(_) => named,
        Command::Migrate(args) => named && !args.all,
        Command::Login(args) => named && args.sso_session.is_none(),
        Command::Logout(args) => named && args.sso_session.is_none() && !args.all,
        _ => false,
    };
    if needs_profile {
        ctx.require_profile(&ctx.profile)?;
    }
    match cli.command {
        Command::Env(args) => env::run_env(&ctx, &args),
        Command::Use(args) => env::run_use(&ctx, &args),
        Command::Role(args) => role::run(&ctx, &args),
        Command::CredentialProcess(args) => credential_process::run(&ctx, &args),
        Command::Migrate(args) => migrate::run(&ctx, &args),
        Command::Exec(args) => exec::run(&ctx, &args),
        Command::Remove(args) => remove::run(&ctx, &args),
        Command::Provision(args) => provision::run_provision(&ctx, &args),
        Command::Teardown(args) => provision::run_teardown(&ctx, &args),
        Command::Setup(args) => provision::run_setup(&ctx, &args),
        Command::ShellInit(_) | Command::Completions(_) | Command::Man(_) => {
            unreachable!("handled above")
        }
        Command::Configure(args) => configure::run(&ctx, &args),
        Command::Import(args) => import::run(&ctx, &args),
        Command::Profiles => profiles::run(&ctx),
        Command::Whoami => whoami::run(&ctx),
        Command::Doctor(args) => doctor::run(&ctx, &args),
        Command::Login(args) => sso::run_login(&ctx, &args),
        Command::Logout(args) => sso::run_logout(&ctx, &args),
        Command::Sso(crate::cli::SsoCommand::Configure(args)) => sso::run_configure(&ctx, &args),
        Command::Rotate(args) => rotate::run_rotate(&ctx, &args),
        Command::Recover(args) => rotate::run_recover(&ctx, &args),
    }
}

/// `env` from the fast path's arguments, without clap (`crate::fast`).
pub(crate) fn run_env_fast(
    global: &crate::cli::GlobalArgs,
    args: &crate::cli::EnvArgs,
) -> Result<(), CliError> {
    env::run_env(&Context::new(global)?, args)
}

/// Runs `future` to completion on a fresh single-threaded runtime.
pub(crate) fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::internal(format!("starting the async runtime: {e}")))?;
    Ok(runtime.block_on(future))
}
