//! sagecred's build system: `cargo xtask <task>`.
//!
//! * `test`: install what the tests need (Debian packages, moto and boto3 from PyPI), start
//!   a moto server on loopback and a private Secret Service (gnome-keyring on its own
//!   D-Bus), run fmt, clippy, doc and the whole test suite, and stop both. `.ci/run` runs exactly this.
//!   It ends with the `windows` task.
//! * `windows`: cross-build the workspace for Windows (Debian's Rust and mingw), and run the
//!   core, INI, shell and keychain tests and end-to-end checks of `sagecred.exe` under Wine.
//! * `services`: start the test services and print the variables that point at them, for
//!   running single tests by hand.
//!
//! * `bench`: medians and ratios of the hot paths against reference commands.
//! * `man`: regenerate `docs/man/` from the CLI definition.
//! * `demo`: the whole guide against a local moto server, with no AWS account.
//!
//! It depends on std and on the std-alone part of `sagecred-test-support` (the moto and
//! Secret Service start-ups, shared with the tests), so it builds in seconds.
#![allow(clippy::print_stdout, clippy::print_stderr)] // A build tool talks to the terminal.

mod bench;
mod demo;
mod deps;
mod man;
mod windows;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use sagecred_test_support::{moto, secret_service};

type Result<T = ()> = std::result::Result<T, String>;

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  test        install test dependencies, start moto and a Secret Service, run fmt/clippy/doc/tests, stop them
  test --no-install
              the same without installing packages (they must already be there)
  windows     cross-build for x86_64-pc-windows-gnu and run the Windows tests under Wine
  windows --no-install
              the same without installing the Debian packages
  services    start moto and print the environment for running tests by hand (Ctrl-C stops)
  bench       time `sagecred env` against /bin/true and the AWS CLI (release build)
  bench --quick
              the same with fewer runs
  man         regenerate the man pages in docs/man/ from the CLI definition
  demo        run `sagecred setup --yes` against a local moto server, no AWS account needed
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("services") => services(),
        Some("windows") => windows::windows(&args[1..]),
        Some("bench") => bench::bench(&args[1..]),
        Some("man") => man::man(),
        Some("demo") => demo::demo(),
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown task `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate's directory).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// Runs a command in the workspace root, echoing it, and fails if it fails.
fn run(cmd: &mut Command) -> Result {
    eprintln!("xtask: $ {}", shown(cmd));
    let started = Instant::now();
    let status = cmd
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot start `{}`: {e}", shown(cmd)))?;
    eprintln!(
        "xtask: `{}` finished in {:.1}s",
        shown(cmd),
        started.elapsed().as_secs_f64()
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", shown(cmd)))
    }
}

fn shown(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn test(args: &[String]) -> Result {
    let started = Instant::now();
    let install = !args.iter().any(|a| a == "--no-install");
    // The virtual environments of the SageMaker SDKs and the linters take minutes of pip,
    // mostly downloads: they install beside the Rust checks and builds below, and are
    // waited for before the tests start.
    let venvs = if install {
        deps::install()?;
        Some(std::thread::spawn(deps::install_venvs))
    } else {
        None
    };
    deps::check()?;

    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    run(cargo()
        .args(["doc", "--workspace", "--no-deps", "--locked"])
        .env("RUSTDOCFLAGS", "-D warnings"))?;
    // Build the tests before starting moto, so that moto does not sit idle through a build.
    run(cargo().args(["test", "--workspace", "--locked", "--no-run"]))?;
    if let Some(venvs) = venvs {
        venvs
            .join()
            .map_err(|_| "installing the virtual environments panicked".to_owned())??;
    }
    deps::check_venvs()?;

    let moto = start_moto()?;
    let keyring =
        secret_service::SecretService::start(&root().join("target/xtask/secret-service"))?;
    let outcome = run(cargo()
        .args(["test", "--workspace", "--locked"])
        .env("SAGECRED_MOTO_ENDPOINT", moto.endpoint())
        .env("SAGECRED_PY_VENVS", deps::venv_root())
        .envs(keyring.env()));
    drop(keyring);
    drop(moto);
    outcome?;
    // Windows: the cross-build and the tests under Wine.
    windows::windows(args)?;
    eprintln!(
        "xtask: all checks passed in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The shared moto server of a test run, with the AWS managed policies loaded.
fn start_moto() -> Result<moto::Moto> {
    let moto = moto::Moto::start(&root().join("target/xtask"))?;
    eprintln!("xtask: moto is up at {}", moto.endpoint());
    Ok(moto)
}

fn services() -> Result {
    let moto = start_moto()?;
    let keyring =
        secret_service::SecretService::start(&root().join("target/xtask/secret-service"))?;
    println!("export SAGECRED_MOTO_ENDPOINT={}", moto.endpoint());
    println!("export SAGECRED_PY_VENVS={}", deps::venv_root().display());
    for (k, v) in keyring.env() {
        println!("export {k}={v}");
    }
    eprintln!("xtask: services are up; press Ctrl-C to stop them");
    loop {
        std::thread::park();
    }
}
