//! What the store says when the Secret Service cannot be used: no session bus, a bus with
//! no Secret Service on it, and a locked keychain. Each case runs in a child process with
//! its own environment.

use crate::child;
use crate::secret_service::SecretService;
use crate::support::{assert_no_secret, child_lines, run_child, unique_service};

/// The environment for a child that should reach the bus at `address` and nothing else.
fn env_for(address: &str, runtime_dir: &std::path::Path) -> Vec<(String, String)> {
    vec![
        ("DBUS_SESSION_BUS_ADDRESS".to_owned(), address.to_owned()),
        // libdbus falls back to $XDG_RUNTIME_DIR/bus; point it at an empty directory.
        (
            "XDG_RUNTIME_DIR".to_owned(),
            runtime_dir.display().to_string(),
        ),
        // No X display, so that libdbus cannot autolaunch a bus either.
        ("DISPLAY".to_owned(), String::new()),
        (child::SERVICE.to_owned(), unique_service()),
    ]
}

/// Asserts that every `err` line says the store is unavailable for `reason`, and that no
/// line leaks a secret.
fn assert_unavailable(lines: &[String], steps: &[&str], reason: &str) {
    for step in steps {
        let line = lines
            .iter()
            .find(|l| l.starts_with(&format!("{step} err ")))
            .unwrap_or_else(|| panic!("no error for `{step}` in {lines:#?}"));
        assert!(
            line.starts_with(&format!("{step} err unavailable ")) && line.contains(reason),
            "`{step}` should be unavailable because {reason}, got: {line}"
        );
    }
    for line in lines {
        assert_no_secret(line);
    }
}

#[test]
fn a_dead_bus_address_is_no_bus() {
    let dir = tempfile::tempdir().unwrap();
    let address = format!("unix:path={}", dir.path().join("no-such-socket").display());
    let output = run_child(&[], "check,get,put", &env_for(&address, dir.path()));
    let lines = child_lines(&output);
    assert_unavailable(&lines, &["check", "get", "put"], "no D-Bus session bus");
    assert!(lines[0].contains("dbus-run-session"), "{}", lines[0]);
}

#[test]
fn an_unset_bus_address_is_no_bus() {
    let dir = tempfile::tempdir().unwrap();
    // With the variable unset (and no bus in $XDG_RUNTIME_DIR), libdbus tries to
    // autolaunch a bus and fails: "Unable to autolaunch a dbus-daemon without a $DISPLAY".
    let output = run_child(&[], "check,get", &env_for("", dir.path()));
    assert_unavailable(
        &child_lines(&output),
        &["check", "get"],
        "no D-Bus session bus",
    );
}

#[test]
fn a_bus_without_a_secret_service() {
    let dir = tempfile::tempdir().unwrap();
    let bus = SecretService::start_bus_only(&dir.path().join("ss")).unwrap();
    let env = {
        let mut env = env_for(&bus.bus_address(), dir.path());
        // The bus-only service reports that it has no Secret Service.
        assert!(
            bus.env()
                .contains(&("SAGECRED_TEST_SECRET_SERVICE".to_owned(), "0".to_owned()))
        );
        env.extend(bus.env());
        env
    };
    let output = run_child(&[], "check,get,put", &env);
    let lines = child_lines(&output);
    assert_unavailable(
        &lines,
        &["check", "get", "put"],
        "no Secret Service is running on the session bus (org.freedesktop.secrets)",
    );
    assert!(lines[0].contains("gnome-keyring"), "{}", lines[0]);
}

#[test]
fn a_locked_keychain() {
    let dir = tempfile::tempdir().unwrap();
    let service = SecretService::start(&dir.path().join("ss")).unwrap();
    let mut env = env_for(&service.bus_address(), dir.path());
    env.extend(service.env());

    // Store a key while the keychain is unlocked, then lock it.
    let lines = child_lines(&run_child(&[], "check,put", &env));
    assert_eq!(lines, ["check ok ", "put ok "]);
    service.lock().unwrap();

    // Reading the stored key needs the collection unlocked, and so does writing; headless
    // nothing can answer the unlock prompt, and the store says so.
    let output = run_child(&[], "check,get,put", &env);
    let lines = child_lines(&output);
    assert_unavailable(&lines, &["check", "get", "put"], "the keychain is locked");
    assert!(
        lines[0].contains("gnome-keyring-daemon --unlock"),
        "{}",
        lines[0]
    );
}
