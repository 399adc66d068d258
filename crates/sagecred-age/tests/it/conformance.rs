//! The store conformance suite, run on the encrypted-file store.

use sagecred_test_support::conformance::{self, Expect};

use crate::support::store;

#[test]
fn the_encrypted_file_store_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    conformance::run(&store, Expect::FULL);
    conformance::session_cache(&store);
}

#[test]
fn a_broken_encrypted_file_store_is_never_not_found() {
    // The store's directory is a regular file: nothing can be read or written.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, "x").unwrap();
    conformance::unavailable(&store(&file));
}
