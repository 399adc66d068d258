//! Teardown: the reverse of provisioning, touching only resources tagged as sagecred's.

use aws_sdk_iam::Client;

use crate::apply::{Progress, apply};
use crate::desired::DesiredState;
use crate::discover::{is_managed, list_key_ids};
use crate::error::{Error, aws, is_no_such_entity};
use crate::plan::{Plan, ResourceKind, Step};

fn absent(kind: ResourceKind, name: &str) -> Step {
    Step::NoOp {
        kind,
        name: name.to_owned(),
        detail: "does not exist".to_owned(),
    }
}

fn untagged(kind: ResourceKind, name: &str) -> Step {
    Step::Skip {
        kind,
        name: name.to_owned(),
        reason: "not tagged managed-by=sagecred: left alone".to_owned(),
    }
}

/// Plans the removal of what provisioning created under `desired`'s names: the user's keys,
/// its attachments and the user, then the role's attachments and the role, then every
/// customer managed policy sagecred may have made (both modes'), versions first.
///
/// Resources without the `managed-by=sagecred` tag appear as [`Step::Skip`] and are never
/// touched. Only Get and List calls are made.
pub async fn teardown_plan(iam: &Client, desired: &DesiredState) -> Result<Plan, Error> {
    let mut steps = Vec::new();
    if let Some(user) = &desired.user {
        let name = &user.name;
        match iam.get_user().user_name(name).send().await {
            Err(e) if is_no_such_entity(&e) => steps.push(absent(ResourceKind::User, name)),
            Err(e) => return Err(aws("GetUser", name, e)),
            Ok(out) if !out.user().is_some_and(|u| is_managed(u.tags())) => {
                steps.push(untagged(ResourceKind::User, name));
            }
            Ok(_) => {
                for id in list_key_ids(iam, name).await? {
                    steps.push(Step::DeleteAccessKey {
                        user: name.clone(),
                        access_key_id: id,
                    });
                }
                let attached = iam
                    .list_attached_user_policies()
                    .user_name(name)
                    .max_items(1000)
                    .send()
                    .await
                    .map_err(|e| aws("ListAttachedUserPolicies", name, e))?;
                for arn in attached
                    .attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn())
                {
                    steps.push(Step::DetachUserPolicy {
                        user: name.clone(),
                        policy_arn: arn.to_owned(),
                    });
                }
                steps.push(Step::DeleteUser { name: name.clone() });
            }
        }
    }

    let role = &desired.role.name;
    match iam.get_role().role_name(role).send().await {
        Err(e) if is_no_such_entity(&e) => steps.push(absent(ResourceKind::Role, role)),
        Err(e) => return Err(aws("GetRole", role, e)),
        Ok(out) if !out.role().is_some_and(|r| is_managed(r.tags())) => {
            steps.push(untagged(ResourceKind::Role, role));
        }
        Ok(_) => {
            let attached = iam
                .list_attached_role_policies()
                .role_name(role)
                .max_items(1000)
                .send()
                .await
                .map_err(|e| aws("ListAttachedRolePolicies", role, e))?;
            for arn in attached
                .attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn())
            {
                steps.push(Step::DetachRolePolicy {
                    role: role.clone(),
                    policy_arn: arn.to_owned(),
                });
            }
            steps.push(Step::DeleteRole { name: role.clone() });
        }
    }

    for name in desired.all_policy_names() {
        let arn = desired.policy_arn(&name);
        match iam.get_policy().policy_arn(&arn).send().await {
            Err(e) if is_no_such_entity(&e) => {
                // The least-privilege user policy exists only in that mode; its absence is
                // normal and not worth a row.
                if name == desired.policies[0].name {
                    steps.push(absent(ResourceKind::Policy, &name));
                }
            }
            Err(e) => return Err(aws("GetPolicy", &name, e)),
            Ok(out) if !out.policy().is_some_and(|p| is_managed(p.tags())) => {
                steps.push(untagged(ResourceKind::Policy, &name));
            }
            Ok(_) => {
                let versions = iam
                    .list_policy_versions()
                    .policy_arn(&arn)
                    .send()
                    .await
                    .map_err(|e| aws("ListPolicyVersions", &name, e))?;
                // IAM refuses to delete a policy that still has non-default versions.
                for v in versions
                    .versions()
                    .iter()
                    .filter(|v| !v.is_default_version())
                {
                    if let Some(id) = v.version_id() {
                        steps.push(Step::DeletePolicyVersion {
                            arn: arn.clone(),
                            version_id: id.to_owned(),
                        });
                    }
                }
                steps.push(Step::DeletePolicy { name, arn });
            }
        }
    }
    Ok(Plan {
        mode: desired.mode,
        notes: vec!["teardown: only resources tagged managed-by=sagecred are removed".to_owned()],
        account_id: desired.account_id.clone(),
        role_arn: None,
        steps,
    })
}

/// Applies a teardown plan made by [`teardown_plan`].
pub async fn teardown_apply(
    iam: &Client,
    plan: &Plan,
    progress: Progress<'_>,
) -> Result<(), Error> {
    apply(iam, plan, progress).await.map(drop)
}
