//! The `sagecred` command line: clap commands that wire the library crates together.
//!
//! This is the only crate that reads the process environment, resolves `~`, talks to the
//! terminal and decides exit codes. The libraries are handed paths and values.
#![warn(missing_docs)]
// The CLI is the one crate that prints, and within it only `output.rs` and `error.rs` may:
// every other module goes through `output`, which escapes control characters, so the
// workspace's `print_stdout`/`print_stderr` lints stay on here.

mod aws_error;
mod cli;
mod commands;
mod context;
mod error;
mod fast;
mod output;

use std::process::ExitCode;

use clap::Parser;

pub use cli::Cli;
pub use commands::{man_page, man_page_commands};
pub use error::{CliError, ErrorKind};

/// Parses the command line, runs the command and maps the outcome to an exit code.
pub fn run() -> ExitCode {
    ExitCode::from(run_to_code())
}

/// [`run`], with the exit code as a number, for an entry point that returns it to C.
pub fn run_to_code() -> u8 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // The shell-start path: a plain `env` skips building clap's command tree.
    let result = match fast::env_args(&args) {
        Some((global, env)) => commands::run_env_fast(&global, &env),
        None => {
            let cli = match Cli::try_parse_from(args) {
                Ok(cli) => cli,
                Err(err) => return refused_argument(err),
            };
            if cli.global.debug {
                init_debug_logging();
            }
            commands::dispatch(cli)
        }
    };
    match result {
        Ok(()) => 0,
        Err(err) => {
            let _ = err.report();
            err.kind().exit_code()
        }
    }
}

/// Ends the process for a command line clap refused. A value that one of our typed parsers
/// refused (`--role`, `role set ARN`, `--account-id`...) is reported without the value:
/// clap's own message repeats it whole, and a pasted secret, a megabyte of text or an escape
/// sequence must not come back on the terminal. Help, version and every other refusal are
/// clap's, as usual.
fn refused_argument(err: clap::Error) -> u8 {
    use clap::error::{ContextKind, ContextValue, ErrorKind as ClapKind};
    if err.kind() != ClapKind::ValueValidation {
        err.exit();
    }
    let arg = match err.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(arg)) => arg.clone(),
        _ => "an argument".to_owned(),
    };
    let why = std::error::Error::source(&err)
        .map(ToString::to_string)
        .unwrap_or_else(|| "it is not valid".to_owned());
    let error = CliError::user(format!("invalid value for {arg}: {why}"))
        .with_hint("see `sagecred help` and the command's --help for the expected form");
    let _ = error.report();
    error.kind().exit_code()
}

/// Sends tracing logs to stderr. The filter stops at `debug` for the AWS runtime crates,
/// because their `trace` level prints signed request headers, which carry session tokens.
fn init_debug_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::new(
        "sagecred=debug,sagecred_cli=debug,sagecred_ini=debug,aws_config=debug,\
         aws_smithy_runtime=debug,aws_sdk_sts=debug,aws_sigv4=info,hyper=info",
    );
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(true)
        .with_ansi(debug_colour(
            std::io::IsTerminal::is_terminal(&std::io::stderr()),
            std::env::var_os("NO_COLOR").as_deref(),
        ))
        .init();
}

/// Colour in debug logs only on a terminal, and never when `NO_COLOR` is set to anything
/// but the empty string (<https://no-color.org>).
fn debug_colour(stderr_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    #[test]
    fn debug_colour_needs_a_terminal_and_no_no_color() {
        assert!(super::debug_colour(true, None));
        assert!(super::debug_colour(true, Some(OsStr::new(""))));
        assert!(!super::debug_colour(true, Some(OsStr::new("1"))));
        assert!(!super::debug_colour(false, None));
    }
}
