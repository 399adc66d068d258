//! Domain types and the storage abstraction shared by every sagecred crate.
//!
//! This crate does no I/O and knows nothing of the AWS SDK. It holds:
//!
//! * validated names and identifiers ([`ProfileName`], [`AccountId`], [`RoleArn`],
//!   [`Region`], [`AccessKeyId`]), each of which rejects bad input with a precise
//!   [`ValidationError`];
//! * [`Credentials`], whose secret parts never print;
//! * [`CredentialSource`], where a profile's credentials come from, resolved once per
//!   command ([`ResolvedProfile`]), and [`ProcessLine`], the `credential_process` line of
//!   ours, rendered and parsed in one place;
//! * the synchronous [`CredentialStore`] trait that every key store (plaintext file, OS
//!   keychain, kernel keyring) implements, with [`StoreError`] separating "not present"
//!   from "broken"; [`SessionCache`] for cached temporary credentials; the async
//!   [`CredentialProvider`] for sources that wait on the network;
//! * [`role::resolve_role`], the order in which the SageMaker execution role is found.
#![warn(missing_docs)]

mod credentials;
pub mod env_vars;
mod names;
mod process_line;
pub mod role;
mod source;
mod sso_name;
mod store;

pub use credentials::{Credentials, REDACTED, Secret};
pub use names::{
    AccessKeyId, AccountId, DEFAULT_BUCKET, DEFAULT_POLICY_NAME, DEFAULT_REGION, DEFAULT_ROLE_NAME,
    DEFAULT_USER_NAME, MAX_ACCESS_KEY_ID_LEN, MAX_PROFILE_NAME_LEN, MAX_REGION_LEN,
    MAX_ROLE_ARN_LEN, MAX_SECRET_ACCESS_KEY_LEN, Partition, ProfileName, Region, RoleArn,
    ValidationError, check_secret_access_key,
};
pub use process_line::{ProcessLine, ProcessLineError};
pub use source::{
    AssumeRoleSource, CredentialSource, ForeignProcess, ProfileSettings, ResolvedProfile,
    SourceEnv, SourceError, SsoSessionRef, SsoSource,
};
pub use sso_name::SsoSessionName;
pub use store::{
    CredentialProvider, CredentialStore, SESSION_REFRESH_MARGIN, SessionCache, StoreError,
    StoreKind, StoredKey, UnknownStore, cached_or_fetch, fresh_session, remember_session,
};
