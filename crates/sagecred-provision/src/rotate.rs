//! Access key rotation and recovery that never leave a profile without a working key.
//!
//! [`rotate`] replaces the key a profile's store holds with a new one of the same IAM user:
//!
//! 1. count the user's keys, and refuse at IAM's limit of two;
//! 2. create the new key;
//! 3. verify it with STS ([`verify_key`], retried for a bounded time);
//! 4. write it to the store and read it back;
//! 5. invalidate the store's cached session credentials;
//! 6. set the old key Inactive;
//! 7. with `delete_old` only: show when the old key was last used, then delete it.
//!
//! Until step 4 succeeds the old key stays stored and Active, and any failure deletes the
//! new key again ([`RotateError::RolledBack`]). After step 4 the new key is stored and works,
//! so a failure only leaves something to finish ([`RotateError::Incomplete`]);
//! [`rotate_finish`] does it. [`recover`] is the same sequence for a lost secret, run with
//! an administrator's client, and it deactivates the old keys rather than deleting them.
//!
//! The profile's store is anything that implements [`KeyStore`]; the crate does no I/O of its
//! own besides the AWS calls.

use std::fmt;

use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_iam::Client;
use aws_sdk_iam::types::StatusType;
use sagecred_core::{AccessKeyId, Credentials, Secret, StoreError};

use crate::apply::ProgressEvent;
use crate::error::{Error, aws};
use crate::plan::mask;
use crate::verify::{VerifyRetry, verify_key};

/// The store that holds one profile's long-term key, as [`rotate`] and [`recover`] see it.
///
/// The CLI implements it over the OS keychain and the plaintext credentials file. An
/// in-memory implementation is enough for tests:
///
/// ```
/// use std::sync::Mutex;
/// use sagecred_core::{Credentials, StoreError};
/// use sagecred_provision::KeyStore;
///
/// #[derive(Default)]
/// struct Memory(Mutex<Option<Credentials>>);
///
/// impl KeyStore for Memory {
///     fn read(&self) -> Result<Option<Credentials>, StoreError> {
///         Ok(self.0.lock().unwrap().clone())
///     }
///     fn write(&self, credentials: &Credentials) -> Result<(), StoreError> {
///         *self.0.lock().unwrap() = Some(credentials.clone());
///         Ok(())
///     }
///     fn invalidate_sessions(&self) -> Result<(), StoreError> {
///         Ok(())
///     }
/// }
/// ```
pub trait KeyStore {
    /// The stored key, or `None` when the store holds none for the profile.
    fn read(&self) -> Result<Option<Credentials>, StoreError>;
    /// Stores `credentials` for the profile, replacing the key held before.
    fn write(&self, credentials: &Credentials) -> Result<(), StoreError>;
    /// Drops any session credentials cached from the profile's key.
    fn invalidate_sessions(&self) -> Result<(), StoreError>;
}

/// One step of a rotation, in order. Names the point a failure was injected after, and the
/// step an error happened at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RotateStep {
    /// ListAccessKeys, and the refusal at two keys.
    CountKeys,
    /// CreateAccessKey.
    CreateKey,
    /// STS GetCallerIdentity with the new key.
    VerifyKey,
    /// Writing the new key to the store and reading it back.
    StoreKey,
    /// Dropping cached session credentials.
    InvalidateSessions,
    /// UpdateAccessKey of the old key to Inactive.
    DeactivateOldKey,
    /// GetAccessKeyLastUsed of the old key.
    ShowLastUsed,
    /// DeleteAccessKey of the old key.
    DeleteOldKey,
}

impl RotateStep {
    /// Every step, in the order a rotation with `delete_old` runs them.
    pub const ALL: [RotateStep; 8] = [
        Self::CountKeys,
        Self::CreateKey,
        Self::VerifyKey,
        Self::StoreKey,
        Self::InvalidateSessions,
        Self::DeactivateOldKey,
        Self::ShowLastUsed,
        Self::DeleteOldKey,
    ];

    /// A short name, such as `create-key`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CountKeys => "count-keys",
            Self::CreateKey => "create-key",
            Self::VerifyKey => "verify-key",
            Self::StoreKey => "store-key",
            Self::InvalidateSessions => "invalidate-sessions",
            Self::DeactivateOldKey => "deactivate-old-key",
            Self::ShowLastUsed => "show-last-used",
            Self::DeleteOldKey => "delete-old-key",
        }
    }
}

impl fmt::Display for RotateStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Fault injection, for tests only: the binary never sets it.
///
/// With `fail_after: Some(step)`, the operation fails with [`RotateError::Injected`] right
/// after `step` succeeded, and goes through the same rollback as a real failure there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults {
    /// The step after which to fail.
    pub fail_after: Option<RotateStep>,
}

impl Faults {
    fn check(self, step: RotateStep) -> Result<(), RotateError> {
        if self.fail_after == Some(step) {
            Err(RotateError::Injected { step })
        } else {
            Ok(())
        }
    }
}

/// How [`rotate`] and [`rotate_finish`] run.
#[derive(Debug, Clone, Default)]
pub struct RotateOptions {
    /// The IAM user the stored key belongs to. `None` asks STS with the stored key.
    pub user_name: Option<String>,
    /// Delete the old key once the new one is stored (after showing when it was last used).
    pub delete_old: bool,
    /// How long to wait for IAM to accept the new key.
    pub retry: VerifyRetry,
    /// For tests only; leave it at its default.
    pub faults: Faults,
}

/// How [`recover`] runs.
#[derive(Debug, Clone, Default)]
pub struct RecoverOptions {
    /// The IAM user whose key was lost.
    pub user_name: String,
    /// How long to wait for IAM to accept the new key.
    pub retry: VerifyRetry,
    /// For tests only; leave it at its default.
    pub faults: Faults,
}

/// What rotation and recovery report while they work, for the CLI to show.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RotateEvent {
    /// A step finished; `detail` says what it did, with key ids masked.
    Done {
        /// The step.
        step: RotateStep,
        /// What it did, in words.
        detail: String,
    },
    /// A verification attempt of the new key is starting.
    Verifying {
        /// The attempt, from 1.
        attempt: u32,
        /// The most attempts that will be made.
        max_attempts: u32,
    },
}

/// A progress callback for rotation. Use `&|_| {}` to ignore progress.
pub type RotateProgress<'a> = &'a (dyn Fn(RotateEvent) + Sync);

/// What became of the key that was replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OldKeyState {
    /// It is Inactive: `rotate --finish` deletes it, UpdateAccessKey can bring it back.
    Inactive,
    /// It was deleted.
    Deleted,
}

/// A finished rotation or recovery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RotateOutcome {
    /// The IAM user.
    pub user: String,
    /// The new key's id, masked.
    pub new_key: String,
    /// The replaced keys' ids, masked.
    pub old_keys: Vec<String>,
    /// What became of them.
    pub old_key_state: OldKeyState,
    /// When the old key was last used, in words, when it was asked (`delete_old`).
    pub old_key_last_used: Option<String>,
    /// The ARN the new key signs in as.
    pub arn: String,
}

/// A finished `rotate --finish`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FinishOutcome {
    /// The IAM user.
    pub user: String,
    /// Keys set Inactive now (an interrupted rotation had left them Active), masked.
    pub deactivated: Vec<String>,
    /// Keys deleted, masked, with when each was last used.
    pub deleted: Vec<(String, String)>,
}

/// Why a rotation, a recovery or a finish failed, and in which state it left the key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RotateError {
    /// The store holds no key for the profile.
    #[error("the profile's store holds no access key, so there is nothing to rotate")]
    NothingStored,
    /// The user already has IAM's two keys; nothing was changed.
    #[error(
        "user `{user}` already has 2 access keys ({}), so no new key can be created; nothing was changed: {advice}",
        .masked_key_ids.join(", ")
    )]
    TooManyKeys {
        /// The user.
        user: String,
        /// The keys, masked, each with its status.
        masked_key_ids: Vec<String>,
        /// What to do.
        advice: String,
    },
    /// The store failed.
    #[error("the store failed at {step}: {source}")]
    Store {
        /// The step.
        step: RotateStep,
        /// The store's error.
        #[source]
        source: StoreError,
    },
    /// The store accepted the new key but read back something else.
    #[error("the store returned a different key than was written")]
    ReadBack,
    /// The stored key's ARN does not name an IAM user.
    #[error("the stored key signs in as `{arn}`, which is not an IAM user")]
    NotAUser {
        /// The ARN.
        arn: String,
    },
    /// The administrator credentials were refused or lack IAM rights.
    #[error(
        "the administrator credentials cannot manage the keys of user `{user}`: {operation} failed: {message}"
    )]
    AdminRefused {
        /// The user.
        user: String,
        /// The refused call.
        operation: &'static str,
        /// AWS's reason.
        message: String,
    },
    /// An AWS call failed before anything was changed, or a verification failed.
    #[error(transparent)]
    Aws(#[from] Error),
    /// A failure injected by [`Faults`] (tests only).
    #[error("injected failure after {step}")]
    Injected {
        /// The step after which it was injected.
        step: RotateStep,
    },
    /// A step failed after the new key was created and before the store held it; the new
    /// key was deleted again and the old key is still stored and Active.
    #[error(
        "{cause}; rolled back: the new key {new_key} was deleted, and the old key{} is still stored and active",
        .old_key.as_deref().map(|k| format!(" {k}")).unwrap_or_default()
    )]
    RolledBack {
        /// What failed.
        cause: Box<RotateError>,
        /// The deleted new key, masked.
        new_key: String,
        /// The key still stored, masked, when there was one.
        old_key: Option<String>,
    },
    /// As [`RotateError::RolledBack`], but deleting the new key failed too: the old key is
    /// still stored and Active, and the new key is left over, unused.
    #[error(
        "{cause}; the old key is still stored and active, but deleting the unused new key {new_key} of user `{user}` failed too ({rollback}): delete it with `aws iam delete-access-key --user-name {user} --access-key-id ID`"
    )]
    RollbackFailed {
        /// What failed.
        cause: Box<RotateError>,
        /// Why the rollback failed.
        rollback: Box<RotateError>,
        /// The user.
        user: String,
        /// The left-over new key, masked.
        new_key: String,
    },
    /// A step after the store write failed: the new key is stored and works, and the rest
    /// is to be finished.
    #[error(
        "the new key {new_key} is stored and works, but {failed} failed: {cause}; finish with {finish}"
    )]
    Incomplete {
        /// The step that failed.
        failed: RotateStep,
        /// What failed.
        cause: Box<RotateError>,
        /// The stored new key, masked.
        new_key: String,
        /// What finishes the job, as a command.
        finish: String,
    },
}

impl RotateError {
    /// The AWS error code behind this error, when there is one (for example `AccessDenied`).
    pub fn aws_code(&self) -> Option<&str> {
        match self {
            Self::Aws(e) => e.aws_code(),
            Self::RolledBack { cause, .. }
            | Self::RollbackFailed { cause, .. }
            | Self::Incomplete { cause, .. } => cause.aws_code(),
            _ => None,
        }
    }

    /// Whether the store now holds a new key (the error happened after the store write).
    pub fn new_key_stored(&self) -> bool {
        matches!(self, Self::Incomplete { .. })
    }
}

/// The name of the IAM user an ARN such as `arn:aws:iam::123456789012:user/path/dev` names.
pub fn user_name_from_arn(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let path = resource.strip_prefix("user/")?;
    path.rsplit('/').next().filter(|n| !n.is_empty())
}

/// An SDK credentials value for `credentials`.
fn sdk_credentials(credentials: &Credentials) -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new(
        credentials.access_key_id().as_str(),
        credentials.secret_access_key().expose(),
        credentials.session_token().map(|t| t.expose().to_owned()),
        credentials.expiration(),
        "sagecred-rotate",
    )
}

/// An IAM client with `base`'s region and endpoint, signing with `credentials`.
pub fn iam_client_for(base: &SdkConfig, credentials: &Credentials) -> Client {
    Client::from_conf(
        aws_sdk_iam::config::Builder::from(base)
            .credentials_provider(SharedCredentialsProvider::new(sdk_credentials(credentials)))
            .build(),
    )
}

/// One key of the user, as ListAccessKeys returns it.
#[derive(Debug, Clone)]
struct KeyInfo {
    id: String,
    active: bool,
}

impl KeyInfo {
    fn describe(&self) -> String {
        format!(
            "{} {}",
            mask(&self.id),
            if self.active { "active" } else { "inactive" }
        )
    }
}

async fn list_keys(iam: &Client, user: &str) -> Result<Vec<KeyInfo>, Error> {
    let out = iam
        .list_access_keys()
        .user_name(user)
        .send()
        .await
        .map_err(|e| aws("ListAccessKeys", user, e))?;
    Ok(out
        .access_key_metadata()
        .iter()
        .filter_map(|k| {
            Some(KeyInfo {
                id: k.access_key_id()?.to_owned(),
                active: k.status() == Some(&StatusType::Active),
            })
        })
        .collect())
}

async fn create_key(iam: &Client, user: &str) -> Result<Credentials, Error> {
    let out = iam
        .create_access_key()
        .user_name(user)
        .send()
        .await
        .map_err(|e| aws("CreateAccessKey", user, e))?;
    let key = out.access_key.ok_or_else(|| Error::MissingField {
        operation: "CreateAccessKey",
        resource: user.to_owned(),
        field: "AccessKey",
    })?;
    // The secret moves from the SDK type straight into `Secret`.
    let id = key.access_key_id;
    let id: AccessKeyId = id.parse().map_err(|_| Error::Unexpected {
        what: "access key id",
        value: mask(&id),
    })?;
    Ok(Credentials::new(id, Secret::new(key.secret_access_key)))
}

async fn delete_key(iam: &Client, user: &str, id: &str) -> Result<(), Error> {
    iam.delete_access_key()
        .user_name(user)
        .access_key_id(id)
        .send()
        .await
        .map(drop)
        .map_err(|e| aws("DeleteAccessKey", format!("{user}/{}", mask(id)), e))
}

async fn deactivate_key(iam: &Client, user: &str, id: &str) -> Result<(), Error> {
    iam.update_access_key()
        .user_name(user)
        .access_key_id(id)
        .status(StatusType::Inactive)
        .send()
        .await
        .map(drop)
        .map_err(|e| aws("UpdateAccessKey", format!("{user}/{}", mask(id)), e))
}

/// When a key was last used, in words (GetAccessKeyLastUsed).
async fn last_used(iam: &Client, id: &str) -> Result<String, Error> {
    let out = iam
        .get_access_key_last_used()
        .access_key_id(id)
        .send()
        .await
        .map_err(|e| aws("GetAccessKeyLastUsed", mask(id), e))?;
    let used = out.access_key_last_used();
    let date = used
        .and_then(|u| u.last_used_date())
        .and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok());
    Ok(match (date, used) {
        (Some(date), Some(u)) => format!(
            "{} was last used {date} ({} in {})",
            mask(id),
            u.service_name(),
            u.region()
        ),
        _ => format!("{} was never used", mask(id)),
    })
}

/// The shared sequence of [`rotate`] and [`recover`].
struct Replace<'a> {
    /// Makes the key and, on rollback, deletes it.
    iam: &'a Client,
    /// Deactivates and deletes the old keys; `None` uses the new key itself.
    after_store_iam: Option<&'a Client>,
    base: &'a SdkConfig,
    store: &'a dyn KeyStore,
    user: &'a str,
    retry: VerifyRetry,
    faults: Faults,
    progress: RotateProgress<'a>,
    /// The key the store held at the start.
    old: Option<&'a Credentials>,
    /// The keys to set Inactive once the new key is stored.
    to_deactivate: Vec<String>,
    delete_old: bool,
    /// The command that finishes after a failure past the store write.
    finish: String,
}

impl Replace<'_> {
    fn done(&self, step: RotateStep, detail: String) -> Result<(), RotateError> {
        (self.progress)(RotateEvent::Done { step, detail });
        self.faults.check(step)
    }

    async fn run(self) -> Result<RotateOutcome, RotateError> {
        let new = create_key(self.iam, self.user).await?;
        let new_masked = new.access_key_id().masked();
        let stored = match self.before_store(&new, &new_masked).await {
            Ok(arn) => arn,
            Err((cause, store_holds_new)) => {
                if store_holds_new {
                    return Err(RotateError::Incomplete {
                        failed: RotateStep::StoreKey,
                        cause: Box::new(cause),
                        new_key: new_masked,
                        finish: self.finish.clone(),
                    });
                }
                return Err(self.roll_back(cause, &new).await);
            }
        };
        let arn = stored;
        let new_client;
        let after = match self.after_store_iam {
            Some(c) => c,
            None => {
                new_client = iam_client_for(self.base, &new);
                &new_client
            }
        };
        let mut step = RotateStep::InvalidateSessions;
        let result: Result<Option<String>, RotateError> = async {
            self.store
                .invalidate_sessions()
                .map_err(|source| RotateError::Store { step, source })?;
            self.done(step, "cached session credentials dropped".to_owned())?;
            step = RotateStep::DeactivateOldKey;
            for id in &self.to_deactivate {
                deactivate_key(after, self.user, id).await?;
            }
            self.done(
                step,
                if self.to_deactivate.is_empty() {
                    "no old key to deactivate".to_owned()
                } else {
                    format!("set {} inactive", self.masked_old().join(", "))
                },
            )?;
            if !self.delete_old {
                return Ok(None);
            }
            step = RotateStep::ShowLastUsed;
            let mut used = Vec::new();
            for id in &self.to_deactivate {
                used.push(last_used(after, id).await?);
            }
            let used = used.join("; ");
            self.done(step, used.clone())?;
            step = RotateStep::DeleteOldKey;
            for id in &self.to_deactivate {
                delete_key(after, self.user, id).await?;
            }
            self.done(step, format!("deleted {}", self.masked_old().join(", ")))?;
            Ok(Some(used))
        }
        .await;
        match result {
            Ok(used) => Ok(RotateOutcome {
                user: self.user.to_owned(),
                new_key: new_masked,
                old_keys: self.masked_old(),
                old_key_state: if used.is_some() {
                    OldKeyState::Deleted
                } else {
                    OldKeyState::Inactive
                },
                old_key_last_used: used,
                arn,
            }),
            Err(cause) => Err(RotateError::Incomplete {
                failed: step,
                cause: Box::new(cause),
                new_key: new_masked,
                finish: self.finish.clone(),
            }),
        }
    }

    fn masked_old(&self) -> Vec<String> {
        self.to_deactivate.iter().map(|k| mask(k)).collect()
    }

    /// Create-to-store: verifies `new`, then writes it and reads it back. On failure, says
    /// whether the store holds the new key after all.
    async fn before_store(
        &self,
        new: &Credentials,
        new_masked: &str,
    ) -> Result<String, (RotateError, bool)> {
        let no = |e: RotateError| (e, false);
        self.done(RotateStep::CreateKey, format!("created {new_masked}"))
            .map_err(no)?;
        let progress = self.progress;
        let arn = verify_key(self.base, new, self.retry, &|e| {
            if let ProgressEvent::Verifying {
                attempt,
                max_attempts,
            } = e
            {
                progress(RotateEvent::Verifying {
                    attempt,
                    max_attempts,
                });
            }
        })
        .await
        .map_err(|e| no(e.into()))?;
        self.done(
            RotateStep::VerifyKey,
            format!("{new_masked} signs in as {arn}"),
        )
        .map_err(no)?;
        let step = RotateStep::StoreKey;
        let written = self
            .store
            .write(new)
            .map_err(|source| RotateError::Store { step, source })
            .and_then(|()| {
                match self
                    .store
                    .read()
                    .map_err(|source| RotateError::Store { step, source })?
                {
                    Some(back) if back == *new => Ok(()),
                    _ => Err(RotateError::ReadBack),
                }
            });
        if let Err(cause) = written {
            // Put the old key back, so that the store holds a key that works; only when it
            // does not hold the new one is the new key deleted.
            if let Some(old) = self.old {
                let _ = self.store.write(old);
            }
            let holds_new = matches!(self.store.read(), Ok(Some(k)) if k == *new);
            return Err((cause, holds_new));
        }
        self.done(step, format!("stored {new_masked} and read it back"))
            .map_err(|e| (e, true))?;
        Ok(arn)
    }

    async fn roll_back(&self, cause: RotateError, new: &Credentials) -> RotateError {
        let new_key = new.access_key_id().masked();
        match delete_key(self.iam, self.user, new.access_key_id().as_str()).await {
            Ok(()) => RotateError::RolledBack {
                cause: Box::new(cause),
                new_key,
                old_key: self.old.map(|k| k.access_key_id().masked()),
            },
            Err(e) => RotateError::RollbackFailed {
                cause: Box::new(cause),
                rollback: Box::new(e.into()),
                user: self.user.to_owned(),
                new_key,
            },
        }
    }
}

/// The stored key and its user, asking STS for the user when `user_name` is `None`.
async fn stored_key_and_user(
    base: &SdkConfig,
    store: &dyn KeyStore,
    user_name: Option<&str>,
) -> Result<(Credentials, String), RotateError> {
    let step = RotateStep::CountKeys;
    let old = store
        .read()
        .map_err(|source| RotateError::Store { step, source })?
        .ok_or(RotateError::NothingStored)?;
    let user = match user_name {
        Some(u) => u.to_owned(),
        None => {
            let one = VerifyRetry {
                max_attempts: 1,
                ..VerifyRetry::default()
            };
            let arn = verify_key(base, &old, one, &|_| {}).await?;
            user_name_from_arn(&arn)
                .ok_or_else(|| RotateError::NotAUser { arn: arn.clone() })?
                .to_owned()
        }
    };
    Ok((old, user))
}

/// Replaces the stored key with a new key of the same user (see the module docs for the
/// steps and what each failure leaves behind).
///
/// `iam` signs with the stored key (or any identity allowed to manage the user's keys); it
/// creates the new key, and deletes it again on rollback. Once stored, the new key itself
/// deactivates (and with `delete_old` deletes) the old one, since the old key stops working
/// when it is Inactive. `base` gives region and endpoint for the clients made with the new key.
pub async fn rotate(
    iam: &Client,
    base: &SdkConfig,
    store: &dyn KeyStore,
    options: &RotateOptions,
    progress: RotateProgress<'_>,
) -> Result<RotateOutcome, RotateError> {
    let (old, user) = stored_key_and_user(base, store, options.user_name.as_deref()).await?;
    let keys = list_keys(iam, &user).await?;
    if keys.len() >= 2 {
        let old_id = old.access_key_id().as_str();
        let other: Vec<&KeyInfo> = keys.iter().filter(|k| k.id != old_id).collect();
        let advice = if other.iter().all(|k| !k.active) && other.len() < keys.len() {
            "the other key is inactive: delete it with `sagecred rotate --finish`, then rotate again"
                .to_owned()
        } else {
            format!(
                "delete the key you no longer use with `aws iam delete-access-key --user-name {user} --access-key-id ID`, then rotate again"
            )
        };
        return Err(RotateError::TooManyKeys {
            user,
            masked_key_ids: keys.iter().map(KeyInfo::describe).collect(),
            advice,
        });
    }
    (progress)(RotateEvent::Done {
        step: RotateStep::CountKeys,
        detail: format!("user `{user}` has {} key(s)", keys.len()),
    });
    options.faults.check(RotateStep::CountKeys)?;
    Replace {
        iam,
        after_store_iam: None,
        base,
        store,
        user: &user,
        retry: options.retry,
        faults: options.faults,
        progress,
        old: Some(&old),
        to_deactivate: vec![old.access_key_id().as_str().to_owned()],
        delete_old: options.delete_old,
        finish: "`sagecred rotate --finish`".to_owned(),
    }
    .run()
    .await
}

/// Finishes a rotation: sets Inactive the user's keys other than the stored one that are
/// still Active (an interrupted rotation left them so), and deletes those that already were
/// Inactive, after asking when each was last used.
///
/// It signs with the stored key, which must work and is never touched.
pub async fn rotate_finish(
    base: &SdkConfig,
    store: &dyn KeyStore,
    options: &RotateOptions,
    progress: RotateProgress<'_>,
) -> Result<FinishOutcome, RotateError> {
    let (stored, user) = stored_key_and_user(base, store, options.user_name.as_deref()).await?;
    let iam = iam_client_for(base, &stored);
    let keys = list_keys(&iam, &user).await?;
    options.faults.check(RotateStep::CountKeys)?;
    let mut outcome = FinishOutcome {
        user: user.clone(),
        ..FinishOutcome::default()
    };
    for key in keys
        .iter()
        .filter(|k| k.id != stored.access_key_id().as_str())
    {
        if key.active {
            deactivate_key(&iam, &user, &key.id).await?;
            progress(RotateEvent::Done {
                step: RotateStep::DeactivateOldKey,
                detail: format!("set {} inactive", mask(&key.id)),
            });
            options.faults.check(RotateStep::DeactivateOldKey)?;
            outcome.deactivated.push(mask(&key.id));
            continue;
        }
        let used = last_used(&iam, &key.id).await?;
        progress(RotateEvent::Done {
            step: RotateStep::ShowLastUsed,
            detail: used.clone(),
        });
        options.faults.check(RotateStep::ShowLastUsed)?;
        delete_key(&iam, &user, &key.id).await?;
        progress(RotateEvent::Done {
            step: RotateStep::DeleteOldKey,
            detail: format!("deleted {}", mask(&key.id)),
        });
        options.faults.check(RotateStep::DeleteOldKey)?;
        outcome.deleted.push((mask(&key.id), used));
    }
    Ok(outcome)
}

/// Whether an error of an administrator's call means "these credentials cannot do this".
fn refused(e: &Error) -> bool {
    matches!(
        e.aws_code(),
        Some(
            "AccessDenied"
                | "AccessDeniedException"
                | "InvalidClientTokenId"
                | "SignatureDoesNotMatch"
                | "UnrecognizedClientException"
                | "ExpiredToken"
        )
    )
}

fn admin_error(user: &str, e: Error) -> RotateError {
    if refused(&e) {
        let operation = match &e {
            Error::Aws { operation, .. } => *operation,
            _ => "an IAM call",
        };
        RotateError::AdminRefused {
            user: user.to_owned(),
            operation,
            message: match &e {
                Error::Aws { failure, .. } => failure.to_string(),
                other => other.to_string(),
            },
        }
    } else {
        RotateError::Aws(e)
    }
}

/// Replaces a key whose secret was lost, with `admin`'s rights: creates a new key for the
/// user, verifies it, writes it to the store, and only then sets the old keys Inactive (the
/// stored one when the store still holds a key of the user, else all Active ones). Nothing is
/// deleted, so the change can be undone with UpdateAccessKey.
pub async fn recover(
    admin: &Client,
    base: &SdkConfig,
    store: &dyn KeyStore,
    options: &RecoverOptions,
    progress: RotateProgress<'_>,
) -> Result<RotateOutcome, RotateError> {
    let user = options.user_name.as_str();
    let step = RotateStep::CountKeys;
    // A store that cannot even be read cannot take the new key either: stop before changes.
    let old = store
        .read()
        .map_err(|source| RotateError::Store { step, source })?;
    let keys = list_keys(admin, user)
        .await
        .map_err(|e| admin_error(user, e))?;
    if keys.len() >= 2 {
        return Err(RotateError::TooManyKeys {
            user: user.to_owned(),
            masked_key_ids: keys.iter().map(KeyInfo::describe).collect(),
            advice: format!(
                "delete the key that is no longer used with `aws iam delete-access-key --user-name {user} --access-key-id ID --profile ADMIN`, then recover again"
            ),
        });
    }
    let stored_id = old.as_ref().map(|k| k.access_key_id().as_str().to_owned());
    let to_deactivate: Vec<String> = match &stored_id {
        Some(id) if keys.iter().any(|k| &k.id == id) => vec![id.clone()],
        _ => keys
            .iter()
            .filter(|k| k.active)
            .map(|k| k.id.clone())
            .collect(),
    };
    progress(RotateEvent::Done {
        step,
        detail: format!("user `{user}` has {} key(s)", keys.len()),
    });
    options.faults.check(step)?;
    // The old key the store holds may not belong to this user; it is only put back on
    // rollback when it does.
    let old_for_rollback = old
        .as_ref()
        .filter(|k| keys.iter().any(|i| i.id == k.access_key_id().as_str()));
    Replace {
        iam: admin,
        after_store_iam: Some(admin),
        base,
        store,
        user,
        retry: options.retry,
        faults: options.faults,
        progress,
        old: old_for_rollback,
        to_deactivate,
        delete_old: false,
        finish: "`sagecred rotate --finish`".to_owned(),
    }
    .run()
    .await
    .map_err(|e| match e {
        RotateError::Aws(e) => admin_error(user, e),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_come_from_user_arns_only() {
        assert_eq!(
            user_name_from_arn("arn:aws:iam::123456789012:user/dev"),
            Some("dev")
        );
        assert_eq!(
            user_name_from_arn("arn:aws:iam::123456789012:user/team/ml/dev"),
            Some("dev")
        );
        assert_eq!(
            user_name_from_arn("arn:aws:sts::123456789012:assumed-role/R/s"),
            None
        );
        assert_eq!(user_name_from_arn("arn:aws:iam::123456789012:root"), None);
    }

    #[test]
    fn faults_fire_after_their_step_only() {
        let f = Faults {
            fail_after: Some(RotateStep::VerifyKey),
        };
        assert!(f.check(RotateStep::CreateKey).is_ok());
        assert!(matches!(
            f.check(RotateStep::VerifyKey),
            Err(RotateError::Injected {
                step: RotateStep::VerifyKey
            })
        ));
        assert!(Faults::default().check(RotateStep::VerifyKey).is_ok());
    }

    #[test]
    fn rollback_messages_say_what_is_left() {
        let e = RotateError::RolledBack {
            cause: Box::new(RotateError::Injected {
                step: RotateStep::VerifyKey,
            }),
            new_key: "AKIA************NEW1".into(),
            old_key: Some("AKIA************OLD1".into()),
        };
        let s = e.to_string();
        assert!(s.contains("AKIA************NEW1 was deleted"), "{s}");
        assert!(
            s.contains("AKIA************OLD1 is still stored and active"),
            "{s}"
        );
    }
}
