//! `sagecred import`: the console's accessKeys.csv, in its real-world shapes.

use crate::common::*;

fn write_csv(env: &TestEnv, name: &str, text: &str) -> String {
    let path = env.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn imports_the_console_csv_with_bom_crlf_and_user_name() {
    let env = TestEnv::new();
    let csv = write_csv(
        &env,
        "sagemaker-developer_accessKeys.csv",
        &format!(
            "\u{feff}User name,Access key ID,Secret access key\r\nsagemaker-developer,{EXAMPLE_KEY_ID},{EXAMPLE_SECRET}\r\n\r\n"
        ),
    );
    let out = env.run(
        &[
            "import",
            &csv,
            "--profile",
            "ml",
            "--region",
            "us-west-2",
            "--store",
            "file",
        ],
        "",
    );
    assert_success(&out);
    assert_no_secret(&out, EXAMPLE_SECRET);
    assert!(
        stderr(&out).contains("IAM user `sagemaker-developer`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        env.read_credentials(),
        format!(
            "[ml]\naws_access_key_id = {EXAMPLE_KEY_ID}\naws_secret_access_key = {EXAMPLE_SECRET}\n"
        )
    );
    assert_eq!(env.read_config(), "[profile ml]\nregion = us-west-2\n");
}

#[test]
fn imports_the_two_column_csv() {
    let env = TestEnv::new();
    let csv = write_csv(
        &env,
        "accessKeys.csv",
        &format!("Access key ID,Secret access key\n{EXAMPLE_KEY_ID},{EXAMPLE_SECRET}\n"),
    );
    assert_success(&env.run(&["import", &csv, "--store", "file"], ""));
    assert!(env.read_credentials().contains(EXAMPLE_SECRET));
}

#[test]
fn refuses_bad_files_and_writes_nothing() {
    let env = TestEnv::new();
    let cases = [
        ("Name,Password\nbob,pw\n", "the header is `Name,Password`"),
        ("Access key ID,Secret access key\n", "no access key"),
        (
            "Access key ID,Secret access key\nbad,x\n",
            "access key id is not valid: character 1 is a lower-case letter",
        ),
    ];
    for (i, (text, expected)) in cases.iter().enumerate() {
        let csv = write_csv(&env, &format!("bad{i}.csv"), text);
        let out = env.run(&["import", &csv], "");
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(&csv),
            "the error names the file: {}",
            stderr(&out)
        );
    }
    let out = env.run(&["import", "/nonexistent/keys.csv"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/nonexistent/keys.csv"));
    assert!(!env.credentials.exists() && !env.config.exists());
}
