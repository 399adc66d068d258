//! Many writers at once, and writers killed mid-write: the files stay whole.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use std::io::Write;

use crate::common::*;

fn spawn_configure(env: &TestEnv, profile: &str) -> Child {
    let mut child = env
        .cmd()
        .args([
            "configure",
            "--store",
            "file",
            "--profile",
            profile,
            "--stdin",
            "--region",
            "eu-west-1",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{EXAMPLE_KEY_ID}\n{EXAMPLE_SECRET}\n").as_bytes())
        .unwrap();
    child
}

#[test]
fn sixteen_concurrent_configures_all_land() {
    let env = TestEnv::new();
    std::fs::write(&env.config, "# keep me\n[default]\nregion = us-east-1\n").unwrap();
    let children: Vec<Child> = (0..16)
        .map(|i| spawn_configure(&env, &format!("p{i}")))
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = env.run(&["profiles", "--output", "json"], "");
    assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for i in 0..16 {
        let name = format!("p{i}");
        assert!(
            names.contains(&name.as_str()),
            "{name} is missing: {names:?}"
        );
    }
    let creds = env.read_credentials();
    assert_eq!(
        creds.matches("aws_secret_access_key").count(),
        16,
        "{creds}"
    );
    let config = env.read_config();
    assert!(
        config.starts_with("# keep me\n[default]\nregion = us-east-1\n"),
        "{config}"
    );
    assert_eq!(config.matches("region = eu-west-1").count(), 16, "{config}");
}

/// Temp files that a writer of the credentials file has created but not yet renamed.
fn temp_files(env: &TestEnv) -> Vec<String> {
    std::fs::read_dir(env.home.join(".aws"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".credentials.sagecred-tmp"))
        .collect()
}

#[test]
fn a_writer_killed_mid_write_leaves_the_old_file_or_the_new_one() {
    let env = TestEnv::new();
    // A large file makes the window between creating the temp file and renaming it wide
    // enough to land a kill in.
    let mut old = String::from("# big file\n");
    for i in 0..20_000 {
        old.push_str(&format!(
            "[bulk{i}]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        ));
    }
    std::fs::write(&env.credentials, &old).unwrap();
    // Private, as `aws configure` leaves it: a file others can read is refused.
    std::fs::set_permissions(
        &env.credentials,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();

    let mut killed_mid_write = 0;
    let mut completed = 0;
    for round in 0..12 {
        let before = std::fs::read_to_string(&env.credentials).unwrap();
        let profile = format!("crash{round}");
        let mut child = spawn_configure(&env, &profile);
        // Watch for the temp file and kill the writer the moment it exists: that is the
        // instant a non-atomic writer would have a half-written credentials file.
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut saw_temp = false;
        loop {
            if !temp_files(&env).is_empty() {
                let _ = child.kill();
                saw_temp = true;
                break;
            }
            if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let _ = child.kill();
        child.wait().unwrap();

        let after = std::fs::read_to_string(&env.credentials).unwrap();
        if after == before {
            if saw_temp && !temp_files(&env).is_empty() {
                killed_mid_write += 1;
            }
        } else {
            completed += 1;
            assert!(
                after.starts_with(&before),
                "round {round}: old content changed"
            );
            assert_eq!(
                &after[before.len()..],
                format!(
                    "\n[{profile}]\naws_access_key_id = {EXAMPLE_KEY_ID}\naws_secret_access_key = {EXAMPLE_SECRET}\n"
                ),
                "round {round}: partial write"
            );
        }
    }
    // Printed for the record (run with --nocapture): how many kills landed mid-write.
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "crash test: {killed_mid_write} writers killed mid-write, {completed} completed before the kill, of 12"
        );
    }
    assert!(
        killed_mid_write > 0,
        "no kill landed between temp-file creation and rename, so the test proved nothing (completed {completed})"
    );

    // The next writer removes the dead writers' temp files (they hold secrets) and the
    // file still parses and lists every profile.
    env.configure("after", EXAMPLE_KEY_ID, EXAMPLE_SECRET, &[]);
    assert_eq!(temp_files(&env), Vec::<String>::new());
    let out = env.run(&["profiles", "--output", "json"], "");
    assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["profiles"].as_array().unwrap().len() >= 20_001);
}
