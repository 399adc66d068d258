//! A private, unlocked Secret Service for the keychain tests: its own D-Bus session bus and
//! a gnome-keyring-daemon on it, both confined to one directory and stopped when dropped.
//!
//! This is the recipe that proved reliable here (see TESTING.md): the bus is started from
//! a config file with no service directory, so that nothing is auto-activated behind our
//! back, and gnome-keyring-daemon is started by hand, unlocked with a password on stdin.
//! The shortcut `dbus-run-session -- gnome-keyring-daemon --unlock` races: the bus can
//! auto-start a second daemon, which escapes and writes into the real `$HOME`.
//!
//! It needs the Debian packages `dbus` (dbus-daemon, dbus-send) and `gnome-keyring`;
//! the tests also use `libsecret-tools` (secret-tool) and `keyutils` (keyctl).
//!
//! `cargo xtask services` and `cargo xtask test` start the shared one; sagecred-keychain's
//! integration tests start the extra buses their failure cases need. It depends on std
//! alone, so that xtask can use it without this crate's `stores` feature.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The password the test keyring is created and unlocked with.
const PASSWORD: &str = "test";

/// How long the Secret Service may take to appear on the bus (seconds). It takes about
/// 0.1 s on an idle machine; a parallel cargo build can slow it down a lot.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A running private session bus, with or without a Secret Service on it.
#[derive(Debug)]
pub struct SecretService {
    dir: PathBuf,
    bus: Child,
    keyring: Option<Child>,
}

impl SecretService {
    /// Starts a session bus and an unlocked gnome-keyring Secret Service in `dir`, which is
    /// created (and emptied first), and waits until `org.freedesktop.secrets` is on the bus.
    ///
    /// The daemon's `HOME` and XDG directories point inside `dir`, so it never touches the
    /// real home directory.
    pub fn start(dir: &Path) -> Result<Self, String> {
        let mut service = Self::start_bus(dir)?;
        service.start_keyring()?;
        Ok(service)
    }

    /// Starts only the session bus, with no Secret Service on it, for testing what clients
    /// say when the service is missing.
    pub fn start_bus_only(dir: &Path) -> Result<Self, String> {
        Self::start_bus(dir)
    }

    /// The address for `DBUS_SESSION_BUS_ADDRESS`.
    pub fn bus_address(&self) -> String {
        format!("unix:path={}", self.dir.join("bus").display())
    }

    /// The environment a client needs to reach this Secret Service.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("DBUS_SESSION_BUS_ADDRESS".to_owned(), self.bus_address()),
            // Tells sagecred-keychain's tests that a Secret Service is there for them.
            (
                "SAGECRED_TEST_SECRET_SERVICE".to_owned(),
                if self.keyring.is_some() { "1" } else { "0" }.to_owned(),
            ),
        ]
    }

    /// Locks the daemon's `login` collection, as a screen lock or a timeout would, so that
    /// a client meets a locked keychain. Headless, nothing can answer the unlock prompt.
    pub fn lock(&self) -> Result<(), String> {
        let output = self
            .dbus_send(&[
                "--dest=org.freedesktop.secrets",
                "/org/freedesktop/secrets",
                "org.freedesktop.Secret.Service.Lock",
                "array:objpath:/org/freedesktop/secrets/collection/login",
            ])
            .output()
            .map_err(|e| format!("cannot run dbus-send: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "locking the login collection failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
    }

    fn start_bus(dir: &Path) -> Result<Self, String> {
        // A unix socket path must fit in sockaddr_un (108 bytes on Linux).
        let socket = dir.join("bus");
        if socket.as_os_str().len() > 100 {
            return Err(format!(
                "{} is too long for a unix socket path; use a shorter directory",
                socket.display()
            ));
        }
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| format!("emptying {}: {e}", dir.display()))?;
        }
        for sub in ["data", "home", "config", "cache", "runtime", "ctl"] {
            std::fs::create_dir_all(dir.join(sub))
                .map_err(|e| format!("creating {}: {e}", dir.join(sub).display()))?;
        }
        let config = dir.join("bus.conf");
        std::fs::write(
            &config,
            format!(
                "<busconfig><type>session</type><listen>unix:path={}</listen>\
                 <auth>EXTERNAL</auth><policy context=\"default\">\
                 <allow send_destination=\"*\" eavesdrop=\"true\"/>\
                 <allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n",
                socket.display()
            ),
        )
        .map_err(|e| format!("writing {}: {e}", config.display()))?;
        let log = log_file(dir, "dbus-daemon.log")?;
        let bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .arg("--nofork")
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start dbus-daemon (Debian package `dbus`): {e}"))?;
        let mut service = Self {
            dir: dir.to_path_buf(),
            bus,
            keyring: None,
        };
        service.wait_for("the session bus", |s| {
            s.name_has_owner("org.freedesktop.DBus")
        })?;
        Ok(service)
    }

    fn start_keyring(&mut self) -> Result<(), String> {
        let log = log_file(&self.dir, "gnome-keyring-daemon.log")?;
        let mut child = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .arg(format!(
                "--control-directory={}",
                self.dir.join("ctl").display()
            ))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.join("home"))
            .env("XDG_DATA_HOME", self.dir.join("data"))
            .env("XDG_CONFIG_HOME", self.dir.join("config"))
            .env("XDG_CACHE_HOME", self.dir.join("cache"))
            .env("XDG_RUNTIME_DIR", self.dir.join("runtime"))
            .env("DBUS_SESSION_BUS_ADDRESS", self.bus_address())
            .stdin(Stdio::piped())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| {
                format!("cannot start gnome-keyring-daemon (Debian package `gnome-keyring`): {e}")
            })?;
        // The daemon reads the password until end of input; dropping stdin closes it.
        let written = child
            .stdin
            .take()
            .map(|mut stdin| stdin.write_all(PASSWORD.as_bytes()));
        self.keyring = Some(child);
        if let Some(Err(e)) = written {
            return Err(format!(
                "cannot give gnome-keyring-daemon its password: {e}"
            ));
        }
        self.wait_for("the Secret Service", |s| {
            s.name_has_owner("org.freedesktop.secrets")
        })
    }

    /// Polls `ready` until it holds, failing early if a daemon exits.
    fn wait_for(&mut self, what: &str, ready: impl Fn(&Self) -> bool) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if ready(self) {
                return Ok(());
            }
            for (name, child) in [
                ("dbus-daemon", Some(&mut self.bus)),
                ("gnome-keyring-daemon", self.keyring.as_mut()),
            ] {
                if let Some(Ok(Some(status))) = child.map(Child::try_wait) {
                    return Err(format!(
                        "{name} exited ({status}) before {what} was ready; see its log in {}",
                        self.dir.display()
                    ));
                }
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{what} was not ready within {} s; see the logs in {}",
                    START_TIMEOUT.as_secs(),
                    self.dir.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether `name` is owned on this bus, asked with dbus-send.
    fn name_has_owner(&self, name: &str) -> bool {
        self.dbus_send(&[
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            &format!("string:{name}"),
        ])
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("true"))
    }

    fn dbus_send(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("dbus-send");
        cmd.arg(format!("--bus={}", self.bus_address()))
            .arg("--print-reply")
            .args(args)
            .stdin(Stdio::null());
        cmd
    }
}

fn log_file(dir: &Path, name: &str) -> Result<std::fs::File, String> {
    let path = dir.join(name);
    std::fs::File::create(&path).map_err(|e| format!("creating {}: {e}", path.display()))
}

impl Drop for SecretService {
    fn drop(&mut self) {
        // The keyring first, so that it does not log the bus vanishing under it.
        for child in self
            .keyring
            .iter_mut()
            .chain(std::iter::once(&mut self.bus))
        {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
