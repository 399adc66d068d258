//! Test helpers shared by sagecred's crates; a dev-dependency only, never published.
//!
//! - [`conformance`]: the store conformance suite that every
//!   [`CredentialStore`](sagecred_core::CredentialStore) runs (put, get, overwrite, delete,
//!   list, not-found versus unavailable, concurrent writers, no secret in `Debug` or errors),
//!   and the small one for a [`SessionCache`](sagecred_core::SessionCache);
//! - [`memory::MemoryStore`]: an in-memory store, the suite's own reference;
//! - [`moto::Moto`]: a moto server (the AWS API emulator) on 127.0.0.1;
//! - [`secret_service::SecretService`]: a private, unlocked Secret Service on its own
//!   D-Bus session bus;
//! - [`sso_emulator::Emulator`]: the IAM Identity Center emulator with its control API.
//!
//! Without the default `stores` feature only `moto` and `secret_service` are built, on std
//! alone: that is what xtask uses to start the services for `cargo xtask test`.
#![warn(missing_docs)]

#[cfg(feature = "stores")]
pub mod conformance;
#[cfg(feature = "stores")]
pub mod memory;
pub mod moto;
pub mod secret_service;
#[cfg(feature = "stores")]
pub mod sso_emulator;
