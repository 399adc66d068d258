//! `cargo xtask windows`: the Windows build, cross-compiled here from Debian's packages, and
//! its tests run under Wine against the real Credential Manager API.
//!
//! 1. Debian's `rustc-web`, `cargo-web` and `rust-web-src` (a Rust whose standard library
//!    source lets `-Zbuild-std` build std for `x86_64-pc-windows-gnu`), `gcc-mingw-w64-x86-64`
//!    (the linker, and the C compiler for `ring` and `aws-lc-sys`) and `wine64` are installed
//!    when missing. The rustup toolchain stays the default for everything else; the Windows
//!    build calls `/usr/bin/cargo` explicitly and keeps its own target dir, `target/windows`.
//! 2. Every crate and test target of the workspace is built for Windows, and the build must be
//!    free of warnings.
//! 3. The `ProcessPrng` stand-in (`xtask/windows/bcryptprimitives.c`) is built with mingw and
//!    put into a fresh, temporary Wine prefix: Rust's std needs it and Wine 8.0 lacks it.
//! 4. Under Wine: the unit and integration tests of sagecred-core, sagecred-ini,
//!    sagecred-shell and sagecred-keychain (whose Windows tests use the Credential Manager),
//!    then the end-to-end checks of the `sagecred.exe` binary in [`e2e`].
//!
//! Any failure fails the task, and so `cargo xtask test`.

mod e2e;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

use crate::{Result, deps, root, shown};

/// The Debian packages of the Windows build and its test run.
pub(crate) const DEBIAN_PACKAGES: &[&str] = &[
    "rustc-web",
    "cargo-web",
    "rust-web-src",
    "gcc-mingw-w64-x86-64",
    "wine64",
];

const TARGET: &str = "x86_64-pc-windows-gnu";
const MINGW_GCC: &str = "x86_64-w64-mingw32-gcc";
/// Debian installs Wine's 64-bit loader here, off PATH.
pub(crate) const WINE: &str = "/usr/lib/wine/wine64";
const WINESERVER: &str = "/usr/lib/wine/wineserver";

/// The crates whose own tests run under Wine. The others need moto, the SSO emulator or
/// POSIX shells; the CLI is checked end to end by [`e2e`] instead.
const TESTED_CRATES: &[&str] = &[
    "sagecred-core",
    "sagecred-ini",
    "sagecred-shell",
    "sagecred-keychain",
];

pub(crate) fn windows(args: &[String]) -> Result {
    let install = !args.iter().any(|a| a == "--no-install");
    if install {
        deps::ensure_debian(DEBIAN_PACKAGES)?;
    }
    deps::check_debian(DEBIAN_PACKAGES)?;
    let started = Instant::now();
    let target_dir = root().join("target/windows");

    let build_started = Instant::now();
    build(&target_dir)?;
    let tests = test_binaries(&target_dir)?;
    let build_time = build_started.elapsed();

    let wine_started = Instant::now();
    let wine = Wine::start(&target_dir)?;
    let mut failures = Vec::new();
    for (krate, exe) in &tests {
        eprintln!("xtask: windows: {krate}: {}", exe.display());
        let output = wine.run(exe, &["--quiet".as_ref()], &[], None)?;
        if !output.status.success() {
            eprintln!("{}", String::from_utf8_lossy(&output.stdout));
            eprintln!("{}", String::from_utf8_lossy(&output.stderr));
            failures.push(format!("the tests of {krate} failed under Wine"));
        } else {
            let stdout = String::from_utf8_lossy(&output.stdout);
            let summary = stdout
                .lines()
                .rfind(|l| l.starts_with("test result:"))
                .unwrap_or("no test result line");
            eprintln!("xtask: windows: {krate}: {summary}");
        }
    }
    let exe = target_dir.join(TARGET).join("debug/sagecred.exe");
    if let Err(e) = e2e::run(&wine, &exe) {
        failures.push(format!("end-to-end: {e}"));
    }
    drop(wine);
    let wine_time = wine_started.elapsed();
    eprintln!(
        "xtask: windows: build {:.0}s, tests under Wine {:.0}s, total {:.0}s",
        build_time.as_secs_f64(),
        wine_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; "))
    }
}

/// `/usr/bin/cargo` set up for the Windows target: Debian's compiler, std built from
/// source, mingw's linker and our own target dir.
fn cross_cargo(target_dir: &Path) -> Command {
    let mut cmd = Command::new("/usr/bin/cargo");
    let path = std::env::var("PATH").unwrap_or_default();
    cmd.current_dir(root())
        .env("PATH", format!("/usr/bin:{path}"))
        // -Zbuild-std is unstable; Debian's stable compiler allows it with this.
        .env("RUSTC_BOOTSTRAP", "1")
        .env("RUSTC", "/usr/bin/rustc")
        .env("RUSTDOC", "/usr/bin/rustdoc")
        .env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER", MINGW_GCC)
        // The rustup proxy sets these for the outer cargo; they must not steer this one.
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("CARGO")
        .env_remove("RUSTC_WRAPPER");
    cmd
}

const BUILD_ARGS: &[&str] = &[
    "build",
    "-Zbuild-std=std,panic_abort",
    "--target",
    TARGET,
    "--locked",
    "--workspace",
    "--exclude",
    "xtask",
    "--all-targets",
];

/// Builds every crate and test target for Windows, and fails on any warning.
///
/// cargo replays the warnings of cached crates, so a build with nothing to do still shows
/// them and this check holds on every run.
fn build(target_dir: &Path) -> Result {
    use std::io::BufRead;
    let mut cmd = cross_cargo(target_dir);
    cmd.args(BUILD_ARGS)
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped());
    eprintln!("xtask: $ {}", shown(&cmd));
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start /usr/bin/cargo: {e}"))?;
    // Shown as it comes, and kept to look for warnings.
    let mut warnings = Vec::new();
    for line in std::io::BufReader::new(child.stderr.take().expect("piped")).lines() {
        let line = line.map_err(|e| format!("reading cargo's output: {e}"))?;
        eprintln!("{line}");
        if line.starts_with("warning") {
            warnings.push(line);
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for /usr/bin/cargo: {e}"))?;
    eprintln!(
        "xtask: windows build finished in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    if !status.success() {
        return Err(format!("the Windows build failed ({status})"));
    }
    if !warnings.is_empty() {
        return Err(format!(
            "the Windows build has warnings:\n{}",
            warnings.join("\n")
        ));
    }
    Ok(())
}

/// The test executables of [`TESTED_CRATES`], from cargo's JSON messages of the (finished)
/// build: `(crate, path)` pairs.
fn test_binaries(target_dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut cmd = cross_cargo(target_dir);
    cmd.args(BUILD_ARGS).arg("--message-format=json");
    let output = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start /usr/bin/cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!("`{}` failed", shown(&cmd)));
    }
    let mut found = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        if !line.contains(r#""reason":"compiler-artifact""#) || !line.contains(r#""test":true"#) {
            continue;
        }
        let Some(exe) = json_field(line, "executable") else {
            continue;
        };
        let Some(krate) = TESTED_CRATES
            .iter()
            .find(|k| line.contains(&format!("/crates/{k}#")))
        else {
            continue;
        };
        found.push(((*krate).to_owned(), PathBuf::from(exe)));
    }
    for krate in TESTED_CRATES {
        if !found.iter().any(|(k, _)| k == krate) {
            return Err(format!("the Windows build made no test binary for {krate}"));
        }
    }
    Ok(found)
}

/// The string value of `"name":"..."` in a line of JSON, for values without escapes.
fn json_field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let start = line.find(&format!("\"{name}\":\""))? + name.len() + 4;
    let len = line[start..].find('"')?;
    let value = &line[start..start + len];
    (!value.contains('\\')).then_some(value)
}

/// A temporary Wine prefix with the `ProcessPrng` stand-in installed; removed on drop.
pub(crate) struct Wine {
    prefix: PathBuf,
}

impl Wine {
    fn start(target_dir: &Path) -> Result<Wine> {
        let prefix = target_dir.join(format!("wine-prefix-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&prefix);
        std::fs::create_dir_all(&prefix)
            .map_err(|e| format!("cannot create {}: {e}", prefix.display()))?;
        let wine = Wine { prefix };
        // The first start creates the prefix (system32 among it).
        let boot = wine.command("cmd.exe").args(["/c", "ver"]).output();
        match boot {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                return Err(format!(
                    "wine could not create its prefix: {}",
                    String::from_utf8_lossy(&o.stderr)
                ));
            }
            Err(e) => return Err(format!("cannot start {WINE}: {e}")),
        }
        let dll = target_dir.join("bcryptprimitives.dll");
        let sources = root().join("xtask/windows");
        crate::run(Command::new(MINGW_GCC).args([
            "-shared".as_ref(),
            "-O2".as_ref(),
            "-Wall".as_ref(),
            "-Wextra".as_ref(),
            "-Werror".as_ref(),
            "-o".as_ref(),
            dll.as_os_str(),
            sources.join("bcryptprimitives.c").as_os_str(),
            sources.join("bcryptprimitives.def").as_os_str(),
            "-ladvapi32".as_ref(),
        ]))?;
        let system32 = wine.prefix.join("drive_c/windows/system32");
        std::fs::copy(&dll, system32.join("bcryptprimitives.dll"))
            .map_err(|e| format!("cannot install the ProcessPrng stand-in: {e}"))?;
        Ok(wine)
    }

    /// A command that runs `program` (a Windows program name or a Unix path) under Wine.
    pub(crate) fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(WINE);
        cmd.arg(program)
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all")
            // No display: Wine must not try to open windows.
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
        cmd
    }

    /// Runs `exe` with `args`, extra environment and optional stdin, and returns its output.
    pub(crate) fn run(
        &self,
        exe: &Path,
        args: &[&std::ffi::OsStr],
        env: &[(&str, &str)],
        stdin: Option<&[u8]>,
    ) -> Result<Output> {
        let mut cmd = self.command(exe);
        cmd.args(args).envs(env.iter().copied());
        run_with_stdin(cmd, stdin)
    }

    /// The Windows home of the prefix's user, `%USERPROFILE%`, as a Unix path.
    pub(crate) fn user_profile(&self) -> Result<PathBuf> {
        let users = self.prefix.join("drive_c/users");
        let entries = std::fs::read_dir(&users)
            .map_err(|e| format!("cannot list {}: {e}", users.display()))?;
        for entry in entries.flatten() {
            if entry.file_name() != "Public" {
                return Ok(entry.path());
            }
        }
        Err(format!("no user profile under {}", users.display()))
    }
}

impl Drop for Wine {
    fn drop(&mut self) {
        // Stop this prefix's wineserver (and so its programs), then remove the prefix.
        let _ = Command::new(WINESERVER)
            .arg("-k")
            .env("WINEPREFIX", &self.prefix)
            .status();
        let _ = Command::new(WINESERVER)
            .arg("-w")
            .env("WINEPREFIX", &self.prefix)
            .status();
        let _ = std::fs::remove_dir_all(&self.prefix);
    }
}

/// Runs `cmd`, feeding it `stdin` (or nothing), and collects its output.
pub(crate) fn run_with_stdin(mut cmd: Command, stdin: Option<&[u8]>) -> Result<Output> {
    use std::io::Write;
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start `{}`: {e}", shown(&cmd)))?;
    let mut pipe = child.stdin.take().expect("stdin is piped");
    if let Some(input) = stdin {
        pipe.write_all(input)
            .map_err(|e| format!("cannot write to `{}`: {e}", shown(&cmd)))?;
    }
    drop(pipe);
    child
        .wait_with_output()
        .map_err(|e| format!("`{}` failed: {e}", shown(&cmd)))
}

/// The Windows path Wine gives a Unix path: drive `Z:` is `/`.
pub(crate) fn windows_path(unix: &Path) -> String {
    format!("Z:{}", unix.display()).replace('/', "\\")
}
