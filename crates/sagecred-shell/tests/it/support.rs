//! Running code in real shells: finding them, running a script file, reading the environment.

use std::collections::HashMap;
use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sagecred_shell::Shell;

/// Set to `1` to skip, rather than fail, the tests of a shell that is not installed.
const SKIP_MISSING: &str = "SAGECRED_SKIP_MISSING_SHELLS";

/// A shell binary installed on this machine.
#[derive(Debug, Clone)]
pub(crate) struct RealShell {
    /// The shell's name, such as `dash`.
    pub(crate) name: &'static str,
    /// The family whose code the shell reads.
    pub(crate) kind: Shell,
    /// Where the binary is.
    path: PathBuf,
}

/// The real shells the tests evaluate POSIX and fish code in.
pub(crate) const EVALUATORS: [(&str, Shell); 4] = [
    ("bash", Shell::Posix),
    ("dash", Shell::Posix),
    ("zsh", Shell::Posix),
    ("fish", Shell::Fish),
];

/// Finds the named shells. A missing one fails the test, with the command that installs it,
/// unless `SAGECRED_SKIP_MISSING_SHELLS=1`, in which case it is left out with a note.
pub(crate) fn shells(wanted: &[(&'static str, Shell)]) -> Vec<RealShell> {
    let skip_missing = env::var_os(SKIP_MISSING).is_some_and(|v| v == "1");
    let mut found = Vec::new();
    for &(name, kind) in wanted {
        match locate(name) {
            Some(path) => found.push(RealShell { name, kind, path }),
            None if skip_missing => note_skipped(name),
            None => panic!(
                "{name} is not installed, and these tests evaluate the generated code in a real \
                 {name}: install it (`apt-get install -y {name}` on Debian and Ubuntu), or set \
                 {SKIP_MISSING}=1 to skip it"
            ),
        }
    }
    found
}

/// Tells the person running the tests that a shell was skipped.
#[allow(
    clippy::print_stderr,
    reason = "a skipped shell must be visible in the test output, not silent"
)]
fn note_skipped(name: &str) {
    eprintln!("note: {name} is not installed; skipping its checks ({SKIP_MISSING}=1)");
}

/// Looks for `name` in `/usr/bin`, `/bin`, then each directory of `PATH`.
fn locate(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH").unwrap_or_default();
    [PathBuf::from("/usr/bin"), PathBuf::from("/bin")]
        .into_iter()
        .chain(env::split_paths(&path))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

impl RealShell {
    /// Runs `script`, written to a file in `dir`, with a clean environment.
    ///
    /// The script goes through a file, never through argv, so that no value is ever
    /// interpolated into a command line. The environment holds only `PATH` (with
    /// `path_first`, if any, in front), a `HOME` and XDG directories inside `dir` so that fish
    /// neither reads nor writes the user's configuration, a UTF-8 locale, and `extra`.
    pub(crate) fn run(
        &self,
        dir: &Path,
        script: &str,
        path_first: Option<&Path>,
        extra: &[(&str, &str)],
    ) -> Output {
        let file = dir.join(format!("script.{}", self.name));
        fs::write(&file, script).expect("writing the script");
        let mut search_path = OsString::new();
        if let Some(first) = path_first {
            search_path.push(first);
            search_path.push(":");
        }
        search_path.push("/usr/bin:/bin");

        let mut command = Command::new(&self.path);
        // Each shell is told to skip its startup files, which would make the test depend on
        // the machine it runs on.
        match self.name {
            "bash" => command.args(["--norc", "--noprofile"]),
            "zsh" => command.arg("-f"),
            "fish" => command.arg("--no-config"),
            _ => &mut command,
        };
        command
            .arg(&file)
            .env_clear()
            .env("PATH", search_path)
            .env("HOME", dir)
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env("LC_ALL", "C.UTF-8")
            .envs(extra.iter().copied())
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .expect("starting the shell")
    }

    /// Runs `script` like [`RealShell::run`] and insists that it succeeded quietly.
    pub(crate) fn run_ok(&self, dir: &Path, script: &str) -> Output {
        let output = self.run(dir, script, None, &[]);
        assert_success(self.name, script, &output);
        output
    }
}

/// Fails with the script and the shell's stderr unless the shell exited 0 with empty stderr.
pub(crate) fn assert_success(name: &str, script: &str, output: &Output) {
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "{name} failed ({status}) on\n{script}\nstderr:\n{stderr}",
        status = output.status,
        stderr = String::from_utf8_lossy(&output.stderr),
    );
}

/// The command that dumps the exported environment, NUL-separated, to stdout.
///
/// An external `env` only sees exported variables, so this also checks that the generated
/// code exports what it sets. It is the same line for every shell.
pub(crate) const DUMP_ENV: &str = "/usr/bin/env -0\n";

/// Parses the output of `env -0` into a map from name to value bytes.
pub(crate) fn parse_env(dump: &[u8]) -> HashMap<String, Vec<u8>> {
    dump.split(|&b| b == 0)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let eq = entry
                .iter()
                .position(|&b| b == b'=')
                .expect("an env entry has `=`");
            let name = String::from_utf8(entry[..eq].to_vec()).expect("names are ASCII");
            (name, entry[eq + 1..].to_vec())
        })
        .collect()
}
