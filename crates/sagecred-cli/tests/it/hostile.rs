//! The hostile-input corpus: malformed INI, CSV and stdin shapes, non-regular targets for
//! the AWS files, escape sequences, 1 to 10 MB values, malformed endpoints, broken SSO
//! caches and emulator errors, run across the commands that meet them.
//!
//! Every case holds canary secrets and tokens, and each run of a command must:
//! - end with the documented exit code (see README: 2 bad input, 3 malformed file, 4 AWS,
//!   5 store, 6 a check failed), never a panic, and within a time limit;
//! - print the documented error shape on stderr: one `error:` line, at most followed by one
//!   `hint:` line, with no escape sequence and no canary;
//! - leave every file under HOME as it was (names, types, modes and bytes), and put no
//!   canary in any file there but the store's.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{EXAMPLE_KEY_ID, TestEnv};

/// A secret that must never leave the file or stream it was put in, shaped like AWS's
/// documentation example (40 characters, base64 letters and `/`).
const CANARY_SECRET: &str = "cAnArYsEcReTk7MDENG/bPxRfiCYCANARYKEY012";
/// Secrets come in other shapes too: only letters and digits, or with `+`.
const CANARY_ALNUM: &str = "CanaryAlnumSecret0123456789abcdefGHIJKLM";
const CANARY_PLUS: &str = "cAnArYpLuS+k7MDENG+bPxRfiCYCANARYKEY0002";
/// SSO tokens and a client secret, kept in the token cache.
const CANARY_TOKEN: &str = "cAnArYaCcEsStOkEn-0002";
const CANARY_REFRESH: &str = "cAnArYrEfReShToKeN-0003";
const CANARY_CLIENT_SECRET: &str = "cAnArYcLiEnTsEcReT-0004";
const CANARIES: [&str; 6] = [
    CANARY_SECRET,
    CANARY_ALNUM,
    CANARY_PLUS,
    CANARY_TOKEN,
    CANARY_REFRESH,
    CANARY_CLIENT_SECRET,
];

/// How long one command may run before the case counts as hung.
const TIME_LIMIT: Duration = Duration::from_secs(20);

/// What a run must end with.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Success, with nothing required of stderr beyond the common rules.
    Ok,
    /// This exit code, and the one-line error shape.
    Code(i32),
}

/// One command run against a prepared environment.
struct Run {
    args: Vec<String>,
    stdin: Vec<u8>,
    env: Vec<(String, String)>,
    expect: Expect,
    /// Text the error line must contain (for example the variable it names).
    mentions: Option<String>,
    /// Run with `--debug`: the logs come first, the error line and hint last.
    debug: bool,
}

impl Run {
    fn new(args: &[&str], expect: Expect) -> Self {
        Self {
            args: args.iter().map(|s| (*s).to_owned()).collect(),
            stdin: Vec::new(),
            env: Vec::new(),
            expect,
            mentions: None,
            debug: false,
        }
    }

    /// The same run with `--debug`.
    fn debug(&self) -> Self {
        Self {
            args: self.args.clone(),
            stdin: self.stdin.clone(),
            env: self.env.clone(),
            expect: self.expect,
            mentions: self.mentions.clone(),
            debug: true,
        }
    }

    fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = bytes.into();
        self
    }

    fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    fn mentions(mut self, text: &str) -> Self {
        self.mentions = Some(text.to_owned());
        self
    }
}

/// The state of every entry under a directory: type, mode and a hash of the bytes (or the
/// link target), by path.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    use std::hash::{Hash, Hasher};
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let ft = meta.file_type();
            let state = if ft.is_symlink() {
                format!("link -> {}", std::fs::read_link(&path).unwrap().display())
            } else if ft.is_dir() {
                stack.push(path.clone());
                format!("dir {:o}", meta.mode() & 0o7777)
            } else if ft.is_file() {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                std::fs::read(&path).unwrap().hash(&mut h);
                format!(
                    "file {:o} {} {:x}",
                    meta.mode() & 0o7777,
                    meta.len(),
                    h.finish()
                )
            } else {
                format!(
                    "special {:o} {:o}",
                    meta.mode() & 0o170000,
                    meta.mode() & 0o7777
                )
            };
            out.insert(path, state);
        }
    }
    out
}

/// Every regular file under `root` that holds a canary, except the allowed ones.
fn files_with_canaries(root: &Path, allowed: &[PathBuf]) -> Vec<String> {
    snapshot(root)
        .into_iter()
        .filter(|(p, state)| state.starts_with("file") && !allowed.contains(p))
        .filter_map(|(p, _)| {
            let bytes = std::fs::read(&p).ok()?;
            let text = String::from_utf8_lossy(&bytes);
            CANARIES
                .iter()
                .find(|c| text.contains(*c))
                .map(|c| format!("{} holds {c}", p.display()))
        })
        .collect()
}

/// Runs `cmd` with `stdin`, killing it after [`TIME_LIMIT`]. Returns (code, stdout,
/// stderr); a killed or signalled process has no code.
fn run_bounded(cmd: &mut Command, stdin: &[u8]) -> (Option<i32>, Vec<u8>, Vec<u8>) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // A command that refuses early closes stdin: not the case's concern.
        let _ = input.write_all(&data);
    });
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader_out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let reader_err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = writer.join();
    let stdout = reader_out.join().unwrap();
    let stderr = reader_err.join().unwrap();
    (status.and_then(|s| s.code()), stdout, stderr)
}

/// Runs each of `runs` in `env` and returns one line per broken rule. `stores` are the
/// files allowed to hold canaries (the store's).
fn check(case: &str, env: &TestEnv, stores: &[PathBuf], runs: &[Run]) -> Vec<String> {
    let mut failures = Vec::new();
    for run in runs {
        let label = format!("[{case}] sagecred {}", run.args.join(" "));
        let before = snapshot(&env.home);
        let mut cmd = env.cmd();
        if run.debug {
            cmd.arg("--debug");
        }
        cmd.args(&run.args);
        for (k, v) in &run.env {
            cmd.env(k, v);
        }
        let (code, stdout, stderr) = run_bounded(&mut cmd, &run.stdin);
        let err_text = String::from_utf8_lossy(&stderr).into_owned();
        let out_text = String::from_utf8_lossy(&stdout).into_owned();
        let mut fail = |what: String| failures.push(format!("{label}: {what}\nstderr: {err_text}"));
        let Some(code) = code else {
            fail(format!(
                "no exit code (hung past {TIME_LIMIT:?}, or killed by a signal)"
            ));
            continue;
        };
        if err_text.contains("panicked") || code == 101 {
            fail("panicked".to_owned());
        }
        match run.expect {
            Expect::Ok if code != 0 => fail(format!("exit {code}, expected 0")),
            Expect::Code(want) => {
                if code != want {
                    fail(format!("exit {code}, expected {want}"));
                }
                let mut lines: Vec<&str> = err_text.lines().collect();
                if run.debug {
                    // Debug logs first; the error and its hint are still the last lines.
                    let start = lines
                        .iter()
                        .rposition(|l| l.starts_with("error: "))
                        .unwrap_or(0);
                    lines.drain(..start);
                }
                let shape_ok = match lines.as_slice() {
                    [e] => e.starts_with("error: "),
                    [e, h] => e.starts_with("error: ") && h.starts_with("hint: "),
                    _ => false,
                };
                if !shape_ok {
                    fail("stderr is not one `error:` line and at most one `hint:` line".to_owned());
                }
                if let Some(m) = &run.mentions
                    && !lines.first().is_some_and(|l| l.contains(m.as_str()))
                {
                    fail(format!("the error does not mention `{m}`"));
                }
            }
            Expect::Ok => {}
        }
        for c in CANARIES {
            if err_text.contains(c) || out_text.contains(c) {
                fail(format!("a canary ({c}) was printed"));
            }
        }
        if !run.debug && stderr.iter().any(|&b| b == 0x1b || b == 0x07) {
            fail("raw escape or bell bytes on stderr".to_owned());
        }
        if stdout.iter().any(|&b| b == 0x1b || b == 0x07) {
            fail("raw escape or bell bytes on stdout".to_owned());
        }
        let mut after = snapshot(&env.home);
        // The SSO cache's refresh lock is a lasting, empty sidecar (`<cache>.json.lock`),
        // like the AWS files' `<file>.lock`: allowed there, and only there.
        after.retain(|p, state| {
            before.contains_key(p)
                || !(p.to_string_lossy().contains("/.aws/sso/cache/")
                    && p.extension().is_some_and(|e| e == "lock")
                    && state.starts_with("file 600 0 "))
        });
        if before != after {
            let changed: Vec<String> = before
                .iter()
                .filter(|(p, s)| after.get(*p) != Some(*s))
                .map(|(p, _)| p.display().to_string())
                .chain(
                    after
                        .keys()
                        .filter(|p| !before.contains_key(*p))
                        .map(|p| format!("{} (new)", p.display())),
                )
                .collect();
            fail(format!("files under HOME changed: {changed:?}"));
        }
        for leak in files_with_canaries(&env.home, stores) {
            fail(leak);
        }
    }
    failures
}

#[track_caller]
fn assert_clean(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} broken rule(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// A valid console CSV outside HOME, for commands that need one to get going.
fn outside(env: &TestEnv, name: &str, bytes: &[u8]) -> String {
    let path = env.dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

/// `configure --stdin` with every malformed shape of its two lines.
#[test]
fn stdin_shapes_fail_cleanly_and_never_echo() {
    let env = TestEnv::new();
    std::fs::write(&env.config, "[profile keep]\nregion = eu-west-1\n").unwrap();
    let configure = |input: Vec<u8>, mentions: &str| {
        Run::new(
            &["configure", "--profile", "p", "--stdin", "--store", "file"],
            Expect::Code(2),
        )
        .stdin(input)
        .mentions(mentions)
    };
    let s = CANARY_SECRET;
    let runs = vec![
        configure(format!("{s}\n{EXAMPLE_KEY_ID}\n").into(), "look swapped"),
        configure(format!("{s}\n").into(), "line 2 of stdin"),
        configure(format!("{s}\n{s}\n").into(), "line 1 of stdin"),
        configure(format!("\n{s}\n").into(), "line 1 of stdin"),
        configure(Vec::new(), "line 1 of stdin"),
        configure(
            format!("{EXAMPLE_KEY_ID}\n{s}\n{s}\n").into(),
            "line 3 of stdin",
        ),
        configure(
            format!("{EXAMPLE_KEY_ID}\n{s} {s}\n").into(),
            "contains whitespace",
        ),
        configure(
            format!("{EXAMPLE_KEY_ID}\n{s}\u{1b}]0;x\u{7}\n").into(),
            "control character",
        ),
        configure(
            format!("AKIA\u{1b}]0;owned\u{7}EXAMPLE\n{s}\n").into(),
            "access key id is not valid",
        ),
        configure(
            [
                EXAMPLE_KEY_ID.as_bytes(),
                b"\n\xff\xfe",
                s.as_bytes(),
                b"\n",
            ]
            .concat(),
            "line 2 of stdin is not valid UTF-8",
        ),
        configure(
            format!("{EXAMPLE_KEY_ID}\n{}\n", s.repeat(10)).into(),
            "characters long",
        ),
        // 1 MB and 10 MB: refused by size, without reading it all into memory.
        configure(
            format!("{EXAMPLE_KEY_ID}\n{}\n", s.repeat(1 << 20 >> 5)).into(),
            "more than 64 KiB",
        ),
        configure(
            format!("{}\n{EXAMPLE_KEY_ID}\n", s.repeat(10 << 20 >> 5)).into(),
            "more than 64 KiB",
        ),
    ];
    assert_clean(check("stdin", &env, &[], &runs));
}

/// `import` with every misshapen CSV: no header, swapped or single columns, an unbalanced
/// quote, extra columns, BOM and CRLF variants, UTF-16, 10 MB.
#[test]
fn csv_shapes_fail_cleanly_and_never_echo_a_cell() {
    let env = TestEnv::new();
    std::fs::write(&env.config, "[profile keep]\nregion = eu-west-1\n").unwrap();
    let s = CANARY_SECRET;
    let id = EXAMPLE_KEY_ID;
    let header = "Access key ID,Secret access key";
    let shapes: Vec<(&str, Vec<u8>, &str)> = vec![
        ("no-header", format!("{id},{s}\n").into(), "no header row"),
        (
            "no-header-swapped",
            format!("{s},{id}\n").into(),
            "no header row",
        ),
        (
            "swapped",
            format!("{header}\n{s},{id}\n").into(),
            "look swapped",
        ),
        (
            "swapped-header",
            format!("Secret access key,Access key ID\n{id},{s}\n").into(),
            "look swapped",
        ),
        ("single", format!("{s}\n").into(), "row 1 (the header)"),
        (
            "single-with-header",
            format!("Secret access key\n{s}\n").into(),
            "no `Access key ID` column",
        ),
        (
            "open-quote",
            format!("{header}\n\"{id},{s}\n").into(),
            "is never closed",
        ),
        (
            "extra-columns",
            format!("{header}\n{id},{s},{s}\n").into(),
            "row 2 has 3 columns",
        ),
        (
            "bom-crlf-no-header",
            format!("\u{feff}{id},{s}\r\n").into(),
            "no header row",
        ),
        (
            "crlf-swapped",
            format!("{header}\r\n{s},{id}\r\n").into(),
            "look swapped",
        ),
        (
            "escape-in-key",
            format!("{header}\nAKIA\u{1b}]0;x\u{7},{s}\n").into(),
            "access key id is not valid",
        ),
        (
            "utf16",
            [
                b"\xff\xfe".as_slice(),
                format!("{header}\n{id},{s}\n").as_bytes(),
            ]
            .concat(),
            "UTF-16",
        ),
        (
            "ten-megabytes",
            format!("{header}\n{id},{}\n", s.repeat(10 << 20 >> 5)).into(),
            "larger than 64 KiB",
        ),
        ("empty", Vec::new(), "the file is empty"),
    ];
    let runs: Vec<Run> = shapes
        .iter()
        .map(|(name, bytes, mentions)| {
            let file = outside(&env, &format!("{name}.csv"), bytes);
            Run::new(
                &["import", &file, "--profile", "p", "--store", "file"],
                Expect::Code(2),
            )
            .mentions(mentions)
        })
        .collect();
    assert_clean(check("csv", &env, &[], &runs));
}

/// A profile served by the SSO token cache, with canary tokens in the cache.
fn sso_env(expired: bool) -> (TestEnv, PathBuf) {
    let env = TestEnv::new();
    std::fs::write(
        &env.config,
        "[sso-session team]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n\
         [profile ssop]\nsso_session = team\nsso_account_id = 111122223333\nsso_role_name = Dev\nregion = eu-west-1\n",
    )
    .unwrap();
    let dir = env.home.join(".aws/sso/cache");
    std::fs::create_dir_all(&dir).unwrap();
    // sha1("team"), the file name the AWS CLI gives the session's cache.
    let cache = dir.join("d25187dc137f35c88bc80ec8c3ffbdb17b5eb873.json");
    let expires = if expired {
        "2020-01-01T00:00:00Z"
    } else {
        "2999-01-01T00:00:00Z"
    };
    std::fs::write(
        &cache,
        format!(
            "{{\"startUrl\": \"https://d-1234567890.awsapps.com/start\", \"region\": \"us-east-1\", \"accessToken\": \"{CANARY_TOKEN}\", \"expiresAt\": \"{expires}\", \"clientId\": \"client-1\", \"clientSecret\": \"{CANARY_CLIENT_SECRET}\", \"registrationExpiresAt\": \"2999-01-01T00:00:00Z\", \"refreshToken\": \"{CANARY_REFRESH}\"}}"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o600)).unwrap();
    (env, cache)
}

/// Malformed endpoint variables never reach the SDK: one line naming the variable, and the
/// SDK's dump of the request (with the client secret, refresh or bearer token) never shows.
#[test]
fn malformed_endpoints_name_the_variable_and_never_dump_the_request() {
    let (env, cache) = sso_env(true);
    std::fs::write(
        &env.credentials,
        format!("[plain]\naws_access_key_id = {EXAMPLE_KEY_ID}\naws_secret_access_key = {CANARY_SECRET}\n"),
    )
    .unwrap();
    let mut runs = Vec::new();
    for (var, value) in [
        ("AWS_ENDPOINT_URL", "localhost:4566"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566 "),
        ("AWS_ENDPOINT_URL_SSO_OIDC", "bad url"),
        (
            "AWS_ENDPOINT_URL_STS",
            "http://127.0.0.1:4566\u{1b}]0;x\u{7}",
        ),
        ("AWS_ENDPOINT_URL_SSO", "http://:80"),
    ] {
        let sso_var = var != "AWS_ENDPOINT_URL_STS";
        if sso_var {
            for args in [
                &["credential-process", "--profile", "ssop"][..],
                &["login", "--profile", "ssop", "--no-browser"],
                &["exec", "ssop", "--", "true"],
                &["env", "--credentials", "--profile", "ssop"],
            ] {
                runs.push(
                    Run::new(args, Expect::Code(2))
                        .env(var, value)
                        .mentions(var),
                );
            }
        }
        if var != "AWS_ENDPOINT_URL_SSO_OIDC" && var != "AWS_ENDPOINT_URL_SSO" {
            for args in [
                &["whoami", "--profile", "plain"][..],
                &["role", "resolve", "--profile", "plain"],
                &["provision", "--profile", "plain"],
                &["rotate", "--profile", "plain"],
            ] {
                runs.push(
                    Run::new(args, Expect::Code(2))
                        .env(var, value)
                        .mentions(var),
                );
            }
        }
    }
    assert_clean(check(
        "endpoints",
        &env,
        &[cache, env.credentials.clone()],
        &runs,
    ));
}

/// SSO failures with canary tokens in the cache: an unreachable endpoint, the emulator
/// refusing a refresh or a token, and broken cache files.
#[test]
fn sso_failures_never_show_a_token() {
    let emulator = crate::emulator::Emulator::start();
    let mut failures = Vec::new();

    // Nothing listens at the endpoint: one line saying which endpoint, not "sign in".
    let (env, cache) = sso_env(true);
    failures.extend(check(
        "sso-unreachable",
        &env,
        std::slice::from_ref(&cache),
        &[
            Run::new(
                &["credential-process", "--profile", "ssop"],
                Expect::Code(4),
            )
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_MAX_ATTEMPTS", "1")
            .mentions("could not be reached"),
            Run::new(
                &["login", "--profile", "ssop", "--no-browser"],
                Expect::Code(4),
            )
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_MAX_ATTEMPTS", "1")
            .mentions("could not be reached"),
        ],
    ));

    // The emulator does not know the canary tokens: the refresh is refused (sign in
    // again, exit 5) and a live-looking token is rejected (exit 5). Nothing is written:
    // the cache keeps what it had.
    emulator.configure(serde_json::json!({"refresh": "invalid_grant"}));
    let refused = |args: &[&str]| {
        Run::new(args, Expect::Code(5))
            .env("AWS_ENDPOINT_URL", emulator.url())
            .mentions("sign-in")
    };
    failures.extend(check(
        "sso-refresh-refused",
        &env,
        std::slice::from_ref(&cache),
        &[
            refused(&["credential-process", "--profile", "ssop"]),
            refused(&["whoami", "--profile", "ssop"]),
        ],
    ));
    let (live, live_cache) = sso_env(false);
    failures.extend(check(
        "sso-token-rejected",
        &live,
        &[live_cache],
        &[Run::new(
            &["credential-process", "--profile", "ssop"],
            Expect::Code(5),
        )
        .env("AWS_ENDPOINT_URL", emulator.url())
        .mentions("rejected")],
    ));

    // Broken cache files: position and kind, never their contents.
    for (name, text) in [
        (
            "truncated",
            format!("{{\"accessToken\": \"{CANARY_TOKEN}\", \"refreshToken\": \"{CANARY_REFRESH}"),
        ),
        (
            "wrong-types",
            format!(
                "{{\"accessToken\": 12, \"expiresAt\": [\"{CANARY_TOKEN}\"], \"refreshToken\": \"{CANARY_REFRESH}\"}}"
            ),
        ),
        (
            "bad-time",
            format!("{{\"accessToken\": \"{CANARY_TOKEN}\", \"expiresAt\": \"{CANARY_REFRESH}\"}}"),
        ),
        ("not-an-object", format!("[\"{CANARY_TOKEN}\"]")),
        (
            "escapes",
            format!("{{\"accessToken\": \"{CANARY_TOKEN}\u{1b}]0;x\u{7}\", \"expiresAt\": 1}}"),
        ),
    ] {
        let (env, cache) = sso_env(true);
        std::fs::write(&cache, text).unwrap();
        failures.extend(check(
            &format!("sso-cache-{name}"),
            &env,
            std::slice::from_ref(&cache),
            &[
                Run::new(
                    &["credential-process", "--profile", "ssop"],
                    Expect::Code(3),
                )
                .env("AWS_ENDPOINT_URL", emulator.url())
                .mentions("SSO token cache"),
                Run::new(
                    &["env", "--credentials", "--profile", "ssop"],
                    Expect::Code(3),
                )
                .env("AWS_ENDPOINT_URL", emulator.url())
                .mentions("SSO token cache"),
            ],
        ));
    }
    // The same failures with --debug: the SDK's debug logs carry no token either.
    let (env, cache) = sso_env(true);
    let mut env_endpoint = env.read_config();
    env_endpoint = env_endpoint.replace(
        "region = eu-west-1\n",
        "region = eu-west-1\nendpoint_url = localhost:4566\n",
    );
    let debug_runs: Vec<Run> = [
        Run::new(
            &["credential-process", "--profile", "ssop"],
            Expect::Code(4),
        )
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_MAX_ATTEMPTS", "1"),
        Run::new(
            &["credential-process", "--profile", "ssop"],
            Expect::Code(5),
        )
        .env("AWS_ENDPOINT_URL", emulator.url()),
        Run::new(
            &["login", "--profile", "ssop", "--no-browser"],
            Expect::Code(2),
        )
        .env("AWS_ENDPOINT_URL_SSO_OIDC", "bad url"),
    ]
    .iter()
    .map(Run::debug)
    .collect();
    failures.extend(check(
        "sso-debug",
        &env,
        std::slice::from_ref(&cache),
        &debug_runs,
    ));
    // A malformed endpoint_url in the profile reaches the SDK (only variables are checked
    // up front): the request it cannot send holds the client secret and refresh token,
    // and neither the error nor the debug log may show it.
    std::fs::write(&env.config, env_endpoint).unwrap();
    let profile_endpoint = Run::new(
        &["credential-process", "--profile", "ssop"],
        Expect::Code(4),
    )
    .env("AWS_PROFILE", "ssop")
    .mentions("endpoint URL is malformed");
    failures.extend(check(
        "sso-profile-endpoint",
        &env,
        std::slice::from_ref(&cache),
        &[profile_endpoint.debug(), profile_endpoint],
    ));
    assert_clean(failures);
}

/// An unknown profile: exit 2 and the same words in every command that works on one.
#[test]
fn an_unknown_profile_is_the_same_error_everywhere() {
    let env = TestEnv::with_endpoint("http://127.0.0.1:9");
    std::fs::write(&env.config, "[profile keep]\nregion = eu-west-1\n").unwrap();
    let named =
        |args: &[&str]| Run::new(args, Expect::Code(2)).mentions("profile `nope` is not in");
    let runs = vec![
        named(&["whoami", "--profile", "nope"]),
        named(&["env", "--profile", "nope"]),
        named(&["use", "nope", "--shell", "bash"]),
        named(&["role", "--profile", "nope"]),
        named(&["role", "resolve", "--profile", "nope"]),
        named(&["credential-process", "--profile", "nope"]),
        named(&["exec", "nope", "--", "true"]),
        named(&["remove", "nope", "--yes"]),
        named(&["doctor", "--profile", "nope"]),
        named(&["provision", "--profile", "nope"]),
        named(&["teardown", "--profile", "nope"]),
        named(&["migrate", "--profile", "nope"]),
        named(&["rotate", "--profile", "nope"]),
        named(&["recover", "--profile", "nope", "--admin-profile", "keep"]),
        named(&["login", "--profile", "nope", "--no-browser"]),
        named(&["logout", "--profile", "nope"]),
        named(&["env", "--credentials", "--profile", "nope"]),
    ];
    let runs: Vec<Run> = runs
        .into_iter()
        .map(|r| r.env("AWS_MAX_ATTEMPTS", "1"))
        .collect();
    let failures = check("unknown-profile", &env, &[], &runs);
    // And with AWS_PROFILE instead of --profile.
    let mut more = check(
        "unknown-profile-env",
        &env,
        &[],
        &[Run::new(&["whoami"], Expect::Code(2))
            .env("AWS_PROFILE", "nope")
            .mentions("profile `nope` is not in")],
    );
    more.extend(failures);
    assert_clean(more);
}

/// Failed AWS calls: one line, no Rust debug output, and a hint that fits the cause.
#[test]
fn unreachable_endpoints_are_named_and_not_blamed_on_the_keys() {
    let env = TestEnv::with_endpoint("http://127.0.0.1:9");
    std::fs::write(&env.config, "[profile plain]\nregion = eu-west-1\n").unwrap();
    std::fs::write(
        &env.credentials,
        format!("[plain]\naws_access_key_id = {EXAMPLE_KEY_ID}\naws_secret_access_key = {CANARY_SECRET}\n"),
    )
    .unwrap();
    let runs = vec![
        Run::new(&["whoami", "--profile", "plain"], Expect::Code(4))
            .env("AWS_MAX_ATTEMPTS", "1")
            .mentions("connection refused"),
        Run::new(&["role", "resolve", "--profile", "plain"], Expect::Code(4))
            .env("AWS_MAX_ATTEMPTS", "1")
            .mentions("connection refused"),
    ];
    let mut failures = check(
        "unreachable",
        &env,
        std::slice::from_ref(&env.credentials),
        &runs,
    );
    // The hint names the endpoint, not the keys; no Rust debug output anywhere.
    let out = env
        .cmd()
        .args(["whoami", "--profile", "plain"])
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    for bad in [
        "DispatchFailure",
        "ConnectorError",
        "Some(",
        "{ ",
        "check the keys",
    ] {
        if err.contains(bad) {
            failures.push(format!("whoami's error holds `{bad}`: {err}"));
        }
    }
    if !err.contains(
        "hint: the STS endpoint http://127.0.0.1:9 (from AWS_ENDPOINT_URL) could not be reached",
    ) {
        failures.push(format!("whoami's hint does not name the endpoint: {err}"));
    }
    assert_clean(failures);
}

/// `--debug` writes colour only to a terminal, and never with NO_COLOR.
#[test]
fn debug_logs_have_no_colour_off_a_terminal_or_with_no_color() {
    let env = TestEnv::new();
    std::fs::write(&env.config, "[profile p]\nregion = eu-west-1\n").unwrap();
    let out = env
        .cmd()
        .args(["--debug", "whoami", "--profile", "p"])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("DEBUG"), "no debug log at all: {err}");
    assert!(!err.contains('\u{1b}'), "colour on a pipe: {err:?}");

    // On a terminal (script(1) gives one), colour unless NO_COLOR is set.
    let bin = env!("CARGO_BIN_EXE_sagecred");
    let on_tty = |no_color: Option<&str>| {
        let mut cmd = env.program("script");
        cmd.args([
            "-qec",
            &format!("AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_MAX_ATTEMPTS=1 '{bin}' --debug whoami --profile p >/dev/null"),
            "/dev/null",
        ]);
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let out = cmd.output().expect("script (util-linux) must be installed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let coloured = on_tty(None);
    assert!(coloured.contains("DEBUG"), "{coloured:?}");
    assert!(
        coloured.contains('\u{1b}'),
        "a terminal gets colour: {coloured:?}"
    );
    let plain = on_tty(Some("1"));
    assert!(plain.contains("DEBUG"), "{plain:?}");
    assert!(!plain.contains('\u{1b}'), "NO_COLOR is honoured: {plain:?}");
}

/// Malformed AWS files with the secret in them: the parse error names file and line, never
/// the line's text. Needs helper `ini`'s parser errors.
#[test]
fn malformed_aws_files_fail_cleanly_across_commands() {
    let id = EXAMPLE_KEY_ID;
    let mut shapes: Vec<(String, String)> = Vec::new();
    for (tag, s) in [
        ("example-shape", CANARY_SECRET),
        ("alnum", CANARY_ALNUM),
        ("plus", CANARY_PLUS),
    ] {
        for (name, text) in [
            ("side-by-side", format!("[p]\n{s} {id}\n")),
            ("key-then-secret", format!("[p]\n{id} {s}\n")),
            ("after-header", format!("[p] {s}\n")),
            ("after-header-tab", format!("[p]\t{s}\n")),
            ("no-equals", format!("[p]\naws_access_key_id = {id}\n{s}\n")),
            ("colon", format!("[p]\naws_secret_access_key: {s}\n")),
            (
                "unclosed-header",
                format!("[p\naws_secret_access_key = {s}\n"),
            ),
            ("header-holds-it", format!("[{s}\n")),
            (
                "escapes",
                format!("[p]\naws_access_key_id = {id}\n\u{1b}]0;{s}\u{7}\n"),
            ),
        ] {
            shapes.push((format!("{name}-{tag}"), text));
        }
    }
    let s = CANARY_SECRET;
    let mut failures = Vec::new();
    for (name, text) in &shapes {
        let env = TestEnv::with_endpoint("http://127.0.0.1:9");
        std::fs::write(&env.config, "[profile p]\nregion = eu-west-1\n").unwrap();
        std::fs::write(&env.credentials, text).unwrap();
        let csv = outside(
            &env,
            "keys.csv",
            format!("Access key ID,Secret access key\n{id},{s}\n").as_bytes(),
        );
        let runs: Vec<Run> = [
            &["profiles"][..],
            &["configure", "--profile", "q", "--stdin", "--store", "file"],
            &["import", &csv, "--profile", "q", "--store", "file"],
            &["migrate", "--all", "--dry-run"],
            &["whoami", "--profile", "p"],
            &["exec", "p", "--", "true"],
            &["role", "resolve", "--profile", "p"],
            &["remove", "p", "--yes"],
            &["doctor", "--profile", "p"],
        ]
        .iter()
        .map(|args| {
            Run::new(args, Expect::Code(3))
                .stdin(format!("{id}\n{s}\n"))
                .env("AWS_MAX_ATTEMPTS", "1")
        })
        .collect();
        failures.extend(check(
            name,
            &env,
            std::slice::from_ref(&env.credentials),
            &runs,
        ));
        if failures.len() > 40 {
            break;
        }
    }
    assert_clean(failures);
}

/// A malformed config file (with a secret pasted into it) stops every command that reads
/// it, the hot paths included, with exit 3 and no quote of the line.
#[test]
fn a_malformed_config_stops_every_command() {
    let s = CANARY_PLUS;
    let id = EXAMPLE_KEY_ID;
    let mut failures = Vec::new();
    for (name, text) in [
        ("unclosed", format!("[profile p\nregion = us-east-1 {s}\n")),
        (
            "secret-line",
            format!("[profile p]\nregion = us-east-1\n{s}\n"),
        ),
        (
            "header-secret",
            format!("[profile p] {s}\nregion = us-east-1\n"),
        ),
    ] {
        let env = TestEnv::with_endpoint("http://127.0.0.1:9");
        std::fs::write(&env.config, text).unwrap();
        let csv = outside(
            &env,
            "keys.csv",
            format!("Access key ID,Secret access key\n{id},{s}\n").as_bytes(),
        );
        let runs: Vec<Run> = [
            &["profiles"][..],
            &["env", "--profile", "p"],
            &["use", "p", "--shell", "bash"],
            &["credential-process", "--profile", "p"],
            &["exec", "p", "--", "true"],
            &["whoami", "--profile", "p"],
            &["role", "--profile", "p"],
            &["remove", "p", "--yes"],
            &["doctor", "--profile", "p"],
            &["provision", "--profile", "p"],
            &["configure", "--profile", "q", "--stdin", "--store", "file"],
            &["import", &csv, "--profile", "q", "--store", "file"],
            &["migrate", "--all", "--dry-run"],
            &["login", "--profile", "p", "--no-browser"],
            &[
                "sso",
                "configure",
                "--profile",
                "q",
                "--sso-session",
                "team",
                "--start-url",
                "https://d-1234567890.awsapps.com/start",
                "--sso-region",
                "us-east-1",
                "--account-id",
                "111122223333",
                "--role-name",
                "Dev",
                "--yes",
            ],
        ]
        .iter()
        .map(|args| {
            Run::new(args, Expect::Code(3))
                .stdin(format!("{id}\n{s}\n"))
                .env("AWS_MAX_ATTEMPTS", "1")
        })
        .collect();
        failures.extend(check(name, &env, std::slice::from_ref(&env.config), &runs));
    }
    assert_clean(failures);
}

/// Non-regular targets for the AWS files: nothing but a regular file is ever replaced, and
/// nothing is created beside it. Needs helper `ini`'s refusal of non-regular targets.
#[test]
fn non_regular_targets_are_never_replaced() {
    let s = CANARY_SECRET;
    let mut failures = Vec::new();
    let write_cmds = |csv: &str| -> Vec<Vec<String>> {
        [
            vec!["configure", "--profile", "p", "--stdin", "--store", "file"],
            vec!["import", csv, "--profile", "p", "--store", "file"],
        ]
        .into_iter()
        .map(|v| v.into_iter().map(str::to_owned).collect())
        .collect()
    };
    // A FIFO, a directory, a symlink to /dev/null, and /dev/null itself.
    for target in ["fifo", "dir", "symlink-null", "dev-null"] {
        let env = TestEnv::new();
        let path: PathBuf = match target {
            "fifo" => {
                let p = env.home.join(".aws/credentials");
                let ok = Command::new("mkfifo").arg(&p).status().unwrap().success();
                assert!(ok);
                p
            }
            "dir" => {
                let p = env.home.join(".aws/credentials");
                std::fs::create_dir(&p).unwrap();
                p
            }
            "symlink-null" => {
                let p = env.home.join(".aws/credentials");
                std::os::unix::fs::symlink("/dev/null", &p).unwrap();
                p
            }
            _ => PathBuf::from("/dev/null"),
        };
        let csv = outside(
            &env,
            "keys.csv",
            format!("Access key ID,Secret access key\n{EXAMPLE_KEY_ID},{s}\n").as_bytes(),
        );
        let runs: Vec<Run> = write_cmds(&csv)
            .iter()
            .map(|args| {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                Run::new(&args, Expect::Code(2))
                    .stdin(format!("{EXAMPLE_KEY_ID}\n{s}\n"))
                    .env("AWS_SHARED_CREDENTIALS_FILE", &path.display().to_string())
            })
            .collect();
        failures.extend(check(&format!("target-{target}"), &env, &[], &runs));
        // The config file as the target: every command that writes it refuses.
        let config_runs: Vec<Run> = [
            &["configure", "--profile", "p", "--stdin", "--store", "file"][..],
            &[
                "role",
                "set",
                "arn:aws:iam::123456789012:role/R",
                "--profile",
                "p",
            ],
            &[
                "sso",
                "configure",
                "--profile",
                "q",
                "--sso-session",
                "team",
                "--start-url",
                "https://d-1234567890.awsapps.com/start",
                "--sso-region",
                "us-east-1",
                "--account-id",
                "111122223333",
                "--role-name",
                "Dev",
                "--yes",
            ],
        ]
        .iter()
        .map(|args| {
            Run::new(args, Expect::Code(2))
                .stdin(format!("{EXAMPLE_KEY_ID}\n{s}\n"))
                .env("AWS_CONFIG_FILE", &path.display().to_string())
        })
        .collect();
        failures.extend(check(
            &format!("config-target-{target}"),
            &env,
            &[],
            &config_runs,
        ));
        if target == "dev-null" {
            let meta = std::fs::metadata("/dev/null").unwrap();
            assert!(
                std::os::unix::fs::FileTypeExt::is_char_device(&meta.file_type()),
                "/dev/null is no longer a device"
            );
        }
    }
    // Reading is fine where it makes sense: an empty /dev/null config has no profiles.
    let env = TestEnv::new();
    failures.extend(check(
        "read-dev-null",
        &env,
        &[],
        &[Run::new(&["profiles"], Expect::Ok)
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")],
    ));
    assert_clean(failures);
}

/// Escape sequences and huge values in the config: shown escaped and bounded, never raw.
/// Needs helper `output`'s escaping and bounds.
#[test]
fn escapes_and_huge_values_in_the_config_stay_inert_and_bounded() {
    let mut failures = Vec::new();
    let huge = "a".repeat(10 << 20);
    for (name, config) in [
        (
            "escape-region",
            "[profile p]\nregion = us-east-1\u{1b}]0;owned\u{7}\n".to_owned(),
        ),
        (
            "escape-role",
            "[profile p]\nregion = us-east-1\nsagemaker_role_arn = arn:aws:iam::123456789012:role/x\u{1b}[2J\n".to_owned(),
        ),
        ("huge-value", format!("[profile p]\nregion = us-east-1\noutput = {huge}\n")),
    ] {
        let env = TestEnv::new();
        std::fs::write(&env.config, config).unwrap();
        failures.extend(check(
            name,
            &env,
            &[],
            &[
                Run::new(&["profiles"], Expect::Ok),
                Run::new(&["profiles", "--output", "json"], Expect::Ok),
            ],
        ));
        let out = env.cmd().arg("profiles").output().unwrap();
        if out.stdout.len() > 64 * 1024 {
            failures.push(format!(
                "[{name}] profiles printed {} bytes in text mode; long cells must be cut",
                out.stdout.len()
            ));
        }
    }
    assert_clean(failures);
}
