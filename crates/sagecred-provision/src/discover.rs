//! The read-only discovery pass: Get and List calls only, compared with the desired state,
//! giving a [`Plan`].

use aws_sdk_iam::Client;
use aws_sdk_iam::types::Tag;
use serde_json::Value;

use crate::desired::{DesiredState, MANAGED_BY_KEY, MANAGED_BY_VALUE, PolicySpec, UserSpec};
use crate::error::{Error, aws, is_no_such_entity};
use crate::json::{decode_document, diff, same_document};
use crate::plan::{Plan, ResourceKind, Step, mask};

/// IAM keeps at most this many versions of a managed policy.
const MAX_POLICY_VERSIONS: usize = 5;

/// Reads the account and plans the changes that make it match `desired`.
///
/// Only Get and List calls are made. Fails with [`Error::NotManaged`] when a resource of a
/// wanted name exists untagged and `desired.adopt` is off, and with [`Error::TooManyKeys`]
/// when a key is needed but the user already has two.
pub async fn discover(iam: &Client, desired: &DesiredState) -> Result<Plan, Error> {
    let mut steps = Vec::new();
    for policy in &desired.policies {
        discover_policy(iam, desired, policy, &mut steps).await?;
    }
    let role_arn = discover_role(iam, desired, &mut steps).await?;
    if let Some(user) = &desired.user {
        discover_user(iam, desired, user, &mut steps).await?;
    }
    Ok(Plan {
        mode: desired.mode,
        notes: desired.mode.notes(),
        account_id: desired.account_id.clone(),
        role_arn,
        steps,
    })
}

/// Whether the tags mark a resource as sagecred's.
pub(crate) fn is_managed(tags: &[Tag]) -> bool {
    tags.iter()
        .any(|t| t.key() == MANAGED_BY_KEY && t.value() == MANAGED_BY_VALUE)
}

/// Accepts a tagged resource, plans to adopt an untagged one when allowed, or refuses.
fn check_owned(
    kind: ResourceKind,
    name: &str,
    arn: Option<&str>,
    tags: &[Tag],
    adopt: bool,
    steps: &mut Vec<Step>,
) -> Result<(), Error> {
    if is_managed(tags) {
        Ok(())
    } else if adopt {
        steps.push(Step::Adopt {
            kind,
            name: name.to_owned(),
            arn: arn.map(str::to_owned),
        });
        Ok(())
    } else {
        Err(Error::NotManaged {
            kind,
            name: name.to_owned(),
        })
    }
}

fn parse_own(document: &str) -> Value {
    // Documents in a DesiredState are rendered by this crate from `json!` values, so they
    // always parse; Null would only make every comparison report drift.
    serde_json::from_str(document).unwrap_or(Value::Null)
}

async fn discover_policy(
    iam: &Client,
    desired: &DesiredState,
    spec: &PolicySpec,
    steps: &mut Vec<Step>,
) -> Result<(), Error> {
    let policy = match iam.get_policy().policy_arn(&spec.arn).send().await {
        Err(e) if is_no_such_entity(&e) => {
            steps.push(Step::CreatePolicy {
                name: spec.name.clone(),
                arn: spec.arn.clone(),
                description: spec.description.clone(),
                document: spec.document.clone(),
            });
            return Ok(());
        }
        Err(e) => return Err(aws("GetPolicy", &spec.name, e)),
        Ok(out) => out.policy.ok_or_else(|| Error::MissingField {
            operation: "GetPolicy",
            resource: spec.name.clone(),
            field: "Policy",
        })?,
    };
    check_owned(
        ResourceKind::Policy,
        &spec.name,
        Some(&spec.arn),
        policy.tags(),
        desired.adopt,
        steps,
    )?;
    let default_version = policy
        .default_version_id()
        .ok_or_else(|| Error::MissingField {
            operation: "GetPolicy",
            resource: spec.name.clone(),
            field: "DefaultVersionId",
        })?;
    let version = iam
        .get_policy_version()
        .policy_arn(&spec.arn)
        .version_id(default_version)
        .send()
        .await
        .map_err(|e| aws("GetPolicyVersion", &spec.name, e))?;
    let text = version
        .policy_version()
        .and_then(|v| v.document())
        .ok_or_else(|| Error::MissingField {
            operation: "GetPolicyVersion",
            resource: spec.name.clone(),
            field: "Document",
        })?;
    let current = decode_document(text).map_err(|message| Error::BadDocument {
        what: "policy document",
        name: spec.name.clone(),
        message,
    })?;
    let wanted = parse_own(&spec.document);
    if same_document(&current, &wanted) {
        steps.push(Step::NoOp {
            kind: ResourceKind::Policy,
            name: spec.name.clone(),
            detail: format!("document as desired ({default_version})"),
        });
        return Ok(());
    }
    let versions = iam
        .list_policy_versions()
        .policy_arn(&spec.arn)
        .send()
        .await
        .map_err(|e| aws("ListPolicyVersions", &spec.name, e))?;
    let versions = versions.versions();
    // At the limit, CreatePolicyVersion fails with LimitExceeded, so the oldest version that
    // is not the default goes first (the default one is what IAM enforces right now).
    let prune_version_id = if versions.len() >= MAX_POLICY_VERSIONS {
        versions
            .iter()
            .filter(|v| !v.is_default_version())
            .min_by_key(|v| v.create_date().map(|d| (d.secs(), d.subsec_nanos())))
            .and_then(|v| v.version_id().map(str::to_owned))
    } else {
        None
    };
    steps.push(Step::UpdatePolicy {
        name: spec.name.clone(),
        arn: spec.arn.clone(),
        document: spec.document.clone(),
        diff: diff(&current, &wanted),
        prune_version_id,
    });
    Ok(())
}

async fn discover_role(
    iam: &Client,
    desired: &DesiredState,
    steps: &mut Vec<Step>,
) -> Result<Option<String>, Error> {
    let spec = &desired.role;
    let role = match iam.get_role().role_name(&spec.name).send().await {
        Err(e) if is_no_such_entity(&e) => {
            steps.push(Step::CreateRole {
                name: spec.name.clone(),
                description: spec.description.clone(),
                trust_policy: spec.trust_policy.clone(),
            });
            steps.extend(
                spec.attached_policy_arns
                    .iter()
                    .map(|arn| Step::AttachRolePolicy {
                        role: spec.name.clone(),
                        policy_arn: arn.clone(),
                    }),
            );
            return Ok(None);
        }
        Err(e) => return Err(aws("GetRole", &spec.name, e)),
        Ok(out) => out.role.ok_or_else(|| Error::MissingField {
            operation: "GetRole",
            resource: spec.name.clone(),
            field: "Role",
        })?,
    };
    check_owned(
        ResourceKind::Role,
        &spec.name,
        None,
        role.tags(),
        desired.adopt,
        steps,
    )?;
    steps.push(Step::NoOp {
        kind: ResourceKind::Role,
        name: spec.name.clone(),
        detail: format!("exists as {}", role.arn()),
    });
    let current = role
        .assume_role_policy_document()
        .map(decode_document)
        .transpose()
        .map_err(|message| Error::BadDocument {
            what: "trust policy",
            name: spec.name.clone(),
            message,
        })?
        .unwrap_or(Value::Null);
    let wanted = parse_own(&spec.trust_policy);
    if same_document(&current, &wanted) {
        steps.push(Step::NoOp {
            kind: ResourceKind::TrustPolicy,
            name: spec.name.clone(),
            detail: "trust policy as desired".to_owned(),
        });
    } else {
        steps.push(Step::UpdateTrustPolicy {
            name: spec.name.clone(),
            trust_policy: spec.trust_policy.clone(),
            diff: diff(&current, &wanted),
        });
    }
    let attached = iam
        .list_attached_role_policies()
        .role_name(&spec.name)
        .max_items(1000)
        .send()
        .await
        .map_err(|e| aws("ListAttachedRolePolicies", &spec.name, e))?;
    attachment_steps(
        &spec.name,
        ResourceKind::RoleAttachment,
        attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn()),
        &spec.attached_policy_arns,
        &spec.detach_policy_arns,
        |policy_arn| Step::AttachRolePolicy {
            role: spec.name.clone(),
            policy_arn,
        },
        |policy_arn| Step::DetachRolePolicy {
            role: spec.name.clone(),
            policy_arn,
        },
        steps,
    );
    Ok(Some(role.arn().to_owned()))
}

async fn discover_user(
    iam: &Client,
    desired: &DesiredState,
    spec: &UserSpec,
    steps: &mut Vec<Step>,
) -> Result<(), Error> {
    let user = match iam.get_user().user_name(&spec.name).send().await {
        Err(e) if is_no_such_entity(&e) => {
            steps.push(Step::CreateUser {
                name: spec.name.clone(),
            });
            steps.extend(
                spec.attached_policy_arns
                    .iter()
                    .map(|arn| Step::AttachUserPolicy {
                        user: spec.name.clone(),
                        policy_arn: arn.clone(),
                    }),
            );
            if spec.access_key {
                steps.push(Step::CreateAccessKey {
                    user: spec.name.clone(),
                });
            }
            return Ok(());
        }
        Err(e) => return Err(aws("GetUser", &spec.name, e)),
        Ok(out) => out.user.ok_or_else(|| Error::MissingField {
            operation: "GetUser",
            resource: spec.name.clone(),
            field: "User",
        })?,
    };
    check_owned(
        ResourceKind::User,
        &spec.name,
        None,
        user.tags(),
        desired.adopt,
        steps,
    )?;
    steps.push(Step::NoOp {
        kind: ResourceKind::User,
        name: spec.name.clone(),
        detail: format!("exists as {}", user.arn()),
    });
    let attached = iam
        .list_attached_user_policies()
        .user_name(&spec.name)
        .max_items(1000)
        .send()
        .await
        .map_err(|e| aws("ListAttachedUserPolicies", &spec.name, e))?;
    attachment_steps(
        &spec.name,
        ResourceKind::UserAttachment,
        attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_arn()),
        &spec.attached_policy_arns,
        &spec.detach_policy_arns,
        |policy_arn| Step::AttachUserPolicy {
            user: spec.name.clone(),
            policy_arn,
        },
        |policy_arn| Step::DetachUserPolicy {
            user: spec.name.clone(),
            policy_arn,
        },
        steps,
    );
    if !spec.access_key {
        return Ok(());
    }
    let keys = list_key_ids(iam, &spec.name).await?;
    if let Some(held) = spec
        .held_access_key_id
        .as_deref()
        .filter(|held| keys.iter().any(|k| k == held))
    {
        steps.push(Step::NoOp {
            kind: ResourceKind::AccessKey,
            name: spec.name.clone(),
            detail: format!("the held key {} belongs to the user", mask(held)),
        });
    } else if keys.len() >= 2 {
        return Err(Error::TooManyKeys {
            user: spec.name.clone(),
            masked_key_ids: keys.iter().map(|k| mask(k)).collect(),
        });
    } else {
        steps.push(Step::CreateAccessKey {
            user: spec.name.clone(),
        });
    }
    Ok(())
}

/// The ids of the user's access keys.
pub(crate) async fn list_key_ids(iam: &Client, user: &str) -> Result<Vec<String>, Error> {
    let keys = iam
        .list_access_keys()
        .user_name(user)
        .send()
        .await
        .map_err(|e| aws("ListAccessKeys", user, e))?;
    Ok(keys
        .access_key_metadata()
        .iter()
        .filter_map(|k| k.access_key_id().map(str::to_owned))
        .collect())
}

/// The steps that bring one role's or user's managed-policy attachments to what is wanted:
/// a no-op for each wanted policy already attached, an attach for each missing one, and a
/// detach for each attached policy that the mode no longer wants. Roles and users differ
/// only in which steps `attach` and `detach` build.
#[allow(clippy::too_many_arguments)] // Each argument is one plain input; a struct adds nothing.
fn attachment_steps<'a>(
    owner: &str,
    kind: ResourceKind,
    attached: impl Iterator<Item = &'a str>,
    wanted: &[String],
    unwanted: &[String],
    attach: impl Fn(String) -> Step,
    detach: impl Fn(String) -> Step,
    steps: &mut Vec<Step>,
) {
    let attached: Vec<&str> = attached.collect();
    for arn in wanted {
        steps.push(if attached.contains(&arn.as_str()) {
            Step::NoOp {
                kind,
                name: format!("{owner} <- {arn}"),
                detail: "attached".to_owned(),
            }
        } else {
            attach(arn.clone())
        });
    }
    for arn in unwanted {
        if attached.contains(&arn.as_str()) {
            steps.push(detach(arn.clone()));
        }
    }
}
