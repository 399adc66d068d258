//! The shell-start fast path: `sagecred env` recognised from argv without clap.
//!
//! `eval "$(sagecred env)"` runs at every shell start, and its budget is twice the time of
//! `/bin/true`. Building clap's command tree (every subcommand, argument and help text)
//! and parsing with it cost a measurable share of that budget (`docs/benchmarks.md`), so
//! the plain shapes of `env` are parsed here: `env` with `--profile`, `--shell`, `--role`
//! and `--unset`, each at most once, as `--flag VALUE` or `--flag=VALUE`. Anything else
//! (help, `--credentials`, `--output`, `--debug`, a repeated or unknown flag, a value clap
//! would refuse) returns `None`, and clap parses the command line as always, with its own
//! errors. A test holds the two parsers to the same result for every shape this accepts.

use std::ffi::OsString;

use crate::cli::{EnvArgs, GlobalArgs, OutputFormat};

/// The `env` arguments, when `args` (program name first) is a plain `env` invocation.
pub(crate) fn env_args(args: &[OsString]) -> Option<(GlobalArgs, EnvArgs)> {
    let mut rest = args.get(1..)?.iter();
    if rest.next()?.to_str()? != "env" {
        return None;
    }
    let mut profile = None;
    let mut shell = None;
    let mut role = None;
    let mut unset = false;
    while let Some(arg) = rest.next() {
        let arg = arg.to_str()?;
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
            _ => (arg, None),
        };
        if flag == "--unset" {
            if unset || inline.is_some() {
                return None;
            }
            unset = true;
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None => {
                let v = rest.next()?.to_str()?;
                // clap reads `--profile -x` as a missing value: leave that to it.
                if v.starts_with('-') {
                    return None;
                }
                v
            }
        };
        match flag {
            "--profile" if profile.is_none() => profile = Some(value.parse().ok()?),
            "--shell" if shell.is_none() => shell = Some(sagecred_shell::Shell::from_name(value)?),
            "--role" if role.is_none() => role = Some(value.to_owned()),
            _ => return None,
        }
    }
    Some((
        GlobalArgs {
            profile,
            output: OutputFormat::Text,
            debug: false,
        },
        EnvArgs {
            shell,
            role,
            credentials: false,
            unset,
        },
    ))
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use proptest::prelude::*;

    use super::*;
    use crate::cli::{Cli, Command};

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    /// What clap makes of `args`, in the same shape, or `None` when it is not a
    /// successful `env` parse.
    fn by_clap(args: &[OsString]) -> Option<String> {
        let cli = Cli::try_parse_from(args).ok()?;
        match cli.command {
            Command::Env(env) => Some(format!("{:?} {env:?}", cli.global)),
            _ => None,
        }
    }

    fn by_fast_path(args: &[OsString]) -> Option<String> {
        env_args(args).map(|(global, env)| format!("{global:?} {env:?}"))
    }

    #[test]
    fn plain_env_shapes_take_the_fast_path() {
        for args in [
            &["sagecred", "env"][..],
            &["sagecred", "env", "--profile", "dev"],
            &["sagecred", "env", "--profile=dev", "--shell", "fish"],
            &[
                "sagecred",
                "env",
                "--shell=zsh",
                "--role",
                "arn:aws:iam::123456789012:role/R",
            ],
            &["sagecred", "env", "--unset", "--shell", "bash"],
            &[
                "sagecred",
                "env",
                "--role=",
                "--profile",
                "a.b-c_d/e%f@g:h+i",
            ],
        ] {
            let args = os(args);
            assert!(by_fast_path(&args).is_some(), "{args:?}");
            assert_eq!(by_fast_path(&args), by_clap(&args), "{args:?}");
        }
    }

    #[test]
    fn everything_else_is_left_to_clap() {
        for args in [
            &["sagecred"][..],
            &["sagecred", "use", "dev"],
            &["sagecred", "--profile", "dev", "env"],
            &["sagecred", "env", "--help"],
            &["sagecred", "env", "-h"],
            &["sagecred", "env", "--credentials"],
            &["sagecred", "env", "--output", "json"],
            &["sagecred", "env", "--debug"],
            &["sagecred", "env", "--profile"],
            &["sagecred", "env", "--profile", "a", "--profile", "b"],
            &["sagecred", "env", "--profile", "bad name"],
            &["sagecred", "env", "--profile", "--unset"],
            &["sagecred", "env", "--shell", "tcsh"],
            &["sagecred", "env", "--unset", "--unset"],
            &["sagecred", "env", "--unset=yes"],
            &["sagecred", "env", "extra"],
            &["sagecred", "env", "--prof", "dev"],
        ] {
            assert_eq!(by_fast_path(&os(args)), None, "{args:?}");
        }
    }

    fn token() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("--profile".to_owned()),
            Just("--shell".to_owned()),
            Just("--role".to_owned()),
            Just("--unset".to_owned()),
            Just("--credentials".to_owned()),
            Just("--output".to_owned()),
            Just("--".to_owned()),
            Just("-p".to_owned()),
            Just("dev".to_owned()),
            Just("bash".to_owned()),
            Just("fish".to_owned()),
            Just("json".to_owned()),
            Just("--profile=dev".to_owned()),
            Just("--shell=pwsh".to_owned()),
            Just("--role=x".to_owned()),
            "[a-z=/ -]{0,6}",
        ]
    }

    proptest! {
        /// Whatever the fast path accepts, clap parses to the same values.
        #[test]
        fn the_fast_path_agrees_with_clap(tokens in prop::collection::vec(token(), 0..6)) {
            let mut args = vec![OsString::from("sagecred"), OsString::from("env")];
            args.extend(tokens.iter().map(OsString::from));
            if let Some(fast) = by_fast_path(&args) {
                prop_assert_eq!(Some(fast), by_clap(&args), "{:?}", args);
            }
        }
    }
}
