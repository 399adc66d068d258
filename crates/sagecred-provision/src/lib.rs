//! The guide's IAM setup (Parts 1 and 2) as an idempotent plan and apply.
//!
//! The flow is:
//!
//! 1. [`caller_identity`] finds the account, and [`DesiredState::new`] turns
//!    [`ProvisionOptions`] into the exact documents and attachments the guide describes
//!    (or their least-privilege variants);
//! 2. [`discover`] reads the account with Get and List calls only and returns a [`Plan`]:
//!    data that prints as a table ([`Plan::render_text`]) or JSON ([`Plan::to_json`]);
//! 3. [`apply`] executes the plan, waiting with the SDK waiters after each creation, and
//!    hands a new access key back as [`sagecred_core::Credentials`] for the caller to store;
//! 4. [`verify_key`] checks that key with STS, retrying for a bounded time.
//!
//! [`rotate`], [`rotate_finish`] and [`recover`] replace a profile's key through a
//! [`KeyStore`] without ever leaving it without a working one.
//!
//! [`teardown_plan`] and [`teardown_apply`] reverse it for resources tagged
//! `managed-by=sagecred` only; [`emit_cloudformation`] and [`emit_terraform`] render the
//! desired state as code. [`ApiCallCounter`] counts the calls made through a client.
//!
//! The guide's Part 3 access tests are live, read-only calls: [`check_bucket`] lists the
//! training-data bucket and [`list_training_jobs`] asks SageMaker, each returning a typed
//! outcome ([`BucketAccess`], [`SageMakerAccess`]); [`create_bucket`] makes a missing bucket
//! private and encrypted.
//!
//! Every failed AWS call is read once into an [`AwsFailure`] (code, status, message, or no
//! answer at all), which provisioning, the access tests and `sagecred doctor` classify the
//! same way. [`simulate_training_access`] asks IAM's policy simulator about the guide's
//! "Access Denied" cases; [`trust_policy_document`] and [`trusts_sagemaker`] are the role's
//! trust policy as installed, and the test of one read back from IAM.
//!
//! The crate does no terminal I/O: progress goes to a [`Progress`] callback. Clients are built
//! by the caller, so endpoints, regions and credentials come from its SDK configuration.
#![warn(missing_docs)]

mod access;
mod apply;
mod counter;
mod desired;
mod discover;
mod emit;
mod error;
mod failure;
mod json;
mod plan;
mod rotate;
mod simulate;
mod teardown;
mod trust;
mod verify;

pub use access::{
    BucketAccess, SageMakerAccess, TRAINING_JOBS_MAX_RESULTS, check_bucket, create_bucket,
    list_training_jobs, s3_client, sagemaker_endpoint,
};
pub use apply::{ApplyOutcome, Progress, ProgressEvent, apply};
pub use counter::ApiCallCounter;
pub use desired::{
    DEFAULT_ECR_REPOSITORY, DesiredState, ECR_FULL_ACCESS, IAM_READ_ONLY_ACCESS, MANAGED_BY_KEY,
    MANAGED_BY_VALUE, Mode, PolicySpec, ProvisionOptions, RoleSpec, SAGEMAKER_FULL_ACCESS,
    UserSpec,
};
pub use discover::discover;
pub use emit::{emit_cloudformation, emit_terraform};
pub use error::Error;
pub use failure::AwsFailure;
pub use plan::{Plan, ResourceKind, Step};
pub use rotate::{
    Faults, FinishOutcome, KeyStore, OldKeyState, RecoverOptions, RotateError, RotateEvent,
    RotateOptions, RotateOutcome, RotateProgress, RotateStep, iam_client_for, recover, rotate,
    rotate_finish, user_name_from_arn,
};
pub use simulate::{SIMULATED_ACTIONS, SimulatedAccess, simulate_training_access};
pub use teardown::{teardown_apply, teardown_plan};
pub use trust::{trust_policy_document, trusts_sagemaker};
pub use verify::{CallerIdentity, VerifyRetry, caller_identity, verify_key};
