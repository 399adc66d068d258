//! Terminal and memory safety of what sagecred prints (issue 12 part 3): control
//! characters from the AWS files never reach the terminal raw, text output is bounded
//! whatever the values, JSON stays exact, and the `profiles` table puts every value under
//! its own header.

use std::collections::BTreeMap;

use crate::common::*;

/// An OSC sequence that retitles the terminal, a C1 CSI, and a bidirectional override.
const ESC_TITLE: &str = "\u{1b}]0;pwned\u{7}";
const C1_CSI: &str = "\u{9b}31m";
const BIDI: &str = "\u{202e}";

/// Whether `bytes` hold a character that drives a terminal (newlines and tabs excepted).
fn raw_controls(bytes: &[u8]) -> Vec<char> {
    String::from_utf8_lossy(bytes)
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

#[track_caller]
fn assert_terminal_safe(what: &str, out: &std::process::Output) {
    for (name, stream) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let found = raw_controls(stream);
        assert!(
            found.is_empty(),
            "`{what}` wrote raw control characters {found:?} to {name}:\n{}",
            String::from_utf8_lossy(stream).escape_debug()
        );
    }
}

/// The value of each column of a text table's rows, by header: columns start where their
/// header starts.
fn table_by_header(text: &str, headers: &[&str]) -> Vec<BTreeMap<String, String>> {
    let mut lines = text.lines();
    let head = lines.next().expect("a header line");
    let mut starts: Vec<usize> = Vec::new();
    let mut from = 0;
    for h in headers {
        let at = head[from..]
            .find(h.trim_start())
            .unwrap_or_else(|| panic!("header `{h}` missing in {head:?}"))
            + from;
        starts.push(at);
        from = at + h.trim_start().len();
    }
    // The first column's header is indented by its marker; it starts at 0.
    starts[0] = 0;
    lines
        .map(|line| {
            let chars: Vec<char> = line.chars().collect();
            let mut row = BTreeMap::new();
            for (i, h) in headers.iter().enumerate() {
                let start = starts[i].min(chars.len());
                let end = starts
                    .get(i + 1)
                    .copied()
                    .unwrap_or(chars.len())
                    .min(chars.len());
                let cell: String = chars[start..end].iter().collect();
                row.insert(h.trim().to_owned(), cell.trim().to_owned());
            }
            // Nothing may stand beyond the last column's start but that column's value.
            row
        })
        .collect()
}

const HEADERS: [&str; 7] = [
    "  PROFILE",
    "STORE",
    "REGION",
    "KEY",
    "KEY AGE",
    "ACCOUNT",
    "SAGEMAKER ROLE",
];

#[test]
fn profiles_shows_every_column_under_its_own_header() {
    let env = TestEnv::new();
    env.configure(
        "dev",
        EXAMPLE_KEY_ID,
        EXAMPLE_SECRET,
        &["--region", "eu-west-1"],
    );
    let role = "arn:aws:iam::123456789012:role/ml/Trainer";
    std::fs::write(
        &env.config,
        format!(
            "{}aws_account_id = 123456789012\nsagemaker_role_arn = {role}\n\n[profile bare]\nregion = us-west-2\n",
            env.read_config()
        ),
    )
    .unwrap();

    let out = env.run(&["profiles", "--profile", "dev"], "");
    assert_success(&out);
    let text = stdout(&out);
    let header = text.lines().next().unwrap();
    let cells = |line: &str| line.split("  ").filter(|c| !c.trim().is_empty()).count();
    assert_eq!(cells(header), HEADERS.len(), "{text}");
    let rows = table_by_header(&text, &HEADERS);
    assert_eq!(rows.len(), 2, "{text}");
    let dev = &rows[1];
    assert_eq!(dev["PROFILE"], "* dev", "{text}");
    assert_eq!(dev["STORE"], "file", "{text}");
    assert_eq!(dev["REGION"], "eu-west-1", "{text}");
    assert_eq!(dev["KEY"], "AKIA************MPLE", "{text}");
    assert_eq!(dev["KEY AGE"], "-", "{text}");
    assert_eq!(dev["ACCOUNT"], "123456789012", "{text}");
    assert_eq!(dev["SAGEMAKER ROLE"], role, "{text}");
    let bare = &rows[0];
    assert_eq!(bare["PROFILE"], "bare", "{text}");
    assert_eq!(bare["STORE"], "none", "{text}");
    assert_eq!(bare["REGION"], "us-west-2", "{text}");
    for h in ["KEY", "KEY AGE", "ACCOUNT", "SAGEMAKER ROLE"] {
        assert_eq!(bare[h], "-", "{h}: {text}");
    }

    // The same values by name in JSON.
    let out = env.run(&["profiles", "--profile", "dev", "--output", "json"], "");
    assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dev = &v["profiles"][1];
    assert_eq!(dev["name"], "dev");
    assert_eq!(dev["current"], true);
    assert_eq!(dev["store"], "file");
    assert_eq!(dev["region"], "eu-west-1");
    assert_eq!(dev["access_key_id"], "AKIA************MPLE");
    assert_eq!(dev["key_age_days"], serde_json::Value::Null);
    assert_eq!(dev["aws_account_id"], "123456789012");
    assert_eq!(dev["sagemaker_role_arn"], role);
    let bare = &v["profiles"][0];
    assert_eq!(bare["name"], "bare");
    assert_eq!(bare["current"], false);
    assert_eq!(bare["store"], "none");
    assert_no_secret(&out, EXAMPLE_SECRET);
}

/// The keychain's key age lands under KEY AGE, and nothing else does.
#[test]
fn profiles_key_age_column_for_a_keychain_profile() {
    require_secret_service();
    let env = TestEnv::new();
    let profile = unique_user("cols-kc");
    env.configure_keychain(&profile, EXAMPLE_KEY_ID, EXAMPLE_SECRET, &[]);
    let out = env.run(&["profiles"], "");
    let _ = env.run(&["remove", &profile, "--yes"], "");
    assert_success(&out);
    let text = stdout(&out);
    let rows = table_by_header(&text, &HEADERS);
    let row = rows.iter().find(|r| r["PROFILE"] == profile).expect(&text);
    assert_eq!(row["STORE"], "keychain", "{text}");
    assert_eq!(row["KEY"], "AKIA************MPLE", "{text}");
    assert_eq!(row["KEY AGE"], "0d", "{text}");
    assert_eq!(row["ACCOUNT"], "-", "{text}");
    assert_eq!(row["SAGEMAKER ROLE"], "-", "{text}");
}

/// Every value of a profile carries escape sequences; no command writes them raw.
#[test]
fn control_characters_from_the_files_are_shown_escaped() {
    let env = TestEnv::new();
    let config = format!(
        "[profile evil]\nregion = us-east-1{ESC_TITLE}\naws_account_id = 1234{C1_CSI}\nsagemaker_role_arn = arn:aws:iam::123456789012:role/{BIDI}x{ESC_TITLE}\nsso_start_url = https://x{ESC_TITLE}\nother = {C1_CSI}\n\n[profile ok]\nregion = us-east-1\n"
    );
    std::fs::write(&env.config, &config).unwrap();
    let creds = format!("[evil]\naws_access_key_id = AKIA{ESC_TITLE}\n");
    std::fs::write(&env.credentials, &creds).unwrap();

    let runs: &[&[&str]] = &[
        &["profiles"],
        &["profiles", "--output", "json"],
        &["env", "--profile", "evil", "--shell", "bash"],
        &["env", "--profile", "evil", "--shell", "fish"],
        &["use", "evil", "--shell", "bash"],
        &["role", "--profile", "evil"],
        &["role", "--profile", "evil", "--output", "json"],
        &["exec", "evil", "--", "true"],
        &["migrate", "--all", "--dry-run"],
        &[
            "credential-process",
            "--profile",
            "evil",
            "--store",
            "keyutils",
        ],
        &[
            "configure",
            "--profile",
            "evil",
            "--region",
            "us-east-1\u{1b}[2J",
            "--stdin",
        ],
    ];
    for args in runs {
        let out = env
            .cmd()
            .args(*args)
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_MAX_ATTEMPTS", "1")
            .output()
            .unwrap();
        let what = args.join(" ");
        assert_terminal_safe(&what, &out);
        assert!(
            out.status.code().is_some(),
            "`{what}` died from a signal: {}",
            stderr(&out)
        );
    }

    // Text shows the escapes, so the user sees what is in the file.
    let out = env.run(&["profiles"], "");
    assert_success(&out);
    let text = stdout(&out);
    assert!(text.contains("us-east-1\\x1b]0;pwned\\x07"), "{text}");
    assert!(text.contains("1234\\u{9b}31m"), "{text}");
    assert!(text.contains("\\u{202e}x\\x1b"), "{text}");

    // JSON carries the exact values.
    let out = env.run(&["profiles", "--output", "json"], "");
    assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let evil = v["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "evil")
        .unwrap();
    assert_eq!(evil["region"], format!("us-east-1{ESC_TITLE}"));
    assert_eq!(evil["aws_account_id"], format!("1234{C1_CSI}"));
    assert_eq!(
        evil["sagemaker_role_arn"],
        format!("arn:aws:iam::123456789012:role/{BIDI}x{ESC_TITLE}")
    );

    // An environment value named in a note or an error is escaped too.
    let out = env
        .cmd()
        .args(["env", "--profile", "ok"])
        .env("SHELL", format!("/bin/{ESC_TITLE}"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_terminal_safe("env with a hostile SHELL", &out);
    assert!(
        stderr(&out).contains("\\x1b]0;pwned\\x07"),
        "{}",
        stderr(&out)
    );
}

/// A malformed line holding an escape sequence: the parse error shows it escaped.
#[test]
fn parse_errors_do_not_write_escape_sequences() {
    let env = TestEnv::new();
    std::fs::write(
        &env.config,
        format!("[profile a]\nregion = us-east-1\nnot a property {ESC_TITLE}\n"),
    )
    .unwrap();
    for args in [&["profiles"][..], &["role", "--profile", "a"]] {
        let out = env.run(args, "");
        assert!(!out.status.success());
        assert_terminal_safe(&args.join(" "), &out);
    }
}

/// One 10 MB value in a config of 10,000 profiles: the text listing stays small (cells are
/// cut with an ellipsis) and the process stays far from the 22 GB the padding once took;
/// JSON carries the value whole.
#[test]
fn profiles_text_is_bounded_whatever_the_values() {
    let env = TestEnv::new();
    let huge = "r".repeat(10 << 20);
    let mut config = String::with_capacity(huge.len() + 400_000);
    for i in 0..10_000 {
        config.push_str(&format!("[profile p{i}]\nregion = us-east-1\n"));
        if i == 5_000 {
            config.push_str(&format!("sagemaker_role_arn = {huge}\n"));
        }
    }
    std::fs::write(&env.config, &config).unwrap();
    // 1 GiB of address space is ample for the listing, and 20 times too little for the
    // old padding.
    let bin = env!("CARGO_BIN_EXE_sagecred");
    let out = env
        .program("bash")
        .args(["-c", &format!("ulimit -v 1048576; exec '{bin}' profiles")])
        .output()
        .unwrap();
    assert_success(&out);
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 10_001);
    let longest = text.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(longest < 400, "a line of {longest} characters");
    assert!(
        text.contains("rrr…"),
        "the long value is cut with an ellipsis"
    );
    assert!(
        out.stdout.len() < 4 << 20,
        "{} bytes of text",
        out.stdout.len()
    );

    let out = env.run(&["profiles", "--output", "json"], "");
    assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = v["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "p5000")
        .unwrap();
    assert_eq!(row["sagemaker_role_arn"].as_str(), Some(huge.as_str()));
}

/// Values sagecred accepts are bounded, and the refusal gives the length, not the value.
#[test]
fn oversized_values_are_refused_without_being_echoed() {
    let env = TestEnv::new();
    let canary = "CANARYSECRET0123456789";
    let secret = format!("{canary}{}", "S".repeat(4000));
    let out = env.run(
        &[
            "configure",
            "--profile",
            "big",
            "--stdin",
            "--store",
            "file",
        ],
        &format!("{EXAMPLE_KEY_ID}\n{secret}\n"),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("secret access key is 4022 characters long; at most 128"),
        "{}",
        stderr(&out)
    );
    assert_no_secret(&out, canary);
    assert!(!env.credentials.exists() && !env.config.exists());

    let long_id = format!("AKIA{}", "A".repeat(5000));
    let out = env.run(
        &[
            "configure",
            "--profile",
            "big",
            "--stdin",
            "--store",
            "file",
        ],
        &format!("{long_id}\n{EXAMPLE_SECRET}\n"),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("access key id is not valid: it is 5004 bytes long"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("AAAAAAAAAAAAAAAA"),
        "{}",
        stderr(&out)
    );

    std::fs::write(&env.config, "[profile ok]\nregion = us-east-1\n").unwrap();
    let long_region = "us-east-1".repeat(1000);
    let out = env
        .cmd()
        .args(["exec", "ok", "--", "true"])
        .env("AWS_REGION", &long_region)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("region is 9000 characters long"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("us-east-1us-east-1"),
        "{}",
        stderr(&out)
    );

    let long_arn = format!("arn:aws:iam::123456789012:role/{}", "x".repeat(100_000));
    let out = env.run(&["role", "set", &long_arn, "--profile", "big"], "");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).len() < 1000,
        "{} bytes of error",
        stderr(&out).len()
    );
    assert_eq!(
        env.read_config(),
        "[profile ok]\nregion = us-east-1\n",
        "nothing was written"
    );
}
