//! Reads one profile's key from the keychain and prints its masked key id: a manual check
//! of a machine's keychain, and the probe used to time one read in a fresh process.
//!
//! ```text
//! cargo run --release -p sagecred-keychain --example read_key -- [--keyutils] [--service NAME] PROFILE
//! ```
// An example program reports on the terminal.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use sagecred_core::{CredentialStore, StoreKind};
use sagecred_keychain::{DEFAULT_SERVICE, KeychainStore};

fn main() -> ExitCode {
    let mut kind = StoreKind::Keychain;
    let mut service = DEFAULT_SERVICE.to_owned();
    let mut profile = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--keyutils" => kind = StoreKind::Keyutils,
            "--service" => service = args.next().unwrap_or_default(),
            _ => profile = Some(arg),
        }
    }
    let Some(Ok(profile)) = profile.map(|p| p.parse()) else {
        eprintln!("usage: read_key [--keyutils] [--service NAME] PROFILE");
        return ExitCode::from(2);
    };
    let got = KeychainStore::with_service(kind, &service).and_then(|s| s.get(&profile));
    match got {
        Ok(key) => {
            println!("{}", key.credentials.access_key_id().masked());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            if let sagecred_core::StoreError::Unavailable { fix, .. } = &e {
                eprintln!("hint: {fix}");
            }
            ExitCode::FAILURE
        }
    }
}
