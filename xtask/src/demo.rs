//! `cargo xtask demo`: the whole guide against a local moto server, with a temporary HOME
//! and a private keychain, so a newcomer sees every step without an AWS account.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::secret_service::SecretService;
use crate::{Result, cargo, root, run};
use sagecred_test_support::moto::Moto;

pub(crate) fn demo() -> Result {
    run(cargo().args(["build", "--locked", "-p", "sagecred-cli"]))?;
    let bin = root().join("target/debug/sagecred");
    let dir = root().join("target/xtask/demo");
    let _ = std::fs::remove_dir_all(&dir);
    let home = dir.join("home");
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let moto = Moto::start(&root().join("target/xtask"))?;
    let keyring = SecretService::start(&dir.join("secret-service"))?;
    let sagecred = |args: &[&str]| {
        let mut cmd = Command::new(&bin);
        cmd.args(args)
            .env_clear()
            .env("HOME", &home)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL", moto.endpoint())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("SHELL", "/bin/bash")
            .envs(keyring.env());
        cmd
    };
    let step = |title: &str, args: &[&str]| -> Result {
        eprintln!("\n$ sagecred {}    # {title}", args.join(" "));
        let status = sagecred(args).status().map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`sagecred {}` failed", args.join(" ")))
        }
    };
    eprintln!(
        "demo: moto (a local AWS emulator) at {}, HOME={}",
        moto.endpoint(),
        home.display()
    );
    eprintln!(
        "\n$ sagecred configure --profile admin --store file --stdin    # the administrator's key (AWS's example key)"
    );
    let mut child = sagecred(&[
        "configure",
        "--profile",
        "admin",
        "--store",
        "file",
        "--stdin",
    ])
    .stdin(Stdio::piped())
    .spawn()
    .map_err(|e| e.to_string())?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
        .map_err(|e| e.to_string())?;
    child.wait().map_err(|e| e.to_string())?;
    step(
        "the guide's Parts 1 to 3, with the bucket",
        &["setup", "--profile", "admin", "--yes", "--create-bucket"],
    )?;
    step(
        "again: nothing to change",
        &["provision", "--profile", "admin", "--apply"],
    )?;
    step("what you have", &["profiles"])?;
    step(
        "Part 4: the shell line",
        &["env", "--profile", "sagemaker-developer"],
    )?;
    step(
        "what SDKs get through credential_process",
        &["role", "--profile", "sagemaker-developer"],
    )?;
    step("clean up", &["teardown", "--profile", "admin", "--apply"])?;
    drop(keyring);
    drop(moto);
    eprintln!("\ndemo: done; nothing left running");
    Ok(())
}
