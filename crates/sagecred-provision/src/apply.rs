//! Executing a plan: one AWS call per step (plus the waiters after creations), in order.

use std::time::Duration;

use aws_sdk_iam::Client;
use aws_sdk_iam::client::Waiters;
use aws_sdk_iam::types::Tag;
use aws_smithy_runtime_api::client::waiters::error::WaiterError;
use sagecred_core::{AccessKeyId, Credentials, RoleArn, Secret};

use crate::desired::{MANAGED_BY_KEY, MANAGED_BY_VALUE};
use crate::discover::list_key_ids;
use crate::error::{Error, aws};
use crate::plan::{Plan, ResourceKind, Step, mask};

/// How long a waiter polls for a new resource before giving up. IAM is eventually
/// consistent; new entities normally appear within seconds.
const WAIT_LIMIT: Duration = Duration::from_secs(120);

/// What the library reports while it works, for the CLI to show. The library itself does
/// no terminal I/O.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressEvent {
    /// A change step is starting.
    Step {
        /// The position among the plan's changes, from 1.
        index: usize,
        /// How many changes the plan has.
        total: usize,
        /// The action word (`create`, `attach`, ...).
        action: &'static str,
        /// The kind of resource.
        kind: ResourceKind,
        /// The resource.
        name: String,
    },
    /// Waiting for a new resource to become visible.
    Waiting {
        /// The kind of resource.
        kind: ResourceKind,
        /// Its name.
        name: String,
    },
    /// The resource is visible.
    Ready {
        /// The kind of resource.
        kind: ResourceKind,
        /// Its name.
        name: String,
    },
    /// A verification attempt of a new key with STS is starting.
    Verifying {
        /// The attempt, from 1.
        attempt: u32,
        /// The most attempts that will be made.
        max_attempts: u32,
    },
}

/// A progress callback. Use `&|_| {}` to ignore progress.
pub type Progress<'a> = &'a (dyn Fn(ProgressEvent) + Sync);

/// What an apply produced.
#[derive(Debug)]
#[non_exhaustive]
pub struct ApplyOutcome {
    /// The execution role's ARN as GetRole returned it (path kept), when the role exists.
    pub role_arn: Option<RoleArn>,
    /// The access key created for the user, for the caller to store. Its `Debug` output
    /// is redacted; it is never logged.
    pub access_key: Option<Credentials>,
    /// How many change steps ran.
    pub changes_applied: usize,
}

fn managed_tag() -> Result<Tag, Error> {
    Tag::builder()
        .key(MANAGED_BY_KEY)
        .value(MANAGED_BY_VALUE)
        .build()
        .map_err(|e| Error::Unexpected {
            what: "tag",
            value: e.to_string(),
        })
}

fn wait_error<O, E>(kind: ResourceKind, name: &str, err: WaiterError<O, E>) -> Error
where
    E: aws_sdk_iam::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    Error::Wait {
        kind,
        name: name.to_owned(),
        message: sagecred_sdk_error::Failure::from_waiter(&err).to_string(),
    }
}

/// Executes `plan` step by step, reporting through `progress`.
///
/// After each creation it waits with the SDK waiter until the resource is visible, so the
/// next step (an attachment, a key) never races IAM's eventual consistency. Steps that change
/// nothing make no call, so applying a plan of no-ops makes no call at all. On failure, the
/// steps already applied stay applied; discovering again and applying the new plan converges.
pub async fn apply(
    iam: &Client,
    plan: &Plan,
    progress: Progress<'_>,
) -> Result<ApplyOutcome, Error> {
    let total = plan.changes().count();
    let mut index = 0;
    let mut role_arn = plan.role_arn.clone();
    let mut access_key = None;
    for step in &plan.steps {
        if !step.is_change() {
            continue;
        }
        index += 1;
        let (kind, name) = step.resource();
        tracing::debug!(action = step.action(), %kind, %name, "applying step");
        progress(ProgressEvent::Step {
            index,
            total,
            action: step.action(),
            kind,
            name,
        });
        match step {
            Step::CreatePolicy {
                name,
                arn,
                description,
                document,
            } => {
                let out = iam
                    .create_policy()
                    .policy_name(name)
                    .policy_document(document)
                    .description(description)
                    .tags(managed_tag()?)
                    .send()
                    .await
                    .map_err(|e| aws("CreatePolicy", name, e))?;
                let arn = out.policy().and_then(|p| p.arn()).unwrap_or(arn);
                progress(ProgressEvent::Waiting {
                    kind: ResourceKind::Policy,
                    name: name.clone(),
                });
                iam.wait_until_policy_exists()
                    .policy_arn(arn)
                    .wait(WAIT_LIMIT)
                    .await
                    .map_err(|e| wait_error(ResourceKind::Policy, name, e))?;
                progress(ProgressEvent::Ready {
                    kind: ResourceKind::Policy,
                    name: name.clone(),
                });
            }
            Step::UpdatePolicy {
                name,
                arn,
                document,
                prune_version_id,
                ..
            } => {
                if let Some(version) = prune_version_id {
                    iam.delete_policy_version()
                        .policy_arn(arn)
                        .version_id(version)
                        .send()
                        .await
                        .map_err(|e| aws("DeletePolicyVersion", name, e))?;
                }
                iam.create_policy_version()
                    .policy_arn(arn)
                    .policy_document(document)
                    .set_as_default(true)
                    .send()
                    .await
                    .map_err(|e| aws("CreatePolicyVersion", name, e))?;
            }
            Step::CreateRole {
                name,
                description,
                trust_policy,
            } => {
                iam.create_role()
                    .role_name(name)
                    .assume_role_policy_document(trust_policy)
                    .description(description)
                    .tags(managed_tag()?)
                    .send()
                    .await
                    .map_err(|e| aws("CreateRole", name, e))?;
                progress(ProgressEvent::Waiting {
                    kind: ResourceKind::Role,
                    name: name.clone(),
                });
                let got = iam
                    .wait_until_role_exists()
                    .role_name(name)
                    .wait(WAIT_LIMIT)
                    .await
                    .map_err(|e| wait_error(ResourceKind::Role, name, e))?;
                // The waiter's last poll is a GetRole: its ARN is the one to keep, path
                // included.
                role_arn = got
                    .as_result()
                    .ok()
                    .and_then(|o| o.role())
                    .map(|r| r.arn().to_owned())
                    .or(role_arn);
                progress(ProgressEvent::Ready {
                    kind: ResourceKind::Role,
                    name: name.clone(),
                });
            }
            Step::UpdateTrustPolicy {
                name, trust_policy, ..
            } => {
                iam.update_assume_role_policy()
                    .role_name(name)
                    .policy_document(trust_policy)
                    .send()
                    .await
                    .map_err(|e| aws("UpdateAssumeRolePolicy", name, e))?;
            }
            Step::CreateUser { name } => {
                iam.create_user()
                    .user_name(name)
                    .tags(managed_tag()?)
                    .send()
                    .await
                    .map_err(|e| aws("CreateUser", name, e))?;
                progress(ProgressEvent::Waiting {
                    kind: ResourceKind::User,
                    name: name.clone(),
                });
                iam.wait_until_user_exists()
                    .user_name(name)
                    .wait(WAIT_LIMIT)
                    .await
                    .map_err(|e| wait_error(ResourceKind::User, name, e))?;
                progress(ProgressEvent::Ready {
                    kind: ResourceKind::User,
                    name: name.clone(),
                });
            }
            Step::Adopt { kind, name, arn } => adopt(iam, *kind, name, arn.as_deref()).await?,
            Step::AttachRolePolicy { role, policy_arn } => {
                iam.attach_role_policy()
                    .role_name(role)
                    .policy_arn(policy_arn)
                    .send()
                    .await
                    .map_err(|e| aws("AttachRolePolicy", role, e))?;
            }
            Step::DetachRolePolicy { role, policy_arn } => {
                iam.detach_role_policy()
                    .role_name(role)
                    .policy_arn(policy_arn)
                    .send()
                    .await
                    .map_err(|e| aws("DetachRolePolicy", role, e))?;
            }
            Step::AttachUserPolicy { user, policy_arn } => {
                iam.attach_user_policy()
                    .user_name(user)
                    .policy_arn(policy_arn)
                    .send()
                    .await
                    .map_err(|e| aws("AttachUserPolicy", user, e))?;
            }
            Step::DetachUserPolicy { user, policy_arn } => {
                iam.detach_user_policy()
                    .user_name(user)
                    .policy_arn(policy_arn)
                    .send()
                    .await
                    .map_err(|e| aws("DetachUserPolicy", user, e))?;
            }
            Step::CreateAccessKey { user } => {
                access_key = Some(create_access_key(iam, user).await?);
            }
            Step::DeleteAccessKey {
                user,
                access_key_id,
            } => {
                iam.delete_access_key()
                    .user_name(user)
                    .access_key_id(access_key_id)
                    .send()
                    .await
                    .map_err(|e| {
                        aws(
                            "DeleteAccessKey",
                            format!("{user}/{}", mask(access_key_id)),
                            e,
                        )
                    })?;
            }
            Step::DeletePolicyVersion { arn, version_id } => {
                iam.delete_policy_version()
                    .policy_arn(arn)
                    .version_id(version_id)
                    .send()
                    .await
                    .map_err(|e| aws("DeletePolicyVersion", arn, e))?;
            }
            Step::DeletePolicy { name, arn } => {
                iam.delete_policy()
                    .policy_arn(arn)
                    .send()
                    .await
                    .map_err(|e| aws("DeletePolicy", name, e))?;
            }
            Step::DeleteRole { name } => {
                iam.delete_role()
                    .role_name(name)
                    .send()
                    .await
                    .map_err(|e| aws("DeleteRole", name, e))?;
            }
            Step::DeleteUser { name } => {
                iam.delete_user()
                    .user_name(name)
                    .send()
                    .await
                    .map_err(|e| aws("DeleteUser", name, e))?;
            }
            Step::NoOp { .. } | Step::Skip { .. } => {}
        }
    }
    let role_arn = role_arn
        .map(|arn| {
            arn.parse::<RoleArn>().map_err(|_| Error::Unexpected {
                what: "role ARN",
                value: arn,
            })
        })
        .transpose()?;
    Ok(ApplyOutcome {
        role_arn,
        access_key,
        changes_applied: index,
    })
}

async fn adopt(
    iam: &Client,
    kind: ResourceKind,
    name: &str,
    arn: Option<&str>,
) -> Result<(), Error> {
    let tag = managed_tag()?;
    match (kind, arn) {
        (ResourceKind::Policy, Some(arn)) => iam
            .tag_policy()
            .policy_arn(arn)
            .tags(tag)
            .send()
            .await
            .map(drop)
            .map_err(|e| aws("TagPolicy", name, e)),
        (ResourceKind::Role, _) => iam
            .tag_role()
            .role_name(name)
            .tags(tag)
            .send()
            .await
            .map(drop)
            .map_err(|e| aws("TagRole", name, e)),
        (ResourceKind::User, _) => iam
            .tag_user()
            .user_name(name)
            .tags(tag)
            .send()
            .await
            .map(drop)
            .map_err(|e| aws("TagUser", name, e)),
        _ => Err(Error::Unexpected {
            what: "resource kind to adopt",
            value: kind.to_string(),
        }),
    }
}

async fn create_access_key(iam: &Client, user: &str) -> Result<Credentials, Error> {
    let out = match iam.create_access_key().user_name(user).send().await {
        Ok(out) => out,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_limit_exceeded_exception()) =>
        {
            // Another client created a key between discovery and now: name both keys.
            let keys = list_key_ids(iam, user).await?;
            return Err(Error::TooManyKeys {
                user: user.to_owned(),
                masked_key_ids: keys.iter().map(|k| mask(k)).collect(),
            });
        }
        Err(e) => return Err(aws("CreateAccessKey", user, e)),
    };
    let key = out.access_key.ok_or_else(|| Error::MissingField {
        operation: "CreateAccessKey",
        resource: user.to_owned(),
        field: "AccessKey",
    })?;
    // Take the secret out of the SDK type by value, so it is moved straight into `Secret`.
    let id = key.access_key_id;
    let id: AccessKeyId = id.parse().map_err(|_| Error::Unexpected {
        what: "access key id",
        value: mask(&id),
    })?;
    Ok(Credentials::new(id, Secret::new(key.secret_access_key)))
}
