//! Integration tests against a moto server (see TESTING.md).
//!
//! The server is shared with other test binaries and these tests run in parallel, so every
//! test uses names with a unique suffix and nothing ever resets moto. The one test that
//! switches auth enforcement on takes [`AUTH_LOCK`] for writing; all others hold it for
//! reading.

mod auth;
mod drift;
mod lifecycle;
mod ownership;
mod rotate;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use sagecred_core::{AccountId, Partition};
use sagecred_provision::{
    ApiCallCounter, DesiredState, Plan, ProgressEvent, ProvisionOptions, Step, caller_identity,
};
use tokio::sync::{RwLock, RwLockReadGuard};

/// The AWS documentation's example key; moto accepts any key while auth is off.
pub(crate) const TEST_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
/// The AWS documentation's example secret.
pub(crate) const TEST_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// Auth enforcement is global to the moto server: the test that turns it on holds this for
/// writing, every other test for reading.
pub(crate) static AUTH_LOCK: RwLock<()> = RwLock::const_new(());

pub(crate) fn endpoint() -> String {
    std::env::var("SAGECRED_MOTO_ENDPOINT")
        .expect("SAGECRED_MOTO_ENDPOINT is not set: run `cargo xtask test`, which starts moto")
}

/// A name suffix unique across this process and, through the pid, across runs against a
/// long-lived server.
pub(crate) fn unique() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

pub(crate) async fn sdk_config(key_id: &str, secret: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::new(
            key_id, secret, None, None, "test",
        ))
        .load()
        .await
}

/// Clients against moto, with a call counter on the IAM client.
pub(crate) struct Moto {
    pub(crate) sdk: SdkConfig,
    pub(crate) iam: aws_sdk_iam::Client,
    pub(crate) calls: ApiCallCounter,
    pub(crate) account: AccountId,
    pub(crate) partition: Partition,
    _shared: RwLockReadGuard<'static, ()>,
}

impl Moto {
    pub(crate) async fn new() -> Self {
        let shared = AUTH_LOCK.read().await;
        let sdk = sdk_config(TEST_KEY_ID, TEST_SECRET).await;
        let calls = ApiCallCounter::default();
        let iam = aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::config::Builder::from(&sdk)
                .interceptor(calls.clone())
                .build(),
        );
        let identity = caller_identity(&aws_sdk_sts::Client::new(&sdk))
            .await
            .expect("GetCallerIdentity against moto");
        Self {
            sdk,
            iam,
            calls,
            account: identity.account,
            partition: identity.partition,
            _shared: shared,
        }
    }

    pub(crate) fn desired(&self, options: &ProvisionOptions) -> DesiredState {
        DesiredState::new(options, &self.account, self.partition).unwrap()
    }
}

/// Options with names unique to one test.
pub(crate) fn options() -> ProvisionOptions {
    let s = unique();
    ProvisionOptions {
        role_name: format!("SageCredTestRole-{s}"),
        policy_name: format!("SageCredTestPolicy-{s}"),
        user_name: Some(format!("sagecred-test-{s}")),
        ..Default::default()
    }
}

/// Ignores progress.
pub(crate) fn quiet(_: ProgressEvent) {}

/// Records progress events.
#[derive(Default)]
pub(crate) struct Recorder(pub(crate) Mutex<Vec<ProgressEvent>>);

impl Recorder {
    pub(crate) fn record(&self, event: ProgressEvent) {
        self.0.lock().unwrap().push(event);
    }
}

pub(crate) fn actions(plan: &Plan) -> Vec<&'static str> {
    plan.steps.iter().map(Step::action).collect()
}

/// A policy document as IAM returned it, decoded like the library does.
pub(crate) fn decode(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| {
        let decoded = percent_encoding::percent_decode_str(text)
            .decode_utf8()
            .unwrap();
        serde_json::from_str(&decoded).unwrap()
    })
}
