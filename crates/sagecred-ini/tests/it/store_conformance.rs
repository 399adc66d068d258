//! The store conformance suite (`sagecred-test-support`) against `FileStore`.

use sagecred_core::CredentialStore;
use sagecred_ini::{AwsFiles, FileStore};
use sagecred_test_support::conformance::{self, Expect};

fn files(dir: &std::path::Path) -> AwsFiles {
    AwsFiles {
        config: dir.join(".aws/config"),
        credentials: dir.join(".aws/credentials"),
    }
}

#[test]
fn the_file_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::new(files(dir.path()));
    // The credentials file has no room for a key's user name or creation time.
    conformance::run(
        &store,
        Expect {
            lists: true,
            keeps_metadata: false,
        },
    );
    assert_eq!(store.list().unwrap(), [], "the suite left keys behind");
}

#[test]
fn a_credentials_path_that_is_a_directory_is_broken_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    let files = files(dir.path());
    std::fs::create_dir_all(&files.credentials).unwrap();
    conformance::unavailable(&FileStore::new(files));
}
