//! `sagecred rotate` and `sagecred recover` end to end against moto, on a plaintext-store
//! profile made by `provision --apply --store file`, checked with the AWS CLI v2 as admin.

use crate::common::*;

/// A provisioned user whose key profile (named after the user) is in the plaintext store.
fn provisioned(prefix: &str) -> (TestEnv, String) {
    let env = TestEnv::with_moto();
    // moto accepts any key while auth enforcement is off; the example key is the admin.
    env.configure("admin", EXAMPLE_KEY_ID, EXAMPLE_SECRET, &[]);
    let s = unique_user(prefix);
    let user = format!("{s}-user");
    let out = env.run(
        &[
            "provision",
            "--apply",
            "--store",
            "file",
            "--profile",
            "admin",
            "--role-name",
            &format!("{s}-Role"),
            "--policy-name",
            &format!("{s}-Policy"),
            "--user-name",
            &user,
            "--bucket",
            &format!("{s}-bucket"),
        ],
        "",
    );
    assert_success(&out);
    (env, user)
}

/// The (key id, secret) the credentials file holds for `profile`.
fn stored_key(env: &TestEnv, profile: &str) -> (String, String) {
    let creds = env.read_credentials();
    let section = creds
        .split(&format!("[{profile}]"))
        .nth(1)
        .expect("the profile is in the credentials file");
    let value = |name: &str| {
        section
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} = ")))
            .unwrap_or_else(|| panic!("no {name} in {section}"))
            .to_owned()
    };
    (value("aws_access_key_id"), value("aws_secret_access_key"))
}

/// The user's keys as the admin sees them: (id, status).
fn keys(env: &TestEnv, user: &str) -> Vec<(String, String)> {
    let out = env
        .program("/usr/bin/aws")
        .args(["iam", "list-access-keys", "--user-name", user])
        .args([
            "--endpoint-url",
            env.endpoint(),
            "--profile",
            "admin",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["AccessKeyMetadata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["AccessKeyId"].as_str().unwrap().to_owned(),
                k["Status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// `sagecred whoami` with the profile's stored key names the user.
#[track_caller]
fn assert_key_works(env: &TestEnv, profile: &str, user: &str) {
    let out = env.run(&["whoami", "--profile", profile, "--output", "json"], "");
    assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let arn = v["Arn"].as_str().unwrap();
    assert!(arn.ends_with(&format!(":user/{user}")), "{arn}");
}

#[test]
fn rotate_stores_a_working_new_key_and_deactivates_the_old_one() {
    let (env, user) = provisioned("rot-cli");
    let (old_id, _) = stored_key(&env, &user);

    let out = env.run(&["rotate", "--profile", &user], "");
    assert_success(&out);
    let (new_id, new_secret) = stored_key(&env, &user);
    assert_no_secret(&out, &new_secret);
    assert_ne!(new_id, old_id);
    assert!(stdout(&out).contains("rotated"), "{}", stdout(&out));
    assert_key_works(&env, &user, &user);
    let keys_now = keys(&env, &user);
    assert!(
        keys_now.contains(&(old_id.clone(), "Inactive".into())),
        "{keys_now:?}"
    );
    assert!(
        keys_now.contains(&(new_id.clone(), "Active".into())),
        "{keys_now:?}"
    );

    // At two keys, a second rotation is refused, names the way out, and changes nothing.
    let out = env.run(&["rotate", "--profile", &user], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("rotate --finish"), "{}", stderr(&out));
    assert_eq!(stored_key(&env, &user).0, new_id);

    // --finish deletes the inactive old key and keeps the stored one.
    let out = env.run(&["rotate", "--profile", &user, "--finish"], "");
    assert_success(&out);
    assert_eq!(keys(&env, &user), [(new_id, "Active".to_owned())]);
    assert_key_works(&env, &user, &user);
}

#[test]
fn recover_with_an_admin_profile_replaces_a_lost_key() {
    let (env, user) = provisioned("rec-cli");
    let (old_id, _) = stored_key(&env, &user);

    let out = env.run(
        &[
            "recover",
            "--profile",
            &user,
            "--admin-profile",
            "admin",
            "--output",
            "json",
        ],
        "",
    );
    assert_success(&out);
    let (new_id, new_secret) = stored_key(&env, &user);
    assert_no_secret(&out, &new_secret);
    assert_ne!(new_id, old_id);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["old_key_state"], "inactive");
    assert_key_works(&env, &user, &user);
    let keys_now = keys(&env, &user);
    // Deactivated, not deleted, so that it can be undone.
    assert!(
        keys_now.contains(&(old_id, "Inactive".into())),
        "{keys_now:?}"
    );
    assert!(
        keys_now.contains(&(new_id, "Active".into())),
        "{keys_now:?}"
    );
}

#[test]
fn recover_without_the_admin_profile_says_so() {
    let (env, user) = provisioned("rec-cli-noadmin");
    let (old_id, _) = stored_key(&env, &user);
    let out = env.run(
        &["recover", "--profile", &user, "--admin-profile", "nosuch"],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("admin profile `nosuch`"), "{err}");
    assert!(err.contains("--admin-profile"), "{err}");
    assert_eq!(stored_key(&env, &user).0, old_id);
    assert_eq!(keys(&env, &user).len(), 1);
}
