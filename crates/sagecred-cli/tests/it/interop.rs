//! Real AWS clients read what sagecred wrote: boto3 (under the SageMaker Python SDK) and
//! the AWS CLI v2, both pointed at moto.

use crate::common::*;

#[test]
fn boto3_and_the_aws_cli_use_configured_keys() {
    let env = TestEnv::with_moto();
    let key = moto_user(&env, &unique_user("interop-configure"));
    // Existing content that both clients must still parse after the edit.
    std::fs::write(&env.config, "# team settings\n[default]\nregion = us-east-1\n\n[profile other]\nregion = eu-west-1\ns3 =\n  max_concurrent_requests = 4\n").unwrap();
    env.configure("ml", &key.key_id, &key.secret, &["--region", "us-west-2"]);
    assert_eq!(boto3_arn(&env, "ml"), key.arn);
    assert_eq!(aws_cli_arn(&env, "ml"), key.arn);
}

#[test]
fn boto3_and_the_aws_cli_use_imported_keys() {
    let env = TestEnv::with_moto();
    let user = unique_user("interop-import");
    let key = moto_user(&env, &user);
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
        &[
            "import",
            csv.to_str().unwrap(),
            "--profile",
            "imported",
            "--store",
            "file",
        ],
        "",
    );
    assert_success(&out);
    assert_eq!(boto3_arn(&env, "imported"), key.arn);
    assert_eq!(aws_cli_arn(&env, "imported"), key.arn);
}
