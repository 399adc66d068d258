//! The desired state as infrastructure code that deploys to any account: a CloudFormation
//! template (JSON) and a Terraform configuration (HCL), for teams that keep IAM in code
//! review or roll it out with StackSets or a Terraform module.
//!
//! Emitting needs no AWS call. The code is built from [`DesiredState::symbolic`], whose
//! symbols become the account and partition of wherever it is deployed
//! (`AWS::AccountId`/`AWS::Partition`; `data.aws_caller_identity`/`data.aws_partition`)
//! and parameters or variables for the names, with the options' values as defaults.
//!
//! The access key is included only when [`ProvisionOptions::create_access_key`] is set:
//! its secret then ends up in the stack outputs or the Terraform state, which the caller
//! must warn about.

use serde_json::{Map, Value, json};

use crate::desired::{DesiredState, ProvisionOptions, symbol};
use crate::{Error, Mode};

/// CloudFormation logical ids of the customer managed policies, in `policies` order.
const CFN_POLICY_IDS: [&str; 2] = ["CustomPolicy", "UserPolicy"];
/// Terraform labels of the customer managed policies, in `policies` order.
const TF_POLICY_LABELS: [&str; 2] = ["custom", "user"];

/// A named input of the emitted code.
struct Input {
    /// The symbol's name, which is also the CloudFormation parameter's.
    name: &'static str,
    /// The Terraform variable's name.
    variable: &'static str,
    description: &'static str,
    /// CloudFormation's `AllowedPattern`.
    pattern: &'static str,
    default: String,
}

/// The inputs that `options` needs, in a stable order.
fn inputs(options: &ProvisionOptions) -> Vec<Input> {
    let mut inputs = vec![
        Input {
            name: "BucketName",
            variable: "bucket_name",
            description: "The S3 bucket of the training data",
            pattern: "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
            default: options.bucket.clone(),
        },
        Input {
            name: "RoleName",
            variable: "role_name",
            description: "The SageMaker execution role",
            pattern: "^[A-Za-z0-9+=,.@_-]{1,64}$",
            default: options.role_name.clone(),
        },
        Input {
            name: "PolicyName",
            variable: "policy_name",
            description: "The customer managed policy (least privilege adds one named NAME-User)",
            pattern: "^[A-Za-z0-9+=,.@_-]{1,120}$",
            default: options.policy_name.clone(),
        },
    ];
    if let Some(user) = &options.user_name {
        inputs.push(Input {
            name: "UserName",
            variable: "user_name",
            description: "The IAM user of the developer's machine",
            pattern: "^[A-Za-z0-9+=,.@_-]{1,64}$",
            default: user.clone(),
        });
    }
    if options.least_privilege {
        inputs.push(Input {
            name: "EcrRepository",
            variable: "ecr_repository",
            description: "The ECR repository of the training image",
            pattern: "^[a-z0-9._/-]{2,256}$",
            default: options.ecr_repository.clone(),
        });
    }
    inputs
}

/// A piece of a string that may hold symbols.
enum Piece<'a> {
    Text(&'a str),
    Symbol(&'a str),
}

/// Splits `text` at its `⟦NAME⟧` symbols.
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find(symbol::OPEN) {
        let after = open + symbol::OPEN.len_utf8();
        let Some(len) = rest[after..].find(symbol::CLOSE) else {
            break;
        };
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        out.push(Piece::Symbol(&rest[after..after + len]));
        rest = &rest[after + len + symbol::CLOSE.len_utf8()..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// A string as CloudFormation should write it: itself, a `Ref` when it is one symbol, or
/// an `Fn::Sub` when it holds symbols among text.
fn cfn_string(text: &str) -> Value {
    let parts = pieces(text);
    match parts.as_slice() {
        [] => json!(""),
        [Piece::Text(t)] => json!(t),
        [Piece::Symbol(s)] => json!({ "Ref": s }),
        _ => {
            let mut sub = String::new();
            for part in &parts {
                match part {
                    // `${` would start a substitution; `${!` writes it literally.
                    Piece::Text(t) => sub.push_str(&t.replace("${", "${!")),
                    Piece::Symbol(s) => {
                        sub.push_str("${");
                        sub.push_str(s);
                        sub.push('}');
                    }
                }
            }
            json!({ "Fn::Sub": sub })
        }
    }
}

/// `value` with every string turned into [`cfn_string`]'s form.
fn cfn_value(value: &Value) -> Value {
    match value {
        Value::String(s) => cfn_string(s),
        Value::Array(items) => Value::Array(items.iter().map(cfn_value).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), cfn_value(v))).collect())
        }
        other => other.clone(),
    }
}

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
/// template, or the ARN of an AWS managed policy in the stack's partition.
fn cfn_policy_ref(desired: &DesiredState, arn: &str) -> Value {
    match desired.policies.iter().position(|p| p.arn == arn) {
        Some(i) => json!({"Ref": CFN_POLICY_IDS[i.min(1)]}),
        None => cfn_string(arn),
    }
}

/// Renders `options` as a CloudFormation template in JSON, with no AWS call.
///
/// Fails with [`Error::InvalidOption`] when a name breaks IAM's or S3's rules.
pub fn emit_cloudformation(options: &ProvisionOptions) -> Result<String, Error> {
    let desired = DesiredState::symbolic(options)?;
    let mut parameters = Map::new();
    for input in inputs(options) {
        parameters.insert(
            input.name.to_owned(),
            json!({
                "Type": "String",
                "Description": input.description,
                "Default": input.default,
                "AllowedPattern": input.pattern,
            }),
        );
    }
    let mut resources = Map::new();
    for (i, policy) in desired.policies.iter().enumerate() {
        resources.insert(
            CFN_POLICY_IDS[i.min(1)].to_owned(),
            json!({
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "ManagedPolicyName": cfn_string(&policy.name),
                    "Description": policy.description,
                    "PolicyDocument": cfn_value(&parse(&policy.document)),
                }
            }),
        );
    }
    resources.insert(
        "ExecutionRole".to_owned(),
        json!({
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": cfn_string(&desired.role.name),
                "Description": desired.role.description,
                "AssumeRolePolicyDocument": cfn_value(&parse(&desired.role.trust_policy)),
                "ManagedPolicyArns": desired.role.attached_policy_arns.iter()
                    .map(|a| cfn_policy_ref(&desired, a)).collect::<Vec<_>>(),
                "Tags": cfn_tags(&desired),
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
                    "UserName": cfn_string(&user.name),
                    "ManagedPolicyArns": user.attached_policy_arns.iter()
                        .map(|a| cfn_policy_ref(&desired, a)).collect::<Vec<_>>(),
                    "Tags": cfn_tags(&desired),
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
            mode_word(&desired)
        ),
        "Parameters": parameters,
        "Resources": resources,
        "Outputs": outputs,
    });
    let mut text = serde_json::to_string_pretty(&template).unwrap_or_default();
    text.push('\n');
    Ok(text)
}

fn mode_word(desired: &DesiredState) -> &'static str {
    match desired.mode {
        Mode::GuideDefault => "guide default",
        Mode::LeastPrivilege => "least privilege",
    }
}

/// The Terraform expression a symbol stands for.
fn tf_expression(name: &str) -> String {
    match name {
        "AWS::AccountId" => "data.aws_caller_identity.current.account_id".to_owned(),
        "AWS::Partition" => "data.aws_partition.current.partition".to_owned(),
        "BucketName" => "var.bucket_name".to_owned(),
        "RoleName" => "var.role_name".to_owned(),
        "PolicyName" => "var.policy_name".to_owned(),
        "UserName" => "var.user_name".to_owned(),
        "EcrRepository" => "var.ecr_repository".to_owned(),
        // Every symbol DesiredState::symbolic makes is listed above.
        other => format!("var.{}", other.to_ascii_lowercase()),
    }
}

/// Escapes text for the inside of an HCL string or heredoc: template sequences (`${`,
/// `%{`) are doubled so Terraform does not interpolate them.
fn hcl_escape_template(text: &str) -> String {
    text.replace("${", "$${").replace("%{", "%%{")
}

/// An HCL string literal for text that may hold symbols: a bare expression when it is one
/// symbol, else a quoted template with the symbols interpolated.
fn hcl_value(value: &str) -> String {
    let parts = pieces(value);
    if let [Piece::Symbol(s)] = parts.as_slice() {
        return tf_expression(s);
    }
    let mut out = String::from("\"");
    for part in parts {
        match part {
            Piece::Text(t) => out.push_str(&hcl_escape_template(
                &t.replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('\n', "\\n"),
            )),
            Piece::Symbol(s) => {
                out.push_str("${");
                out.push_str(&tf_expression(s));
                out.push('}');
            }
        }
    }
    out.push('"');
    out
}

/// A plain HCL string literal (no symbols expected).
fn hcl_string(value: &str) -> String {
    hcl_value(value)
}

/// A heredoc holding a JSON document, with template sequences escaped and symbols
/// interpolated.
fn hcl_heredoc(document: &str) -> String {
    let mut body = String::new();
    for part in pieces(document) {
        match part {
            Piece::Text(t) => body.push_str(&hcl_escape_template(t)),
            Piece::Symbol(s) => {
                body.push_str("${");
                body.push_str(&tf_expression(s));
                body.push('}');
            }
        }
    }
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
        None => hcl_value(arn),
    }
}

/// Renders `options` as a Terraform configuration (AWS provider resources) in HCL, with no
/// AWS call.
///
/// Fails with [`Error::InvalidOption`] when a name breaks IAM's or S3's rules.
pub fn emit_terraform(options: &ProvisionOptions) -> Result<String, Error> {
    let desired = DesiredState::symbolic(options)?;
    let mut out = format!(
        "# Generated by sagecred: IAM for SageMaker training ({}).\n",
        mode_word(&desired)
    );
    out.push_str(concat!(
        "\nterraform {\n  required_providers {\n    aws = {\n      source = \"hashicorp/aws\"\n    }\n  }\n}\n",
        "\ndata \"aws_caller_identity\" \"current\" {}\n",
        "\ndata \"aws_partition\" \"current\" {}\n",
    ));
    for input in inputs(options) {
        out.push_str(&format!(
            "\nvariable \"{}\" {{\n  description = {}\n  type        = string\n  default     = {}\n}}\n",
            input.variable,
            hcl_string(input.description),
            hcl_string(&input.default),
        ));
    }
    let tags = hcl_tags(&desired);
    for (i, policy) in desired.policies.iter().enumerate() {
        out.push_str(&format!(
            "\nresource \"aws_iam_policy\" \"{}\" {{\n  name        = {}\n  description = {}\n  tags        = {tags}\n  policy      = {}\n}}\n",
            TF_POLICY_LABELS[i.min(1)],
            hcl_value(&policy.name),
            hcl_string(&policy.description),
            hcl_heredoc(&policy.document),
        ));
    }
    out.push_str(&format!(
        "\nresource \"aws_iam_role\" \"execution\" {{\n  name               = {}\n  description        = {}\n  tags               = {tags}\n  assume_role_policy = {}\n}}\n",
        hcl_value(&desired.role.name),
        hcl_string(&desired.role.description),
        hcl_heredoc(&desired.role.trust_policy),
    ));
    for (i, arn) in desired.role.attached_policy_arns.iter().enumerate() {
        out.push_str(&format!(
            "\nresource \"aws_iam_role_policy_attachment\" \"execution_{i}\" {{\n  role       = aws_iam_role.execution.name\n  policy_arn = {}\n}}\n",
            tf_policy_ref(&desired, arn)
        ));
    }
    out.push_str(
        "\noutput \"execution_role_arn\" {\n  description = \"SAGEMAKER_ROLE\"\n  value       = aws_iam_role.execution.arn\n}\n",
    );
    if let Some(user) = &desired.user {
        out.push_str(&format!(
            "\nresource \"aws_iam_user\" \"developer\" {{\n  name = {}\n  tags = {tags}\n}}\n",
            hcl_value(&user.name)
        ));
        for (i, arn) in user.attached_policy_arns.iter().enumerate() {
            out.push_str(&format!(
                "\nresource \"aws_iam_user_policy_attachment\" \"developer_{i}\" {{\n  user       = aws_iam_user.developer.name\n  policy_arn = {}\n}}\n",
                tf_policy_ref(&desired, arn)
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
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudformation_is_account_independent_with_parameters() {
        let options = ProvisionOptions {
            create_access_key: false,
            ..Default::default()
        };
        let text = emit_cloudformation(&options).unwrap();
        assert!(!text.contains('⟦'), "{text}");
        let t: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            t["Parameters"]["BucketName"]["Default"],
            "vessel-segmentation-data"
        );
        assert_eq!(
            t["Parameters"]["RoleName"]["Default"],
            "SageMaker-UNetTraining-ExecutionRole"
        );
        let r = &t["Resources"];
        assert_eq!(
            r["CustomPolicy"]["Properties"]["ManagedPolicyName"],
            json!({"Ref": "PolicyName"})
        );
        assert_eq!(
            r["ExecutionRole"]["Properties"]["RoleName"],
            json!({"Ref": "RoleName"})
        );
        let trust = &r["ExecutionRole"]["Properties"]["AssumeRolePolicyDocument"];
        assert_eq!(
            trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"],
            json!({"Ref": "AWS::AccountId"})
        );
        assert_eq!(
            r["CustomPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]["Resource"][1],
            json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::${BucketName}/*"})
        );
        assert_eq!(
            r["ExecutionRole"]["Properties"]["ManagedPolicyArns"],
            json!([
                {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonSageMakerFullAccess"},
                {"Ref": "CustomPolicy"}
            ])
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

        let with_key: Value =
            serde_json::from_str(&emit_cloudformation(&ProvisionOptions::default()).unwrap())
                .unwrap();
        assert_eq!(
            with_key["Resources"]["DeveloperAccessKey"]["Type"],
            "AWS::IAM::AccessKey"
        );
    }

    #[test]
    fn terraform_uses_data_sources_and_variables_and_escapes_templates() {
        let options = ProvisionOptions {
            create_access_key: false,
            least_privilege: true,
            ..Default::default()
        };
        let hcl = emit_terraform(&options).unwrap();
        assert!(!hcl.contains('⟦'), "{hcl}");
        for needle in [
            "data \"aws_caller_identity\" \"current\" {}",
            "data \"aws_partition\" \"current\" {}",
            "variable \"bucket_name\"",
            "default     = \"unet-training\"",
            "resource \"aws_iam_policy\" \"custom\"",
            "name        = \"${var.policy_name}-User\"",
            "resource \"aws_iam_role\" \"execution\"",
            "name               = var.role_name",
            "resource \"aws_iam_user\" \"developer\"",
            "policy_arn = aws_iam_policy.user.arn",
            "\"aws:SourceAccount\": \"${data.aws_caller_identity.current.account_id}\"",
            "\"managed-by\" = \"sagecred\"",
        ] {
            assert!(hcl.contains(needle), "{needle} missing from\n{hcl}");
        }
        assert!(!hcl.contains("aws_iam_access_key"));
        assert_eq!(hcl_string("a\"${x}"), "\"a\\\"$${x}\"");
    }

    #[test]
    fn bad_names_are_refused_before_anything_is_emitted() {
        let options = ProvisionOptions {
            role_name: "bad role".into(),
            ..Default::default()
        };
        assert!(emit_cloudformation(&options).is_err());
        assert!(emit_terraform(&options).is_err());
    }
}
