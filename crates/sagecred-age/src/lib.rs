//! sagecred's encrypted-file [`CredentialStore`]: keys kept in age-encrypted files, for
//! machines without an OS keychain (a remote GPU box reached over SSH), unlocked once per
//! login session, and readable with the standard `age` tool alone.
//!
//! # Layout
//!
//! ```text
//! <dir>/                      mode 0700
//!   identity.age              an X25519 identity, age-encrypted with a passphrase (scrypt)
//!   recipient.txt             the identity's public key (age1...)
//!   keys/<profile>.age        one long-term key per profile, encrypted to that recipient
//!   sessions/<profile>.age    one cached STS session per profile, encrypted the same way
//! ```
//!
//! * **Adding a key needs no passphrase**: records are encrypted to the public recipient.
//!   Only reading one needs the identity.
//! * **Writers of different profiles never touch the same file**: each record is its own
//!   file, replaced atomically (temporary file, fsync, rename) under its own lock
//!   (`sagecred_ini::lock_file`), so concurrent `configure` runs for two profiles cannot
//!   lose each other's writes, and a writer killed mid-write leaves the old record whole.
//! * **Nothing of sagecred's is needed to get keys back**: `age -d -i identity.age
//!   keys/dev.age` asks for the passphrase and prints the record, a small JSON object with
//!   the key id, the secret, the IAM user name and the creation time (see `record.rs`).
//! * **Cached STS sessions are encrypted too**, in `sessions/`, to the same recipient: a
//!   session keyring does not exist everywhere this store is meant for (cron, services,
//!   a box without pam_keyinit) and does not survive a reboot, while a 12-hour session
//!   should; and a session is as much a secret as a key, so no plaintext copy of either is
//!   ever written. A session record that cannot be read is treated as absent (it is a
//!   cache: the next STS call replaces it).
//!
//! # Unlocking
//!
//! The first read in a login session opens `identity.age` with the passphrase, which comes
//! from a [`PassphraseSource`] the caller hands in: this library never reads the terminal
//! or the environment. The unlocked identity is then kept by an [`IdentityCache`]; the
//! CLI uses [`SessionKeyring`], the kernel session keyring with a timeout, so that later
//! commands in the same login session decrypt in microseconds. Within one process the
//! identity is asked for at most once. A wrong passphrase is an error that changes nothing.
//!
//! # Errors
//!
//! Every failure is a [`StoreError`] of kind [`StoreKind::EncryptedFile`] whose message is
//! one line naming the file concerned: a wrong passphrase or a missing identity file is
//! `Unavailable`; a damaged record, or one encrypted to another identity, is `Corrupt`.
//! No error carries a secret or a record's plaintext.
#![warn(missing_docs)]

mod cache;
mod crypto;
mod fsio;
mod layout;
mod passphrase;
mod record;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use age::x25519;
pub use sagecred_core::StoredKey;
use sagecred_core::{
    CredentialStore, Credentials, ProfileName, SessionCache, StoreError, StoreKind,
};

pub use cache::{
    DEFAULT_UNLOCK_TIMEOUT, IdentityCache, KEY_DESCRIPTION_PREFIX, NoCache, SessionKeyring,
};
pub use passphrase::{NoPassphrase, PassphraseError, PassphraseRequest, PassphraseSource};

use crate::crypto::OpenError;
use crate::fsio::FsError;
use crate::layout::Layout;
use crate::passphrase::BoxedSource;

const KIND: StoreKind = StoreKind::EncryptedFile;

/// Credentials in age-encrypted files under one directory. See the crate docs.
///
/// ```
/// use sagecred_age::{EncryptedFileStore, PassphraseRequest};
/// use sagecred_core::{Credentials, ProfileName, Secret};
///
/// let dir = tempfile::tempdir().unwrap();
/// let store = EncryptedFileStore::new(dir.path().join("store"), |_: PassphraseRequest<'_>| {
///     Ok(Secret::from("correct horse battery staple"))
/// })
/// .with_scrypt_work_factor(10); // fast for this example; the default is 18
/// let dev: ProfileName = "dev".parse().unwrap();
/// let creds = Credentials::new(
///     "AKIAIOSFODNN7EXAMPLE".parse().unwrap(),
///     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
/// );
/// store.put_key(&dev, &sagecred_age::StoredKey::new(creds.clone())).unwrap();
/// assert_eq!(store.get_key(&dev).unwrap().credentials, creds);
/// assert!(dir.path().join("store/keys/dev.age").is_file());
/// ```
pub struct EncryptedFileStore {
    layout: Layout,
    passphrase: BoxedSource,
    cache: Arc<dyn IdentityCache>,
    work_factor: u8,
    /// The identity once this process has it, so that one command asks at most once.
    unlocked: Mutex<Option<Arc<x25519::Identity>>>,
    /// Why the passphrase failed, once it has: later reads in this process fail the same
    /// way instead of asking again (a command that reads a session and then the key must
    /// not prompt twice).
    failed: Mutex<Option<(String, String)>>,
}

impl fmt::Debug for EncryptedFileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedFileStore")
            .field("dir", &self.layout.root())
            .field("cache", &self.cache)
            .field("work_factor", &self.work_factor)
            .field("unlocked", &self.memo().is_some())
            .finish()
    }
}

impl EncryptedFileStore {
    /// A store in `dir` (created on first write, mode 0700) whose passphrase comes from
    /// `passphrase`, with no identity cache.
    pub fn new(dir: impl Into<PathBuf>, passphrase: impl PassphraseSource + 'static) -> Self {
        Self {
            layout: Layout::new(dir.into()),
            passphrase: BoxedSource(Box::new(passphrase)),
            cache: Arc::new(NoCache),
            work_factor: crypto::DEFAULT_WORK_FACTOR,
            unlocked: Mutex::new(None),
            failed: Mutex::new(None),
        }
    }

    /// Keeps the unlocked identity in `cache` between processes.
    #[must_use]
    pub fn with_cache(mut self, cache: impl IdentityCache + 'static) -> Self {
        self.cache = Arc::new(cache);
        self
    }

    /// The scrypt work factor (log2 N) for a new identity file; the default, 18, is what
    /// `age -p` uses. Lower values are for tests only.
    #[must_use]
    pub fn with_scrypt_work_factor(mut self, log_n: u8) -> Self {
        self.work_factor = log_n;
        self
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        self.layout.root()
    }

    /// The passphrase-protected identity file.
    pub fn identity_file(&self) -> PathBuf {
        self.layout.identity()
    }

    /// The file with the identity's public key.
    pub fn recipient_file(&self) -> PathBuf {
        self.layout.recipient()
    }

    /// The file holding `profile`'s long-term key (whether or not it exists).
    pub fn key_file(&self, profile: &ProfileName) -> Option<PathBuf> {
        self.layout.key(profile.as_str())
    }

    /// The file holding `profile`'s cached session (whether or not it exists).
    pub fn session_file(&self, profile: &ProfileName) -> Option<PathBuf> {
        self.layout.session(profile.as_str())
    }

    /// Whether the store has an identity yet (it gets one with its first key).
    pub fn is_initialised(&self) -> bool {
        fsio::exists(&self.layout.identity()).unwrap_or(false)
    }

    /// Whether the identity is at hand without asking for the passphrase: unlocked
    /// earlier in this process, or cached for this login session.
    pub fn is_unlocked(&self) -> bool {
        self.identity_without_prompt().is_some()
    }

    /// Unlocks the identity now (asking for the passphrase unless it is cached) and
    /// caches it, so that later reads need nothing.
    pub fn unlock(&self) -> Result<(), StoreError> {
        self.identity().map(|_| ())
    }

    /// Forgets the unlocked identity, in this process and in the cache.
    pub fn lock(&self) {
        *self.memo() = None;
        *self.failed.lock().unwrap_or_else(PoisonError::into_inner) = None;
        if let Ok(Some(recipient)) = self.read_recipient() {
            self.cache.forget(&recipient.to_string());
        }
    }

    /// Checks, without asking for anything, that the store can be used: its directory
    /// is a directory (or can be created), and it is not a store whose identity was lost
    /// while its records remain.
    pub fn check_available(&self) -> Result<(), StoreError> {
        let root = self.layout.root();
        match std::fs::symlink_metadata(root) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(unavailable(
                    format!("{} is not a directory", root.display()),
                    "move it away, or choose another directory for the store".to_owned(),
                ));
            }
            Err(_) => return Ok(()),
        }
        let identity = self.layout.identity();
        if !fsio::exists(&identity).map_err(|e| fs_error(&identity, e))? {
            let records = self.record_count()?;
            if records > 0 {
                return Err(self.missing_identity(records));
            }
        }
        Ok(())
    }

    /// The long-term key stored for `profile`, or [`StoreError::NotFound`].
    pub fn get_key(&self, profile: &ProfileName) -> Result<StoredKey, StoreError> {
        let not_found = || StoreError::NotFound {
            store: KIND,
            profile: profile.clone(),
        };
        let path = self.layout.key(profile.as_str()).ok_or_else(not_found)?;
        let Some(sealed) = fsio::read_regular(&path).map_err(|e| fs_error(&path, e))? else {
            return Err(not_found());
        };
        let identity = self.identity()?;
        let plain = crypto::open_with(&identity, &sealed)
            .map_err(|e| self.record_error(profile, &path, e))?;
        record::decode_key(&plain, profile.as_str())
            .map_err(|detail| corrupt(profile, format!("{}: {detail}", path.display())))
    }

    /// Stores `key` for `profile` as it is, replacing what was there, and drops the
    /// profile's cached session (it was made with the key being replaced). Needs no
    /// passphrase, except to create the store's identity on its first key.
    pub fn put_key(&self, profile: &ProfileName, key: &StoredKey) -> Result<(), StoreError> {
        if key.credentials.session_token().is_some() {
            return Err(StoreError::Unsupported {
                store: KIND,
                operation: "store temporary credentials as a profile's key",
                reason: "credentials with a session token expire; cache them as the \
                         profile's session instead"
                    .to_owned(),
            });
        }
        let path = self.record_path(profile, self.layout.key(profile.as_str()))?;
        let recipient = self.recipient()?;
        let plain = record::encode_key(profile.as_str(), key);
        self.write_record(&path, &recipient, &plain)?;
        self.delete_session(profile)?;
        Ok(())
    }

    /// Removes `profile`'s long-term key. Returns whether there was one.
    pub fn delete_key(&self, profile: &ProfileName) -> Result<bool, StoreError> {
        match self.layout.key(profile.as_str()) {
            Some(path) => remove_record(&path),
            None => Ok(false),
        }
    }

    /// The cached session for `profile`, or `None` when none is cached or the cached one
    /// cannot be read. Expired sessions are returned as they are.
    pub fn get_session(&self, profile: &ProfileName) -> Result<Option<Credentials>, StoreError> {
        let Some(path) = self.layout.session(profile.as_str()) else {
            return Ok(None);
        };
        let Some(sealed) = fsio::read_regular(&path).map_err(|e| fs_error(&path, e))? else {
            return Ok(None);
        };
        let identity = self.identity()?;
        Ok(crypto::open_with(&identity, &sealed)
            .ok()
            .and_then(|plain| record::decode_session(&plain, profile.as_str()).ok()))
    }

    /// Caches temporary credentials for `profile`. They must carry a session token and an
    /// expiration.
    pub fn put_session(
        &self,
        profile: &ProfileName,
        creds: &Credentials,
    ) -> Result<(), StoreError> {
        let Some(plain) = record::encode_session(profile.as_str(), creds) else {
            return Err(StoreError::Unsupported {
                store: KIND,
                operation: "cache credentials without a session token and an expiration",
                reason: "only temporary credentials from STS are cached as a session; \
                         store long-term keys as the profile's key"
                    .to_owned(),
            });
        };
        let path = self.record_path(profile, self.layout.session(profile.as_str()))?;
        let recipient = self.recipient()?;
        self.write_record(&path, &recipient, &plain)
    }

    /// Removes `profile`'s cached session. Returns whether there was one.
    pub fn delete_session(&self, profile: &ProfileName) -> Result<bool, StoreError> {
        match self.layout.session(profile.as_str()) {
            Some(path) => remove_record(&path),
            None => Ok(false),
        }
    }

    /// The profiles with a key record, sorted; needs no passphrase.
    pub fn profiles(&self) -> Result<Vec<ProfileName>, StoreError> {
        let dir = self.layout.keys_dir();
        let names = fsio::file_names(&dir).map_err(|e| fs_error(&dir, e))?;
        let mut profiles: Vec<ProfileName> = names
            .iter()
            .filter_map(|n| layout::decode_record_name(n))
            .filter_map(|n| n.parse().ok())
            .collect();
        profiles.sort();
        Ok(profiles)
    }

    /// Removes the profile's long-term key and its cached session. Returns whether either
    /// was there.
    pub fn remove(&self, profile: &ProfileName) -> Result<bool, StoreError> {
        let key = self.delete_key(profile)?;
        let session = self.delete_session(profile)?;
        Ok(key || session)
    }

    // Unlocking.

    fn memo(&self) -> MutexGuard<'_, Option<Arc<x25519::Identity>>> {
        self.unlocked.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The identity, from this process, the cache or the passphrase, in that order.
    fn identity(&self) -> Result<Arc<x25519::Identity>, StoreError> {
        let mut memo = self.memo();
        if let Some(identity) = memo.as_ref() {
            return Ok(identity.clone());
        }
        let recipient = self.read_recipient()?;
        let identity = Arc::new(match self.cached_identity(recipient.as_ref()) {
            Some(identity) => identity,
            None => self.open_identity_file(recipient.as_ref())?,
        });
        *memo = Some(identity.clone());
        Ok(identity)
    }

    /// The identity if it can be had without asking for the passphrase.
    fn identity_without_prompt(&self) -> Option<Arc<x25519::Identity>> {
        let mut memo = self.memo();
        if let Some(identity) = memo.as_ref() {
            return Some(identity.clone());
        }
        let recipient = self.read_recipient().ok()??;
        let identity = Arc::new(self.cached_identity(Some(&recipient))?);
        *memo = Some(identity.clone());
        Some(identity)
    }

    /// The cached identity for `recipient`, checked to be the one the recipient names.
    fn cached_identity(&self, recipient: Option<&x25519::Recipient>) -> Option<x25519::Identity> {
        let recipient = recipient?.to_string();
        let cached = self.cache.load(&recipient)?;
        match crypto::parse_identity(&cached) {
            Some(identity) if identity.to_public().to_string() == recipient => Some(identity),
            _ => {
                self.cache.forget(&recipient);
                None
            }
        }
    }

    /// Opens `identity.age` with the passphrase, checks it against `recipient.txt` (or
    /// writes that file when it is missing), and caches the identity.
    fn open_identity_file(
        &self,
        recipient: Option<&x25519::Recipient>,
    ) -> Result<x25519::Identity, StoreError> {
        let path = self.layout.identity();
        let Some(sealed) = fsio::read_regular(&path).map_err(|e| fs_error(&path, e))? else {
            let records = self.record_count()?;
            return Err(self.missing_identity(records));
        };
        let mut failed = self.failed.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((reason, fix)) = failed.as_ref() {
            return Err(unavailable(reason.clone(), fix.clone()));
        }
        let opened = self
            .passphrase
            .0
            .passphrase(PassphraseRequest::Unlock {
                identity_file: &path,
            })
            .map_err(|e| unavailable(e.reason, e.fix))
            .and_then(|passphrase| {
                crypto::open_with_passphrase(crypto::passphrase(&passphrase), &sealed)
                    .map_err(|e| identity_error(&path, e))
            });
        let plain = match opened {
            Ok(plain) => plain,
            Err(e) => {
                if let StoreError::Unavailable { reason, fix, .. } = &e {
                    *failed = Some((reason.clone(), fix.clone()));
                }
                return Err(e);
            }
        };
        drop(failed);
        let identity = std::str::from_utf8(&plain)
            .ok()
            .and_then(crypto::parse_identity)
            .ok_or_else(|| {
                unavailable(
                    format!("{} does not hold an age X25519 identity", path.display()),
                    "restore the store's identity.age from a backup".to_owned(),
                )
            })?;
        let public = identity.to_public();
        match recipient {
            Some(r) if r.to_string() != public.to_string() => {
                return Err(unavailable(
                    format!(
                        "{} names another key than the identity in {}",
                        self.layout.recipient().display(),
                        path.display()
                    ),
                    format!(
                        "records written since it changed are not readable with this \
                         identity; delete {} and sagecred writes it again from the identity",
                        self.layout.recipient().display()
                    ),
                ));
            }
            Some(_) => {}
            None => self.write_recipient(&public)?,
        }
        self.cache
            .store(&public.to_string(), &crypto::identity_string(&identity));
        Ok(identity)
    }

    /// The recipient records are encrypted to. Asks for a passphrase only when the store
    /// has no identity yet (to create one), or lost its `recipient.txt`.
    fn recipient(&self) -> Result<x25519::Recipient, StoreError> {
        if let Some(identity) = self.memo().as_ref() {
            return Ok(identity.to_public());
        }
        let path = self.layout.identity();
        if !fsio::exists(&path).map_err(|e| fs_error(&path, e))? {
            // No identity: a new store gets one; a store that lost its identity gets no
            // record nobody could open.
            return self.create_identity();
        }
        if let Some(recipient) = self.read_recipient()? {
            return Ok(recipient);
        }
        self.identity().map(|id| id.to_public())
    }

    /// Creates the store's identity, unless another process just did.
    fn create_identity(&self) -> Result<x25519::Recipient, StoreError> {
        let root = self.layout.root();
        fsio::ensure_private_dir(root).map_err(|e| fs_error(root, e))?;
        let path = self.layout.identity();
        let lock = fsio::lock(&path).map_err(|e| fs_error(&path, e))?;
        if fsio::exists(&path).map_err(|e| fs_error(&path, e))? {
            drop(lock);
            return self.identity().map(|id| id.to_public());
        }
        let records = self.record_count()?;
        if records > 0 {
            return Err(self.missing_identity(records));
        }
        let passphrase = self
            .passphrase
            .0
            .passphrase(PassphraseRequest::Create {
                identity_file: &path,
            })
            .map_err(|e| unavailable(e.reason, e.fix))?;
        if passphrase.is_empty() {
            return Err(unavailable(
                "an empty passphrase cannot protect the identity".to_owned(),
                "choose a passphrase; nothing was written".to_owned(),
            ));
        }
        let identity = crypto::generate();
        let text = crypto::identity_text(&identity);
        let sealed = crypto::seal_with_passphrase(
            crypto::passphrase(&passphrase),
            self.work_factor,
            text.as_bytes(),
        )
        .map_err(|e| backend(format!("encrypting {}", path.display()), e))?;
        if !fsio::create_new(&path, &sealed).map_err(|e| fs_error(&path, e))? {
            drop(lock);
            return self.identity().map(|id| id.to_public());
        }
        let public = identity.to_public();
        self.write_recipient(&public)?;
        self.cache
            .store(&public.to_string(), &crypto::identity_string(&identity));
        *self.memo() = Some(Arc::new(identity));
        Ok(public)
    }

    /// `recipient.txt`, or `None` when it is missing.
    fn read_recipient(&self) -> Result<Option<x25519::Recipient>, StoreError> {
        let path = self.layout.recipient();
        let Some(bytes) = fsio::read_regular(&path).map_err(|e| fs_error(&path, e))? else {
            return Ok(None);
        };
        std::str::from_utf8(&bytes)
            .ok()
            .and_then(crypto::parse_recipient)
            .map(Some)
            .ok_or_else(|| {
                unavailable(
                    format!("{} does not hold an age recipient", path.display()),
                    format!(
                        "delete {}; sagecred writes it again from the identity at the next unlock",
                        path.display()
                    ),
                )
            })
    }

    fn write_recipient(&self, recipient: &x25519::Recipient) -> Result<(), StoreError> {
        let path = self.layout.recipient();
        let text = format!(
            "# the public key of {}: `age -R` this file to add a record by hand\n{recipient}\n",
            crate::layout::IDENTITY_FILE
        );
        let _lock = fsio::lock(&path).map_err(|e| fs_error(&path, e))?;
        fsio::replace(&path, text.as_bytes()).map_err(|e| fs_error(&path, e))
    }

    // Records.

    fn record_path(
        &self,
        profile: &ProfileName,
        path: Option<PathBuf>,
    ) -> Result<PathBuf, StoreError> {
        path.ok_or_else(|| StoreError::Unsupported {
            store: KIND,
            operation: "store this profile",
            reason: format!(
                "profile name `{profile}` is too long to be a file name once encoded; \
                 use a shorter profile name"
            ),
        })
    }

    fn write_record(
        &self,
        path: &Path,
        recipient: &x25519::Recipient,
        plain: &[u8],
    ) -> Result<(), StoreError> {
        let sealed = crypto::seal_to(recipient, plain)
            .map_err(|e| backend(format!("encrypting {}", path.display()), e))?;
        let root = self.layout.root();
        fsio::ensure_private_dir(root).map_err(|e| fs_error(root, e))?;
        if let Some(dir) = path.parent() {
            fsio::ensure_private_dir(dir).map_err(|e| fs_error(dir, e))?;
        }
        let _lock = fsio::lock(path).map_err(|e| fs_error(path, e))?;
        fsio::replace(path, &sealed).map_err(|e| fs_error(path, e))
    }

    /// How many key records the store holds.
    fn record_count(&self) -> Result<usize, StoreError> {
        let dir = self.layout.keys_dir();
        let names = fsio::file_names(&dir).map_err(|e| fs_error(&dir, e))?;
        Ok(names
            .iter()
            .filter(|n| layout::decode_record_name(n).is_some())
            .count())
    }

    fn missing_identity(&self, records: usize) -> StoreError {
        let path = self.layout.identity();
        if records == 0 {
            return unavailable(
                format!(
                    "{} does not exist: the store holds no keys yet",
                    path.display()
                ),
                "store a key in it first; that creates the identity".to_owned(),
            );
        }
        unavailable(
            format!(
                "{} is missing, and without it the {records} record(s) in {} cannot be decrypted",
                path.display(),
                self.layout.keys_dir().display()
            ),
            format!(
                "restore identity.age from a backup into {}; nothing was changed",
                self.layout.root().display()
            ),
        )
    }

    fn record_error(&self, profile: &ProfileName, path: &Path, e: OpenError) -> StoreError {
        let detail = match e {
            OpenError::WrongKey => format!(
                "{} is encrypted to another identity than {}",
                path.display(),
                self.layout.identity().display()
            ),
            OpenError::WrongKind => format!(
                "{} is encrypted with a passphrase, not to the store's identity",
                path.display()
            ),
            OpenError::NotAge => format!(
                "{} is not an age file, or its header is damaged",
                path.display()
            ),
            OpenError::Damaged | OpenError::TooMuchWork(_) => {
                format!("{} is damaged or truncated", path.display())
            }
        };
        corrupt(profile, detail)
    }
}

fn remove_record(path: &Path) -> Result<bool, StoreError> {
    let Some(dir) = path.parent() else {
        return Ok(false);
    };
    if !fsio::exists(dir).map_err(|e| fs_error(dir, e))? {
        return Ok(false);
    }
    let _lock = fsio::lock(path).map_err(|e| fs_error(path, e))?;
    fsio::remove(path).map_err(|e| fs_error(path, e))
}

fn unavailable(reason: String, fix: String) -> StoreError {
    StoreError::Unavailable {
        store: KIND,
        reason,
        fix,
    }
}

fn corrupt(profile: &ProfileName, detail: String) -> StoreError {
    StoreError::Corrupt {
        store: KIND,
        profile: profile.clone(),
        detail,
    }
}

fn backend(context: String, source: std::io::Error) -> StoreError {
    StoreError::Backend {
        store: KIND,
        context,
        source: Box::new(source),
    }
}

fn fs_error(path: &Path, e: FsError) -> StoreError {
    let context = e.describe(path);
    match e {
        FsError::NotRegular => unavailable(
            context,
            "move it away; sagecred replaces only regular files".to_owned(),
        ),
        FsError::Io(_, source) => backend(context, source),
    }
}

fn identity_error(path: &Path, e: OpenError) -> StoreError {
    match e {
        OpenError::WrongKey => unavailable(
            format!("wrong passphrase for {}", path.display()),
            "try again; nothing was changed".to_owned(),
        ),
        OpenError::WrongKind => unavailable(
            format!("{} is not protected by a passphrase", path.display()),
            "restore the store's identity.age from a backup".to_owned(),
        ),
        OpenError::TooMuchWork(n) => unavailable(
            format!(
                "{} asks for scrypt work factor {n}, above the limit of 22",
                path.display()
            ),
            "re-encrypt the identity with `age -p` (work factor 18)".to_owned(),
        ),
        OpenError::NotAge | OpenError::Damaged => unavailable(
            format!("{} is damaged (not a readable age file)", path.display()),
            "restore the store's identity.age from a backup".to_owned(),
        ),
    }
}

impl CredentialStore for EncryptedFileStore {
    fn kind(&self) -> StoreKind {
        KIND
    }

    /// See [`EncryptedFileStore::check_available`]: asks for nothing.
    fn check_available(&self) -> Result<(), StoreError> {
        EncryptedFileStore::check_available(self)
    }

    /// The profile's key and metadata; the first read of a locked store asks for the
    /// passphrase.
    fn get(&self, profile: &ProfileName) -> Result<StoredKey, StoreError> {
        self.get_key(profile)
    }

    /// Stores the key as given; needs no passphrase (except to create the identity).
    fn put(&self, profile: &ProfileName, key: &StoredKey) -> Result<(), StoreError> {
        self.put_key(profile, key)
    }

    /// Removes the profile's key and its cached session.
    fn delete(&self, profile: &ProfileName) -> Result<bool, StoreError> {
        self.remove(profile)
    }

    /// The profiles with a key record, sorted; needs no passphrase.
    fn list(&self) -> Result<Vec<ProfileName>, StoreError> {
        self.profiles()
    }

    /// Cached STS sessions live in `sessions/`, encrypted like the keys.
    fn sessions(&self) -> Option<&dyn SessionCache> {
        Some(self)
    }
}

impl SessionCache for EncryptedFileStore {
    fn get_session(&self, profile: &ProfileName) -> Result<Option<Credentials>, StoreError> {
        EncryptedFileStore::get_session(self, profile)
    }

    fn put_session(&self, profile: &ProfileName, creds: &Credentials) -> Result<(), StoreError> {
        EncryptedFileStore::put_session(self, profile, creds)
    }

    fn delete_session(&self, profile: &ProfileName) -> Result<bool, StoreError> {
        EncryptedFileStore::delete_session(self, profile)
    }
}
