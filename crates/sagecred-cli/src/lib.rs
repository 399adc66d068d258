//! The `sagecred` command line: clap commands that wire the library crates together.
//!
//! This is the only crate that reads the process environment, resolves `~`, talks to the
//! terminal and decides exit codes. The libraries are handed paths and values.
#![warn(missing_docs)]
// The CLI is the one crate that prints, and within it only `output.rs` and `error.rs` may:
// every other module goes through `output`, which escapes control characters, so the
// workspace's `print_stdout`/`print_stderr` lints stay on here.

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
            let cli = Cli::parse_from(args);
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
        .init();
}
