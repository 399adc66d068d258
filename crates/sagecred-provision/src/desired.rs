//! The desired state: what the guide's Parts 1 and 2 create, as typed data built from the
//! options and the caller's account.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use sagecred_core::{
    AccessKeyId, AccountId, DEFAULT_BUCKET, DEFAULT_POLICY_NAME, DEFAULT_ROLE_NAME,
    DEFAULT_USER_NAME, Partition,
};

use crate::Error;
use crate::json::render;

/// The tag key that marks a resource as sagecred's.
pub const MANAGED_BY_KEY: &str = "managed-by";
/// The tag value that marks a resource as sagecred's.
pub const MANAGED_BY_VALUE: &str = "sagecred";
/// The ECR repository that least-privilege mode grants push and pull on, unless named.
pub const DEFAULT_ECR_REPOSITORY: &str = "unet-training";

/// The AWS managed policy the guide attaches to both the role and the user.
pub const SAGEMAKER_FULL_ACCESS: &str = "AmazonSageMakerFullAccess";
/// The AWS managed policy the guide attaches to the user for pushing images.
pub const ECR_FULL_ACCESS: &str = "AmazonEC2ContainerRegistryFullAccess";
/// The AWS managed policy the guide attaches to the user for the troubleshooting checks.
pub const IAM_READ_ONLY_ACCESS: &str = "IAMReadOnlyAccess";

/// The service principal that assumes the execution role.
pub(crate) const SAGEMAKER_SERVICE: &str = "sagemaker.amazonaws.com";
/// The guide's description of the custom policy.
const POLICY_DESCRIPTION: &str = "S3 and ECR access for vessel segmentation training";
/// The guide's description of the role.
const ROLE_DESCRIPTION: &str = "Execution role for SageMaker UNet training jobs";
/// The description of the least-privilege user policy (not in the guide).
const USER_POLICY_DESCRIPTION: &str =
    "Least-privilege access for submitting SageMaker training jobs (sagecred)";

/// What the caller asks for. [`Default`] gives the guide's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisionOptions {
    /// The S3 bucket the training data lives in.
    pub bucket: String,
    /// The execution role's name.
    pub role_name: String,
    /// The custom policy's name.
    pub policy_name: String,
    /// The user's name; `None` manages no user (`--no-user`).
    pub user_name: Option<String>,
    /// Least-privilege mode instead of the guide's broad managed policies.
    pub least_privilege: bool,
    /// Take over untagged resources of the same names by tagging them.
    pub adopt: bool,
    /// Make sure the caller ends up holding an access key of the user.
    pub create_access_key: bool,
    /// The key the caller already holds (from its store). When the user still has it, no
    /// new key is needed, which keeps a second apply free of mutating calls.
    pub held_access_key_id: Option<AccessKeyId>,
    /// The ECR repository of least-privilege mode.
    pub ecr_repository: String,
}

impl Default for ProvisionOptions {
    fn default() -> Self {
        Self {
            bucket: DEFAULT_BUCKET.to_owned(),
            role_name: DEFAULT_ROLE_NAME.to_owned(),
            policy_name: DEFAULT_POLICY_NAME.to_owned(),
            user_name: Some(DEFAULT_USER_NAME.to_owned()),
            least_privilege: false,
            adopt: false,
            create_access_key: true,
            held_access_key_id: None,
            ecr_repository: DEFAULT_ECR_REPOSITORY.to_owned(),
        }
    }
}

/// Which set of permissions is provisioned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Exactly the guide: broad AWS managed policies.
    GuideDefault,
    /// Scoped permissions (`--least-privilege`).
    LeastPrivilege,
}

impl Mode {
    /// What the mode grants, in sentences for the plan.
    pub fn notes(self) -> Vec<String> {
        let mut notes = match self {
            Self::GuideDefault => vec![
                "mode: guide default (the guide's AWS managed policies, unchanged)".to_owned(),
                "AmazonSageMakerFullAccess lets the user pass any role to SageMaker and manage every SageMaker resource in the account".to_owned(),
                "AmazonEC2ContainerRegistryFullAccess lets the user create, change and delete every ECR repository".to_owned(),
                "IAMReadOnlyAccess lets the user read every IAM user, role and policy in the account".to_owned(),
                "the custom policy lets the role write CloudWatch Logs anywhere (arn:aws:logs:*:*:*)".to_owned(),
            ],
            Self::LeastPrivilege => vec![
                "mode: least privilege (--least-privilege)".to_owned(),
                "the user may pass only the execution role, and only to sagemaker.amazonaws.com".to_owned(),
                "the user gets training-job actions, push and pull on one ECR repository, and read of its own user and the role".to_owned(),
                "the role trusts SageMaker training jobs of this account only, and writes logs only under /aws/sagemaker/TrainingJobs".to_owned(),
                "the guide's default would instead attach AmazonSageMakerFullAccess (which lets the user pass any role to SageMaker), AmazonEC2ContainerRegistryFullAccess and IAMReadOnlyAccess to the user".to_owned(),
            ],
        };
        notes.push(
            "the role keeps AmazonSageMakerFullAccess as in the guide; SageMaker uses it on the role's behalf".to_owned(),
        );
        notes
    }
}

/// A customer managed policy to be kept in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySpec {
    /// The policy's name.
    pub name: String,
    /// Its ARN, which follows from the account and the name (customer policies use path `/`).
    pub arn: String,
    /// Its description (fixed at creation; IAM cannot change it later).
    pub description: String,
    /// The document, rendered as sent to IAM.
    pub document: String,
}

/// The execution role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSpec {
    /// The role's name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// The trust policy, rendered as sent to IAM.
    pub trust_policy: String,
    /// The policies that must be attached.
    pub attached_policy_arns: Vec<String>,
    /// Policies sagecred attaches in the other mode: detached when found, so that switching
    /// modes takes the broad grants away. Anything else attached by hand is left alone.
    pub detach_policy_arns: Vec<String>,
}

/// The developer user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSpec {
    /// The user's name.
    pub name: String,
    /// The policies that must be attached.
    pub attached_policy_arns: Vec<String>,
    /// As [`RoleSpec::detach_policy_arns`].
    pub detach_policy_arns: Vec<String>,
    /// Whether the caller needs a key of this user.
    pub access_key: bool,
    /// The key the caller already holds, if any.
    pub held_access_key_id: Option<String>,
}

/// Everything sagecred keeps in place, in one value that can be planned, applied or emitted
/// as CloudFormation or Terraform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesiredState {
    /// The permission mode.
    pub mode: Mode,
    /// The account the resources live in.
    pub account_id: String,
    /// The partition (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: String,
    /// The bucket the custom policy grants.
    pub bucket: String,
    /// Customer managed policies, in creation order: the guide's custom policy, then in
    /// least-privilege mode the user's policy.
    pub policies: Vec<PolicySpec>,
    /// The execution role.
    pub role: RoleSpec,
    /// The user, unless `--no-user`.
    pub user: Option<UserSpec>,
    /// Whether untagged resources of these names may be adopted.
    pub adopt: bool,
    /// The tags put on every resource.
    pub tags: Vec<(String, String)>,
}

impl DesiredState {
    /// Builds the desired state from `options` for `account` in `partition`.
    ///
    /// Fails with [`Error::InvalidOption`] when a name breaks IAM's or S3's rules, so that
    /// nothing is planned from a value AWS would refuse halfway through an apply.
    pub fn new(
        options: &ProvisionOptions,
        account: &AccountId,
        partition: Partition,
    ) -> Result<Self, Error> {
        check_iam_name("role name", &options.role_name, 64)?;
        check_iam_name("policy name", &options.policy_name, 128)?;
        if let Some(user) = &options.user_name {
            check_iam_name("user name", user, 64)?;
        }
        check_bucket(&options.bucket)?;
        check_repository(&options.ecr_repository)?;

        let p = partition.as_str();
        let acct = account.as_str();
        let mode = if options.least_privilege {
            Mode::LeastPrivilege
        } else {
            Mode::GuideDefault
        };
        let managed = |name: &str| format!("arn:{p}:iam::aws:policy/{name}");
        let custom = |name: &str| format!("arn:{p}:iam::{acct}:policy/{name}");
        let role_arn = format!("arn:{p}:iam::{acct}:role/{}", options.role_name);

        let mut policies = vec![PolicySpec {
            name: options.policy_name.clone(),
            arn: custom(&options.policy_name),
            description: POLICY_DESCRIPTION.to_owned(),
            document: render(&custom_policy(&options.bucket, mode, p, acct)),
        }];
        let role = RoleSpec {
            name: options.role_name.clone(),
            description: ROLE_DESCRIPTION.to_owned(),
            trust_policy: render(&trust_policy(mode, p, acct)),
            attached_policy_arns: vec![
                managed(SAGEMAKER_FULL_ACCESS),
                custom(&options.policy_name),
            ],
            detach_policy_arns: Vec::new(),
        };
        let user = options.user_name.as_ref().map(|user| {
            let user_policy = user_policy_name(&options.policy_name);
            let broad = vec![
                managed(SAGEMAKER_FULL_ACCESS),
                managed(ECR_FULL_ACCESS),
                managed(IAM_READ_ONLY_ACCESS),
            ];
            let (attached, detach) = match mode {
                Mode::GuideDefault => {
                    let mut attached = broad;
                    attached.push(custom(&options.policy_name));
                    (attached, vec![custom(&user_policy)])
                }
                Mode::LeastPrivilege => (
                    vec![custom(&options.policy_name), custom(&user_policy)],
                    broad,
                ),
            };
            UserSpec {
                name: user.clone(),
                attached_policy_arns: attached,
                detach_policy_arns: detach,
                access_key: options.create_access_key,
                held_access_key_id: options
                    .held_access_key_id
                    .as_ref()
                    .map(|k| k.as_str().to_owned()),
            }
        });
        if let (Mode::LeastPrivilege, Some(user)) = (mode, &user) {
            let name = user_policy_name(&options.policy_name);
            policies.push(PolicySpec {
                arn: custom(&name),
                name,
                description: USER_POLICY_DESCRIPTION.to_owned(),
                document: render(&least_privilege_user_policy(
                    p,
                    acct,
                    &role_arn,
                    &user.name,
                    &options.ecr_repository,
                )),
            });
        }
        Ok(Self {
            mode,
            account_id: acct.to_owned(),
            partition: p.to_owned(),
            bucket: options.bucket.clone(),
            policies,
            role,
            user,
            adopt: options.adopt,
            tags: vec![(MANAGED_BY_KEY.to_owned(), MANAGED_BY_VALUE.to_owned())],
        })
    }

    /// The names of every customer managed policy sagecred may own under these options, in
    /// either mode: teardown looks for all of them.
    pub fn all_policy_names(&self) -> Vec<String> {
        let first = &self.policies[0].name;
        vec![first.clone(), user_policy_name(first)]
    }

    /// The ARN of a customer managed policy of this account.
    pub fn policy_arn(&self, name: &str) -> String {
        format!(
            "arn:{}:iam::{}:policy/{name}",
            self.partition, self.account_id
        )
    }
}

/// The least-privilege user policy's name, derived from the custom policy's.
fn user_policy_name(policy_name: &str) -> String {
    // IAM policy names may be 128 characters; the suffix keeps a 120-character name valid.
    let mut name: String = policy_name.chars().take(120).collect();
    name.push_str("-User");
    name
}

/// The guide's custom policy for `bucket`: in guide mode, byte for byte the JSON of Part 1
/// step 4 when `bucket` is the guide's.
fn custom_policy(bucket: &str, mode: Mode, partition: &str, account: &str) -> Value {
    let logs_resource = match mode {
        Mode::GuideDefault => format!("arn:{partition}:logs:*:*:*"),
        Mode::LeastPrivilege => {
            format!("arn:{partition}:logs:*:{account}:log-group:/aws/sagemaker/TrainingJobs*")
        }
    };
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "S3AccessForVesselSegmentation",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
                "Resource": [
                    format!("arn:{partition}:s3:::{bucket}"),
                    format!("arn:{partition}:s3:::{bucket}/*"),
                ]
            },
            {
                "Sid": "ECRAccess",
                "Effect": "Allow",
                "Action": [
                    "ecr:GetAuthorizationToken",
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage"
                ],
                "Resource": "*"
            },
            {
                "Sid": "CloudWatchLogs",
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams"
                ],
                "Resource": logs_resource
            }
        ]
    })
}

/// The role's trust policy: SageMaker may assume it on behalf of this account only
/// (`aws:SourceAccount` guards against the confused-deputy problem), and in least-privilege
/// mode only for training jobs.
pub(crate) fn trust_policy(mode: Mode, partition: &str, account: &str) -> Value {
    let mut condition = json!({ "StringEquals": { "aws:SourceAccount": account } });
    if mode == Mode::LeastPrivilege {
        condition["ArnLike"] = json!({
            "aws:SourceArn": format!("arn:{partition}:sagemaker:*:{account}:training-job/*")
        });
    }
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": { "Service": SAGEMAKER_SERVICE },
                "Action": "sts:AssumeRole",
                "Condition": condition
            }
        ]
    })
}

/// The user's policy in least-privilege mode, replacing the three broad managed policies.
fn least_privilege_user_policy(
    partition: &str,
    account: &str,
    role_arn: &str,
    user: &str,
    repository: &str,
) -> Value {
    let training_jobs = format!("arn:{partition}:sagemaker:*:{account}:training-job/*");
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PassExecutionRoleToSageMaker",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": role_arn,
                "Condition": { "StringEquals": { "iam:PassedToService": SAGEMAKER_SERVICE } }
            },
            {
                "Sid": "SageMakerTrainingJobs",
                "Effect": "Allow",
                "Action": [
                    "sagemaker:CreateTrainingJob",
                    "sagemaker:DescribeTrainingJob",
                    "sagemaker:StopTrainingJob",
                    "sagemaker:AddTags"
                ],
                "Resource": training_jobs
            },
            {
                "Sid": "SageMakerListTrainingJobs",
                "Effect": "Allow",
                "Action": "sagemaker:ListTrainingJobs",
                "Resource": "*"
            },
            {
                "Sid": "ReadTrainingJobLogs",
                "Effect": "Allow",
                "Action": ["logs:GetLogEvents", "logs:DescribeLogStreams"],
                "Resource": format!("arn:{partition}:logs:*:{account}:log-group:/aws/sagemaker/TrainingJobs*")
            },
            {
                "Sid": "ECRLogin",
                "Effect": "Allow",
                "Action": "ecr:GetAuthorizationToken",
                "Resource": "*"
            },
            {
                "Sid": "ECRPushPullOneRepository",
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchGetImage",
                    "ecr:InitiateLayerUpload",
                    "ecr:UploadLayerPart",
                    "ecr:CompleteLayerUpload",
                    "ecr:PutImage",
                    "ecr:DescribeImages",
                    "ecr:DescribeRepositories"
                ],
                "Resource": format!("arn:{partition}:ecr:*:{account}:repository/{repository}")
            },
            {
                "Sid": "ReadOwnUserAndRole",
                "Effect": "Allow",
                "Action": [
                    "iam:GetUser",
                    "iam:ListAccessKeys",
                    "iam:ListAttachedUserPolicies",
                    "iam:GetRole",
                    "iam:ListAttachedRolePolicies"
                ],
                "Resource": [format!("arn:{partition}:iam::{account}:user/{user}"), role_arn]
            }
        ]
    })
}

fn check_iam_name(what: &'static str, value: &str, max: usize) -> Result<(), Error> {
    let ok = !value.is_empty()
        && value.len() <= max
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidOption {
            what,
            value: value.to_owned(),
            rule: if max == 64 {
                "use 1 to 64 letters, digits and +=,.@_-"
            } else {
                "use 1 to 128 letters, digits and +=,.@_-"
            },
        })
    }
}

fn check_bucket(value: &str) -> Result<(), Error> {
    let ok = (3..=63).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value.ends_with(|c: char| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidOption {
            what: "bucket name",
            value: value.to_owned(),
            rule: "use 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit",
        })
    }
}

fn check_repository(value: &str) -> Result<(), Error> {
    let ok = (2..=256).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidOption {
            what: "ECR repository name",
            value: value.to_owned(),
            rule: "use 2 to 256 lower-case letters, digits and ._-/",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Part 1, step 4 of the guide, as printed there (indentation removed).
    const GUIDE_POLICY: &str = r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "S3AccessForVesselSegmentation",
            "Effect": "Allow",
            "Action": [
                "s3:GetObject",
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:ListBucket"
            ],
            "Resource": [
                "arn:aws:s3:::vessel-segmentation-data",
                "arn:aws:s3:::vessel-segmentation-data/*"
            ]
        },
        {
            "Sid": "ECRAccess",
            "Effect": "Allow",
            "Action": [
                "ecr:GetAuthorizationToken",
                "ecr:BatchCheckLayerAvailability",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchGetImage"
            ],
            "Resource": "*"
        },
        {
            "Sid": "CloudWatchLogs",
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams"
            ],
            "Resource": "arn:aws:logs:*:*:*"
        }
    ]
}"#;

    fn account() -> AccountId {
        "123456789012".parse().unwrap()
    }

    fn state(options: &ProvisionOptions) -> DesiredState {
        DesiredState::new(options, &account(), Partition::Aws).unwrap()
    }

    #[test]
    fn guide_defaults_render_the_guides_policy_byte_for_byte() {
        let s = state(&ProvisionOptions::default());
        assert_eq!(s.policies.len(), 1);
        assert_eq!(s.policies[0].name, "VesselSegmentationS3ECRAccess");
        assert_eq!(s.policies[0].document, GUIDE_POLICY);
        assert_eq!(
            s.policies[0].arn,
            "arn:aws:iam::123456789012:policy/VesselSegmentationS3ECRAccess"
        );
        assert_eq!(s.role.name, "SageMaker-UNetTraining-ExecutionRole");
        let user = s.user.as_ref().unwrap();
        assert_eq!(user.name, "sagemaker-developer");
        assert_eq!(
            user.attached_policy_arns,
            [
                "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
                "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess",
                "arn:aws:iam::aws:policy/IAMReadOnlyAccess",
                "arn:aws:iam::123456789012:policy/VesselSegmentationS3ECRAccess",
            ]
        );
        assert_eq!(
            s.role.attached_policy_arns,
            [
                "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess",
                "arn:aws:iam::123456789012:policy/VesselSegmentationS3ECRAccess",
            ]
        );
        let trust: Value = serde_json::from_str(&s.role.trust_policy).unwrap();
        assert_eq!(
            trust["Statement"][0]["Principal"]["Service"],
            "sagemaker.amazonaws.com"
        );
        assert_eq!(
            trust["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"],
            "123456789012"
        );
        assert!(trust["Statement"][0]["Condition"].get("ArnLike").is_none());
        assert_eq!(s.tags, [("managed-by".to_owned(), "sagecred".to_owned())]);
    }

    #[test]
    fn bucket_name_flows_into_the_policy() {
        let s = state(&ProvisionOptions {
            bucket: "my-data".into(),
            ..Default::default()
        });
        assert!(
            s.policies[0]
                .document
                .contains("\"arn:aws:s3:::my-data/*\"")
        );
        assert!(!s.policies[0].document.contains("vessel-segmentation-data"));
    }

    #[test]
    fn least_privilege_scopes_logs_trust_and_the_user() {
        let s = state(&ProvisionOptions {
            least_privilege: true,
            ..Default::default()
        });
        assert_eq!(s.mode, Mode::LeastPrivilege);
        let custom: Value = serde_json::from_str(&s.policies[0].document).unwrap();
        assert_eq!(
            custom["Statement"][2]["Resource"],
            "arn:aws:logs:*:123456789012:log-group:/aws/sagemaker/TrainingJobs*"
        );
        let trust: Value = serde_json::from_str(&s.role.trust_policy).unwrap();
        assert_eq!(
            trust["Statement"][0]["Condition"]["ArnLike"]["aws:SourceArn"],
            "arn:aws:sagemaker:*:123456789012:training-job/*"
        );
        let user = s.user.as_ref().unwrap();
        assert_eq!(
            user.attached_policy_arns,
            [
                "arn:aws:iam::123456789012:policy/VesselSegmentationS3ECRAccess",
                "arn:aws:iam::123456789012:policy/VesselSegmentationS3ECRAccess-User",
            ]
        );
        assert!(
            user.detach_policy_arns
                .iter()
                .any(|a| a.ends_with("/AmazonSageMakerFullAccess"))
        );
        let up: Value = serde_json::from_str(&s.policies[1].document).unwrap();
        let pass = &up["Statement"][0];
        assert_eq!(pass["Action"], "iam:PassRole");
        assert_eq!(
            pass["Resource"],
            "arn:aws:iam::123456789012:role/SageMaker-UNetTraining-ExecutionRole"
        );
        assert_eq!(
            pass["Condition"]["StringEquals"]["iam:PassedToService"],
            "sagemaker.amazonaws.com"
        );
        assert_eq!(
            up["Statement"][5]["Resource"],
            "arn:aws:ecr:*:123456789012:repository/unet-training"
        );
        assert!(
            s.policies[1]
                .document
                .contains("sagemaker:CreateTrainingJob")
        );
        assert!(Mode::LeastPrivilege.notes()[0].contains("least privilege"));
        assert!(
            Mode::LeastPrivilege
                .notes()
                .iter()
                .any(|n| n.contains("pass any role"))
        );
        assert!(
            Mode::GuideDefault
                .notes()
                .iter()
                .any(|n| n.contains("pass any role"))
        );
    }

    #[test]
    fn bad_names_are_refused_with_the_value() {
        let err = DesiredState::new(
            &ProvisionOptions {
                role_name: "bad role".into(),
                ..Default::default()
            },
            &account(),
            Partition::Aws,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("role name `bad role` is not valid"),
            "{err}"
        );
        assert!(
            DesiredState::new(
                &ProvisionOptions {
                    bucket: "Upper".into(),
                    ..Default::default()
                },
                &account(),
                Partition::Aws
            )
            .is_err()
        );
    }
}
