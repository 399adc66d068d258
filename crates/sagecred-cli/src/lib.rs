//! The `sagecred` command line: clap commands that wire the library crates together.
//!
//! This is the only crate that reads the process environment, resolves `~`, talks to the
//! terminal and decides exit codes. The libraries are handed paths and values.
#![warn(missing_docs)]
// The CLI is the one place allowed to print: stdout for what consumers parse, stderr for
// diagnostics.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod aws_error;
mod cli;
mod commands;
mod context;
mod error;
mod output;

use std::process::ExitCode;

use clap::Parser;

pub use cli::Cli;
pub use commands::{man_page, man_page_commands};
pub use error::{CliError, ErrorKind};

/// Parses the command line, runs the command and maps the outcome to an exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    if cli.global.debug {
        init_debug_logging();
    }
    match commands::dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => err.report(),
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
