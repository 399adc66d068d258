//! Drift repair: policy documents (with pruning at 5 versions), trust policies and
//! attachments.

use sagecred_provision::{ProvisionOptions, Step, apply, discover, teardown_apply, teardown_plan};
use serde_json::json;

use crate::{Moto, decode, options, quiet};

async fn provisioned(moto: &Moto) -> sagecred_provision::DesiredState {
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
    desired
}

async fn cleanup(moto: &Moto, desired: &sagecred_provision::DesiredState) {
    let down = teardown_plan(&moto.iam, desired).await.unwrap();
    teardown_apply(&moto.iam, &down, &quiet).await.unwrap();
}

#[tokio::test]
async fn a_changed_policy_gets_a_new_default_version_and_the_oldest_is_pruned_at_five() {
    let moto = Moto::new().await;
    let desired = provisioned(&moto).await;
    let arn = &desired.policies[0].arn;
    let drifted = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]});
    // v2..v4 as non-default versions, then v5 as the drifted default: 5 versions in all.
    for i in 0..4 {
        moto.iam
            .create_policy_version()
            .policy_arn(arn)
            .policy_document(drifted.to_string())
            .set_as_default(i == 3)
            .send()
            .await
            .unwrap();
    }
    moto.calls.reset();
    let plan = discover(&moto.iam, &desired).await.unwrap();
    let update = plan
        .steps
        .iter()
        .find(|s| matches!(s, Step::UpdatePolicy { .. }))
        .expect("an update step");
    let Step::UpdatePolicy {
        diff,
        prune_version_id,
        document,
        ..
    } = update
    else {
        unreachable!()
    };
    assert_eq!(prune_version_id.as_deref(), Some("v1"));
    assert_eq!(document, &desired.policies[0].document);
    assert!(
        diff.lines()
            .any(|l| l.starts_with('-') && l.contains("s3:*")),
        "{diff}"
    );
    assert!(
        diff.lines()
            .any(|l| l.starts_with('+') && l.contains("s3:GetObject")),
        "{diff}"
    );
    assert_eq!(plan.changes().count(), 1, "{}", plan.render_text());

    apply(&moto.iam, &plan, &quiet).await.unwrap();
    let versions = moto
        .iam
        .list_policy_versions()
        .policy_arn(arn)
        .send()
        .await
        .unwrap();
    let mut ids: Vec<&str> = versions
        .versions()
        .iter()
        .filter_map(|v| v.version_id())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["v2", "v3", "v4", "v5", "v6"]);
    let default = versions
        .versions()
        .iter()
        .find(|v| v.is_default_version())
        .unwrap();
    assert_eq!(default.version_id(), Some("v6"));
    let doc = moto
        .iam
        .get_policy_version()
        .policy_arn(arn)
        .version_id("v6")
        .send()
        .await
        .unwrap();
    assert_eq!(
        decode(doc.policy_version().unwrap().document().unwrap()),
        serde_json::from_str::<serde_json::Value>(&desired.policies[0].document).unwrap()
    );
    assert!(discover(&moto.iam, &desired).await.unwrap().is_noop());
    cleanup(&moto, &desired).await;
}

#[tokio::test]
async fn a_changed_policy_below_the_limit_prunes_nothing() {
    let moto = Moto::new().await;
    let desired = provisioned(&moto).await;
    let arn = &desired.policies[0].arn;
    moto.iam
        .create_policy_version()
        .policy_arn(arn)
        .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}).to_string())
        .set_as_default(true)
        .send()
        .await
        .unwrap();
    let plan = discover(&moto.iam, &desired).await.unwrap();
    assert!(plan.steps.iter().any(|s| matches!(
        s,
        Step::UpdatePolicy {
            prune_version_id: None,
            ..
        }
    )));
    moto.calls.reset();
    apply(&moto.iam, &plan, &quiet).await.unwrap();
    assert_eq!(moto.calls.snapshot().get("CreatePolicyVersion"), Some(&1));
    assert_eq!(moto.calls.snapshot().get("DeletePolicyVersion"), None);
    assert!(discover(&moto.iam, &desired).await.unwrap().is_noop());
    cleanup(&moto, &desired).await;
}

#[tokio::test]
async fn a_changed_trust_policy_is_replaced() {
    let moto = Moto::new().await;
    let desired = provisioned(&moto).await;
    let other = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    moto.iam
        .update_assume_role_policy()
        .role_name(&desired.role.name)
        .policy_document(other.to_string())
        .send()
        .await
        .unwrap();
    let plan = discover(&moto.iam, &desired).await.unwrap();
    let changes: Vec<&Step> = plan.changes().collect();
    assert_eq!(changes.len(), 1, "{}", plan.render_text());
    let Step::UpdateTrustPolicy { diff, .. } = changes[0] else {
        panic!("{:?}", changes[0])
    };
    assert!(
        diff.contains("- ") && diff.contains("ec2.amazonaws.com"),
        "{diff}"
    );
    moto.calls.reset();
    apply(&moto.iam, &plan, &quiet).await.unwrap();
    assert_eq!(
        moto.calls.snapshot().get("UpdateAssumeRolePolicy"),
        Some(&1)
    );
    assert_eq!(moto.calls.total(), 1);
    assert!(discover(&moto.iam, &desired).await.unwrap().is_noop());
    cleanup(&moto, &desired).await;
}

#[tokio::test]
async fn detached_policies_are_reattached() {
    let moto = Moto::new().await;
    let desired = provisioned(&moto).await;
    let user = desired.user.as_ref().unwrap();
    moto.iam
        .detach_role_policy()
        .role_name(&desired.role.name)
        .policy_arn(&desired.role.attached_policy_arns[0])
        .send()
        .await
        .unwrap();
    moto.iam
        .detach_user_policy()
        .user_name(&user.name)
        .policy_arn(&user.attached_policy_arns[2])
        .send()
        .await
        .unwrap();
    let plan = discover(&moto.iam, &desired).await.unwrap();
    let changes: Vec<Step> = plan.changes().cloned().collect();
    assert_eq!(
        changes,
        [
            Step::AttachRolePolicy {
                role: desired.role.name.clone(),
                policy_arn: desired.role.attached_policy_arns[0].clone()
            },
            Step::AttachUserPolicy {
                user: user.name.clone(),
                policy_arn: user.attached_policy_arns[2].clone()
            },
        ]
    );
    apply(&moto.iam, &plan, &quiet).await.unwrap();
    assert!(discover(&moto.iam, &desired).await.unwrap().is_noop());
    cleanup(&moto, &desired).await;
}
