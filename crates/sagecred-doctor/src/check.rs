//! The report's vocabulary: [`CheckId`] (whose order is the report's order), [`Status`],
//! [`Check`] and the typed [`Fix`] each problem carries.

use std::fmt;

use sagecred_core::{CredentialSource, ProfileName};

/// Which check a line of the report is. The declaration order is the report order: the
/// credential and identity checks come first, because they explain the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum CheckId {
    /// The profile's credentials resolve.
    Credentials,
    /// STS GetCallerIdentity accepts them (the guide's Check 1).
    Identity,
    /// They are not the account root's.
    RootCredentials,
    /// A region is configured explicitly.
    Region,
    /// The IAM user has the guide's policies (Check 2).
    UserPolicies,
    /// The execution role exists (Check 3).
    Role,
    /// The role lets SageMaker assume it.
    RoleTrust,
    /// The role has its policies.
    RolePolicies,
    /// `SAGEMAKER_ROLE` agrees with the profile's role.
    SagemakerRoleEnv,
    /// The SageMaker Python SDK's defaults file names the profile's role and bucket.
    SagemakerSdkConfig,
    /// The policy simulator allows PassRole, the bucket and CreateTrainingJob.
    Permissions,
    /// The training-data bucket lists (Part 3).
    S3Bucket,
    /// SageMaker answers ListTrainingJobs (Part 3).
    Sagemaker,
    /// The access key is younger than the guide's 90 days.
    KeyAge,
    /// The IAM user has an MFA device.
    Mfa,
    /// No profile keeps its secret key in plaintext.
    PlaintextKeys,
    /// The AWS files and the SSO token cache are private.
    FilePermissions,
}

impl CheckId {
    /// The check's name in the report and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Credentials => "credentials",
            Self::Identity => "identity",
            Self::RootCredentials => "root-credentials",
            Self::Region => "region",
            Self::UserPolicies => "user-policies",
            Self::Role => "role",
            Self::RoleTrust => "role-trust",
            Self::RolePolicies => "role-policies",
            Self::SagemakerRoleEnv => "sagemaker-role-env",
            Self::SagemakerSdkConfig => "sagemaker-sdk-config",
            Self::Permissions => "permissions",
            Self::S3Bucket => "s3-bucket",
            Self::Sagemaker => "sagemaker",
            Self::KeyAge => "key-age",
            Self::Mfa => "mfa",
            Self::PlaintextKeys => "plaintext-keys",
            Self::FilePermissions => "file-permissions",
        }
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// The check holds.
    Pass,
    /// Something is off, or could not be verified; nothing is known to be broken.
    Warn,
    /// Something is broken.
    Fail,
}

impl Status {
    /// `pass`, `warn` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

/// Which sagecred store a `configure` fix writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreFlag {
    /// The OS keychain (the default, so no flag is written).
    Keychain,
    /// The Linux kernel keyring.
    Keyutils,
    /// The plaintext credentials file.
    File,
}

/// What fixes a problem: a command the user can run. Each variant renders as exactly the
/// command line that `provision`, `configure`, `login` and `migrate` accept.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fix {
    /// What gives a profile working credentials again, for its source: the one piece of
    /// advice every command gives (`CredentialSource::fix`), such as
    /// `sagecred login --profile P` for SSO or `sagecred configure --profile P` for a store.
    Credentials {
        /// The profile.
        profile: ProfileName,
        /// Where its credentials come from.
        source: CredentialSource,
    },
    /// `sagecred configure --profile P [--store S]`: store working keys.
    Configure {
        /// The profile.
        profile: ProfileName,
        /// The store the profile uses.
        store: StoreFlag,
    },
    /// `sagecred login --profile P`: a new IAM Identity Center sign-in.
    Login {
        /// The profile.
        profile: ProfileName,
    },
    /// `aws configure set region R --profile P`.
    SetRegion {
        /// The region to set.
        region: String,
        /// The profile.
        profile: ProfileName,
    },
    /// `chmod 600 PATH...`, each path quoted for a POSIX shell.
    Chmod {
        /// The files.
        paths: Vec<String>,
    },
    /// `sagecred migrate --profile P`, or `--all` without a profile.
    Migrate {
        /// The one profile, or `None` for all.
        profile: Option<ProfileName>,
    },
    /// `aws iam attach-user-policy ...` for each policy, joined by `&&`.
    AttachUserPolicies {
        /// The IAM user.
        user: String,
        /// The policies' ARNs.
        policy_arns: Vec<String>,
    },
    /// `aws iam attach-role-policy ...` for each policy, joined by `&&`.
    AttachRolePolicies {
        /// The role.
        role: String,
        /// The policies' ARNs.
        policy_arns: Vec<String>,
    },
    /// `sagecred provision --profile ADMIN_PROFILE --apply ...`, run by an administrator.
    Provision {
        /// `--role-name`.
        role_name: String,
        /// `--policy-name`.
        policy_name: String,
        /// `--bucket`, when the bucket is the problem.
        bucket: Option<String>,
        /// The administrator's profile, or `None` for the placeholder `ADMIN_PROFILE`.
        admin_profile: Option<ProfileName>,
    },
    /// `aws iam update-assume-role-policy` with the trust policy provision installs.
    UpdateTrust {
        /// The role.
        role: String,
        /// The document, one line of JSON.
        document: String,
    },
    /// `export SAGEMAKER_ROLE=ARN`.
    ExportRole {
        /// The role ARN.
        arn: String,
    },
    /// No AWS endpoint answered.
    CheckNetwork,
    /// Any other command, as the user would type it.
    Command(String),
}

/// A value quoted for a POSIX shell, or as it is when it cannot be.
fn sh(value: &str) -> String {
    sagecred_shell::quote_posix(value).map_or_else(|_| value.to_owned(), |q| q.into())
}

impl fmt::Display for Fix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Credentials { profile, source } => f.write_str(&source.fix(profile)),
            Self::Configure { profile, store } => {
                write!(f, "sagecred configure --profile {profile}")?;
                match store {
                    StoreFlag::Keychain => Ok(()),
                    StoreFlag::Keyutils => f.write_str(" --store keyutils"),
                    StoreFlag::File => f.write_str(" --store file"),
                }
            }
            Self::Login { profile } => write!(f, "sagecred login --profile {profile}"),
            Self::SetRegion { region, profile } => {
                write!(f, "aws configure set region {region} --profile {profile}")
            }
            Self::Chmod { paths } => {
                let quoted: Vec<String> = paths.iter().map(|p| sh(p)).collect();
                write!(f, "chmod 600 {}", quoted.join(" "))
            }
            Self::Migrate { profile: Some(p) } => write!(f, "sagecred migrate --profile {p}"),
            Self::Migrate { profile: None } => f.write_str("sagecred migrate --all"),
            Self::AttachUserPolicies { user, policy_arns } => {
                let each: Vec<String> = policy_arns
                    .iter()
                    .map(|arn| {
                        format!("aws iam attach-user-policy --user-name {user} --policy-arn {arn}")
                    })
                    .collect();
                f.write_str(&each.join(" && "))
            }
            Self::AttachRolePolicies { role, policy_arns } => {
                let each: Vec<String> = policy_arns
                    .iter()
                    .map(|arn| {
                        format!("aws iam attach-role-policy --role-name {role} --policy-arn {arn}")
                    })
                    .collect();
                f.write_str(&each.join(" && "))
            }
            Self::Provision {
                role_name,
                policy_name,
                bucket,
                admin_profile,
            } => {
                let admin = admin_profile
                    .as_ref()
                    .map_or("ADMIN_PROFILE", ProfileName::as_str);
                write!(
                    f,
                    "sagecred provision --profile {admin} --apply --role-name {role_name} --policy-name {policy_name}"
                )?;
                match bucket {
                    Some(b) => write!(f, " --bucket {b}"),
                    None => Ok(()),
                }
            }
            Self::UpdateTrust { role, document } => write!(
                f,
                "aws iam update-assume-role-policy --role-name {role} --policy-document {}",
                sh(document)
            ),
            Self::ExportRole { arn } => write!(f, "export SAGEMAKER_ROLE={}", sh(arn)),
            Self::CheckNetwork => f.write_str(
                "check the network connection, and AWS_ENDPOINT_URL or endpoint_url in the profile",
            ),
            Self::Command(text) => f.write_str(text),
        }
    }
}

/// One line of the report. Reasons and fixes name values, never a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Which check.
    pub id: CheckId,
    /// Its outcome.
    pub status: Status,
    /// Why, on one line.
    pub reason: String,
    /// What fixes it; `None` for a pass.
    pub fix: Option<Fix>,
}

impl Check {
    /// A passed check.
    pub fn pass(id: CheckId, reason: impl Into<String>) -> Self {
        Self {
            id,
            status: Status::Pass,
            reason: one_line(reason.into()),
            fix: None,
        }
    }

    /// A warning with its fix.
    pub fn warn(id: CheckId, reason: impl Into<String>, fix: Fix) -> Self {
        Self {
            id,
            status: Status::Warn,
            reason: one_line(reason.into()),
            fix: Some(fix),
        }
    }

    /// A failure with its fix.
    pub fn fail(id: CheckId, reason: impl Into<String>, fix: Fix) -> Self {
        Self {
            id,
            status: Status::Fail,
            reason: one_line(reason.into()),
            fix: Some(fix),
        }
    }
}

/// A reason on one line: some errors (a credential process's stderr) span several.
fn one_line(text: String) -> String {
    if text.contains('\n') {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        text
    }
}

/// The checks of one run, in report order ([`CheckId`] order; checks of the same id keep
/// the order they were added in).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    checks: Vec<Check>,
}

impl Report {
    /// A report of `checks`, put in report order.
    pub fn new(mut checks: Vec<Check>) -> Self {
        checks.sort_by_key(|c| c.id);
        Self { checks }
    }

    /// The checks, in report order.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// How many checks ended with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }

    /// How many checks failed.
    pub fn failed(&self) -> usize {
        self.count(Status::Fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str) -> ProfileName {
        name.parse().unwrap()
    }

    #[test]
    fn reports_sort_by_check_id() {
        let report = Report::new(vec![
            Check::pass(CheckId::FilePermissions, "ok"),
            Check::pass(CheckId::Region, "ok"),
            Check::fail(CheckId::Credentials, "no", Fix::CheckNetwork),
        ]);
        let ids: Vec<_> = report.checks().iter().map(|c| c.id).collect();
        assert_eq!(
            ids,
            [
                CheckId::Credentials,
                CheckId::Region,
                CheckId::FilePermissions
            ]
        );
        assert_eq!(report.failed(), 1);
        assert_eq!(report.count(Status::Pass), 2);
    }

    #[test]
    fn fixes_render_the_commands_sagecred_accepts() {
        let p = profile("dev");
        assert_eq!(
            Fix::Login { profile: p.clone() }.to_string(),
            "sagecred login --profile dev"
        );
        assert_eq!(
            Fix::Configure {
                profile: p.clone(),
                store: StoreFlag::Keyutils
            }
            .to_string(),
            "sagecred configure --profile dev --store keyutils"
        );
        assert_eq!(
            Fix::Chmod {
                paths: vec!["/h/a b".into(), "/h/c".into()]
            }
            .to_string(),
            "chmod 600 '/h/a b' /h/c"
        );
        assert_eq!(
            Fix::AttachUserPolicies {
                user: "u".into(),
                policy_arns: vec!["arn:a".into(), "arn:b".into()]
            }
            .to_string(),
            "aws iam attach-user-policy --user-name u --policy-arn arn:a && aws iam attach-user-policy --user-name u --policy-arn arn:b"
        );
        assert_eq!(
            Fix::Provision {
                role_name: "R".into(),
                policy_name: "P".into(),
                bucket: Some("b".into()),
                admin_profile: None
            }
            .to_string(),
            "sagecred provision --profile ADMIN_PROFILE --apply --role-name R --policy-name P --bucket b"
        );
    }

    #[test]
    fn credential_fixes_are_the_sources_one_advice() {
        let sso = CredentialSource::Sso(sagecred_core::SsoSource {
            session: sagecred_core::SsoSessionRef::Named("team".into()),
            account_id: None,
            role_name: None,
        });
        let fix = Fix::Credentials {
            profile: profile("dev"),
            source: sso,
        };
        assert_eq!(fix.to_string(), "sagecred login --profile dev");
        let file = Fix::Credentials {
            profile: profile("dev"),
            source: CredentialSource::File,
        };
        assert_eq!(
            file.to_string(),
            "sagecred configure --profile dev --store file"
        );
    }

    #[test]
    fn reasons_are_one_line() {
        let c = Check::pass(CheckId::Credentials, "a\n  b");
        assert_eq!(c.reason, "a b");
    }
}
