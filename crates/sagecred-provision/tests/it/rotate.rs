//! Key rotation and recovery against moto: a failure injected after each step always leaves
//! a stored key that is Active and authenticates, and a clean run then converges.
//!
//! moto lets an Inactive key authenticate, so "works" is checked as both: STS accepts the
//! stored key, and ListAccessKeys says it is Active.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aws_sdk_iam::types::StatusType;
use sagecred_core::{Credentials, Secret, StoreError, StoreKind};
use sagecred_provision::{
    Faults, KeyStore, OldKeyState, RecoverOptions, RotateError, RotateOptions, RotateStep,
    VerifyRetry, caller_identity, iam_client_for, recover, rotate, rotate_finish,
};

use crate::{AUTH_LOCK, Moto, TEST_KEY_ID, TEST_SECRET, endpoint, sdk_config, unique};

/// A profile's store in memory, whose writes can be made to fail.
#[derive(Default)]
struct Memory {
    key: Mutex<Option<Credentials>>,
    fail_writes: AtomicBool,
    invalidated: AtomicBool,
}

impl KeyStore for Memory {
    fn read(&self) -> Result<Option<Credentials>, StoreError> {
        Ok(self.key.lock().unwrap().clone())
    }

    fn write(&self, credentials: &Credentials) -> Result<(), StoreError> {
        if self.fail_writes.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable {
                store: StoreKind::File,
                reason: "writes fail in this test".into(),
                fix: "none".into(),
            });
        }
        *self.key.lock().unwrap() = Some(credentials.clone());
        Ok(())
    }

    fn invalidate_sessions(&self) -> Result<(), StoreError> {
        self.invalidated.store(true, Ordering::SeqCst);
        Ok(())
    }
}

impl Memory {
    fn stored(&self) -> Credentials {
        self.key.lock().unwrap().clone().expect("a stored key")
    }
}

fn quick() -> VerifyRetry {
    VerifyRetry {
        max_attempts: 3,
        first_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(20),
    }
}

fn options(delete_old: bool, fail_after: Option<RotateStep>) -> RotateOptions {
    RotateOptions {
        user_name: None,
        delete_old,
        retry: quick(),
        faults: Faults { fail_after },
    }
}

/// A new user with one key, stored in a new [`Memory`].
async fn user_with_key(moto: &Moto) -> (String, Memory) {
    let user = format!("sagecred-rotate-{}", unique());
    moto.iam
        .create_user()
        .user_name(&user)
        .send()
        .await
        .unwrap();
    let key = moto
        .iam
        .create_access_key()
        .user_name(&user)
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let creds = Credentials::new(
        key.access_key_id.parse().unwrap(),
        Secret::new(key.secret_access_key),
    );
    let store = Memory::default();
    store.write(&creds).unwrap();
    (user, store)
}

/// The user's keys: (id, active).
async fn keys(moto: &Moto, user: &str) -> Vec<(String, bool)> {
    moto.iam
        .list_access_keys()
        .user_name(user)
        .send()
        .await
        .unwrap()
        .access_key_metadata()
        .iter()
        .map(|k| {
            (
                k.access_key_id().unwrap().to_owned(),
                k.status() == Some(&StatusType::Active),
            )
        })
        .collect()
}

/// The stored key exists, is Active in IAM, and signs in as the user.
async fn assert_stored_key_works(moto: &Moto, user: &str, store: &Memory, context: &str) {
    let stored = store.stored();
    let id = stored.access_key_id().as_str().to_owned();
    let keys = keys(moto, user).await;
    assert!(
        keys.iter().any(|(k, active)| *k == id && *active),
        "{context}: the stored key {id} is not an active key of {user}: {keys:?}"
    );
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&moto.sdk)
            .credentials_provider(aws_credential_types::Credentials::new(
                stored.access_key_id().as_str(),
                stored.secret_access_key().expose(),
                None,
                None,
                "test",
            ))
            .build(),
    );
    let arn = caller_identity(&sts).await.unwrap().arn;
    assert!(arn.ends_with(&format!(":user/{user}")), "{context}: {arn}");
}

/// Exactly one Active key, the stored one, and at most two in all.
async fn assert_converged(moto: &Moto, user: &str, store: &Memory, context: &str) {
    assert_stored_key_works(moto, user, store, context).await;
    let keys = keys(moto, user).await;
    assert!(keys.len() <= 2, "{context}: {keys:?}");
    assert_eq!(
        keys.iter().filter(|(_, active)| *active).count(),
        1,
        "{context}: {keys:?}"
    );
}

#[tokio::test]
async fn a_failure_after_each_step_leaves_a_working_key_and_a_clean_run_converges() {
    let moto = Moto::new().await;
    for step in RotateStep::ALL {
        let context = format!("failure after {step}");
        let (user, store) = user_with_key(&moto).await;
        let old = store.stored();
        let iam = iam_client_for(&moto.sdk, &old);
        let err = rotate(&iam, &moto.sdk, &store, &options(true, Some(step)), &|_| {})
            .await
            .expect_err(&context);
        assert_stored_key_works(&moto, &user, &store, &context).await;
        let before_store = matches!(
            step,
            RotateStep::CountKeys | RotateStep::CreateKey | RotateStep::VerifyKey
        );
        if before_store {
            // Rolled back: the old key is still the stored one and the new key is gone.
            assert_eq!(store.stored(), old, "{context}");
            assert_eq!(keys(&moto, &user).await.len(), 1, "{context}: {err}");
            if step != RotateStep::CountKeys {
                assert!(
                    matches!(err, RotateError::RolledBack { .. }),
                    "{context}: {err}"
                );
            }
            let done = rotate(&iam, &moto.sdk, &store, &options(false, None), &|_| {})
                .await
                .unwrap();
            assert_eq!(done.old_key_state, OldKeyState::Inactive);
        } else {
            // Past the store write: the new key is stored, and the rest is to be finished.
            assert_ne!(store.stored(), old, "{context}");
            assert!(err.new_key_stored(), "{context}: {err}");
            assert!(err.to_string().contains("rotate --finish"), "{err}");
            // What became of the old key depends on how far the rotation got.
            let old_state = keys(&moto, &user)
                .await
                .into_iter()
                .find(|(k, _)| k == old.access_key_id().as_str())
                .map(|(_, active)| active);
            let expected = match step {
                RotateStep::StoreKey | RotateStep::InvalidateSessions => Some(true),
                RotateStep::DeactivateOldKey | RotateStep::ShowLastUsed => Some(false),
                _ => None,
            };
            assert_eq!(old_state, expected, "{context}: old key active?");
            rotate_finish(&moto.sdk, &store, &options(false, None), &|_| {})
                .await
                .unwrap();
        }
        assert_converged(
            &moto,
            &user,
            &store,
            &format!("{context}, then a clean run"),
        )
        .await;
    }
}

#[tokio::test]
async fn a_store_that_refuses_the_new_key_rolls_back() {
    let moto = Moto::new().await;
    let (user, store) = user_with_key(&moto).await;
    let old = store.stored();
    store.fail_writes.store(true, Ordering::SeqCst);
    let iam = iam_client_for(&moto.sdk, &old);
    let err = rotate(&iam, &moto.sdk, &store, &options(false, None), &|_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, RotateError::RolledBack { .. }), "{err}");
    assert!(
        err.to_string().contains("is still stored and active"),
        "{err}"
    );
    assert_eq!(store.stored(), old);
    assert_eq!(keys(&moto, &user).await.len(), 1);
    assert_stored_key_works(&moto, &user, &store, "refused write").await;
}

#[tokio::test]
async fn rotate_stores_a_new_key_and_deactivates_the_old_one() {
    let moto = Moto::new().await;
    let (user, store) = user_with_key(&moto).await;
    let old = store.stored();
    let iam = iam_client_for(&moto.sdk, &old);
    let events = Mutex::new(Vec::new());
    let done = rotate(&iam, &moto.sdk, &store, &options(false, None), &|e| {
        events.lock().unwrap().push(e)
    })
    .await
    .unwrap();
    assert_eq!(done.user, user);
    assert_eq!(done.old_key_state, OldKeyState::Inactive);
    assert!(store.invalidated.load(Ordering::SeqCst));
    assert_ne!(store.stored(), old);
    let keys = keys(&moto, &user).await;
    assert!(
        keys.contains(&(old.access_key_id().as_str().to_owned(), false)),
        "{keys:?}"
    );
    assert_converged(&moto, &user, &store, "rotate").await;
    assert!(events.lock().unwrap().len() >= 5);
}

#[tokio::test]
async fn rotate_refuses_at_two_keys_and_names_them() {
    let moto = Moto::new().await;
    let (user, store) = user_with_key(&moto).await;
    moto.iam
        .create_access_key()
        .user_name(&user)
        .send()
        .await
        .unwrap();
    let old = store.stored();
    let iam = iam_client_for(&moto.sdk, &old);
    let err = rotate(&iam, &moto.sdk, &store, &options(false, None), &|_| {})
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, RotateError::TooManyKeys { .. }), "{text}");
    assert!(text.contains(&old.access_key_id().masked()), "{text}");
    assert!(text.contains("nothing was changed"), "{text}");
    assert!(!text.contains(old.access_key_id().as_str()), "{text}");
    assert_eq!(keys(&moto, &user).await.len(), 2);
    assert_eq!(store.stored(), old);
}

#[tokio::test]
async fn delete_old_deletes_the_old_key_and_finish_deletes_an_inactive_one() {
    let moto = Moto::new().await;
    let (user, store) = user_with_key(&moto).await;
    let old = store.stored();
    let iam = iam_client_for(&moto.sdk, &old);
    let done = rotate(&iam, &moto.sdk, &store, &options(true, None), &|_| {})
        .await
        .unwrap();
    assert_eq!(done.old_key_state, OldKeyState::Deleted);
    assert!(done.old_key_last_used.is_some());
    let keys_now = keys(&moto, &user).await;
    assert_eq!(keys_now.len(), 1, "{keys_now:?}");
    assert_eq!(keys_now[0].0, store.stored().access_key_id().as_str());
    assert_converged(&moto, &user, &store, "delete-old").await;

    // A plain rotation leaves the old key Inactive; --finish deletes it.
    let iam = iam_client_for(&moto.sdk, &store.stored());
    rotate(&iam, &moto.sdk, &store, &options(false, None), &|_| {})
        .await
        .unwrap();
    assert_eq!(keys(&moto, &user).await.len(), 2);
    let finished = rotate_finish(&moto.sdk, &store, &options(false, None), &|_| {})
        .await
        .unwrap();
    assert_eq!(finished.deleted.len(), 1);
    assert_eq!(keys(&moto, &user).await.len(), 1);
    assert_converged(&moto, &user, &store, "finish").await;
}

#[tokio::test]
async fn recover_deactivates_the_old_key_and_stores_a_working_new_one() {
    let moto = Moto::new().await;
    let (user, store) = user_with_key(&moto).await;
    let old = store.stored();
    let recover_options = RecoverOptions {
        user_name: user.clone(),
        retry: quick(),
        faults: Faults::default(),
    };
    let done = recover(&moto.iam, &moto.sdk, &store, &recover_options, &|_| {})
        .await
        .unwrap();
    assert_eq!(done.old_key_state, OldKeyState::Inactive);
    assert_ne!(store.stored(), old);
    let keys_now = keys(&moto, &user).await;
    // Deactivated, not deleted: the user can still undo it.
    assert!(
        keys_now.contains(&(old.access_key_id().as_str().to_owned(), false)),
        "{keys_now:?}"
    );
    assert_converged(&moto, &user, &store, "recover").await;

    // With nothing stored (the secret is simply gone), every active key is deactivated.
    let (user, _) = user_with_key(&moto).await;
    let empty = Memory::default();
    let recover_options = RecoverOptions {
        user_name: user.clone(),
        ..recover_options
    };
    recover(&moto.iam, &moto.sdk, &empty, &recover_options, &|_| {})
        .await
        .unwrap();
    assert_converged(&moto, &user, &empty, "recover with an empty store").await;
}

#[tokio::test]
async fn recover_rolls_back_when_the_store_refuses_the_key() {
    let moto = Moto::new().await;
    let (user, store) = user_with_key(&moto).await;
    let old = store.stored();
    store.fail_writes.store(true, Ordering::SeqCst);
    let recover_options = RecoverOptions {
        user_name: user.clone(),
        retry: quick(),
        faults: Faults::default(),
    };
    let err = recover(&moto.iam, &moto.sdk, &store, &recover_options, &|_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, RotateError::RolledBack { .. }), "{err}");
    assert_eq!(store.stored(), old);
    assert_eq!(
        keys(&moto, &user).await,
        [(old.access_key_id().as_str().to_owned(), true)]
    );
}

/// POSTs `body` to moto's `/moto-api/reset-auth`: `0` turns enforcement on, `inf` off.
fn reset_auth(body: &str) {
    let url = endpoint();
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "POST /moto-api/reset-auth HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

/// Turns enforcement off when dropped, even when an assertion fails.
struct EnforcementOff;

impl Drop for EnforcementOff {
    fn drop(&mut self) {
        reset_auth("inf");
    }
}

#[tokio::test]
async fn recover_with_credentials_that_lack_iam_rights_changes_nothing_and_says_so() {
    // Enforcement is global to the server: hold the lock for writing.
    let _exclusive = AUTH_LOCK.write().await;
    let sdk = sdk_config(TEST_KEY_ID, TEST_SECRET).await;
    let iam = aws_sdk_iam::Client::new(&sdk);
    let user = format!("sagecred-rotate-{}", unique());
    iam.create_user().user_name(&user).send().await.unwrap();
    let key = iam
        .create_access_key()
        .user_name(&user)
        .send()
        .await
        .unwrap()
        .access_key
        .unwrap();
    let creds = Credentials::new(
        key.access_key_id.parse().unwrap(),
        Secret::new(key.secret_access_key),
    );
    let store = Memory::default();
    store.write(&creds).unwrap();
    // The user has no policies: as "admin" it may not list its keys.
    let not_admin = iam_client_for(&sdk, &creds);
    let recover_options = RecoverOptions {
        user_name: user.clone(),
        retry: quick(),
        faults: Faults::default(),
    };
    let err = {
        let _off = EnforcementOff;
        reset_auth("0");
        recover(&not_admin, &sdk, &store, &recover_options, &|_| {})
            .await
            .unwrap_err()
    };
    let text = err.to_string();
    assert!(matches!(err, RotateError::AdminRefused { .. }), "{text}");
    assert!(
        text.contains("administrator credentials cannot manage"),
        "{text}"
    );
    assert!(text.contains("AccessDenied"), "{text}");
    assert_eq!(store.stored(), creds);
    let left = iam
        .list_access_keys()
        .user_name(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(left.access_key_metadata().len(), 1);
}
