//! `sagecred doctor`'s checks as a library: the guide's "Troubleshooting" and "Security
//! Best Practices" sections as data that the CLI only renders.
//!
//! - [`check`]: [`CheckId`] (its declaration order is the report order), [`Status`],
//!   [`Check`] (status, a one-line reason naming the facts, a typed [`Fix`]) and
//!   [`Report`].
//! - [`local`]: the checks that need no network (region, file permissions, plaintext keys).
//! - [`aws`]: the checks that call AWS with the profile's credentials, classified through
//!   `sagecred_provision::AwsFailure`, the one description of a failed call that
//!   provisioning uses too. The caller resolves the credentials and hands in an
//!   [`SdkConfig`](aws_config::SdkConfig) and an [`AwsInputs`].
//! - [`access`]: the guide's Part 3 access tests as checks, shared with `setup`, and the
//!   bounded retry after an IAM change, waiting through an injectable
//!   [`Pacer`](sagecred_sso::Pacer).
//!
//! The crate prints nothing and reads no environment variable: the caller hands in the
//! paths, the environment's values and the clock.
#![warn(missing_docs)]

pub mod access;
pub mod aws;
pub mod check;
pub mod local;

pub use access::{AccessTarget, Propagation};
pub use aws::{AwsInputs, StoredKey};
pub use check::{Check, CheckId, Fix, Report, Status, StoreFlag};
