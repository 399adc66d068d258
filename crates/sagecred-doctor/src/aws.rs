//! The checks that ask AWS, with the profile's own credentials: the identity, the user's
//! and the role's policies, the role's trust, the policy simulator, the guide's Part 3
//! access tests, the key's age and MFA. They stop after the identity check when the
//! credentials do not work: every later call would fail the same way and only bury the
//! real cause.
//!
//! The caller resolves the credentials (as the SDKs do) and builds the [`SdkConfig`]; this
//! module only calls and classifies.

use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use sagecred_core::{
    AccessKeyId, CredentialSource, DEFAULT_ROLE_NAME, Partition, ProfileName, Region, RoleArn,
};
use sagecred_provision::{
    AwsFailure, CallerIdentity, ECR_FULL_ACCESS, IAM_READ_ONLY_ACCESS, SAGEMAKER_FULL_ACCESS,
    SIMULATED_ACTIONS, caller_identity, simulate_training_access, trusts_sagemaker,
    user_name_from_arn,
};

use crate::access::{AccessTarget, access_checks};
use crate::check::{Check, CheckId, Fix};

/// The guide's rotation period for access keys ("Rotate access keys periodically").
pub const MAX_KEY_AGE_DAYS: u64 = 90;

/// What the store holding the profile's long-term key says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredKey {
    /// The source keeps no key of sagecred's (plaintext file, SSO, another program).
    NotKept,
    /// The store has the key, created at `created` when it recorded that.
    Read {
        /// The key's id.
        key_id: AccessKeyId,
        /// When it was stored.
        created: Option<SystemTime>,
    },
    /// The store could not be read.
    Unreadable {
        /// Why, in words (never a secret).
        reason: String,
    },
}

/// Everything the AWS checks are asked about, resolved by the caller.
#[derive(Debug, Clone)]
pub struct AwsInputs {
    /// The profile checked.
    pub profile: ProfileName,
    /// Where its credentials come from, as the one resolution found it.
    pub source: CredentialSource,
    /// The access key id the credentials resolved to.
    pub key_id: String,
    /// Whether they are temporary session credentials.
    pub temporary: bool,
    /// The region the calls went to.
    pub region: Region,
    /// The custom policy's name (`--policy-name`).
    pub policy_name: String,
    /// The policies the user must have; empty for the guide's four.
    pub user_policies: Vec<String>,
    /// `--role-name`, when given.
    pub role_name: Option<String>,
    /// The profile's `sagemaker_role_arn`, when it has a valid one.
    pub configured_role: Option<RoleArn>,
    /// The training-data bucket.
    pub bucket: String,
    /// `SAGEMAKER_ROLE` from the environment.
    pub sagemaker_role_env: Option<String>,
    /// What the profile's store says about its key.
    pub stored_key: StoredKey,
    /// The time to age keys against.
    pub now: SystemTime,
}

/// An access key id with its middle hidden, as `profiles` shows it.
pub fn mask(id: &str) -> String {
    id.parse::<AccessKeyId>()
        .map_or_else(|_| "****".to_owned(), |k| k.masked())
}

/// The `credentials` check for credentials that do not resolve; the AWS checks are skipped.
pub fn credentials_unresolved(
    profile: &ProfileName,
    source: &CredentialSource,
    error: &str,
) -> Check {
    Check::fail(
        CheckId::Credentials,
        format!(
            "the credentials of profile `{profile}` ({} store) do not resolve: {error}; the aws checks were skipped",
            source.label()
        ),
        credentials_fix(profile, source),
    )
}

/// The fix for credentials that do not work: the source's one piece of advice.
fn credentials_fix(profile: &ProfileName, source: &CredentialSource) -> Fix {
    Fix::Credentials {
        profile: profile.clone(),
        source: source.clone(),
    }
}

/// The caller as the later checks need it.
struct Caller {
    identity: CallerIdentity,
    /// The IAM user name, when the caller is an IAM user.
    user: Option<String>,
}

impl Caller {
    fn partition(&self) -> &'static str {
        self.identity.partition.as_str()
    }

    /// The ARN of a policy given by name (the guide's) or already as an ARN (any other).
    fn policy_arn(&self, name: &str) -> String {
        policy_arn(
            self.identity.partition,
            self.identity.account.as_str(),
            name,
        )
    }
}

/// The ARN of a policy given by name or already as an ARN: the guide's AWS managed
/// policies live in the `aws` account, any other name in `account`.
pub fn policy_arn(partition: Partition, account: &str, name: &str) -> String {
    let p = partition.as_str();
    if name.starts_with("arn:") {
        name.to_owned()
    } else if [SAGEMAKER_FULL_ACCESS, ECR_FULL_ACCESS, IAM_READ_ONLY_ACCESS].contains(&name) {
        format!("arn:{p}:iam::aws:policy/{name}")
    } else {
        format!("arn:{p}:iam::{account}:policy/{name}")
    }
}

/// Tells apart the guide's "Invalid credentials" causes from one failed GetCallerIdentity.
pub fn identity_failure(
    failure: &AwsFailure,
    key_id: &str,
    source: &CredentialSource,
    profile: &ProfileName,
) -> Check {
    let key = mask(key_id);
    if failure.network {
        return Check::fail(
            CheckId::Identity,
            format!(
                "network or endpoint error: sts could not be reached ({})",
                failure.message.as_deref().unwrap_or("no response")
            ),
            Fix::CheckNetwork,
        );
    }
    let reason = match failure.code.as_deref() {
        Some("InvalidClientTokenId") => {
            format!("unknown key: aws does not know access key {key} (InvalidClientTokenId)")
        }
        Some("SignatureDoesNotMatch") => format!(
            "bad signature: the secret stored for access key {key} is wrong (SignatureDoesNotMatch)"
        ),
        Some(c @ ("ExpiredToken" | "ExpiredTokenException" | "RequestExpired")) => {
            format!("expired session credentials for access key {key} ({c})")
        }
        _ => format!(
            "sts:GetCallerIdentity failed for access key {key}: {}",
            failure.describe()
        ),
    };
    Check::fail(
        CheckId::Identity,
        format!("{reason}; the later aws checks were skipped"),
        credentials_fix(profile, source),
    )
}

/// Compares attached policy names with the expected ones; each missing one gets its attach
/// command. An expected policy given as an ARN is matched by its name, the ARN's last
/// segment.
pub fn attachments_check(
    id: CheckId,
    who: &str,
    expected: &[String],
    attached: &[&str],
    fix: impl FnOnce(Vec<String>) -> Fix,
) -> Check {
    let missing: Vec<String> = expected
        .iter()
        .filter(|e| !attached.contains(&e.rsplit('/').next().unwrap_or(e)))
        .cloned()
        .collect();
    if missing.is_empty() {
        return Check::pass(id, format!("{who} has {}", expected.join(", ")));
    }
    Check::fail(
        id,
        format!("{who} lacks {}", missing.join(", ")),
        fix(missing),
    )
}

/// The `role-trust` check: the role must let SageMaker assume it. The fix installs the
/// trust policy `provision` installs, `aws:SourceAccount` condition included.
pub fn trust_check(
    role: &str,
    document: &str,
    partition: Partition,
    account: &sagecred_core::AccountId,
) -> Check {
    let fix = || Fix::UpdateTrust {
        role: role.to_owned(),
        document: sagecred_provision::trust_policy_document(
            sagecred_provision::Mode::GuideDefault,
            partition,
            account,
        ),
    };
    match trusts_sagemaker(document) {
        Ok(true) => Check::pass(
            CheckId::RoleTrust,
            format!("role `{role}` trusts sagemaker.amazonaws.com"),
        ),
        Ok(false) => Check::fail(
            CheckId::RoleTrust,
            format!("role `{role}` does not let sagemaker.amazonaws.com assume it"),
            fix(),
        ),
        Err(_) => Check::fail(
            CheckId::RoleTrust,
            format!("the trust policy of role `{role}` is unreadable"),
            fix(),
        ),
    }
}

/// The `sagemaker-role-env` check (the guide's "Role not found"): `SAGEMAKER_ROLE` wins over
/// the profile in the training script, so a stale value points training at another role.
pub fn role_env_check(env: Option<&str>, role_arn: &str, profile: &ProfileName) -> Check {
    match env {
        None => Check::pass(
            CheckId::SagemakerRoleEnv,
            "SAGEMAKER_ROLE is not set; the profile's role is used",
        ),
        Some(env) if env == role_arn => Check::pass(
            CheckId::SagemakerRoleEnv,
            format!("SAGEMAKER_ROLE matches the profile's role {role_arn}"),
        ),
        Some(env) => Check::fail(
            CheckId::SagemakerRoleEnv,
            format!("SAGEMAKER_ROLE is `{env}` but profile `{profile}` uses {role_arn}"),
            Fix::ExportRole {
                arn: role_arn.to_owned(),
            },
        ),
    }
}

/// The age check, from the key's creation date (`None`: unknown).
pub fn key_age(
    which: &str,
    created: Option<SystemTime>,
    now: SystemTime,
    profile: &ProfileName,
    user: Option<&str>,
) -> Check {
    let Some(created) = created else {
        return Check::warn(
            CheckId::KeyAge,
            format!("the creation date of access key {which} is unknown"),
            Fix::Command(format!("aws iam list-access-keys --profile {profile}")),
        );
    };
    let days = now.duration_since(created).unwrap_or_default().as_secs() / 86_400;
    if days > MAX_KEY_AGE_DAYS {
        let user = user.unwrap_or("USER");
        Check::warn(
            CheckId::KeyAge,
            format!("access key {which} is {days} days old, over the guide's {MAX_KEY_AGE_DAYS}"),
            Fix::Command(format!(
                "sagecred rotate --profile {profile} --delete-old (or, without rights to manage its own keys, sagecred recover --profile {profile} --admin-profile ADMIN_PROFILE --user-name {user})"
            )),
        )
    } else {
        Check::pass(
            CheckId::KeyAge,
            format!("access key {which} is {days} days old"),
        )
    }
}

/// Runs the AWS checks for `inputs` with `config` (whose credentials are the profile's,
/// already resolved). The `credentials` check's pass comes first.
pub async fn aws_checks(config: &SdkConfig, inputs: &AwsInputs) -> Vec<Check> {
    let p = &inputs.profile;
    let mut checks = vec![Check::pass(
        CheckId::Credentials,
        format!(
            "access key {} from the {} store{}",
            mask(&inputs.key_id),
            inputs.source.label(),
            if inputs.temporary {
                " (temporary session credentials)"
            } else {
                ""
            }
        ),
    )];

    // Guide Check 1: `aws sts get-caller-identity`.
    let sts = aws_sdk_sts::Client::new(config);
    let caller = match caller_identity(&sts).await {
        Ok(identity) => {
            checks.push(Check::pass(CheckId::Identity, identity.arn.clone()));
            let user = user_name_from_arn(&identity.arn).map(str::to_owned);
            Caller { identity, user }
        }
        Err(e) => {
            let failure = e.aws_failure().cloned().unwrap_or_else(|| AwsFailure {
                message: Some(e.to_string()),
                ..AwsFailure::default()
            });
            checks.push(identity_failure(
                &failure,
                &inputs.key_id,
                &inputs.source,
                p,
            ));
            return checks;
        }
    };
    let arn = caller.identity.arn.clone();

    // The guide: "Don't use root account access keys".
    if arn.ends_with(":root") {
        checks.push(Check::fail(
            CheckId::RootCredentials,
            format!("profile `{p}` signs in as the account root ({arn})"),
            Fix::Command(format!(
                "sagecred setup --profile {p}   # creates an IAM user; then delete the root access key under Security credentials in the console"
            )),
        ));
    } else {
        checks.push(Check::pass(
            CheckId::RootCredentials,
            "not the account root",
        ));
    }

    let iam = aws_sdk_iam::Client::new(config);
    let policy_name = inputs.policy_name.as_str();
    let role_name = inputs
        .role_name
        .clone()
        .or_else(|| inputs.configured_role.as_ref().map(|a| a.name().to_owned()))
        .unwrap_or_else(|| DEFAULT_ROLE_NAME.to_owned());
    let provision_fix = |bucket: Option<&str>| Fix::Provision {
        role_name: role_name.clone(),
        policy_name: policy_name.to_owned(),
        bucket: bucket.map(str::to_owned),
        admin_profile: None,
    };

    // Guide Check 2: `aws iam list-attached-user-policies`.
    checks.push(user_policies_check(&iam, &caller, inputs, provision_fix(None)).await);

    // Guide Check 3: `aws iam get-role`, then its trust and its policies.
    let mut role_arn = inputs.configured_role.as_ref().map(ToString::to_string);
    match iam.get_role().role_name(&role_name).send().await {
        Ok(out) => {
            let role = out.role();
            let found = role.map(|r| r.arn().to_owned()).unwrap_or_default();
            checks.push(Check::pass(
                CheckId::Role,
                format!("role `{role_name}` exists: {found}"),
            ));
            if role_arn.is_none() && !found.is_empty() {
                role_arn = Some(found);
            }
            let trust = role
                .and_then(|r| r.assume_role_policy_document())
                .unwrap_or_default();
            checks.push(trust_check(
                &role_name,
                trust,
                caller.identity.partition,
                &caller.identity.account,
            ));
            checks.push(role_policies_check(&iam, &caller, &role_name, policy_name).await);
        }
        Err(err) => {
            let f = AwsFailure::from_sdk(&err);
            checks.push(if f.is_no_such_entity() {
                Check::fail(
                    CheckId::Role,
                    format!(
                        "role `{role_name}` does not exist in account {}",
                        caller.identity.account
                    ),
                    provision_fix(None),
                )
            } else if f.is_denied() {
                Check::warn(
                    CheckId::Role,
                    format!(
                        "iam:GetRole on `{role_name}` was denied ({}), so the role was not checked",
                        f.describe()
                    ),
                    match &caller.user {
                        Some(user) => Fix::AttachUserPolicies {
                            user: user.clone(),
                            policy_arns: vec![caller.policy_arn(IAM_READ_ONLY_ACCESS)],
                        },
                        None => provision_fix(None),
                    },
                )
            } else {
                Check::warn(
                    CheckId::Role,
                    format!("iam:GetRole on `{role_name}` failed: {}", f.describe()),
                    Fix::Command(format!("aws iam get-role --role-name {role_name}")),
                )
            });
        }
    }
    let role_arn = role_arn.unwrap_or_else(|| {
        format!(
            "arn:{}:iam::{}:role/{role_name}",
            caller.partition(),
            caller.identity.account
        )
    });

    checks.push(role_env_check(
        inputs.sagemaker_role_env.as_deref(),
        &role_arn,
        p,
    ));

    let bucket = inputs.bucket.as_str();
    checks.push(permissions_check(&iam, &caller, &role_arn, bucket, provision_fix(None)).await);

    // Guide Part 3: `aws s3 ls s3://BUCKET/` and `aws sagemaker list-training-jobs`, live.
    let target = AccessTarget {
        bucket: bucket.to_owned(),
        region: inputs.region.as_str().to_owned(),
        profile: p.clone(),
        user: caller.user.clone(),
        partition: caller.identity.partition,
        provision_fix: provision_fix(Some(bucket)),
    };
    checks.extend(access_checks(config, &target).await);

    checks.push(key_age_check(&iam, &caller, inputs).await);

    // The guide: "Enable MFA".
    if let Some(user) = &caller.user {
        checks.push(match iam.list_mfa_devices().user_name(user).send().await {
            Ok(out) if !out.mfa_devices().is_empty() => {
                Check::pass(CheckId::Mfa, format!("user `{user}` has an mfa device"))
            }
            Ok(_) => Check::warn(
                CheckId::Mfa,
                format!("user `{user}` has no mfa device"),
                Fix::Command(format!(
                    "aws iam create-virtual-mfa-device --virtual-mfa-device-name {user} --outfile {user}-mfa.png --bootstrap-method QRCodePNG, then aws iam enable-mfa-device --user-name {user} --serial-number arn:{}:iam::{}:mfa/{user} --authentication-code1 CODE1 --authentication-code2 CODE2",
                    caller.partition(),
                    caller.identity.account
                )),
            ),
            Err(err) => Check::warn(
                CheckId::Mfa,
                format!(
                    "cannot list the mfa devices of user `{user}`: {}",
                    AwsFailure::from_sdk(&err).describe()
                ),
                Fix::Command(format!("aws iam list-mfa-devices --user-name {user}")),
            ),
        });
    }
    checks
}

async fn user_policies_check(
    iam: &aws_sdk_iam::Client,
    caller: &Caller,
    inputs: &AwsInputs,
    provision_fix: Fix,
) -> Check {
    let Some(user) = &caller.user else {
        return Check::warn(
            CheckId::UserPolicies,
            format!(
                "the caller {} is not an iam user, so its user policies were not checked",
                caller.identity.arn
            ),
            provision_fix,
        );
    };
    let expected: Vec<String> = if inputs.user_policies.is_empty() {
        vec![
            SAGEMAKER_FULL_ACCESS.to_owned(),
            ECR_FULL_ACCESS.to_owned(),
            IAM_READ_ONLY_ACCESS.to_owned(),
            inputs.policy_name.clone(),
        ]
    } else {
        inputs.user_policies.clone()
    };
    let listed = iam
        .list_attached_user_policies()
        .user_name(user)
        .max_items(1000)
        .send()
        .await;
    match listed {
        Ok(out) => {
            let attached: Vec<&str> = out
                .attached_policies()
                .iter()
                .filter_map(|a| a.policy_name())
                .collect();
            attachments_check(
                CheckId::UserPolicies,
                &format!("user `{user}`"),
                &expected,
                &attached,
                |missing| Fix::AttachUserPolicies {
                    user: user.clone(),
                    policy_arns: missing.iter().map(|m| caller.policy_arn(m)).collect(),
                },
            )
        }
        // A read the caller may not be allowed: the fix names IAMReadOnlyAccess, which the
        // guide gives the user for exactly these checks.
        Err(err) => Check::warn(
            CheckId::UserPolicies,
            format!(
                "cannot read the policies of user `{user}`: {}",
                AwsFailure::from_sdk(&err).describe()
            ),
            Fix::AttachUserPolicies {
                user: user.clone(),
                policy_arns: vec![caller.policy_arn(IAM_READ_ONLY_ACCESS)],
            },
        ),
    }
}

async fn role_policies_check(
    iam: &aws_sdk_iam::Client,
    caller: &Caller,
    role_name: &str,
    policy_name: &str,
) -> Check {
    let listed = iam
        .list_attached_role_policies()
        .role_name(role_name)
        .max_items(1000)
        .send()
        .await;
    match listed {
        Ok(out) => {
            let attached: Vec<&str> = out
                .attached_policies()
                .iter()
                .filter_map(|a| a.policy_name())
                .collect();
            attachments_check(
                CheckId::RolePolicies,
                &format!("role `{role_name}`"),
                &[SAGEMAKER_FULL_ACCESS.to_owned(), policy_name.to_owned()],
                &attached,
                |missing| Fix::AttachRolePolicies {
                    role: role_name.to_owned(),
                    policy_arns: missing.iter().map(|m| caller.policy_arn(m)).collect(),
                },
            )
        }
        Err(err) => Check::warn(
            CheckId::RolePolicies,
            format!(
                "cannot list the policies of role `{role_name}`: {}",
                AwsFailure::from_sdk(&err).describe()
            ),
            Fix::Command(format!(
                "aws iam list-attached-role-policies --role-name {role_name}"
            )),
        ),
    }
}

/// The guide's "Access Denied" cases, asked of the policy simulator. A simulator that
/// cannot answer (moto has none, or the caller lacks iam:SimulatePrincipalPolicy) is a
/// warning: the permissions were not proven.
async fn permissions_check(
    iam: &aws_sdk_iam::Client,
    caller: &Caller,
    role_arn: &str,
    bucket: &str,
    provision_fix: Fix,
) -> Check {
    let arn = &caller.identity.arn;
    if caller.user.is_none() {
        return Check::warn(
            CheckId::Permissions,
            format!("the policy simulator was not asked: {arn} is not an iam user"),
            Fix::Command(
                "aws iam simulate-principal-policy --policy-source-arn ARN --action-names iam:PassRole sagemaker:CreateTrainingJob".to_owned(),
            ),
        );
    }
    let manual = Fix::Command(format!(
        "aws iam simulate-principal-policy --policy-source-arn {arn} --action-names {}",
        SIMULATED_ACTIONS.join(" ")
    ));
    match simulate_training_access(iam, arn, role_arn, bucket, caller.identity.partition).await {
        Err(failure) => Check::warn(
            CheckId::Permissions,
            format!(
                "the policy simulator is unavailable ({}), so iam:PassRole, s3 and sagemaker:CreateTrainingJob were not verified",
                failure.describe()
            ),
            manual,
        ),
        Ok(access) if access.denied.is_empty() => Check::pass(
            CheckId::Permissions,
            format!(
                "the simulator allows iam:PassRole to sagemaker, s3 on `{bucket}` and sagemaker:CreateTrainingJob"
            ),
        ),
        Ok(access) => Check::fail(
            CheckId::Permissions,
            format!("the simulator denies {}", access.denied.join(", ")),
            provision_fix,
        ),
    }
}

/// The guide: "Rotate access keys periodically (every 90 days)". A keychain entry records
/// when it was stored; otherwise IAM's ListAccessKeys has the key's creation date.
async fn key_age_check(iam: &aws_sdk_iam::Client, caller: &Caller, inputs: &AwsInputs) -> Check {
    let p = &inputs.profile;
    let key_id = inputs.key_id.as_str();
    let (created, which) = match &inputs.stored_key {
        StoredKey::Read { key_id, created } => (*created, key_id.masked()),
        StoredKey::Unreadable { reason } => {
            return Check::warn(
                CheckId::KeyAge,
                format!(
                    "cannot read the key of profile `{p}` from the {} store: {reason}",
                    inputs.source.label()
                ),
                credentials_fix(p, &inputs.source),
            );
        }
        StoredKey::NotKept if inputs.temporary || key_id.starts_with("ASIA") => {
            return Check::pass(
                CheckId::KeyAge,
                "temporary session credentials: no long-term key to age",
            );
        }
        StoredKey::NotKept => match &caller.user {
            Some(user) => match iam.list_access_keys().user_name(user).send().await {
                Ok(out) => {
                    let created = out
                        .access_key_metadata()
                        .iter()
                        .find(|k| k.access_key_id() == Some(key_id))
                        .and_then(|k| k.create_date())
                        .and_then(|d| u64::try_from(d.secs()).ok())
                        .map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s));
                    (created, mask(key_id))
                }
                Err(err) => {
                    return Check::warn(
                        CheckId::KeyAge,
                        format!(
                            "cannot list the access keys of user `{user}`: {}",
                            AwsFailure::from_sdk(&err).describe()
                        ),
                        Fix::Command(format!("aws iam list-access-keys --user-name {user}")),
                    );
                }
            },
            None => (None, mask(key_id)),
        },
    };
    key_age(&which, created, inputs.now, p, caller.user.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> ProfileName {
        "dev".parse().unwrap()
    }

    fn keychain() -> CredentialSource {
        CredentialSource::Store(
            sagecred_core::ProcessLine::new(
                "/usr/bin/sagecred",
                profile(),
                sagecred_core::StoreKind::Keychain,
            )
            .unwrap(),
        )
    }

    fn sso() -> CredentialSource {
        CredentialSource::Sso(sagecred_core::SsoSource {
            session: sagecred_core::SsoSessionRef::Named("team".into()),
            account_id: None,
            role_name: None,
        })
    }

    #[test]
    fn identity_failures_name_their_cause_and_the_store_fix() {
        let f = |code: &str| AwsFailure {
            code: Some(code.to_owned()),
            status: Some(403),
            ..AwsFailure::default()
        };
        let c = identity_failure(
            &f("InvalidClientTokenId"),
            "AKIAIOSFODNN7EXAMPLE",
            &keychain(),
            &profile(),
        );
        assert!(c.reason.starts_with("unknown key"), "{}", c.reason);
        assert!(c.reason.contains("AKIA************MPLE"), "{}", c.reason);
        assert!(!c.reason.contains("AKIAIOSFODNN7EXAMPLE"), "{}", c.reason);
        assert_eq!(
            c.fix.unwrap().to_string(),
            "sagecred configure --profile dev"
        );
        let c = identity_failure(
            &f("ExpiredToken"),
            "ASIAXXXXXXXXEXAMPLE0",
            &sso(),
            &profile(),
        );
        assert!(c.reason.starts_with("expired session"), "{}", c.reason);
        assert_eq!(c.fix.unwrap().to_string(), "sagecred login --profile dev");
        let net = AwsFailure {
            network: true,
            message: Some("connection refused".into()),
            ..AwsFailure::default()
        };
        let c = identity_failure(
            &net,
            "AKIAIOSFODNN7EXAMPLE",
            &CredentialSource::File,
            &profile(),
        );
        assert!(c.reason.contains("connection refused"), "{}", c.reason);
        assert_eq!(c.fix, Some(Fix::CheckNetwork));
    }

    #[test]
    fn the_trust_fix_installs_what_provision_installs() {
        let account = "123456789012".parse().unwrap();
        let c = trust_check("R", r#"{"Statement":[]}"#, Partition::Aws, &account);
        assert_eq!(c.status, crate::Status::Fail);
        let fix = c.fix.unwrap().to_string();
        assert!(
            fix.starts_with("aws iam update-assume-role-policy --role-name R --policy-document '"),
            "{fix}"
        );
        assert!(
            fix.contains(r#""aws:SourceAccount":"123456789012""#),
            "{fix}"
        );
        let doc = sagecred_provision::trust_policy_document(
            sagecred_provision::Mode::GuideDefault,
            Partition::Aws,
            &account,
        );
        assert_eq!(
            trust_check("R", &doc, Partition::Aws, &account).status,
            crate::Status::Pass
        );
        assert_eq!(
            trust_check("R", "%zz", Partition::Aws, &account).status,
            crate::Status::Fail
        );
    }

    #[test]
    fn policy_arns_and_attachments() {
        assert_eq!(
            policy_arn(Partition::Aws, "123456789012", "Custom"),
            "arn:aws:iam::123456789012:policy/Custom"
        );
        assert_eq!(
            policy_arn(Partition::Aws, "123456789012", IAM_READ_ONLY_ACCESS),
            "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
        );
        let c = attachments_check(
            CheckId::RolePolicies,
            "role `R`",
            &["A".into(), "arn:aws:iam::1:policy/B".into()],
            &["B"],
            |missing| Fix::Command(missing.join(",")),
        );
        assert_eq!(c.reason, "role `R` lacks A");
    }

    #[test]
    fn keys_age_against_the_given_clock() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(200 * 86_400);
        let old = SystemTime::UNIX_EPOCH + Duration::from_secs(10 * 86_400);
        let c = key_age("AKIA****", Some(old), now, &profile(), Some("u"));
        assert_eq!(c.status, crate::Status::Warn);
        assert!(c.reason.contains("190 days old"), "{}", c.reason);
        let c = key_age("AKIA****", Some(now), now, &profile(), None);
        assert_eq!(c.status, crate::Status::Pass);
        assert_eq!(mask("AKIAIOSFODNN7EXAMPLE"), "AKIA************MPLE");
        assert_eq!(mask("short"), "****");
    }
}
