//! The desired state as infrastructure code: a CloudFormation template (JSON) and a
//! Terraform configuration (HCL), for teams that keep IAM in code review.
//!
//! The access key is included only when [`UserSpec::access_key`](crate::UserSpec) is set:
//! its secret then ends up in the stack outputs or the Terraform state, which the caller
//! must warn about.

use serde_json::{Map, Value, json};

use crate::desired::DesiredState;

/// CloudFormation logical ids of the customer managed policies, in `policies` order.
const CFN_POLICY_IDS: [&str; 2] = ["CustomPolicy", "UserPolicy"];
/// Terraform labels of the customer managed policies, in `policies` order.
const TF_POLICY_LABELS: [&str; 2] = ["custom", "user"];

fn parse(document: &str) -> Value {
    // Documents in a DesiredState are rendered by this crate, so they always parse.
    serde_json::from_str(document).unwrap_or(Value::Null)
}

fn cfn_tags(desired: &DesiredState) -> Value {
    desired
        .tags
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect()
}

/// A policy ARN as CloudFormation should name it: a `Ref` to a policy of the same
/// template, or the literal ARN of an AWS managed policy.
fn cfn_policy_ref(desired: &DesiredState, arn: &str) -> Value {
    match desired.policies.iter().position(|p| p.arn == arn) {
        Some(i) => json!({"Ref": CFN_POLICY_IDS[i.min(1)]}),
        None => json!(arn),
    }
}

/// Renders `desired` as a CloudFormation template in JSON.
pub fn emit_cloudformation(desired: &DesiredState) -> String {
    let mut resources = Map::new();
    for (i, policy) in desired.policies.iter().enumerate() {
        resources.insert(
            CFN_POLICY_IDS[i.min(1)].to_owned(),
            json!({
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "ManagedPolicyName": policy.name,
                    "Description": policy.description,
                    "PolicyDocument": parse(&policy.document),
                }
            }),
        );
    }
    resources.insert(
        "ExecutionRole".to_owned(),
        json!({
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": desired.role.name,
                "Description": desired.role.description,
                "AssumeRolePolicyDocument": parse(&desired.role.trust_policy),
                "ManagedPolicyArns": desired.role.attached_policy_arns.iter()
                    .map(|a| cfn_policy_ref(desired, a)).collect::<Vec<_>>(),
                "Tags": cfn_tags(desired),
            }
        }),
    );
    let mut outputs = Map::new();
    outputs.insert(
        "ExecutionRoleArn".to_owned(),
        json!({"Description": "SAGEMAKER_ROLE", "Value": {"Fn::GetAtt": ["ExecutionRole", "Arn"]}}),
    );
    if let Some(user) = &desired.user {
        resources.insert(
            "DeveloperUser".to_owned(),
            json!({
                "Type": "AWS::IAM::User",
                "Properties": {
                    "UserName": user.name,
                    "ManagedPolicyArns": user.attached_policy_arns.iter()
                        .map(|a| cfn_policy_ref(desired, a)).collect::<Vec<_>>(),
                    "Tags": cfn_tags(desired),
                }
            }),
        );
        if user.access_key {
            resources.insert(
                "DeveloperAccessKey".to_owned(),
                json!({
                    "Type": "AWS::IAM::AccessKey",
                    "Properties": { "UserName": {"Ref": "DeveloperUser"} }
                }),
            );
            outputs.insert(
                "AccessKeyId".to_owned(),
                json!({"Value": {"Ref": "DeveloperAccessKey"}}),
            );
            outputs.insert(
                "SecretAccessKey".to_owned(),
                json!({
                    "Description": "visible to anyone who can read this stack's outputs",
                    "Value": {"Fn::GetAtt": ["DeveloperAccessKey", "SecretAccessKey"]}
                }),
            );
        }
    }
    let template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!(
            "sagecred: IAM for SageMaker training ({}); AWS::IAM::ManagedPolicy takes no tags",
            mode_word(desired)
        ),
        "Resources": resources,
        "Outputs": outputs,
    });
    let mut text = serde_json::to_string_pretty(&template).unwrap_or_default();
    text.push('\n');
    text
}

fn mode_word(desired: &DesiredState) -> &'static str {
    match desired.mode {
        crate::Mode::GuideDefault => "guide default",
        crate::Mode::LeastPrivilege => "least privilege",
    }
}

/// An HCL string literal: quotes and backslashes escaped, and template sequences
/// (`${`, `%{`) doubled so Terraform does not interpolate them.
fn hcl_string(value: &str) -> String {
    let escaped = value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace("${", "$${")
        .replace("%{", "%%{");
    format!("\"{escaped}\"")
}

/// A heredoc holding a JSON document, with template sequences escaped.
fn hcl_heredoc(document: &str) -> String {
    let body = document.replace("${", "$${").replace("%{", "%%{");
    format!("<<EOT\n{body}\nEOT")
}

fn hcl_tags(desired: &DesiredState) -> String {
    let pairs: Vec<String> = desired
        .tags
        .iter()
        .map(|(k, v)| format!("{} = {}", hcl_string(k), hcl_string(v)))
        .collect();
    format!("{{ {} }}", pairs.join(", "))
}

fn tf_policy_ref(desired: &DesiredState, arn: &str) -> String {
    match desired.policies.iter().position(|p| p.arn == arn) {
        Some(i) => format!("aws_iam_policy.{}.arn", TF_POLICY_LABELS[i.min(1)]),
        None => hcl_string(arn),
    }
}

/// Renders `desired` as a Terraform configuration (AWS provider resources) in HCL.
pub fn emit_terraform(desired: &DesiredState) -> String {
    let mut out = format!(
        "# Generated by sagecred: IAM for SageMaker training ({}).\n",
        mode_word(desired)
    );
    let tags = hcl_tags(desired);
    for (i, policy) in desired.policies.iter().enumerate() {
        out.push_str(&format!(
            "\nresource \"aws_iam_policy\" \"{}\" {{\n  name        = {}\n  description = {}\n  tags        = {tags}\n  policy      = {}\n}}\n",
            TF_POLICY_LABELS[i.min(1)],
            hcl_string(&policy.name),
            hcl_string(&policy.description),
            hcl_heredoc(&policy.document),
        ));
    }
    out.push_str(&format!(
        "\nresource \"aws_iam_role\" \"execution\" {{\n  name               = {}\n  description        = {}\n  tags               = {tags}\n  assume_role_policy = {}\n}}\n",
        hcl_string(&desired.role.name),
        hcl_string(&desired.role.description),
        hcl_heredoc(&desired.role.trust_policy),
    ));
    for (i, arn) in desired.role.attached_policy_arns.iter().enumerate() {
        out.push_str(&format!(
            "\nresource \"aws_iam_role_policy_attachment\" \"execution_{i}\" {{\n  role       = aws_iam_role.execution.name\n  policy_arn = {}\n}}\n",
            tf_policy_ref(desired, arn)
        ));
    }
    out.push_str(
        "\noutput \"execution_role_arn\" {\n  description = \"SAGEMAKER_ROLE\"\n  value       = aws_iam_role.execution.arn\n}\n",
    );
    if let Some(user) = &desired.user {
        out.push_str(&format!(
            "\nresource \"aws_iam_user\" \"developer\" {{\n  name = {}\n  tags = {tags}\n}}\n",
            hcl_string(&user.name)
        ));
        for (i, arn) in user.attached_policy_arns.iter().enumerate() {
            out.push_str(&format!(
                "\nresource \"aws_iam_user_policy_attachment\" \"developer_{i}\" {{\n  user       = aws_iam_user.developer.name\n  policy_arn = {}\n}}\n",
                tf_policy_ref(desired, arn)
            ));
        }
        if user.access_key {
            out.push_str(concat!(
                "\n# The secret of this key is stored in the Terraform state in plaintext.\n",
                "resource \"aws_iam_access_key\" \"developer\" {\n  user = aws_iam_user.developer.name\n}\n",
                "\noutput \"access_key_id\" {\n  value = aws_iam_access_key.developer.id\n}\n",
                "\noutput \"secret_access_key\" {\n  value     = aws_iam_access_key.developer.secret\n  sensitive = true\n}\n",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProvisionOptions;
    use sagecred_core::Partition;

    fn desired(options: ProvisionOptions) -> DesiredState {
        DesiredState::new(&options, &"123456789012".parse().unwrap(), Partition::Aws).unwrap()
    }

    #[test]
    fn cloudformation_names_the_same_resources() {
        let d = desired(ProvisionOptions {
            create_access_key: false,
            ..Default::default()
        });
        let t: Value = serde_json::from_str(&emit_cloudformation(&d)).unwrap();
        let r = &t["Resources"];
        assert_eq!(
            r["CustomPolicy"]["Properties"]["ManagedPolicyName"],
            "VesselSegmentationS3ECRAccess"
        );
        assert_eq!(
            r["ExecutionRole"]["Properties"]["RoleName"],
            "SageMaker-UNetTraining-ExecutionRole"
        );
        assert_eq!(
            r["DeveloperUser"]["Properties"]["UserName"],
            "sagemaker-developer"
        );
        assert_eq!(
            r["CustomPolicy"]["Properties"]["PolicyDocument"],
            parse(&d.policies[0].document)
        );
        assert_eq!(
            r["ExecutionRole"]["Properties"]["ManagedPolicyArns"][1],
            json!({"Ref": "CustomPolicy"})
        );
        assert_eq!(
            r["DeveloperUser"]["Properties"]["ManagedPolicyArns"]
                .as_array()
                .unwrap()
                .len(),
            4
        );
        assert!(r.get("DeveloperAccessKey").is_none());
        assert!(t["Outputs"].get("SecretAccessKey").is_none());

        let with_key = desired(ProvisionOptions::default());
        let t: Value = serde_json::from_str(&emit_cloudformation(&with_key)).unwrap();
        assert_eq!(
            t["Resources"]["DeveloperAccessKey"]["Type"],
            "AWS::IAM::AccessKey"
        );
    }

    #[test]
    fn terraform_has_every_resource_and_escapes_templates() {
        let d = desired(ProvisionOptions {
            create_access_key: false,
            least_privilege: true,
            ..Default::default()
        });
        let hcl = emit_terraform(&d);
        for needle in [
            "resource \"aws_iam_policy\" \"custom\"",
            "resource \"aws_iam_policy\" \"user\"",
            "resource \"aws_iam_role\" \"execution\"",
            "resource \"aws_iam_user\" \"developer\"",
            "policy_arn = aws_iam_policy.user.arn",
            "\"managed-by\" = \"sagecred\"",
        ] {
            assert!(hcl.contains(needle), "{needle} missing from\n{hcl}");
        }
        assert!(!hcl.contains("aws_iam_access_key"));
        assert_eq!(hcl_string("a\"${x}"), "\"a\\\"$${x}\"");
    }
}
