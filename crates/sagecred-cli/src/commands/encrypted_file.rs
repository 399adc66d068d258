//! The encrypted-file store's side of the CLI: where its directory is, where its
//! passphrase comes from, how long an unlock lasts, and `sagecred lock` / `unlock`.
//!
//! The library (`sagecred-age`) reads neither the environment nor the terminal; this module
//! hands it both, and it reads its own few settings itself, at the moment the store is
//! opened or a passphrase is needed, so that the rest of the CLI knows nothing of them:
//!
//! * the directory: `SAGECRED_ENCRYPTED_FILE_DIR`, else `$XDG_DATA_HOME/sagecred/encrypted-file`
//!   (`~/.local/share/sagecred/encrypted-file`);
//! * the passphrase: the standard output of `SAGECRED_PASSPHRASE_COMMAND`, else of the
//!   `sagecred_passphrase_command` setting in the profile's section of `~/.aws/config` (or in
//!   `[default]`), else typed on the terminal (`/dev/tty`; never stdin or stdout, which belong
//!   to the SDK running `credential_process`). Never a command-line argument;
//! * how long the session keyring keeps the unlocked identity: `SAGECRED_UNLOCK_TIMEOUT`, else
//!   the `sagecred_unlock_timeout` setting, else 8 hours (`30m`, `8h`, `3600`; `0` keeps nothing).

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use sagecred_age::{
    DEFAULT_UNLOCK_TIMEOUT, EncryptedFileStore, IdentityCache, PassphraseError, PassphraseRequest,
    PassphraseSource, SessionKeyring,
};
use sagecred_core::{ProfileName, Secret};
use sagecred_ini::AwsFiles;
use zeroize::Zeroizing;

use crate::context::Context;
use crate::error::CliError;

/// The command whose standard output is the passphrase.
const PASSPHRASE_COMMAND_VAR: &str = "SAGECRED_PASSPHRASE_COMMAND";
/// The same, as a setting in `~/.aws/config`.
const PASSPHRASE_COMMAND_KEY: &str = "sagecred_passphrase_command";
/// How long an unlock lasts.
const UNLOCK_TIMEOUT_VAR: &str = "SAGECRED_UNLOCK_TIMEOUT";
/// The same, as a setting in `~/.aws/config`.
const UNLOCK_TIMEOUT_KEY: &str = "sagecred_unlock_timeout";
/// Another directory for the store.
const DIR_VAR: &str = "SAGECRED_ENCRYPTED_FILE_DIR";

/// The encrypted-file store, with the terminal or the passphrase command as its passphrase
/// source and the session keyring as its cache.
pub(crate) fn open(ctx: &Context) -> Result<EncryptedFileStore, CliError> {
    let settings = Settings::new(ctx)?;
    Ok(
        EncryptedFileStore::new(store_dir(ctx)?, Passphrase(settings.clone()))
            .with_cache(Keyring(settings)),
    )
}

/// `sagecred lock`: forgets every unlocked identity of this login session.
pub(crate) fn run_lock(_ctx: &Context) -> Result<(), CliError> {
    if !SessionKeyring::available() {
        crate::output::note(
            "this login session has no session keyring, so nothing is kept unlocked: \
             every read asks for the passphrase",
        );
        return Ok(());
    }
    match SessionKeyring::forget_all() {
        0 => crate::output::note("nothing was unlocked in this login session"),
        n => crate::output::note(&format!(
            "locked: forgot {n} unlocked identit{}",
            if n == 1 { "y" } else { "ies" }
        )),
    }
    Ok(())
}

/// `sagecred unlock`: asks for the passphrase now, so that later commands of this login
/// session (a training script's SDK, with no terminal) need nothing.
pub(crate) fn run_unlock(ctx: &Context) -> Result<(), CliError> {
    let store = open(ctx)?;
    if !store.is_initialised() {
        return Err(CliError::user(format!(
            "the encrypted-file store in {} holds no keys yet",
            store.dir().display()
        ))
        .with_hint("store a key with `sagecred configure --store encrypted-file`"));
    }
    store.unlock()?;
    if SessionKeyring::available() {
        crate::output::note(&format!(
            "unlocked {} for this login session; `sagecred lock` forgets it",
            store.dir().display()
        ));
    } else {
        crate::output::note(&format!(
            "the passphrase is right, but this login session has no session keyring: \
             every read will ask again (set {PASSPHRASE_COMMAND_VAR} for automation)"
        ));
    }
    Ok(())
}

fn store_dir(ctx: &Context) -> Result<PathBuf, CliError> {
    if let Some(dir) = std::env::var_os(DIR_VAR).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            ctx.env
                .home
                .as_ref()
                .map(|h| h.join(".local").join("share"))
        })
        .ok_or_else(|| {
            CliError::config("cannot find the home directory: HOME is not set")
                .with_hint(format!("set HOME, or {DIR_VAR}"))
        })?;
    Ok(data.join("sagecred").join("encrypted-file"))
}

/// What the passphrase source and the cache need to find their settings, read lazily:
/// `credential-process` with an unlocked store never looks at them.
#[derive(Debug, Clone)]
struct Settings {
    files: AwsFiles,
    profile: ProfileName,
    command: Option<String>,
    timeout: Option<String>,
}

impl Settings {
    fn new(ctx: &Context) -> Result<Self, CliError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let timeout = var(UNLOCK_TIMEOUT_VAR);
        if let Some(value) = &timeout {
            parse_timeout(value)
                .map_err(|e| CliError::config(format!("{UNLOCK_TIMEOUT_VAR}: {e}")))?;
        }
        Ok(Self {
            files: ctx.files.clone(),
            profile: ctx.profile.clone(),
            command: var(PASSPHRASE_COMMAND_VAR),
            timeout,
        })
    }

    /// A setting of the profile's section of the config file, else of `[default]`.
    fn config_setting(&self, key: &str) -> Option<String> {
        let lookup = |name: &str| {
            sagecred_ini::find_config_profile(&self.files, name)
                .ok()
                .flatten()
                .and_then(|section| section.get(key).map(str::to_owned))
                .filter(|v| !v.trim().is_empty())
        };
        lookup(self.profile.as_str()).or_else(|| lookup("default"))
    }

    fn passphrase_command(&self) -> Option<(String, String)> {
        match &self.command {
            Some(command) => Some((command.clone(), PASSPHRASE_COMMAND_VAR.to_owned())),
            None => self.config_setting(PASSPHRASE_COMMAND_KEY).map(|c| {
                (
                    c,
                    format!(
                        "{PASSPHRASE_COMMAND_KEY} in {}",
                        self.files.config.display()
                    ),
                )
            }),
        }
    }

    fn timeout(&self) -> Duration {
        let value = match &self.timeout {
            Some(v) => Some(v.clone()),
            None => self.config_setting(UNLOCK_TIMEOUT_KEY),
        };
        match value.map(|v| parse_timeout(&v)) {
            Some(Ok(timeout)) => timeout,
            Some(Err(e)) => {
                tracing::warn!("{UNLOCK_TIMEOUT_KEY}: {e}; using 8h");
                DEFAULT_UNLOCK_TIMEOUT
            }
            None => DEFAULT_UNLOCK_TIMEOUT,
        }
    }
}

/// `30s`, `30m`, `8h`, `1d` or a number of seconds.
fn parse_timeout(value: &str) -> Result<Duration, String> {
    let value = value.trim();
    let (digits, unit) = match value.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => value.split_at(i),
        None => (value, "s"),
    };
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err("use a number of seconds, or 30m, 8h, 1d".to_owned()),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| "use a number of seconds, or 30m, 8h, 1d".to_owned())?;
    Ok(Duration::from_secs(n.saturating_mul(scale)))
}

/// The session keyring, with the timeout looked up only when an identity is cached.
#[derive(Debug)]
struct Keyring(Settings);

impl IdentityCache for Keyring {
    fn load(&self, recipient: &str) -> Option<Zeroizing<String>> {
        SessionKeyring::default().load(recipient)
    }

    fn store(&self, recipient: &str, identity: &str) {
        SessionKeyring::new(self.0.timeout()).store(recipient, identity);
    }

    fn forget(&self, recipient: &str) {
        SessionKeyring::default().forget(recipient);
    }
}

/// The passphrase: from the passphrase command if one is set, else from the terminal.
struct Passphrase(Settings);

impl PassphraseSource for Passphrase {
    fn passphrase(&self, request: PassphraseRequest<'_>) -> Result<Secret, PassphraseError> {
        if let Some((command, origin)) = self.0.passphrase_command() {
            return run_passphrase_command(&command, &origin);
        }
        ask_terminal(request)
    }
}

/// Runs `command` through the shell with no stdin, and takes its stdout (less one trailing
/// newline) as the passphrase. Its stderr passes through, for its own prompts and errors.
fn run_passphrase_command(command: &str, origin: &str) -> Result<Secret, PassphraseError> {
    let fail = |reason: String| PassphraseError {
        reason,
        fix: format!("check the passphrase command ({origin}); nothing was changed"),
    };
    #[cfg(unix)]
    let mut cmd = {
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(command);
        c
    };
    #[cfg(windows)]
    let mut cmd = {
        let mut c = Command::new("cmd");
        c.arg("/C").arg(command);
        c
    };
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| fail(format!("cannot run the passphrase command ({origin}): {e}")))?;
    let mut out = Zeroizing::new(Vec::new());
    if let Some(mut stdout) = child.stdout.take() {
        stdout
            .read_to_end(&mut out)
            .map_err(|e| fail(format!("reading the passphrase command's output: {e}")))?;
    }
    let status = child
        .wait()
        .map_err(|e| fail(format!("waiting for the passphrase command: {e}")))?;
    if !status.success() {
        return Err(fail(format!(
            "the passphrase command ({origin}) failed ({status})"
        )));
    }
    let mut text = String::from_utf8(std::mem::take(&mut *out)).map_err(|e| {
        zeroize::Zeroize::zeroize(&mut e.into_bytes());
        fail(format!(
            "the passphrase command ({origin}) printed invalid UTF-8"
        ))
    })?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    if text.is_empty() {
        return Err(fail(format!(
            "the passphrase command ({origin}) printed nothing"
        )));
    }
    Ok(Secret::new(text))
}

/// Asks on the terminal itself; twice for a new identity.
fn ask_terminal(request: PassphraseRequest<'_>) -> Result<Secret, PassphraseError> {
    let no_terminal = |e: std::io::Error| PassphraseError {
        reason: format!(
            "the store is locked and there is no terminal to ask for its passphrase ({e})"
        ),
        fix: format!(
            "run `sagecred unlock` in a terminal of this login session, or set \
             {PASSPHRASE_COMMAND_VAR} to a command that prints the passphrase"
        ),
    };
    let file = request.identity_file().display().to_string();
    match request {
        PassphraseRequest::Create { .. } => {
            let first = Secret::new(
                rpassword::prompt_password(format!(
                    "sagecred: choose a passphrase for the encrypted-file store ({file}): "
                ))
                .map_err(no_terminal)?,
            );
            let second = Secret::new(
                rpassword::prompt_password("sagecred: the same passphrase again: ")
                    .map_err(no_terminal)?,
            );
            if first != second {
                return Err(PassphraseError {
                    reason: "the two passphrases differ".to_owned(),
                    fix: "run the command again; nothing was written".to_owned(),
                });
            }
            Ok(first)
        }
        _ => Ok(Secret::new(
            rpassword::prompt_password(format!("sagecred: passphrase for {file}: "))
                .map_err(no_terminal)?,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse() {
        assert_eq!(parse_timeout("8h"), Ok(Duration::from_secs(8 * 3600)));
        assert_eq!(parse_timeout("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_timeout("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_timeout("0"), Ok(Duration::ZERO));
        assert_eq!(parse_timeout("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse_timeout("8 hours").is_err());
        assert!(parse_timeout("h").is_err());
        assert!(parse_timeout("-1").is_err());
    }
}
