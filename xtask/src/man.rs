//! `cargo xtask man`: writes `docs/man/sagecred.1` and one page per command, rendered by
//! the binary's hidden `__man` command from the same clap definition users run.

use std::process::Command;

use crate::{Result, cargo, root, run};

fn capture(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| format!("running the binary: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`__man` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

pub(crate) fn man() -> Result {
    run(cargo().args(["build", "--locked", "-p", "sagecred-cli"]))?;
    let bin = root().join("target/debug/sagecred");
    let dir = root().join("docs/man");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let write = |name: &str, text: &str| {
        std::fs::write(dir.join(name), text).map_err(|e| format!("writing docs/man/{name}: {e}"))
    };
    write("sagecred.1", &capture(Command::new(&bin).arg("__man"))?)?;
    let list = capture(Command::new(&bin).args(["__man", "--list"]))?;
    for name in list.lines().filter(|l| !l.is_empty()) {
        write(
            &format!("sagecred-{name}.1"),
            &capture(Command::new(&bin).args(["__man", name]))?,
        )?;
    }
    eprintln!("xtask: man pages written to {}", dir.display());
    Ok(())
}
