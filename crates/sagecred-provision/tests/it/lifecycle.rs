//! Plan, apply, re-apply, interruption, verification, teardown and export.

use std::collections::BTreeMap;

use sagecred_provision::{
    Mode, ProgressEvent, ProvisionOptions, ResourceKind, Step, VerifyRetry, apply, discover,
    emit_cloudformation, teardown_apply, teardown_plan, verify_key,
};
use serde_json::Value;

use crate::{Moto, Recorder, actions, decode, options, quiet};

fn counts(pairs: &[(&str, u32)]) -> BTreeMap<String, u32> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

#[tokio::test]
async fn plan_on_an_empty_account_creates_everything() {
    let moto = Moto::new().await;
    let opts = options();
    let desired = moto.desired(&opts);
    let plan = discover(&moto.iam, &desired).await.unwrap();
    assert_eq!(
        actions(&plan),
        [
            "create",
            "create",
            "attach",
            "attach",
            "create",
            "attach",
            "attach",
            "attach",
            "attach",
            "create-key"
        ]
    );
    assert_eq!(plan.mode, Mode::GuideDefault);
    assert!(plan.role_arn.is_none());
    let Step::CreatePolicy { document, .. } = &plan.steps[0] else {
        panic!("{:?}", plan.steps[0])
    };
    assert_eq!(document, &desired.policies[0].document);
    let text = plan.render_text();
    assert!(text.contains("pass any role to SageMaker"), "{text}");
    assert!(
        text.contains("\"Sid\": \"S3AccessForVesselSegmentation\""),
        "{text}"
    );
    let json: Value = serde_json::from_str(&plan.to_json()).unwrap();
    assert_eq!(json["steps"][0]["step"], "create_policy");
    assert_eq!(
        moto.calls.snapshot(),
        counts(&[("GetPolicy", 1), ("GetRole", 1), ("GetUser", 1)])
    );
    assert_eq!(moto.calls.mutating(), 0);
}

#[tokio::test]
async fn apply_creates_what_the_guide_lists_and_a_second_apply_changes_nothing() {
    let moto = Moto::new().await;
    let opts = options();
    let role = opts.role_name.clone();
    let user = opts.user_name.clone().unwrap();
    let desired = moto.desired(&opts);
    let plan = discover(&moto.iam, &desired).await.unwrap();
    moto.calls.reset();
    let recorder = Recorder::default();
    let outcome = apply(&moto.iam, &plan, &|e| recorder.record(e))
        .await
        .unwrap();

    // First apply: one call per change, plus one waiter poll per creation.
    assert_eq!(
        moto.calls.snapshot(),
        counts(&[
            ("AttachRolePolicy", 2),
            ("AttachUserPolicy", 4),
            ("CreateAccessKey", 1),
            ("CreatePolicy", 1),
            ("CreateRole", 1),
            ("CreateUser", 1),
            ("GetPolicy", 1),
            ("GetRole", 1),
            ("GetUser", 1),
        ])
    );
    assert_eq!(outcome.changes_applied, 10);
    let events = recorder.0.lock().unwrap().clone();
    assert!(events.contains(&ProgressEvent::Waiting {
        kind: ResourceKind::Role,
        name: role.clone()
    }));

    // The key: returned, never shown.
    let key = outcome.access_key.as_ref().expect("a new key");
    let secret = key.secret_access_key().expose().to_owned();
    assert!(!format!("{outcome:?}").contains(&secret));
    assert!(!format!("{events:?}").contains(&secret));
    let role_arn = outcome.role_arn.as_ref().unwrap();
    assert_eq!(
        role_arn.to_string(),
        format!("arn:aws:iam::{}:role/{role}", moto.account)
    );

    // Every resource, read back with the SDK.
    let got = moto.iam.get_role().role_name(&role).send().await.unwrap();
    let r = got.role().unwrap();
    assert_eq!(r.path(), "/");
    assert_eq!(r.arn(), role_arn.to_string());
    assert!(
        r.tags()
            .iter()
            .any(|t| t.key() == "managed-by" && t.value() == "sagecred")
    );
    let trust = decode(r.assume_role_policy_document().unwrap());
    assert_eq!(
        trust["Statement"][0]["Principal"]["Service"],
        "sagemaker.amazonaws.com"
    );
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"],
        moto.account.as_str()
    );
    let role_policies = moto
        .iam
        .list_attached_role_policies()
        .role_name(&role)
        .send()
        .await
        .unwrap();
    let mut names: Vec<&str> = role_policies
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_name())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["AmazonSageMakerFullAccess", opts.policy_name.as_str()]
    );
    let user_policies = moto
        .iam
        .list_attached_user_policies()
        .user_name(&user)
        .send()
        .await
        .unwrap();
    let mut names: Vec<&str> = user_policies
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_name())
        .collect();
    names.sort_unstable();
    let mut want = vec![
        "AmazonEC2ContainerRegistryFullAccess",
        "AmazonSageMakerFullAccess",
        "IAMReadOnlyAccess",
        opts.policy_name.as_str(),
    ];
    want.sort_unstable();
    assert_eq!(names, want);
    let policy_arn = &desired.policies[0].arn;
    let policy = moto
        .iam
        .get_policy()
        .policy_arn(policy_arn)
        .send()
        .await
        .unwrap();
    let policy = policy.policy().unwrap();
    assert!(policy.tags().iter().any(|t| t.key() == "managed-by"));
    let version = moto
        .iam
        .get_policy_version()
        .policy_arn(policy_arn)
        .version_id(policy.default_version_id().unwrap())
        .send()
        .await
        .unwrap();
    let document = decode(version.policy_version().unwrap().document().unwrap());
    let guide: Value = serde_json::from_str(&desired.policies[0].document).unwrap();
    assert_eq!(document, guide);
    assert_eq!(
        document["Statement"][0]["Resource"][0],
        "arn:aws:s3:::vessel-segmentation-data"
    );
    let got_user = moto.iam.get_user().user_name(&user).send().await.unwrap();
    assert!(
        got_user
            .user()
            .unwrap()
            .tags()
            .iter()
            .any(|t| t.value() == "sagecred")
    );
    let keys = moto
        .iam
        .list_access_keys()
        .user_name(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(keys.access_key_metadata().len(), 1);
    assert_eq!(
        keys.access_key_metadata()[0].access_key_id(),
        Some(key.access_key_id().as_str())
    );

    // The key authenticates, and STS names the user.
    let arn = verify_key(&moto.sdk, key, VerifyRetry::default(), &quiet)
        .await
        .unwrap();
    assert!(arn.ends_with(&format!(":user/{user}")), "{arn}");

    // Re-apply with the held key: read calls only, and every step is a no-op.
    let again = ProvisionOptions {
        held_access_key_id: Some(key.access_key_id().clone()),
        ..opts
    };
    moto.calls.reset();
    let plan = discover(&moto.iam, &moto.desired(&again)).await.unwrap();
    assert!(plan.is_noop(), "{}", plan.render_text());
    assert!(plan.steps.iter().all(|s| matches!(s, Step::NoOp { .. })));
    assert_eq!(
        plan.role_arn.as_deref(),
        Some(role_arn.to_string().as_str())
    );
    let outcome = apply(&moto.iam, &plan, &quiet).await.unwrap();
    assert!(outcome.access_key.is_none());
    assert_eq!(outcome.role_arn.as_ref(), Some(role_arn));
    assert_eq!(moto.calls.mutating(), 0, "{:?}", moto.calls.snapshot());
    assert_eq!(
        moto.calls.snapshot(),
        counts(&[
            ("GetPolicy", 1),
            ("GetPolicyVersion", 1),
            ("GetRole", 1),
            ("GetUser", 1),
            ("ListAccessKeys", 1),
            ("ListAttachedRolePolicies", 1),
            ("ListAttachedUserPolicies", 1),
        ])
    );
    assert!(plan.render_text().contains("no changes"));

    // Teardown removes it all, and a second teardown finds nothing.
    let desired = moto.desired(&again);
    moto.calls.reset();
    let down = teardown_plan(&moto.iam, &desired).await.unwrap();
    // Both modes' policy names are looked up, so a least-privilege user policy is found too.
    assert_eq!(
        moto.calls.snapshot(),
        counts(&[
            ("GetPolicy", 2),
            ("GetRole", 1),
            ("GetUser", 1),
            ("ListAccessKeys", 1),
            ("ListAttachedRolePolicies", 1),
            ("ListAttachedUserPolicies", 1),
            ("ListPolicyVersions", 1),
        ])
    );
    moto.calls.reset();
    teardown_apply(&moto.iam, &down, &quiet).await.unwrap();
    assert_eq!(
        moto.calls.snapshot(),
        counts(&[
            ("DeleteAccessKey", 1),
            ("DeletePolicy", 1),
            ("DeleteRole", 1),
            ("DeleteUser", 1),
            ("DetachRolePolicy", 2),
            ("DetachUserPolicy", 4),
        ])
    );
    assert!(moto.iam.get_role().role_name(&role).send().await.is_err());
    assert!(moto.iam.get_user().user_name(&user).send().await.is_err());
    assert!(
        moto.iam
            .get_policy()
            .policy_arn(policy_arn)
            .send()
            .await
            .is_err()
    );
    let down = teardown_plan(&moto.iam, &desired).await.unwrap();
    assert!(down.is_noop(), "{}", down.render_text());
}

#[tokio::test]
async fn an_interrupted_apply_converges_on_the_next_run() {
    let moto = Moto::new().await;
    let opts = options();
    let desired = moto.desired(&opts);
    let mut plan = discover(&moto.iam, &desired).await.unwrap();
    // Stop after the role is created, before its attachments: as if the run died there.
    plan.steps.truncate(2);
    let first = apply(&moto.iam, &plan, &quiet).await.unwrap();
    assert!(first.role_arn.is_some());
    assert!(first.access_key.is_none());

    let plan = discover(&moto.iam, &desired).await.unwrap();
    assert_eq!(
        plan.changes().map(Step::action).collect::<Vec<_>>(),
        [
            "attach",
            "attach",
            "create",
            "attach",
            "attach",
            "attach",
            "attach",
            "create-key"
        ]
    );
    let second = apply(&moto.iam, &plan, &quiet).await.unwrap();
    let key = second.access_key.unwrap();
    assert_eq!(second.role_arn, first.role_arn);

    let converged = discover(
        &moto.iam,
        &moto.desired(&ProvisionOptions {
            held_access_key_id: Some(key.access_key_id().clone()),
            ..opts
        }),
    )
    .await
    .unwrap();
    assert!(converged.is_noop(), "{}", converged.render_text());
    let down = teardown_plan(&moto.iam, &desired).await.unwrap();
    teardown_apply(&moto.iam, &down, &quiet).await.unwrap();
}

#[tokio::test]
async fn teardown_deletes_all_versions_and_leaves_nothing_tagged() {
    let moto = Moto::new().await;
    let opts = ProvisionOptions {
        create_access_key: false,
        ..options()
    };
    let desired = moto.desired(&opts);
    let plan = discover(&moto.iam, &desired).await.unwrap();
    apply(&moto.iam, &plan, &quiet).await.unwrap();
    // Two extra non-default versions: IAM refuses DeletePolicy until they are gone.
    for _ in 0..2 {
        moto.iam
            .create_policy_version()
            .policy_arn(&desired.policies[0].arn)
            .policy_document(&desired.policies[0].document)
            .send()
            .await
            .unwrap();
    }
    let down = teardown_plan(&moto.iam, &desired).await.unwrap();
    let versions = down
        .steps
        .iter()
        .filter(|s| matches!(s, Step::DeletePolicyVersion { .. }))
        .count();
    assert_eq!(versions, 2);
    teardown_apply(&moto.iam, &down, &quiet).await.unwrap();

    // Nothing with sagecred's tag under these names is left.
    let roles = moto.iam.list_roles().max_items(1000).send().await.unwrap();
    assert!(
        !roles
            .roles()
            .iter()
            .any(|r| r.role_name() == opts.role_name)
    );
    let users = moto.iam.list_users().max_items(1000).send().await.unwrap();
    assert!(
        !users
            .users()
            .iter()
            .any(|u| Some(u.user_name()) == opts.user_name.as_deref())
    );
    let policies = moto
        .iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .max_items(1000)
        .send()
        .await
        .unwrap();
    assert!(
        !policies
            .policies()
            .iter()
            .any(|p| p.policy_name() == Some(opts.policy_name.as_str()))
    );
}

#[tokio::test]
async fn emitted_cloudformation_names_the_applied_resources() {
    let moto = Moto::new().await;
    let opts = ProvisionOptions {
        create_access_key: false,
        ..options()
    };
    let desired = moto.desired(&opts);
    apply(
        &moto.iam,
        &discover(&moto.iam, &desired).await.unwrap(),
        &quiet,
    )
    .await
    .unwrap();
    let template: Value = serde_json::from_str(&emit_cloudformation(&opts).unwrap()).unwrap();
    // Deployed in moto's account, the template's symbols take these values.
    let template = resolve_cfn(
        &template,
        &template["Parameters"],
        moto.account.as_str(),
        moto.partition.as_str(),
    );
    let resources = template["Resources"].as_object().unwrap();
    let role = &resources["ExecutionRole"]["Properties"];
    let got = moto
        .iam
        .get_role()
        .role_name(role["RoleName"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        decode(got.role().unwrap().assume_role_policy_document().unwrap()),
        role["AssumeRolePolicyDocument"]
    );
    let user = resources["DeveloperUser"]["Properties"]["UserName"]
        .as_str()
        .unwrap();
    moto.iam.get_user().user_name(user).send().await.unwrap();
    let policy = &resources["CustomPolicy"]["Properties"];
    assert_eq!(policy["ManagedPolicyName"], opts.policy_name.as_str());
    let applied = moto
        .iam
        .get_policy_version()
        .policy_arn(&desired.policies[0].arn)
        .version_id("v1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        decode(applied.policy_version().unwrap().document().unwrap()),
        policy["PolicyDocument"]
    );
    assert!(!resources.contains_key("DeveloperAccessKey"));
    teardown_apply(
        &moto.iam,
        &teardown_plan(&moto.iam, &desired).await.unwrap(),
        &quiet,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn least_privilege_plan_and_switching_modes() {
    let moto = Moto::new().await;
    let opts = ProvisionOptions {
        create_access_key: false,
        least_privilege: true,
        ..options()
    };
    let lp = moto.desired(&opts);
    let plan = discover(&moto.iam, &lp).await.unwrap();
    assert_eq!(plan.mode, Mode::LeastPrivilege);
    assert!(plan.notes.iter().any(|n| n.contains("least privilege")));
    let json: Value = serde_json::from_str(&plan.to_json()).unwrap();
    assert_eq!(json["mode"], "least_privilege");
    let user_policy = plan
        .steps
        .iter()
        .find_map(|s| match s {
            Step::CreatePolicy { name, document, .. } if name.ends_with("-User") => Some(document),
            _ => None,
        })
        .expect("a user policy");
    assert!(user_policy.contains("\"iam:PassedToService\": \"sagemaker.amazonaws.com\""));
    assert!(user_policy.contains("sagemaker:CreateTrainingJob"));
    let attached: Vec<&str> = plan
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::AttachUserPolicy { policy_arn, .. } => Some(policy_arn.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(attached.len(), 2);
    assert!(
        !attached.iter().any(|a| a.contains(":aws:policy/")),
        "{attached:?}"
    );

    // Provision in guide mode, then plan least privilege: the broad policies come off.
    let guide = moto.desired(&ProvisionOptions {
        least_privilege: false,
        ..opts.clone()
    });
    apply(
        &moto.iam,
        &discover(&moto.iam, &guide).await.unwrap(),
        &quiet,
    )
    .await
    .unwrap();
    let switch = discover(&moto.iam, &lp).await.unwrap();
    let detached = switch
        .steps
        .iter()
        .filter(|s| matches!(s, Step::DetachUserPolicy { .. }))
        .count();
    assert_eq!(detached, 3, "{}", switch.render_text());
    assert!(
        switch
            .steps
            .iter()
            .any(|s| matches!(s, Step::UpdateTrustPolicy { .. }))
    );
    assert!(
        switch
            .steps
            .iter()
            .any(|s| matches!(s, Step::UpdatePolicy { .. }))
    );
    apply(&moto.iam, &switch, &quiet).await.unwrap();
    assert!(discover(&moto.iam, &lp).await.unwrap().is_noop());
    teardown_apply(
        &moto.iam,
        &teardown_plan(&moto.iam, &lp).await.unwrap(),
        &quiet,
    )
    .await
    .unwrap();
}

/// boto3, which the SageMaker Python SDK runs on, reads back what the guide lists.
#[tokio::test]
async fn boto3_sees_the_guides_resources() {
    let moto = Moto::new().await;
    let opts = ProvisionOptions {
        create_access_key: false,
        ..options()
    };
    let desired = moto.desired(&opts);
    apply(
        &moto.iam,
        &discover(&moto.iam, &desired).await.unwrap(),
        &quiet,
    )
    .await
    .unwrap();
    let script = r#"
import boto3, json, sys
role, user, arn = sys.argv[1:4]
iam = boto3.client("iam")
r = iam.get_role(RoleName=role)["Role"]
p = iam.get_policy(PolicyArn=arn)["Policy"]
v = iam.get_policy_version(PolicyArn=arn, VersionId=p["DefaultVersionId"])["PolicyVersion"]
print(json.dumps({
    "role_arn": r["Arn"],
    "trust": r["AssumeRolePolicyDocument"],
    "role_tags": r.get("Tags", []),
    "user_policies": sorted(a["PolicyName"] for a in iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]),
    "document": v["Document"],
}))
"#;
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            script,
            &opts.role_name,
            opts.user_name.as_deref().unwrap(),
            &desired.policies[0].arn,
        ])
        .env("AWS_ENDPOINT_URL", crate::endpoint())
        .env("AWS_ACCESS_KEY_ID", crate::TEST_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", crate::TEST_SECRET)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("python3 with boto3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    // boto3 decodes documents itself, so they arrive as JSON objects.
    assert_eq!(
        seen["document"],
        serde_json::from_str::<Value>(&desired.policies[0].document).unwrap()
    );
    assert_eq!(
        seen["trust"],
        serde_json::from_str::<Value>(&desired.role.trust_policy).unwrap()
    );
    assert_eq!(
        seen["role_arn"],
        format!("arn:aws:iam::{}:role/{}", moto.account, opts.role_name)
    );
    assert_eq!(seen["role_tags"][0]["Key"], "managed-by");
    let mut want = vec![
        "AmazonEC2ContainerRegistryFullAccess".to_owned(),
        "AmazonSageMakerFullAccess".to_owned(),
        "IAMReadOnlyAccess".to_owned(),
        opts.policy_name.clone(),
    ];
    want.sort_unstable();
    assert_eq!(seen["user_policies"], serde_json::json!(want));
    teardown_apply(
        &moto.iam,
        &teardown_plan(&moto.iam, &desired).await.unwrap(),
        &quiet,
    )
    .await
    .unwrap();
}

/// The template with `Ref` and `Fn::Sub` of parameters (their defaults) and the account and
/// partition pseudo parameters replaced by values, as CloudFormation would deploy it.
fn resolve_cfn(value: &Value, parameters: &Value, account: &str, partition: &str) -> Value {
    let lookup = |name: &str| -> Option<String> {
        match name {
            "AWS::AccountId" => Some(account.to_owned()),
            "AWS::Partition" => Some(partition.to_owned()),
            other => parameters[other]["Default"].as_str().map(str::to_owned),
        }
    };
    match value {
        Value::Object(map) if map.len() == 1 && map.contains_key("Ref") => {
            let name = map["Ref"].as_str().unwrap();
            lookup(name).map_or_else(|| value.clone(), Value::String)
        }
        Value::Object(map) if map.len() == 1 && map.contains_key("Fn::Sub") => {
            let mut text = map["Fn::Sub"].as_str().unwrap().to_owned();
            while let Some(start) = text.find("${") {
                let end = start + text[start..].find('}').unwrap();
                let name = text[start + 2..end].to_owned();
                text.replace_range(start..=end, &lookup(&name).unwrap());
            }
            Value::String(text)
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), resolve_cfn(v, parameters, account, partition)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| resolve_cfn(v, parameters, account, partition))
                .collect(),
        ),
        other => other.clone(),
    }
}
