//! The plan: the steps that take the account from what discovery found to the desired
//! state, as plain data that prints as a table or JSON.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::desired::Mode;

/// The kinds of resource a step touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// A customer managed policy.
    Policy,
    /// A non-default version of a customer managed policy.
    PolicyVersion,
    /// The execution role.
    Role,
    /// The execution role's trust policy.
    TrustPolicy,
    /// The user.
    User,
    /// A policy attached to the role.
    RoleAttachment,
    /// A policy attached to the user.
    UserAttachment,
    /// An access key of the user.
    AccessKey,
}

impl ResourceKind {
    /// The kind in words.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Policy => "policy",
            Self::PolicyVersion => "policy version",
            Self::Role => "role",
            Self::TrustPolicy => "trust policy",
            Self::User => "user",
            Self::RoleAttachment => "role attachment",
            Self::UserAttachment => "user attachment",
            Self::AccessKey => "access key",
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One step of a plan. Each names its resource and carries everything the apply needs,
/// documents included, so that a plan applies exactly as it was shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Step {
    /// Create a customer managed policy, tagged.
    CreatePolicy {
        /// The policy's name.
        name: String,
        /// The ARN it will have.
        arn: String,
        /// Its description.
        description: String,
        /// The document.
        document: String,
    },
    /// Replace a drifted policy document with a new default version.
    UpdatePolicy {
        /// The policy's name.
        name: String,
        /// Its ARN.
        arn: String,
        /// The desired document.
        document: String,
        /// The change, as a line diff of the normalised documents.
        diff: String,
        /// The oldest non-default version, deleted first because IAM keeps at most 5.
        prune_version_id: Option<String>,
    },
    /// Create the execution role with its trust policy, tagged.
    CreateRole {
        /// The role's name.
        name: String,
        /// Its description.
        description: String,
        /// The trust policy.
        trust_policy: String,
    },
    /// Replace a drifted trust policy (UpdateAssumeRolePolicy).
    UpdateTrustPolicy {
        /// The role's name.
        name: String,
        /// The desired trust policy.
        trust_policy: String,
        /// The change, as a line diff of the normalised documents.
        diff: String,
    },
    /// Create the user, tagged.
    CreateUser {
        /// The user's name.
        name: String,
    },
    /// Tag an existing untagged resource as sagecred's (only with `adopt`).
    Adopt {
        /// The kind of resource.
        kind: ResourceKind,
        /// Its name.
        name: String,
        /// Its ARN for policies, which are tagged by ARN.
        arn: Option<String>,
    },
    /// Attach a policy to the role.
    AttachRolePolicy {
        /// The role's name.
        role: String,
        /// The policy.
        policy_arn: String,
    },
    /// Detach a policy from the role.
    DetachRolePolicy {
        /// The role's name.
        role: String,
        /// The policy.
        policy_arn: String,
    },
    /// Attach a policy to the user.
    AttachUserPolicy {
        /// The user's name.
        user: String,
        /// The policy.
        policy_arn: String,
    },
    /// Detach a policy from the user.
    DetachUserPolicy {
        /// The user's name.
        user: String,
        /// The policy.
        policy_arn: String,
    },
    /// Create an access key for the user; its secret goes to the caller only.
    CreateAccessKey {
        /// The user's name.
        user: String,
    },
    /// Delete an access key.
    DeleteAccessKey {
        /// The user's name.
        user: String,
        /// The key's id (an identifier, not a secret; shown masked in text).
        access_key_id: String,
    },
    /// Delete a non-default policy version.
    DeletePolicyVersion {
        /// The policy's ARN.
        arn: String,
        /// The version, such as `v2`.
        version_id: String,
    },
    /// Delete a customer managed policy.
    DeletePolicy {
        /// The policy's name.
        name: String,
        /// Its ARN.
        arn: String,
    },
    /// Delete the role.
    DeleteRole {
        /// The role's name.
        name: String,
    },
    /// Delete the user.
    DeleteUser {
        /// The user's name.
        name: String,
    },
    /// Nothing to do: the resource is as desired.
    NoOp {
        /// The kind of resource.
        kind: ResourceKind,
        /// Its name (for attachments, the policy ARN).
        name: String,
        /// Why nothing is needed.
        detail: String,
    },
    /// Left alone on purpose, such as an untagged resource during teardown.
    Skip {
        /// The kind of resource.
        kind: ResourceKind,
        /// Its name.
        name: String,
        /// Why it is left alone.
        reason: String,
    },
}

impl Step {
    /// Whether applying the step changes anything.
    pub fn is_change(&self) -> bool {
        !matches!(self, Self::NoOp { .. } | Self::Skip { .. })
    }

    /// The short action word of the table.
    pub fn action(&self) -> &'static str {
        match self {
            Self::CreatePolicy { .. } | Self::CreateRole { .. } | Self::CreateUser { .. } => {
                "create"
            }
            Self::UpdatePolicy { .. } | Self::UpdateTrustPolicy { .. } => "update",
            Self::Adopt { .. } => "adopt",
            Self::AttachRolePolicy { .. } | Self::AttachUserPolicy { .. } => "attach",
            Self::DetachRolePolicy { .. } | Self::DetachUserPolicy { .. } => "detach",
            Self::CreateAccessKey { .. } => "create-key",
            Self::DeleteAccessKey { .. }
            | Self::DeletePolicyVersion { .. }
            | Self::DeletePolicy { .. }
            | Self::DeleteRole { .. }
            | Self::DeleteUser { .. } => "delete",
            Self::NoOp { .. } => "no-op",
            Self::Skip { .. } => "skip",
        }
    }

    /// The kind and name of the resource the step concerns.
    pub fn resource(&self) -> (ResourceKind, String) {
        use ResourceKind as K;
        match self {
            Self::CreatePolicy { name, .. }
            | Self::UpdatePolicy { name, .. }
            | Self::DeletePolicy { name, .. } => (K::Policy, name.clone()),
            Self::CreateRole { name, .. } | Self::DeleteRole { name } => (K::Role, name.clone()),
            Self::UpdateTrustPolicy { name, .. } => (K::TrustPolicy, name.clone()),
            Self::CreateUser { name } | Self::DeleteUser { name } => (K::User, name.clone()),
            Self::Adopt { kind, name, .. }
            | Self::NoOp { kind, name, .. }
            | Self::Skip { kind, name, .. } => (*kind, name.clone()),
            Self::AttachRolePolicy { role, policy_arn }
            | Self::DetachRolePolicy { role, policy_arn } => {
                (K::RoleAttachment, format!("{role} <- {policy_arn}"))
            }
            Self::AttachUserPolicy { user, policy_arn }
            | Self::DetachUserPolicy { user, policy_arn } => {
                (K::UserAttachment, format!("{user} <- {policy_arn}"))
            }
            Self::CreateAccessKey { user } => (K::AccessKey, user.clone()),
            Self::DeleteAccessKey {
                user,
                access_key_id,
            } => (K::AccessKey, format!("{user}/{}", mask(access_key_id))),
            Self::DeletePolicyVersion { arn, version_id } => {
                (K::PolicyVersion, format!("{arn} {version_id}"))
            }
        }
    }

    /// A one-line detail for the table.
    fn detail(&self) -> String {
        match self {
            Self::CreatePolicy { .. } => "new policy, tagged managed-by=sagecred".to_owned(),
            Self::UpdatePolicy {
                prune_version_id, ..
            } => match prune_version_id {
                Some(v) => format!("document drifted: new default version, deleting oldest {v}"),
                None => "document drifted: new default version".to_owned(),
            },
            Self::CreateRole { .. } => "trusts sagemaker.amazonaws.com".to_owned(),
            Self::UpdateTrustPolicy { .. } => {
                "trust policy drifted: UpdateAssumeRolePolicy".to_owned()
            }
            Self::CreateUser { .. } => "new user, tagged managed-by=sagecred".to_owned(),
            Self::Adopt { .. } => "untagged: tag as managed-by=sagecred".to_owned(),
            Self::AttachRolePolicy { .. } | Self::AttachUserPolicy { .. } => "missing".to_owned(),
            Self::DetachRolePolicy { .. } | Self::DetachUserPolicy { .. } => {
                "not wanted in this mode".to_owned()
            }
            Self::CreateAccessKey { .. } => "secret goes to the store, never shown".to_owned(),
            Self::DeleteAccessKey { .. } => "before the user".to_owned(),
            Self::DeletePolicyVersion { .. } => "before the policy".to_owned(),
            Self::DeletePolicy { .. } | Self::DeleteRole { .. } | Self::DeleteUser { .. } => {
                "tagged managed-by=sagecred".to_owned()
            }
            Self::NoOp { detail, .. } => detail.clone(),
            Self::Skip { reason, .. } => reason.clone(),
        }
    }
}

/// An access key id with all but its first and last four characters hidden.
pub(crate) fn mask(id: &str) -> String {
    match id.parse::<sagecred_core::AccessKeyId>() {
        Ok(id) => id.masked(),
        Err(_) => "****".to_owned(),
    }
}

/// What discovery (or teardown planning) decided, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The permission mode (teardown plans carry the mode of the options they were made from).
    pub mode: Mode,
    /// What the mode grants, and what the guide's default grants, in sentences.
    pub notes: Vec<String>,
    /// The account planned against.
    pub account_id: String,
    /// The execution role's ARN as GetRole returned it (path kept), when the role exists.
    pub role_arn: Option<String>,
    /// The steps, in the order they must run.
    pub steps: Vec<Step>,
}

impl Plan {
    /// Whether applying the plan would change nothing.
    pub fn is_noop(&self) -> bool {
        !self.steps.iter().any(Step::is_change)
    }

    /// The steps that change something.
    pub fn changes(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.is_change())
    }

    /// The plan as pretty JSON, for `--output json`.
    pub fn to_json(&self) -> String {
        // Serialising plain strings, enums and vectors cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The plan as a table followed by the documents and diffs it would send.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("account {}\n", self.account_id));
        for note in &self.notes {
            out.push_str(&format!("note: {note}\n"));
        }
        let rows: Vec<(String, String, String, String)> = self
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (kind, name) = s.resource();
                (
                    format!("{}", i + 1),
                    s.action().to_owned(),
                    format!("{kind} {name}"),
                    s.detail(),
                )
            })
            .collect();
        let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(1).max(1);
        let w1 = rows.iter().map(|r| r.1.len()).max().unwrap_or(6).max(6);
        let w2 = rows.iter().map(|r| r.2.len()).max().unwrap_or(8).max(8);
        out.push_str(&format!(
            "{:>w0$}  {:<w1$}  {:<w2$}  detail\n",
            "#", "action", "resource"
        ));
        for (n, action, resource, detail) in &rows {
            out.push_str(&format!(
                "{n:>w0$}  {action:<w1$}  {resource:<w2$}  {detail}\n"
            ));
        }
        let changes = self.changes().count();
        out.push_str(&if changes == 0 {
            "no changes: everything is as desired\n".to_owned()
        } else {
            format!("{changes} change(s)\n")
        });
        for (i, step) in self.steps.iter().enumerate() {
            let (title, body) = match step {
                Step::CreatePolicy { name, document, .. } => (format!("policy {name}"), document),
                Step::UpdatePolicy { name, diff, .. } => (format!("policy {name} (diff)"), diff),
                Step::CreateRole {
                    name, trust_policy, ..
                } => (format!("trust policy of {name}"), trust_policy),
                Step::UpdateTrustPolicy { name, diff, .. } => {
                    (format!("trust policy of {name} (diff)"), diff)
                }
                _ => continue,
            };
            out.push_str(&format!("\nstep {}: {title}\n{}\n", i + 1, body.trim_end()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trips_and_text_masks_key_ids() {
        let plan = Plan {
            mode: Mode::GuideDefault,
            notes: Mode::GuideDefault.notes(),
            account_id: "123456789012".into(),
            role_arn: None,
            steps: vec![
                Step::CreateUser { name: "dev".into() },
                Step::DeleteAccessKey {
                    user: "dev".into(),
                    access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
                },
                Step::NoOp {
                    kind: ResourceKind::Role,
                    name: "r".into(),
                    detail: "as desired".into(),
                },
            ],
        };
        let back: Plan = serde_json::from_str(&plan.to_json()).unwrap();
        assert_eq!(back, plan);
        assert!(plan.to_json().contains("\"step\": \"create_user\""));
        let text = plan.render_text();
        assert!(text.contains("AKIA************MPLE"), "{text}");
        assert!(!text.contains("AKIAIOSFODNN7EXAMPLE"), "{text}");
        assert!(text.contains("pass any role"), "{text}");
        assert!(text.contains("2 change(s)"), "{text}");
        assert!(!plan.is_noop());
    }
}
