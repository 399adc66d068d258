//! Where the store keeps what, and how a profile name becomes a file name.
//!
//! ```text
//! <dir>/                      mode 0700
//!   identity.age              the X25519 identity, age-encrypted with a passphrase (scrypt)
//!   recipient.txt             its public key (`age1...`): writers need nothing else
//!   keys/<profile>.age        one long-term key record per profile, encrypted to the recipient
//!   sessions/<profile>.age    one cached STS session per profile, encrypted the same way
//! ```
//!
//! A profile name may hold `/`, `.`, `%`, `:` and upper-case letters, none of which is safe
//! as a file name everywhere (a path separator, `.` and `..`, reserved characters on
//! Windows, case-insensitive file systems on which `Dev` and `dev` would be one file). So
//! every byte outside `a-z 0-9 _ - . @ +` is written as `%XX`, as is a leading `.`; the
//! mapping is one-to-one, and `list` decodes it back.

use std::path::{Path, PathBuf};

/// The passphrase-encrypted identity.
pub(crate) const IDENTITY_FILE: &str = "identity.age";
/// The identity's public key, in the text form `age -R` reads.
pub(crate) const RECIPIENT_FILE: &str = "recipient.txt";
/// Long-term key records.
pub(crate) const KEYS_DIR: &str = "keys";
/// Cached session records.
pub(crate) const SESSIONS_DIR: &str = "sessions";
/// What every record's file name ends with.
pub(crate) const RECORD_SUFFIX: &str = ".age";

/// The longest file name written; most file systems stop at 255 bytes.
const MAX_FILE_NAME: usize = 250;

/// The paths of one store.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    root: PathBuf,
}

impl Layout {
    pub(crate) fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn identity(&self) -> PathBuf {
        self.root.join(IDENTITY_FILE)
    }

    pub(crate) fn recipient(&self) -> PathBuf {
        self.root.join(RECIPIENT_FILE)
    }

    pub(crate) fn keys_dir(&self) -> PathBuf {
        self.root.join(KEYS_DIR)
    }

    pub(crate) fn sessions_dir(&self) -> PathBuf {
        self.root.join(SESSIONS_DIR)
    }

    /// The key record of `profile`, or `None` when the name is too long for a file name.
    pub(crate) fn key(&self, profile: &str) -> Option<PathBuf> {
        record_name(profile).map(|name| self.keys_dir().join(name))
    }

    /// The session record of `profile`, or `None` when the name is too long.
    pub(crate) fn session(&self, profile: &str) -> Option<PathBuf> {
        record_name(profile).map(|name| self.sessions_dir().join(name))
    }
}

/// `<encoded profile>.age`, or `None` when that would be longer than file systems allow.
fn record_name(profile: &str) -> Option<String> {
    let mut name = encode(profile);
    name.push_str(RECORD_SUFFIX);
    (name.len() <= MAX_FILE_NAME).then_some(name)
}

fn kept(byte: u8) -> bool {
    byte.is_ascii_lowercase() || byte.is_ascii_digit() || b"_-.@+".contains(&byte)
}

/// The file-name form of a profile name (without the suffix).
pub(crate) fn encode(profile: &str) -> String {
    let mut out = String::with_capacity(profile.len());
    for (i, byte) in profile.bytes().enumerate() {
        if kept(byte) && !(i == 0 && byte == b'.') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The profile name a record's file name stands for, or `None` for any other file (a lock
/// file, a temporary file, something a user put there).
pub(crate) fn decode_record_name(file_name: &str) -> Option<String> {
    let stem = file_name.strip_suffix(RECORD_SUFFIX)?;
    if stem.is_empty() || stem.starts_with('.') {
        return None;
    }
    let bytes = stem.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = stem.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else if kept(bytes[i]) {
            out.push(bytes[i]);
            i += 1;
        } else {
            return None;
        }
    }
    let name = String::from_utf8(out).ok()?;
    // Only the canonical spelling counts, so that two files never claim one profile.
    (encode(&name) == stem).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_safe_file_names() {
        for profile in [
            "dev",
            "Dev",
            ".",
            "..",
            "a/b",
            "a%2Fb",
            "team:prod@eu+1",
            "x.y",
            "_-",
        ] {
            let encoded = encode(profile);
            assert!(!encoded.contains('/'), "{encoded}");
            assert!(!encoded.starts_with('.'), "{encoded}");
            assert!(
                encoded
                    .bytes()
                    .all(|b| !b.is_ascii_uppercase() || b"0123456789ABCDEF".contains(&b))
            );
            let file = format!("{encoded}.age");
            assert_eq!(
                decode_record_name(&file).as_deref(),
                Some(profile),
                "{file}"
            );
        }
        assert_ne!(encode("Dev").to_lowercase(), encode("dev"));
    }

    #[test]
    fn other_files_are_not_records() {
        for file in [
            "dev.age.lock",
            ".dev.age.sagecred-tmpAbC",
            "dev.txt",
            ".age",
            "%2.age",
            "%zz.age",
            "%64ev.age",
            "Dev.age",
        ] {
            assert_eq!(decode_record_name(file), None, "{file}");
        }
    }

    #[test]
    fn overlong_names_get_no_path() {
        let layout = Layout::new(PathBuf::from("/s"));
        assert!(layout.key(&"a".repeat(128)).is_some());
        assert!(layout.key(&"/".repeat(128)).is_none());
    }
}
