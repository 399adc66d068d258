//! The store conformance suite: what every [`CredentialStore`] must do, run against a real
//! instance of each store (the plaintext file, the Secret Service, the kernel keyring, the
//! in-memory store, and any store added later).
//!
//! Each check is a function that panics with a message naming the store and the rule it
//! broke; [`run`] runs them all. Every profile the suite writes has a name of its own
//! (`conformance-<pid>-<n>-...`), and is deleted again when the check ends, also when it
//! fails (a guard deletes it on unwind), so a shared keyring is left as it was found.
//!
//! ```
//! use sagecred_test_support::conformance::{self, Expect};
//! use sagecred_test_support::memory::MemoryStore;
//!
//! let store = MemoryStore::default();
//! conformance::run(&store, Expect::FULL);
//! conformance::session_cache(&store);
//! ```

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use sagecred_core::{
    CredentialStore, Credentials, ProfileName, SessionCache, StoreError, StoredKey,
};

/// AWS's documentation example key pair.
pub const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
/// The secret of [`KEY_ID`].
pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// AWS's second documentation example key pair, for overwrites.
pub const OTHER_KEY_ID: &str = "AKIAI44QH8DHBEXAMPLE";
/// The secret of [`OTHER_KEY_ID`].
pub const OTHER_SECRET: &str = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
/// A session token for cached sessions.
pub const TOKEN: &str = "FwoGZXIvYXdzEXAMPLECONFORMANCETOKEN";

/// Pieces of every secret above: none may appear in `Debug` output or an error.
const SECRET_PIECES: [&str; 3] = ["wJalrXUtnFEMI", "je7MtGbClwBF", "FwoGZXIvYXdzEXAMPLE"];

/// Where stores legitimately differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expect {
    /// `list` works. The kernel keyring cannot be searched, and answers
    /// [`StoreError::Unsupported`] instead.
    pub lists: bool,
    /// The store keeps a key's IAM user name and creation time. The plaintext file keeps
    /// the credentials alone.
    pub keeps_metadata: bool,
}

impl Expect {
    /// A store that lists and keeps metadata (the Secret Service, the memory store).
    pub const FULL: Self = Self {
        lists: true,
        keeps_metadata: true,
    };
}

/// The first example key, with metadata.
pub fn key() -> StoredKey {
    StoredKey {
        credentials: Credentials::new(KEY_ID.parse().expect("example key id"), SECRET.into()),
        user_name: Some("sagemaker-developer".to_owned()),
        created: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
    }
}

/// The second example key, without metadata.
pub fn other_key() -> StoredKey {
    StoredKey::new(Credentials::new(
        OTHER_KEY_ID.parse().expect("example key id"),
        OTHER_SECRET.into(),
    ))
}

/// Temporary credentials, as STS would return them.
pub fn session() -> Credentials {
    Credentials::new(
        "ASIAIOSFODNN7EXAMPLE".parse().expect("key id"),
        SECRET.into(),
    )
    .with_session_token(TOKEN.into())
    .with_expiration(SystemTime::UNIX_EPOCH + Duration::from_secs(1_900_000_000))
}

/// Fails when `text` holds a piece of any example secret.
pub fn assert_no_secret(what: &str, text: &str) {
    for piece in SECRET_PIECES {
        assert!(!text.contains(piece), "a secret leaked into {what}: {text}");
    }
}

/// Deletes every profile it was given when dropped, also while a failed check unwinds.
struct Cleanup<'a> {
    store: &'a dyn CredentialStore,
    profiles: Mutex<Vec<ProfileName>>,
}

impl<'a> Cleanup<'a> {
    fn new(store: &'a dyn CredentialStore) -> Self {
        Self {
            store,
            profiles: Mutex::new(Vec::new()),
        }
    }

    /// A profile name no other check, test or process uses, deleted at the end.
    fn profile(&self, label: &str) -> ProfileName {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name: ProfileName = format!(
            "conformance-{}-{}-{label}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        )
        .parse()
        .expect("a valid profile name");
        self.profiles
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(name.clone());
        name
    }
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let profiles = self
            .profiles
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for profile in profiles.iter() {
            let _ = self.store.delete(profile);
        }
    }
}

/// Checks that an error says nothing secret, in `Display` and `Debug` alike.
fn assert_clean_error(store: &dyn CredentialStore, e: &StoreError) {
    assert_no_secret(
        &format!("an error of the {} store", store.kind()),
        &format!("{e} {e:?}"),
    );
}

/// Runs every check that needs only a working store.
pub fn run(store: &dyn CredentialStore, expect: Expect) {
    put_then_get(store, expect);
    overwrite(store, expect);
    delete(store);
    list(store, expect);
    not_found(store);
    concurrent_writers(store, expect);
    debug_never_shows_a_secret(store);
}

/// A key put is the key got, metadata included where the store keeps it.
pub fn put_then_get(store: &dyn CredentialStore, expect: Expect) {
    let kind = store.kind();
    let cleanup = Cleanup::new(store);
    let p = cleanup.profile("put");
    store.put(&p, &key()).unwrap_or_else(|e| {
        assert_clean_error(store, &e);
        panic!("the {kind} store refused a put: {e}")
    });
    let got = store.get(&p).expect("get after put");
    assert_eq!(got.credentials, key().credentials, "{kind}: put then get");
    if expect.keeps_metadata {
        assert_eq!(
            got,
            key(),
            "{kind}: the metadata must come back as it was put"
        );
    }
}

/// A second put replaces the first, and leaves one entry.
pub fn overwrite(store: &dyn CredentialStore, expect: Expect) {
    let kind = store.kind();
    let cleanup = Cleanup::new(store);
    let p = cleanup.profile("overwrite");
    store.put(&p, &key()).expect("first put");
    store.put(&p, &other_key()).expect("second put");
    let got = store.get(&p).expect("get after overwrite");
    assert_eq!(
        got.credentials,
        other_key().credentials,
        "{kind}: the last put wins"
    );
    if expect.keeps_metadata {
        assert_eq!(
            got,
            other_key(),
            "{kind}: no metadata of the first key survives"
        );
    }
    if expect.lists {
        let listed = store.list().expect("list");
        assert_eq!(
            listed.iter().filter(|l| **l == p).count(),
            1,
            "{kind}: an overwritten profile is listed once"
        );
    }
}

/// `delete` answers whether something was there, and a deleted key is gone.
pub fn delete(store: &dyn CredentialStore) {
    let kind = store.kind();
    let cleanup = Cleanup::new(store);
    let p = cleanup.profile("delete");
    assert!(
        !store.delete(&p).expect("delete of nothing"),
        "{kind}: nothing was there"
    );
    store.put(&p, &key()).expect("put");
    assert!(store.delete(&p).expect("delete"), "{kind}: a key was there");
    let err = store.get(&p).expect_err("get after delete");
    assert!(
        err.is_not_found(),
        "{kind}: a deleted key is not found, got {err}"
    );
    assert!(
        !store.delete(&p).expect("second delete"),
        "{kind}: deleted twice"
    );
}

/// `list` names exactly the profiles with a key, sorted; or, for a store that cannot be
/// searched, says so with [`StoreError::Unsupported`].
pub fn list(store: &dyn CredentialStore, expect: Expect) {
    let kind = store.kind();
    let cleanup = Cleanup::new(store);
    let names: Vec<ProfileName> = ["b", "a", "c"].iter().map(|l| cleanup.profile(l)).collect();
    for p in &names {
        store.put(p, &key()).expect("put");
    }
    if !expect.lists {
        let err = store.list().expect_err("a store that cannot list");
        assert!(
            matches!(err, StoreError::Unsupported { .. }),
            "{kind}: a store that cannot list says Unsupported, got {err}"
        );
        return;
    }
    let listed = store.list().expect("list");
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "{kind}: list is sorted");
    let mut expected = names.clone();
    expected.sort();
    let ours: Vec<ProfileName> = listed.into_iter().filter(|p| names.contains(p)).collect();
    assert_eq!(ours, expected, "{kind}: list names every profile put");
    store.delete(&names[1]).expect("delete");
    let after = store.list().expect("list after delete");
    assert!(
        !after.contains(&names[1]),
        "{kind}: a deleted profile is not listed"
    );
}

/// Asking for a profile that was never stored is [`StoreError::NotFound`] naming the
/// profile, which a chain of stores falls through.
pub fn not_found(store: &dyn CredentialStore) {
    let kind = store.kind();
    let cleanup = Cleanup::new(store);
    let p = cleanup.profile("missing");
    let err = store.get(&p).expect_err("get of a missing profile");
    assert!(
        err.is_not_found(),
        "{kind}: a missing profile is NotFound, got {err:?}"
    );
    assert!(
        err.to_string().contains(p.as_str()),
        "{kind}: the error names the profile: {err}"
    );
    assert_clean_error(store, &err);
}

/// A store that cannot be used (no service, a broken file) fails with an error that is
/// not [`StoreError::NotFound`], so that no caller mistakes it for "nothing stored" and
/// falls back to another store. `broken` is the store under test, set up so that it
/// cannot work.
pub fn unavailable(broken: &dyn CredentialStore) {
    let kind = broken.kind();
    let p: ProfileName = format!("conformance-{}-unavailable", std::process::id())
        .parse()
        .expect("profile name");
    let get = broken.get(&p).expect_err("get from a broken store");
    assert!(
        !get.is_not_found(),
        "{kind}: a broken store is not NotFound: {get}"
    );
    assert_clean_error(broken, &get);
    let put = broken.put(&p, &key()).expect_err("put into a broken store");
    assert!(!put.is_not_found(), "{kind}: {put}");
    assert_clean_error(broken, &put);
}

/// Eight threads write their own profiles at once, and eight more the same profile: every
/// key is kept, and the shared one is one of the keys written, whole.
pub fn concurrent_writers(store: &dyn CredentialStore, expect: Expect) {
    let kind = store.kind();
    let cleanup = Cleanup::new(store);
    let own: Vec<ProfileName> = (0..8)
        .map(|i| cleanup.profile(&format!("own{i}")))
        .collect();
    let shared = cleanup.profile("shared");
    std::thread::scope(|scope| {
        for (i, p) in own.iter().enumerate() {
            let shared = &shared;
            scope.spawn(move || {
                let mine = if i % 2 == 0 { key() } else { other_key() };
                store.put(p, &mine).expect("concurrent put");
                store
                    .put(shared, &mine)
                    .expect("concurrent put of the shared profile");
                let back = store.get(p).expect("concurrent get");
                assert_eq!(
                    back.credentials, mine.credentials,
                    "{kind}: a concurrent write was lost"
                );
            });
        }
    });
    for (i, p) in own.iter().enumerate() {
        let mine = if i % 2 == 0 { key() } else { other_key() };
        assert_eq!(
            store.get(p).expect("get after the writers").credentials,
            mine.credentials,
            "{kind}: every writer's key is kept"
        );
    }
    let last = store
        .get(&shared)
        .expect("get of the shared profile")
        .credentials;
    assert!(
        last == key().credentials || last == other_key().credentials,
        "{kind}: the shared profile holds a key that was never written"
    );
    if expect.lists {
        let listed = store.list().expect("list");
        for p in own.iter().chain([&shared]) {
            assert!(listed.contains(p), "{kind}: {p} is missing from list");
        }
    }
}

/// Neither the store nor what it returns shows a secret in `Debug` output.
pub fn debug_never_shows_a_secret(store: &dyn CredentialStore) {
    let kind = store.kind();
    let cleanup = Cleanup::new(store);
    let p = cleanup.profile("debug");
    store.put(&p, &key()).expect("put");
    let got = store.get(&p).expect("get");
    assert_no_secret(
        &format!("the {kind} store's Debug"),
        &format!("{store:?} {store:#?}"),
    );
    assert_no_secret("a StoredKey's Debug", &format!("{got:?} {got:#?}"));
    assert!(
        format!("{got:?}").contains(KEY_ID),
        "the key id is not secret and shows"
    );
}

/// The rules of a [`SessionCache`]: empty at first, temporary credentials only, what is
/// cached comes back whole, and forgetting answers whether something was there.
pub fn session_cache(cache: &dyn SessionCache) {
    let p: ProfileName = {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        format!(
            "conformance-{}-{}-session",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        )
        .parse()
        .expect("profile name")
    };
    // Forget it again whatever happens below.
    struct Forget<'a>(&'a dyn SessionCache, &'a ProfileName);
    impl Drop for Forget<'_> {
        fn drop(&mut self) {
            let _ = self.0.delete_session(self.1);
        }
    }
    let _forget = Forget(cache, &p);
    assert_eq!(cache.get_session(&p).expect("get of nothing"), None);
    assert!(!cache.delete_session(&p).expect("delete of nothing"));
    let err = cache
        .put_session(&p, &key().credentials)
        .expect_err("long-term keys are not a session");
    assert!(!err.is_not_found(), "{err}");
    assert_no_secret("a session-cache error", &format!("{err} {err:?}"));
    cache.put_session(&p, &session()).expect("put of a session");
    assert_eq!(cache.get_session(&p).expect("get"), Some(session()));
    assert!(cache.delete_session(&p).expect("delete"));
    assert_eq!(cache.get_session(&p).expect("get after delete"), None);
}
