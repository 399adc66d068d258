//! The age format, through the `age` crate: records sealed to the store's X25519
//! recipient, and the identity file sealed with a passphrase (scrypt).
//!
//! Files are binary age files (not ASCII-armoured), exactly what `age -r`/`age -p` write,
//! so `age -d -i identity.age keys/dev.age` opens a record with nothing of sagecred's.

use std::io::{Read, Write};
use std::iter;
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use age::x25519;
use zeroize::Zeroizing;

/// The scrypt work factor (log2 N) new identity files get: what `age -p` uses, so that
/// every age implementation opens them, about a second of work.
pub(crate) const DEFAULT_WORK_FACTOR: u8 = 18;

/// The highest work factor accepted when opening an identity file: the reference `age`
/// tool's limit, so that a planted file cannot make an unlock take minutes.
const MAX_WORK_FACTOR: u8 = 22;

/// Why an age file did not open. Never carries plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenError {
    /// Not an age file, or its header is damaged.
    NotAge,
    /// A passphrase file where a recipient file was expected, or the other way round.
    WrongKind,
    /// The key (identity or passphrase) does not open it.
    WrongKey,
    /// The header opened but the contents are damaged or truncated.
    Damaged,
    /// The passphrase file asks for more scrypt work than is accepted.
    TooMuchWork(u8),
}

fn classify(e: &age::DecryptError) -> OpenError {
    use age::DecryptError;
    match e {
        DecryptError::NoMatchingKeys => OpenError::WrongKey,
        // A wrong passphrase fails the scrypt stanza's authentication.
        DecryptError::DecryptionFailed | DecryptError::KeyDecryptionFailed => OpenError::WrongKey,
        DecryptError::ExcessiveWork { required, .. } => OpenError::TooMuchWork(*required),
        DecryptError::InvalidHeader | DecryptError::UnknownFormat => OpenError::NotAge,
        DecryptError::InvalidMac => OpenError::Damaged,
        _ => OpenError::Damaged,
    }
}

fn seal(recipient: &dyn age::Recipient, plaintext: &[u8]) -> std::io::Result<Vec<u8>> {
    let encryptor = age::Encryptor::with_recipients(iter::once(recipient))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut out = Vec::with_capacity(plaintext.len() + 256);
    let mut writer = encryptor.wrap_output(&mut out)?;
    writer.write_all(plaintext)?;
    writer.finish()?;
    Ok(out)
}

/// Encrypts `plaintext` to the store's recipient.
pub(crate) fn seal_to(recipient: &x25519::Recipient, plaintext: &[u8]) -> std::io::Result<Vec<u8>> {
    seal(recipient, plaintext)
}

/// Encrypts `plaintext` with a passphrase, at scrypt work factor `log_n`.
pub(crate) fn seal_with_passphrase(
    passphrase: SecretString,
    log_n: u8,
    plaintext: &[u8],
) -> std::io::Result<Vec<u8>> {
    let mut recipient = age::scrypt::Recipient::new(passphrase);
    recipient.set_work_factor(log_n);
    seal(&recipient, plaintext)
}

fn open(
    identity: &dyn age::Identity,
    want_scrypt: bool,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, OpenError> {
    let decryptor = age::Decryptor::new(ciphertext).map_err(|e| classify(&e))?;
    if decryptor.is_scrypt() != want_scrypt {
        return Err(OpenError::WrongKind);
    }
    let mut reader = decryptor
        .decrypt(iter::once(identity))
        .map_err(|e| classify(&e))?;
    let mut out = Zeroizing::new(Vec::new());
    reader
        .read_to_end(&mut out)
        .map_err(|_| OpenError::Damaged)?;
    Ok(out)
}

/// Decrypts a record with the store's identity.
pub(crate) fn open_with(
    identity: &x25519::Identity,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, OpenError> {
    open(identity, false, ciphertext)
}

/// Decrypts a passphrase-protected file.
pub(crate) fn open_with_passphrase(
    passphrase: SecretString,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, OpenError> {
    let mut identity = age::scrypt::Identity::new(passphrase);
    identity.set_max_work_factor(MAX_WORK_FACTOR);
    open(&identity, true, ciphertext)
}

/// A new identity.
pub(crate) fn generate() -> x25519::Identity {
    x25519::Identity::generate()
}

/// The identity file's plaintext, in the form `age-keygen` writes: comments, then the
/// secret key on a line of its own.
pub(crate) fn identity_text(identity: &x25519::Identity) -> Zeroizing<String> {
    Zeroizing::new(format!(
        "# sagecred encrypted-file store identity\n# public key: {}\n{}\n",
        identity.to_public(),
        identity.to_string().expose_secret()
    ))
}

/// The identity in an identity file's plaintext: the one line that is neither blank nor
/// a comment. `None` for anything else (the text is never quoted back).
pub(crate) fn parse_identity(text: &str) -> Option<x25519::Identity> {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let line = lines.next()?;
    if lines.next().is_some() {
        return None;
    }
    x25519::Identity::from_str(line).ok()
}

/// The bare identity string, as cached in the session keyring.
pub(crate) fn identity_string(identity: &x25519::Identity) -> Zeroizing<String> {
    Zeroizing::new(identity.to_string().expose_secret().to_owned())
}

/// A recipient from its text form (`age1...`), surrounding blanks and comments allowed.
pub(crate) fn parse_recipient(text: &str) -> Option<x25519::Recipient> {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let line = lines.next()?;
    if lines.next().is_some() {
        return None;
    }
    x25519::Recipient::from_str(line).ok()
}

/// A passphrase in the form the age crate takes.
pub(crate) fn passphrase(secret: &sagecred_core::Secret) -> SecretString {
    SecretString::from(secret.expose().to_owned())
}
