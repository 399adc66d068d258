//! The keychain store end to end, against the private Secret Service that `cargo xtask test`
//! starts: the default store, credential_process for every SDK, the session cache,
//! migrate, exec, remove, keyutils, and a hunt for the secret in every output and file.

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::common::*;

/// Keychain entries are global, not per HOME: every test uses profile names of its own.
fn unique_profile(prefix: &str) -> String {
    unique_user(prefix)
}

fn process_json(env: &TestEnv, profile: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["credential-process", "--profile", profile];
    args.extend_from_slice(extra);
    let out = env.run(&args, "");
    assert_success(&out);
    assert_eq!(
        out.stderr, b"",
        "credential-process must be silent on success"
    );
    serde_json::from_slice(&out.stdout).expect("stdout is exactly one JSON document")
}

/// Every file under `dir`, for the secret hunt.
fn all_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[track_caller]
fn assert_no_secret_in_files(env: &TestEnv, secret: &str) {
    let mut files = Vec::new();
    all_files(&env.home, &mut files);
    for f in files {
        let bytes = std::fs::read(&f).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "the secret is in {}",
            f.display()
        );
    }
}

#[test]
fn import_goes_to_the_keychain_and_sdks_use_it_with_no_secret_in_any_file() {
    require_secret_service();
    let env = TestEnv::with_moto();
    let user = unique_user("kc-import");
    let key = moto_user(&env, &user);
    let profile = unique_profile("kc-import");
    let csv = env.dir.path().join("accessKeys.csv");
    std::fs::write(
        &csv,
        format!(
            "\u{feff}User name,Access key ID,Secret access key\r\n{user},{},{}\r\n",
            key.key_id, key.secret
        ),
    )
    .unwrap();
    let out = env.run(
        &["import", csv.to_str().unwrap(), "--profile", &profile],
        "",
    );
    assert_success(&out);
    assert!(stderr(&out).contains("OS keychain"), "{}", stderr(&out));
    std::fs::remove_file(&csv).unwrap();

    let config = env.read_config();
    let bin = Path::new(env!("CARGO_BIN_EXE_sagecred"))
        .canonicalize()
        .unwrap();
    assert_eq!(
        config,
        format!(
            "[profile {profile}]\nregion = us-east-1\ncredential_process = {} credential-process --profile {profile}\n",
            bin.display()
        )
    );
    assert!(!env.read_credentials().contains(&key.secret));
    assert_no_secret_in_files(&env, &key.secret);

    // The SDKs run credential_process and get session credentials (moto's STS hands out
    // its own example session for any key, so identity is checked below with the key).
    // The helpers assert success; the ARN is moto's default for its example session.
    boto3_arn(&env, &profile);
    aws_cli_arn(&env, &profile);

    // With --no-session the SDKs sign with the stored key itself: the identity is the user's.
    std::fs::write(
        &env.config,
        config.replace(
            &format!("--profile {profile}\n"),
            &format!("--profile {profile} --no-session\n"),
        ),
    )
    .unwrap();
    assert_eq!(boto3_arn(&env, &profile), key.arn);
    assert_eq!(aws_cli_arn(&env, &profile), key.arn);
    assert_no_secret_in_files(&env, &key.secret);
}

#[test]
fn credential_process_follows_the_contract_and_caches_sessions() {
    require_secret_service();
    let env = TestEnv::with_moto();
    let key = moto_user(&env, &unique_user("kc-cp"));
    let profile = unique_profile("kc-cp");
    env.configure_keychain(&profile, &key.key_id, &key.secret, &[]);

    let v = process_json(&env, &profile, &[]);
    assert_eq!(v["Version"], 1);
    for field in [
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
    ] {
        assert!(
            v[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field} missing: {v}"
        );
    }
    let expiration = v["Expiration"].as_str().unwrap();
    assert!(
        expiration.ends_with('Z'),
        "Expiration must be UTC: {expiration}"
    );
    let parsed = humantime_like_parse(expiration);
    assert!(
        parsed > SystemTime::now() + Duration::from_secs(3600),
        "{expiration}"
    );

    // A second call is served from the keychain: with STS unreachable it still works and
    // returns the same session.
    let cached = {
        let out = env
            .cmd()
            .args(["credential-process", "--profile", &profile])
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .output()
            .unwrap();
        assert_success(&out);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    assert_eq!(cached["SessionToken"], v["SessionToken"]);
    assert_eq!(cached["AccessKeyId"], v["AccessKeyId"]);

    // --no-session serves the long-term key, without token or expiry.
    let long = process_json(&env, &profile, &["--no-session"]);
    assert_eq!(long["AccessKeyId"], key.key_id.as_str());
    assert_eq!(long["SecretAccessKey"], key.secret.as_str());
    assert!(
        long.get("SessionToken").is_none() && long.get("Expiration").is_none(),
        "{long}"
    );

    // `env --credentials` serves the same temporary credentials.
    let out = env.run(
        &[
            "env",
            "--profile",
            &profile,
            "--credentials",
            "--shell",
            "bash",
        ],
        "",
    );
    assert_success(&out);
    assert!(
        stdout(&out).contains(&format!(
            "export AWS_SESSION_TOKEN={}",
            v["SessionToken"].as_str().unwrap()
        )) || stdout(&out).contains(&format!(
            "export AWS_SESSION_TOKEN='{}'",
            v["SessionToken"].as_str().unwrap()
        )),
        "{}",
        stdout(&out)
    );

    // Errors go to stderr with a non-zero exit and an empty stdout.
    let out = env.run(
        &[
            "credential-process",
            "--profile",
            &unique_profile("kc-none"),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(out.stdout, b"");
    assert!(
        stderr(&out).contains("error: profile `kc-none-") && stderr(&out).contains("is not in"),
        "{}",
        stderr(&out)
    );
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.frac]Z` without a date crate.
fn humantime_like_parse(s: &str) -> SystemTime {
    let (date, time) = s.trim_end_matches('Z').split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(|x| x.parse().unwrap()).collect();
    let t: Vec<f64> = time.split(':').map(|x| x.parse().unwrap()).collect();
    // Days from civil date (Howard Hinnant's algorithm).
    let (y, m, day) = (if d[1] <= 2 { d[0] - 1 } else { d[0] }, d[1], d[2]);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days as f64 * 86_400.0 + t[0] * 3600.0 + t[1] * 60.0 + t[2];
    SystemTime::UNIX_EPOCH + Duration::from_secs_f64(secs)
}

#[test]
fn an_unavailable_keychain_is_explained_and_nothing_is_written() {
    let env = TestEnv::new();
    let dead = format!("unix:path={}/no-bus", env.dir.path().display());
    let out = run_with_stdin(
        env.cmd()
            .args(["configure", "--profile", "nokc", "--stdin"])
            .env("DBUS_SESSION_BUS_ADDRESS", &dead),
        &format!("{EXAMPLE_KEY_ID}\n{EXAMPLE_SECRET}\n"),
    );
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("keychain store is unavailable"), "{err}");
    assert!(err.contains("D-Bus"), "{err}");
    assert!(err.contains("hint: nothing was written"), "{err}");
    assert!(err.contains("--store keyutils"), "{err}");
    assert_no_secret(&out, EXAMPLE_SECRET);
    assert!(
        !env.config.exists() && !env.credentials.exists(),
        "no silent plaintext fallback"
    );
}

#[test]
fn migrate_moves_keys_and_keeps_every_other_byte() {
    require_secret_service();
    let env = TestEnv::new();
    let (a, b) = (unique_profile("mig-a"), unique_profile("mig-b"));
    let config = format!(
        "# team config\n[profile {a}]\nregion = eu-west-1 ; keep\n\n[profile other]\nregion = us-west-2\n"
    );
    let creds = format!(
        "# my keys\n[{a}]\n; rotated in May\naws_access_key_id = {EXAMPLE_KEY_ID}\naws_secret_access_key = {EXAMPLE_SECRET}\nnote = stays\n\n[{b}]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n"
    );
    std::fs::write(&env.config, &config).unwrap();
    std::fs::write(&env.credentials, &creds).unwrap();

    // A dry run changes nothing.
    let out = env.run(&["migrate", "--all", "--dry-run", "--output", "json"], "");
    assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["profiles"].as_array().unwrap().len(), 2);
    assert_eq!(env.read_config(), config);
    assert_eq!(env.read_credentials(), creds);

    let out = env.run(&["migrate", "--profile", &a], "");
    assert_success(&out);
    assert_no_secret(&out, EXAMPLE_SECRET);
    let bin = Path::new(env!("CARGO_BIN_EXE_sagecred"))
        .canonicalize()
        .unwrap();
    assert_eq!(
        env.read_config(),
        format!(
            "# team config\n[profile {a}]\nregion = eu-west-1 ; keep\ncredential_process = {} credential-process --profile {a}\n\n[profile other]\nregion = us-west-2\n",
            bin.display()
        )
    );
    assert_eq!(
        env.read_credentials(),
        format!(
            "# my keys\n[{a}]\n; rotated in May\nnote = stays\n\n[{b}]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n"
        )
    );
    let long = process_json(&env, &a, &["--no-session"]);
    assert_eq!(long["SecretAccessKey"], EXAMPLE_SECRET);

    let out = env.run(&["profiles", "--output", "json"], "");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let store = |name: &str| {
        v["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["store"]
            .clone()
    };
    assert_eq!(store(&a), "keychain");
    assert_eq!(store(&b), "file");
    let row = v["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == a.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        row["access_key_id"], "AKIA************MPLE",
        "the key id comes from the keychain entry"
    );
    assert_eq!(row["key_age_days"], 0);

    for p in [&a, &b] {
        let _ = env.run(&["remove", p, "--yes"], "");
    }
}

#[test]
fn migrate_with_no_keychain_keeps_the_plaintext() {
    let env = TestEnv::new();
    let creds = format!(
        "[m]\naws_access_key_id = {EXAMPLE_KEY_ID}\naws_secret_access_key = {EXAMPLE_SECRET}\n"
    );
    std::fs::write(&env.credentials, &creds).unwrap();
    let out = env
        .cmd()
        .args(["migrate", "--profile", "m"])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}/no-bus", env.dir.path().display()),
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert_eq!(
        env.read_credentials(),
        creds,
        "a failed migration must not remove the plaintext key"
    );
    assert!(!env.config.exists());
}

#[test]
fn exec_passes_temporary_credentials_and_the_exit_code() {
    require_secret_service();
    let env = TestEnv::with_moto();
    let key = moto_user(&env, &unique_user("kc-exec"));
    let profile = unique_profile("kc-exec");
    env.configure_keychain(
        &profile,
        &key.key_id,
        &key.secret,
        &["--region", "eu-central-1"],
    );
    let out = env.run(
        &[
            "role",
            "set",
            "arn:aws:iam::123456789012:role/ml/Trainer",
            "--profile",
            &profile,
        ],
        "",
    );
    assert_success(&out);

    let out = env
        .cmd()
        .args(["exec", &profile, "--", "sh", "-c", "env; exit 7"])
        .env("AWS_PROFILE", "something-else")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let child_env = stdout(&out);
    assert!(child_env.contains("AWS_SESSION_TOKEN="), "{child_env}");
    assert!(
        child_env.contains("AWS_REGION=eu-central-1\n"),
        "{child_env}"
    );
    assert!(
        child_env.contains("SAGEMAKER_ROLE=arn:aws:iam::123456789012:role/ml/Trainer\n"),
        "{child_env}"
    );
    assert!(!child_env.contains("AWS_PROFILE="), "{child_env}");
    assert!(
        !child_env.contains(&key.secret),
        "exec must pass session credentials, not the long-term secret"
    );

    let out = env.run(&["exec", &profile, "--", "/nonexistent/tool"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot run `/nonexistent/tool`"),
        "{}",
        stderr(&out)
    );
    let _ = env.run(&["remove", &profile, "--yes"], "");
}

#[test]
fn remove_deletes_the_key_and_the_profile() {
    require_secret_service();
    let env = TestEnv::new();
    let profile = unique_profile("kc-rm");
    env.configure_keychain(&profile, EXAMPLE_KEY_ID, EXAMPLE_SECRET, &[]);
    std::fs::write(&env.config, format!("# keep\n{}", env.read_config())).unwrap();

    let out = env.run(&["remove", &profile], "");
    assert_eq!(
        out.status.code(),
        Some(2),
        "no terminal and no --yes: refuse"
    );
    assert_success(&env.run(
        &["credential-process", "--profile", &profile, "--no-session"],
        "",
    ));

    assert_success(&env.run(&["remove", &profile, "--yes"], ""));
    assert_eq!(env.read_config(), "# keep\n");
    let out = env.run(
        &["credential-process", "--profile", &profile, "--no-session"],
        "",
    );
    // The profile is gone from both files, so it is unknown, as in every command.
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not in"), "{}", stderr(&out));
}

#[test]
fn no_command_leaks_the_secret_even_with_debug() {
    require_secret_service();
    let env = TestEnv::with_moto();
    let key = moto_user(&env, &unique_user("kc-leak"));
    let profile = unique_profile("kc-leak");
    let plain = unique_profile("kc-leak-plain");
    let mut outputs = vec![run_with_stdin(
        env.cmd()
            .args(["--debug", "configure", "--profile", &profile, "--stdin"]),
        &format!("{}\n{}\n", key.key_id, key.secret),
    )];
    assert_success(&outputs[0]);
    outputs.push(run_with_stdin(
        env.cmd().args([
            "--debug",
            "configure",
            "--profile",
            &plain,
            "--stdin",
            "--store",
            "file",
        ]),
        &format!("{}\n{}\n", key.key_id, key.secret),
    ));
    let commands: Vec<Vec<&str>> = vec![
        vec!["profiles"],
        vec!["profiles", "--output", "json"],
        vec!["whoami", "--profile", &profile],
        vec!["env", "--profile", &profile],
        vec!["use", &profile, "--shell", "bash"],
        vec!["role", "resolve", "--profile", &profile],
        vec!["role", "--profile", &profile],
        vec!["credential-process", "--profile", &profile],
        vec!["doctor", "--profile", &profile],
        vec!["rotate", "--profile", &profile],
        vec!["doctor", "--profile", &profile, "--output", "json"],
        vec!["migrate", "--profile", &plain],
        vec!["exec", &profile, "--", "true"],
        vec!["remove", &plain, "--yes"],
    ];
    for args in &commands {
        let mut full = vec!["--debug"];
        full.extend(args.iter().copied());
        let out = env.run(&full, "");
        outputs.push(out);
    }
    // Every error path with the real secret in the input, all with --debug: stdin swapped
    // or malformed, console CSVs in every wrong shape, a malformed credentials file,
    // malformed endpoints (variables, and a profile's endpoint_url that reaches the SDK),
    // and an endpoint that refuses connections. The inputs live outside HOME.
    let first_error_path = outputs.len();
    let secret = key.secret.as_str();
    let id = key.key_id.as_str();
    let other = unique_profile("kc-leak-err");
    env.track_keyring(&other);
    for input in [
        format!("{secret}\n{id}\n"),
        format!("{secret}\n"),
        format!("{secret}\n{secret}\n"),
        format!("{id}\n{secret} {secret}\n"),
        format!("{id}\n{secret}\n{secret}\n"),
        format!("{id}\n{secret}\u{1b}[31m\n"),
    ] {
        for store in ["file", "keychain"] {
            outputs.push(run_with_stdin(
                env.cmd().args([
                    "--debug",
                    "configure",
                    "--profile",
                    &other,
                    "--stdin",
                    "--store",
                    store,
                ]),
                &input,
            ));
        }
    }
    let header = "Access key ID,Secret access key";
    for (i, text) in [
        format!("{id},{secret}\n"),
        format!("{secret},{id}\n"),
        format!("{header}\n{secret},{id}\n"),
        format!("{secret}\n"),
        format!("{header}\n\"{id},{secret}\n"),
        format!("{header}\n{id},{secret},{secret}\n"),
        format!("\u{feff}{secret},{id}\r\n"),
    ]
    .iter()
    .enumerate()
    {
        let csv = env.dir.path().join(format!("bad{i}.csv"));
        std::fs::write(&csv, text).unwrap();
        outputs.push(env.run(
            &[
                "--debug",
                "import",
                csv.to_str().unwrap(),
                "--profile",
                &other,
            ],
            "",
        ));
    }
    let bad_credentials = env.dir.path().join("bad-credentials");
    for text in [
        format!("[p]\n{secret} {id}\n"),
        format!("[p] {secret}\n"),
        format!("[p]\naws_access_key_id = {id}\n{secret}\n"),
    ] {
        std::fs::write(&bad_credentials, text).unwrap();
        for args in [
            &["--debug", "profiles"][..],
            &["--debug", "whoami", "--profile", &profile],
            &["--debug", "migrate", "--all", "--dry-run"],
        ] {
            outputs.push(
                env.cmd()
                    .args(args)
                    .env("AWS_SHARED_CREDENTIALS_FILE", &bad_credentials)
                    .output()
                    .unwrap(),
            );
        }
    }
    for (var, value) in [
        ("AWS_ENDPOINT_URL", "localhost:4566"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566 "),
        ("AWS_ENDPOINT_URL_STS", "bad url"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
    ] {
        for args in [
            &["--debug", "whoami", "--profile", &profile][..],
            &["--debug", "credential-process", "--profile", &profile],
            &["--debug", "exec", &profile, "--", "true"],
            &["--debug", "doctor", "--profile", &profile],
        ] {
            outputs.push(
                env.cmd()
                    .args(args)
                    .env(var, value)
                    .env("AWS_MAX_ATTEMPTS", "1")
                    .output()
                    .unwrap(),
            );
        }
    }
    // The profile's own endpoint_url is not checked up front: the SDK meets it, with the
    // signed request in hand.
    let config_copy = env.dir.path().join("config-with-endpoint");
    std::fs::write(
        &config_copy,
        env.read_config().replace(
            &format!("[profile {profile}]\n"),
            &format!("[profile {profile}]\nendpoint_url = localhost:4566\n"),
        ),
    )
    .unwrap();
    for args in [
        &["--debug", "whoami", "--profile", &profile][..],
        &["--debug", "doctor", "--profile", &profile],
    ] {
        let out = env
            .cmd()
            .args(args)
            .env("AWS_CONFIG_FILE", &config_copy)
            .env("AWS_MAX_ATTEMPTS", "1")
            // AWS_ENDPOINT_URL would win over the profile's endpoint_url.
            .env_remove("AWS_ENDPOINT_URL")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{}", stderr(&out));
        outputs.push(out);
    }
    // Session credentials were cached by the commands above: their token and secret must
    // not show either.
    let session = env.run(&["credential-process", "--profile", &profile], "");
    let v: serde_json::Value = serde_json::from_slice(&session.stdout).unwrap();
    let session_secrets = [
        v["SecretAccessKey"].as_str().unwrap().to_owned(),
        v["SessionToken"].as_str().unwrap().to_owned(),
    ];
    for (i, out) in outputs.iter().enumerate() {
        assert_no_secret(out, &key.secret);
        // credential-process prints the session on stdout: that is its contract. On
        // stderr, and in the output of any failing run, the session must not show.
        if i >= first_error_path {
            for s in &session_secrets {
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(
                    !err.contains(s.as_str()),
                    "run {i}: the session leaked into stderr:\n{err}"
                );
                if !out.status.success() {
                    assert_no_secret(out, s);
                }
            }
        }
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("DispatchFailure"),
            "run {i} printed Rust debug output"
        );
    }
    assert_no_secret_in_files(&env, &key.secret);
    for s in &session_secrets {
        assert_no_secret_in_files(&env, s);
    }
    let _ = env.run(&["remove", &profile, "--yes"], "");
}

#[test]
fn keyutils_store_works_inside_a_session_keyring() {
    let env = TestEnv::new();
    let profile = unique_profile("ku");
    // The environment removes the key when dropped, also if an assertion below fails; the
    // session runs in a throwaway user namespace where the kernel allows one, so the key
    // never reaches this user's persistent keyring at all.
    env.track_keyring(&profile);
    let bin = env!("CARGO_BIN_EXE_sagecred");
    let script = format!(
        "printf '%s\\n%s\\n' {EXAMPLE_KEY_ID} '{EXAMPLE_SECRET}' | '{bin}' configure --profile {profile} --stdin --store keyutils && '{bin}' credential-process --profile {profile} --store keyutils --no-session"
    );
    let wrapper = crate::cleanup::keyutils_session();
    let out = env
        .program(wrapper[0])
        .args(&wrapper[1..])
        .args(["sh", "-c", &script])
        .output()
        .unwrap();
    assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["SecretAccessKey"], EXAMPLE_SECRET);
    assert!(env.read_config().contains(&format!(
        "credential-process --profile {profile} --store keyutils\n"
    )));
    assert_no_secret_in_files(&env, EXAMPLE_SECRET);
    if wrapper[0] == "unshare" {
        assert!(
            !crate::cleanup::in_persistent(&crate::cleanup::keyutils_description(
                "sagecred", &profile
            )),
            "the key reached this user's persistent keyring"
        );
    }
}
