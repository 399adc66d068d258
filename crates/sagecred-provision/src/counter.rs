//! Counting API calls per operation with an SDK interceptor, for tests and for the CLI's
//! closing summary.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Counts operations (not HTTP attempts: a retried call counts once) by name, such as
/// `GetRole`. Clones share their counts.
///
/// ```
/// let counter = sagecred_provision::ApiCallCounter::default();
/// let conf = aws_sdk_iam::Config::builder()
///     .behavior_version(aws_config::BehaviorVersion::latest())
///     .interceptor(counter.clone())
///     .build();
/// let _iam = aws_sdk_iam::Client::from_conf(conf);
/// assert_eq!(counter.total(), 0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ApiCallCounter {
    counts: Arc<Mutex<BTreeMap<String, u32>>>,
}

impl ApiCallCounter {
    /// The calls counted so far, by operation name.
    pub fn snapshot(&self) -> BTreeMap<String, u32> {
        self.lock().clone()
    }

    /// All calls counted.
    pub fn total(&self) -> u32 {
        self.lock().values().sum()
    }

    /// Calls whose operation changes something: every operation whose name does not start
    /// with `Get` or `List`.
    pub fn mutating(&self) -> u32 {
        self.lock()
            .iter()
            .filter(|(name, _)| !name.starts_with("Get") && !name.starts_with("List"))
            .map(|(_, n)| n)
            .sum()
    }

    /// Forgets the counts.
    pub fn reset(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, u32>> {
        // A panic while holding the lock leaves only a count half-updated; keep counting.
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Intercept for ApiCallCounter {
    fn name(&self) -> &'static str {
        "sagecred-api-call-counter"
    }

    // Not `read_before_execution`: for client-level interceptors it runs before the
    // operation's configuration (and so its `Metadata`) is in the bag. Serialisation happens
    // once per operation, before the retry loop, so this still counts operations.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let name = cfg
            .load::<Metadata>()
            .map_or("unknown", |m| m.name())
            .to_owned();
        *self.lock().entry(name).or_default() += 1;
        Ok(())
    }
}
