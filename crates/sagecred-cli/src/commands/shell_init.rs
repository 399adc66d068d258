//! `sagecred shell-init SHELL`: the function that lets `sagecred use` change the current
//! shell, and `sagecred completions SHELL`.

use clap::CommandFactory;
use sagecred_shell::Shell;

use crate::cli::{Cli, CompletionsArgs, ShellInitArgs};
use crate::error::CliError;
use crate::output;

pub(super) fn run_init(args: &ShellInitArgs) -> Result<(), CliError> {
    match sagecred_shell::init_script(args.shell) {
        Some(script) => output::print_exact(script),
        None if args.shell == Shell::Cmd => Err(CliError::user(
            "cmd has no shell functions, so `sagecred use` cannot change a cmd window",
        )
        .with_hint(
            "run: for /f \"delims=\" %i in ('sagecred env --shell cmd --profile NAME') do %i   (use %%i in a .bat file)",
        )),
        None => Err(CliError::user(format!("no shell-init for {}", args.shell))),
    }
}

pub(super) fn run_completions(args: &CompletionsArgs) -> Result<(), CliError> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "sagecred", &mut buf);
    let text = String::from_utf8(buf)
        .map_err(|e| CliError::internal(format!("completion script is not UTF-8: {e}")))?;
    output::print_exact(&text)
}

/// The roff man page of `sagecred`, or of one subcommand (`sagecred-configure(1)`).
pub fn man_page(command: Option<&str>) -> Result<String, CliError> {
    let root = Cli::command();
    let cmd = match command {
        None => root,
        Some(name) => {
            let sub = root
                .get_subcommands()
                .find(|s| s.get_name() == name)
                .ok_or_else(|| CliError::user(format!("no command `{name}`")))?
                .clone();
            sub.name(format!("sagecred-{name}"))
        }
    };
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut buf)
        .map_err(|e| CliError::internal(format!("rendering the man page: {e}")))?;
    String::from_utf8(buf).map_err(|e| CliError::internal(format!("man page is not UTF-8: {e}")))
}

/// The commands that get a page of their own: every visible subcommand.
pub fn man_page_commands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_owned())
        .collect()
}

pub(super) fn run_man(args: &crate::cli::ManArgs) -> Result<(), CliError> {
    if args.list {
        return output::print_exact(&(man_page_commands().join("\n") + "\n"));
    }
    output::print_exact(&man_page(args.command.as_deref())?)
}
