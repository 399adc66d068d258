//! The execution role's trust policy as provisioning installs it, and the test of a trust
//! policy read back from IAM: does it let SageMaker assume the role?

use sagecred_core::{AccountId, Partition};
use serde_json::Value;

use crate::desired::{Mode, SAGEMAKER_SERVICE, trust_policy};
use crate::json::decode_document;

/// The trust policy `provision` gives the role in `mode`, as one line of JSON: SageMaker
/// may assume it on behalf of `account` only (`aws:SourceAccount`), and in least-privilege
/// mode only for training jobs.
pub fn trust_policy_document(mode: Mode, partition: Partition, account: &AccountId) -> String {
    trust_policy(mode, partition.as_str(), account.as_str()).to_string()
}

/// Whether a trust policy as IAM returns it (URL-encoded; moto returns it raw) has an Allow
/// statement that grants `sts:AssumeRole` to the SageMaker service. `Err` when the document
/// cannot be read.
pub fn trusts_sagemaker(document: &str) -> Result<bool, String> {
    let doc = decode_document(document)?;
    let one_or_many = |v: Option<&Value>, want: &str| match v {
        Some(Value::String(s)) => s == want || s == "*",
        Some(Value::Array(a)) => a.iter().any(|x| x == want || x == "*"),
        _ => false,
    };
    let statements = match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => Vec::new(),
    };
    Ok(statements.iter().any(|s| {
        s.get("Effect").and_then(Value::as_str) == Some("Allow")
            && one_or_many(s.get("Action"), "sts:AssumeRole")
            && one_or_many(
                s.get("Principal").and_then(|p| p.get("Service")),
                SAGEMAKER_SERVICE,
            )
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_trust_policies_trust_sagemaker_raw_and_url_encoded() {
        let account: AccountId = "123456789012".parse().unwrap();
        let raw = trust_policy_document(Mode::GuideDefault, Partition::Aws, &account);
        assert!(
            raw.contains("\"aws:SourceAccount\":\"123456789012\""),
            "{raw}"
        );
        assert_eq!(trusts_sagemaker(&raw), Ok(true));
        let encoded = raw
            .replace('{', "%7B")
            .replace('}', "%7D")
            .replace('"', "%22")
            .replace(':', "%3A")
            .replace(',', "%2C");
        assert_eq!(trusts_sagemaker(&encoded), Ok(true));
        let other = raw.replace(SAGEMAKER_SERVICE, "ec2.amazonaws.com");
        assert_eq!(trusts_sagemaker(&other), Ok(false));
        assert!(trusts_sagemaker("%zz").is_err());
        let least = trust_policy_document(Mode::LeastPrivilege, Partition::Aws, &account);
        assert!(least.contains("aws:SourceArn"), "{least}");
        assert_eq!(trusts_sagemaker(&least), Ok(true));
    }
}
