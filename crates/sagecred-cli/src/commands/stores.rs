//! The registration point of stores: the one place that maps a store kind (from a
//! resolved [`CredentialSource`](sagecred_core::CredentialSource) or a `--store` choice) to
//! the store that serves it. No other command module names a concrete store type.
//!
//! A new store is a new `StoreKind` variant and one arm in [`open`] (and, if it keeps no
//! session cache of its own, nothing else here).

use sagecred_core::{CredentialStore, SessionCache, StoreError, StoreKind};
use sagecred_ini::FileStore;
use sagecred_keychain::KeychainStore;

use crate::context::Context;
use crate::error::CliError;

/// The store of `kind`, opened but not yet probed.
pub(crate) fn open(ctx: &Context, kind: StoreKind) -> Result<Box<dyn CredentialStore>, CliError> {
    open_with(ctx, kind, false)
}

/// [`open`], with `force`: the plaintext file then accepts writes into a credentials file
/// other users may read (`--force`). Other stores have no such choice.
fn open_with(
    ctx: &Context,
    kind: StoreKind,
    force: bool,
) -> Result<Box<dyn CredentialStore>, CliError> {
    Ok(match kind {
        StoreKind::File => Box::new(FileStore::new(ctx.files.clone()).force(force)),
        StoreKind::Keychain | StoreKind::Keyutils => Box::new(KeychainStore::new(kind)?),
        StoreKind::Sso => {
            return Err(StoreError::Unsupported {
                store: kind,
                operation: "hold keys",
                reason: "IAM Identity Center issues short-lived role credentials at each \
                         request; sign in with `sagecred login`"
                    .to_owned(),
            }
            .into());
        }
    })
}

/// The store of `kind`, checked to be usable before anything is written to it.
pub(crate) fn open_checked(
    ctx: &Context,
    kind: StoreKind,
) -> Result<Box<dyn CredentialStore>, CliError> {
    open_for_write(ctx, kind, false)
}

/// [`open_checked`], with `--force` for the plaintext file.
pub(crate) fn open_for_write(
    ctx: &Context,
    kind: StoreKind,
    force: bool,
) -> Result<Box<dyn CredentialStore>, CliError> {
    let store = open_with(ctx, kind, force)?;
    store
        .check_available()
        .map_err(|e| CliError::from(e).with_hint_prefix("nothing was written; "))?;
    Ok(store)
}

/// Where SSO role credentials are cached: the OS keychain's session entries, when a
/// keychain can be reached without side effects. On Linux that needs a session bus:
/// without one, libdbus would try to launch a bus of its own.
pub(crate) fn sso_role_cache(ctx: &Context) -> Option<Box<dyn SessionCache>> {
    if cfg!(target_os = "linux") && !ctx.env.session_bus {
        return None;
    }
    KeychainStore::new(StoreKind::Keychain)
        .ok()
        .map(|s| Box::new(s) as Box<dyn SessionCache>)
}
