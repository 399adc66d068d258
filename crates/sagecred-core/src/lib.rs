//! Domain types and the storage abstraction shared by every sagecred crate.
//!
//! This crate does no I/O and knows nothing of the AWS SDK. It holds:
//!
//! * validated names and identifiers ([`ProfileName`], [`AccountId`], [`RoleArn`],
//!   [`Region`], [`AccessKeyId`]), each of which rejects bad input with a precise
//!   [`ValidationError`];
//! * [`Credentials`], whose secret parts never print;
//! * the async [`CredentialStore`] trait that every backend (plaintext files, OS keychain,
//!   IAM Identity Center) implements, with [`StoreError`] separating "not present" from
//!   "broken" so that callers can fall through a chain of stores;
//! * [`role::resolve_role`], the order in which the SageMaker execution role is found.
#![warn(missing_docs)]

mod credentials;
pub mod env_vars;
mod names;
pub mod role;
mod store;

pub use credentials::{Credentials, REDACTED, Secret};
pub use names::{
    AccessKeyId, AccountId, DEFAULT_BUCKET, DEFAULT_POLICY_NAME, DEFAULT_REGION, DEFAULT_ROLE_NAME,
    DEFAULT_USER_NAME, MAX_ACCESS_KEY_ID_LEN, MAX_PROFILE_NAME_LEN, MAX_REGION_LEN,
    MAX_ROLE_ARN_LEN, MAX_SECRET_ACCESS_KEY_LEN, Partition, ProfileName, Region, RoleArn,
    ValidationError, check_secret_access_key,
};
pub use store::{CredentialStore, StoreError, StoreKind};
