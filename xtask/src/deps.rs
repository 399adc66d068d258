//! Installs and checks what the tests need beyond the Rust toolchain.

use std::process::Command;

use crate::{Result, run};

/// Debian packages: real shells for the shell tests, the AWS CLI v2 for interop tests, a
/// Secret Service (gnome-keyring on a private D-Bus) and keyutils for the keychain tests,
/// and the reference `age` CLI that must open what the encrypted-file store writes.
const DEBIAN_PACKAGES: &[&str] = &[
    "bash",
    "dash",
    "zsh",
    "fish",
    "awscli",
    "dbus",
    "gnome-keyring",
    "libsecret-tools",
    "keyutils",
    "age",
];

/// PyPI packages: the AWS emulator, the SDK the SageMaker Python SDK runs on, and pyrage
/// (age for Python), a second reader of the encrypted-file store's files.
const PYPI_PACKAGES: &[&str] = &["moto[server]==5.2.1", "boto3>=1.34", "pyrage>=1.2"];

/// Virtual environments under `target/py/`, for the consumers that prove what sagecred
/// writes. The SageMaker Python SDK v2 and v3 cannot share one environment, and checkov
/// pins versions that would fight moto's, so each gets its own. Pinned major versions
/// keep pip's resolver from backtracking (v3 took 7.7 minutes unpinned, with cargo
/// building beside it).
pub(crate) const VENVS: &[(&str, &[&str], &str)] = &[
    (
        "sdk-v2",
        &["sagemaker>=2.257,<3", "jsonschema>=4"],
        "sagemaker, jsonschema",
    ),
    ("sdk-v3", &["sagemaker>=3.27,<4"], "sagemaker.train"),
    (
        "lint",
        &[
            "cfn-lint>=1.40,<2",
            "python-hcl2>=7,<9",
            "checkov>=3.2,<4",
            "parliament>=1.6,<2",
        ],
        "cfnlint, hcl2, checkov, parliament",
    ),
];

/// The directory that holds the virtual environments.
pub(crate) fn venv_root() -> std::path::PathBuf {
    crate::root().join("target/py")
}

fn venv_python(name: &str) -> std::path::PathBuf {
    venv_root().join(name).join("bin/python")
}

fn venv_has(name: &str, modules: &str) -> bool {
    Command::new(venv_python(name))
        .args(["-c", &format!("import {modules}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Creates the missing virtual environments and installs their packages, all three at
/// once: pip spends its time on downloads and unpacking, so one after another the cold
/// installs add up to minutes that running them side by side mostly hides.
pub(crate) fn install_venvs() -> Result {
    let installs: Vec<_> = VENVS
        .iter()
        .filter(|(name, _, modules)| !venv_has(name, modules))
        .map(|&(name, packages, _)| {
            std::thread::spawn(move || -> Result {
                let dir = venv_root().join(name);
                run(Command::new("python3").arg("-m").arg("venv").arg(&dir))?;
                run(Command::new(venv_python(name))
                    .args([
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                    ])
                    .args(packages))
            })
        })
        .collect();
    for install in installs {
        install
            .join()
            .map_err(|_| "a virtual environment's install panicked".to_owned())??;
    }
    Ok(())
}

fn dpkg_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn python_has(modules: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Installs the missing Debian and PyPI packages (not the virtual environments, which
/// [`install_venvs`] adds). Debian packages need root (or sudo).
pub(crate) fn install() -> Result {
    ensure_debian(DEBIAN_PACKAGES)?;
    if !python_has("moto, boto3, flask, pyrage") {
        run(Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(PYPI_PACKAGES))?;
    }
    Ok(())
}

/// Installs those of `packages` that are missing, with apt-get (through sudo unless root).
pub(crate) fn ensure_debian(packages: &[&str]) -> Result {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| !dpkg_installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let sudo = if is_root() { None } else { Some("sudo") };
    let apt = |args: &[&str]| {
        let mut cmd = match sudo {
            Some(s) => {
                let mut c = Command::new(s);
                c.arg("apt-get");
                c
            }
            None => Command::new("apt-get"),
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    run(&mut apt(&["update", "-qq"]))?;
    let mut install = apt(&["install", "-y", "-qq", "--no-install-recommends"]);
    install.args(&missing);
    run(&mut install)
}

/// Fails with a clear message when one of `packages` is not installed.
pub(crate) fn check_debian(packages: &[&str]) -> Result {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| !dpkg_installed(p))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "missing Debian packages: {}; run without --no-install, or apt-get install them",
            missing.join(" ")
        ))
    }
}

/// Fails with a clear message when something the tests need is missing.
pub(crate) fn check() -> Result {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .copied()
        .filter(|p| !dpkg_installed(p))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing Debian packages: {}; run `cargo xtask test` without --no-install, or apt-get install them",
            missing.join(" ")
        ));
    }
    if !python_has("moto, boto3, pyrage") {
        return Err(
            "python3 cannot import moto, boto3 and pyrage; run `python3 -m pip install 'moto[server]' boto3 pyrage`"
                .to_owned(),
        );
    }
    Ok(())
}

/// Fails with a clear message when a virtual environment the tests need is missing.
pub(crate) fn check_venvs() -> Result {
    for (name, _, modules) in VENVS {
        if !venv_has(name, modules) {
            return Err(format!(
                "{} cannot import {modules}; run `cargo xtask test` without --no-install",
                venv_python(name).display()
            ));
        }
    }
    Ok(())
}
