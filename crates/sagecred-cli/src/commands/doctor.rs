//! `sagecred doctor`: the guide's "Troubleshooting" and "Security Best Practices" sections
//! as checks. Each check reports pass, warn or fail with a one-line reason and the command
//! that fixes it; any fail makes the exit code non-zero.
//!
//! The checks that need no network (files, region, environment) always run. The AWS checks
//! run with the profile's own credentials, resolved as the SDKs resolve them, and stop after
//! the identity check when the credentials do not work: every later call would fail the
//! same way and only bury the real cause.

use std::time::{Duration, SystemTime};

use aws_config::BehaviorVersion;
use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::types::{ContextEntry, ContextKeyTypeEnum, PolicyEvaluationDecisionType};
use sagecred_core::{
    CredentialSource, DEFAULT_BUCKET, DEFAULT_ROLE_NAME, ProfileName, ResolvedProfile, RoleArn,
};
use sagecred_ini::{ProfileSet, Section};
use sagecred_provision::{
    BucketAccess, ECR_FULL_ACCESS, IAM_READ_ONLY_ACCESS, SAGEMAKER_FULL_ACCESS, SageMakerAccess,
    TRAINING_JOBS_MAX_RESULTS,
};
use serde_json::json;

use super::{block_on, keys};
use crate::cli::{DoctorArgs, OutputFormat};
use crate::context::Context;
use crate::error::CliError;
use crate::output;

/// The guide's rotation period for access keys ("Rotate access keys periodically").
const MAX_KEY_AGE_DAYS: u64 = 90;
/// The service principal the execution role must trust.
const SAGEMAKER_SERVICE: &str = "sagemaker.amazonaws.com";
/// The trust policy the guide's Part 1 gives the role, for the fix of a wrong one.
const TRUST_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Pass,
    Warn,
    Fail,
}

impl Status {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

/// One line of the report. Reasons and fixes name values, never a secret.
#[derive(Debug)]
pub(super) struct Check {
    pub(super) name: &'static str,
    pub(super) status: Status,
    pub(super) reason: String,
    pub(super) fix: Option<String>,
}

impl Check {
    fn pass(name: &'static str, reason: impl Into<String>) -> Self {
        Self {
            name,
            status: Status::Pass,
            reason: one_line(reason.into()),
            fix: None,
        }
    }

    fn warn(name: &'static str, reason: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name,
            status: Status::Warn,
            reason: one_line(reason.into()),
            fix: Some(fix.into()),
        }
    }

    fn fail(name: &'static str, reason: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name,
            status: Status::Fail,
            reason: one_line(reason.into()),
            fix: Some(fix.into()),
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

pub(super) fn run(ctx: &Context, args: &DoctorArgs) -> Result<(), CliError> {
    let set = keys::load_profiles(ctx)?;
    let profile = set.profile(ctx.profile.as_str());
    let mut checks = Vec::new();

    // Without the profile, a missing region is only a consequence of the missing profile.
    if profile.is_some() || ctx.env.region().is_some() {
        checks.push(region_check(ctx, profile.as_ref()));
    }
    checks.extend(file_checks(ctx));
    checks.push(plaintext_check(ctx, &set));

    match &profile {
        None => checks.push(Check::fail(
            "credentials",
            format!(
                "profile `{}` is not in {} or {}; the aws checks were skipped",
                ctx.profile,
                ctx.files.config.display(),
                ctx.files.credentials.display()
            ),
            format!("sagecred configure --profile {}", ctx.profile),
        )),
        Some(section) => match super::source::resolve(ctx, &set, &ctx.profile) {
            Err(e) => checks.push(Check::fail(
                "credentials",
                format!("{e}; the aws checks were skipped"),
                e.hint().unwrap_or_default().to_owned(),
            )),
            Ok(resolved) => {
                // The one serving path, as the SDKs get them: a credential_process or SSO
                // profile is served the same way boto3 is.
                let creds = super::session::credentials(
                    ctx,
                    &resolved,
                    super::session::Serve::new(super::session::Want::AsSdk),
                );
                let aws = block_on(aws_checks(ctx, args, &resolved, creds, section))??;
                checks.extend(aws);
            }
        },
    }

    // The credential and identity checks come first in the report: they explain the rest.
    checks.sort_by_key(|c| order(c.name));
    report(ctx, &checks)
}

/// The position of a check in the report.
fn order(name: &str) -> usize {
    const ORDER: &[&str] = &[
        "credentials",
        "identity",
        "root-credentials",
        "region",
        "user-policies",
        "role",
        "role-trust",
        "role-policies",
        "sagemaker-role-env",
        "permissions",
        "s3-bucket",
        "sagemaker",
        "key-age",
        "mfa",
        "plaintext-keys",
        "file-permissions",
    ];
    ORDER.iter().position(|n| *n == name).unwrap_or(ORDER.len())
}

fn report(ctx: &Context, checks: &[Check]) -> Result<(), CliError> {
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    let failed = count(Status::Fail);
    match ctx.output {
        OutputFormat::Json => output::print_json(&json!({
            "profile": ctx.profile.as_str(),
            "checks": checks_json(checks),
            "failed": failed,
        }))?,
        OutputFormat::Text => {
            let mut text = format!("profile {}\n", ctx.profile);
            text.push_str(&render_checks(checks));
            text.push_str(&format!(
                "{} passed, {} warned, {failed} failed\n",
                count(Status::Pass),
                count(Status::Warn)
            ));
            output::print(&text)?;
        }
    }
    if failed > 0 {
        return Err(CliError::config(format!(
            "{failed} of {} checks failed for profile `{}`",
            checks.len(),
            ctx.profile
        ))
        .with_hint("run the fix shown for each failed check, then `sagecred doctor` again"));
    }
    Ok(())
}

/// The checks as JSON objects: name, status, reason and fix.
pub(super) fn checks_json(checks: &[Check]) -> Vec<serde_json::Value> {
    checks
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "status": c.status.as_str(),
                "reason": c.reason,
                "fix": c.fix,
            })
        })
        .collect()
}

/// The checks as text, one line each, with the fix under each problem.
pub(super) fn render_checks(checks: &[Check]) -> String {
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let mut text = String::new();
    for c in checks {
        text.push_str(&format!(
            "{}  {:width$}  {}\n",
            c.status.as_str(),
            c.name,
            c.reason
        ));
        if let Some(fix) = c.fix.as_ref().filter(|_| c.status != Status::Pass) {
            text.push_str(&format!("      {:width$}  fix: {fix}\n", ""));
        }
    }
    text
}

/// The region must come from somewhere explicit: boto3 and the SageMaker SDK refuse to
/// start without one, even though sagecred itself would fall back to the guide's default.
fn region_check(ctx: &Context, profile: Option<&Section>) -> Check {
    let (value, origin) = match (ctx.env.region(), profile.and_then(|p| p.get("region"))) {
        (Some(r), _) => (r, "AWS_REGION/AWS_DEFAULT_REGION"),
        (None, Some(r)) => (r, "the profile's `region`"),
        (None, None) => {
            return Check::fail(
                "region",
                format!(
                    "no region: neither AWS_REGION nor `region` in profile `{}` of {}",
                    ctx.profile,
                    ctx.files.config.display()
                ),
                format!(
                    "aws configure set region {} --profile {}",
                    sagecred_core::DEFAULT_REGION,
                    ctx.profile
                ),
            );
        }
    };
    match value.parse::<sagecred_core::Region>() {
        Ok(_) => Check::pass("region", format!("{value} (from {origin})")),
        Err(e) => Check::fail(
            "region",
            format!("{e} (from {origin})"),
            format!(
                "aws configure set region {} --profile {}",
                sagecred_core::DEFAULT_REGION,
                ctx.profile
            ),
        ),
    }
}

/// The credentials file must be private (it may hold secrets); the config file holds no
/// secret, so a readable one is only a warning.
fn file_checks(ctx: &Context) -> Vec<Check> {
    use std::os::unix::fs::PermissionsExt;
    let mut problems = Vec::new();
    let mut worst = Status::Pass;
    let mut files = vec![
        (ctx.files.credentials.clone(), Status::Fail),
        (ctx.files.config.clone(), Status::Warn),
    ];
    // SSO tokens can mint role credentials: the cache must be private too.
    if let Some(home) = &ctx.env.home
        && let Ok(entries) = std::fs::read_dir(home.join(".aws/sso/cache"))
    {
        for entry in entries.flatten() {
            if entry.path().extension().is_some_and(|e| e == "json") {
                files.push((entry.path(), Status::Fail));
            }
        }
    }
    for (path, status) in &files {
        let status = *status;
        let Ok(meta) = std::fs::metadata(path) else {
            continue;
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            problems.push((path.display().to_string(), mode));
            if status == Status::Fail || worst == Status::Pass {
                worst = status;
            }
        }
    }
    if problems.is_empty() {
        return vec![Check::pass(
            "file-permissions",
            "the aws files that exist are readable by their owner only",
        )];
    }
    let reason = problems
        .iter()
        .map(|(p, m)| format!("{p} has mode {m:o}, readable by others"))
        .collect::<Vec<_>>()
        .join("; ");
    let fix = format!(
        "chmod 600 {}",
        problems
            .iter()
            .map(|(p, _)| sagecred_shell::quote_posix(p).map_or_else(|_| p.clone(), |q| q.into()))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let check = match worst {
        Status::Fail => Check::fail("file-permissions", reason, fix),
        _ => Check::warn("file-permissions", reason, fix),
    };
    vec![check]
}

/// Plaintext keys in the credentials file, for any profile: the guide's layout, and what
/// `sagecred migrate` moves into the keychain.
fn plaintext_check(ctx: &Context, set: &ProfileSet) -> Check {
    let plain: Vec<String> = set
        .profile_names()
        .into_iter()
        .filter(|n| set.has_plaintext_keys(n))
        .collect();
    match plain.as_slice() {
        [] => Check::pass(
            "plaintext-keys",
            format!("no plaintext keys in {}", ctx.files.credentials.display()),
        ),
        [one] => Check::warn(
            "plaintext-keys",
            format!(
                "profile `{one}` keeps its secret key in plaintext in {}",
                ctx.files.credentials.display()
            ),
            format!("sagecred migrate --profile {one}"),
        ),
        many => Check::warn(
            "plaintext-keys",
            format!(
                "profiles {} keep their secret keys in plaintext in {}",
                many.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                ctx.files.credentials.display()
            ),
            "sagecred migrate --all",
        ),
    }
}

/// An access key id with its middle hidden, as `profiles` shows it.
fn mask(id: &str) -> String {
    if id.len() < 12 {
        return "****".to_owned();
    }
    format!(
        "{}{}{}",
        &id[..4],
        "*".repeat(id.len() - 8),
        &id[id.len() - 4..]
    )
}

/// An AWS error's code and HTTP status. moto's 403 bodies are served as text/html, which
/// the SDK does not parse, so without a parsed code the raw body's `<Code>` is used.
fn error_code<E: ProvideErrorMetadata + std::error::Error + 'static>(
    err: &aws_sdk_iam::error::SdkError<E>,
) -> ErrorFacts {
    let status = err.raw_response().map(|r| r.status().as_u16());
    let mut code = err.code().map(str::to_owned);
    let mut message = err.message().map(str::to_owned);
    if code.is_none()
        && let Some(body) = err.raw_response().and_then(|r| r.body().bytes())
    {
        let body = String::from_utf8_lossy(body);
        code = xml_element(&body, "Code");
        message = message.or_else(|| xml_element(&body, "Message"));
    }
    let network = matches!(
        err,
        aws_sdk_iam::error::SdkError::DispatchFailure(_)
            | aws_sdk_iam::error::SdkError::TimeoutError(_)
    );
    if network {
        // The connector's own words ("connection refused", a DNS failure) are the clue.
        message = Some(aws_smithy_types::error::display::DisplayErrorContext(err).to_string());
    }
    ErrorFacts {
        code,
        status,
        message,
        network,
    }
}

#[derive(Debug)]
struct ErrorFacts {
    code: Option<String>,
    status: Option<u16>,
    message: Option<String>,
    /// No response arrived: connection refused, DNS, TLS or a timeout.
    network: bool,
}

impl ErrorFacts {
    fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    fn denied(&self) -> bool {
        self.is("AccessDenied") || self.is("AccessDeniedException") || self.status == Some(403)
    }

    /// A short description: the code, else the status, else the message.
    fn describe(&self) -> String {
        match (&self.code, self.status, &self.message) {
            (Some(c), _, _) => c.clone(),
            (None, Some(s), _) => format!("HTTP {s}"),
            (None, None, Some(m)) => m.clone(),
            (None, None, None) if self.network => "no response".to_owned(),
            (None, None, None) => "unknown error".to_owned(),
        }
    }
}

/// The text of the first `<name>` element in `body`; error bodies are small and flat.
fn xml_element(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{name}>"))? + start;
    Some(body[start..end].trim().to_owned())
}

/// Everything the AWS checks learn from the caller identity.
struct Caller {
    arn: String,
    account: String,
    partition: String,
    /// The IAM user name, when the caller is an IAM user.
    user: Option<String>,
}

impl Caller {
    fn from_arn(arn: &str, account: &str) -> Self {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let partition = parts.get(1).copied().unwrap_or("aws").to_owned();
        let user = match (parts.get(2), parts.get(5)) {
            (Some(&"iam"), Some(resource)) => resource
                .strip_prefix("user/")
                .and_then(|path| path.rsplit('/').next())
                .map(str::to_owned),
            _ => None,
        };
        Self {
            arn: arn.to_owned(),
            account: account.to_owned(),
            partition,
            user,
        }
    }

    /// The ARN of a policy given by name (the guide's) or already as an ARN (any other).
    fn policy_arn(&self, name: &str) -> String {
        if name.starts_with("arn:") {
            name.to_owned()
        } else if is_aws_managed(name) {
            format!("arn:{}:iam::aws:policy/{name}", self.partition)
        } else {
            format!("arn:{}:iam::{}:policy/{name}", self.partition, self.account)
        }
    }
}

/// The guide's AWS managed policies, as opposed to customer managed ones in the account.
fn is_aws_managed(name: &str) -> bool {
    [SAGEMAKER_FULL_ACCESS, ECR_FULL_ACCESS, IAM_READ_ONLY_ACCESS].contains(&name)
}

async fn aws_checks(
    ctx: &Context,
    args: &DoctorArgs,
    resolved: &ResolvedProfile,
    creds: Result<sagecred_core::Credentials, CliError>,
    profile: &Section,
) -> Result<Vec<Check>, CliError> {
    let mut checks = Vec::new();
    let source = &resolved.source;
    let store = source.label();
    let p = &ctx.profile;

    let creds = match creds {
        Ok(c) => super::session::to_sdk(&c, "sagecred"),
        Err(e) => {
            checks.push(Check::fail(
                "credentials",
                format!(
                    "the credentials of profile `{p}` ({store} store) do not resolve: {e}; the aws checks were skipped"
                ),
                source.fix(p),
            ));
            return Ok(checks);
        }
    };
    let key_id = creds.access_key_id().to_owned();
    checks.push(Check::pass(
        "credentials",
        format!(
            "access key {} from the {} store{}",
            mask(&key_id),
            store,
            if creds.session_token().is_some() {
                " (temporary session credentials)"
            } else {
                ""
            }
        ),
    ));

    let region = ctx.region_for(profile.get("region"))?;
    // The resolved credentials are used as they are, so a credential_process runs once.
    let config = aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new(region.as_str().to_owned()))
        .profile_name(p.as_str())
        .credentials_provider(creds)
        .load()
        .await;

    // Guide Check 1: `aws sts get-caller-identity`.
    let sts = aws_sdk_sts::Client::new(&config);
    let caller = match sts.get_caller_identity().send().await {
        Ok(out) => {
            let caller = Caller::from_arn(
                out.arn().unwrap_or_default(),
                out.account().unwrap_or_default(),
            );
            checks.push(Check::pass("identity", caller.arn.clone()));
            caller
        }
        Err(err) => {
            checks.push(identity_failure(&error_code(&err), &key_id, source, p));
            return Ok(checks);
        }
    };

    // The guide: "Don't use root account access keys".
    if caller.arn.ends_with(":root") {
        checks.push(Check::fail(
            "root-credentials",
            format!("profile `{p}` signs in as the account root ({})", caller.arn),
            format!(
                "sagecred setup --profile {p}   # creates an IAM user; then delete the root access key under Security credentials in the console"
            ),
        ));
    } else {
        checks.push(Check::pass("root-credentials", "not the account root"));
    }

    let iam = aws_sdk_iam::Client::new(&config);
    let policy_name = args.policy_name.as_str();

    // Guide Check 2: `aws iam list-attached-user-policies`.
    match &caller.user {
        None => checks.push(Check::warn(
            "user-policies",
            format!(
                "the caller {} is not an iam user, so its user policies were not checked",
                caller.arn
            ),
            format!(
                "sagecred provision --profile ADMIN_PROFILE --apply --policy-name {policy_name}"
            ),
        )),
        Some(user) => {
            let expected: Vec<String> = if args.user_policy.is_empty() {
                vec![
                    SAGEMAKER_FULL_ACCESS.to_owned(),
                    ECR_FULL_ACCESS.to_owned(),
                    IAM_READ_ONLY_ACCESS.to_owned(),
                    policy_name.to_owned(),
                ]
            } else {
                args.user_policy.clone()
            };
            let listed = iam
                .list_attached_user_policies()
                .user_name(user)
                .max_items(1000)
                .send()
                .await;
            checks.push(match listed {
                Ok(out) => {
                    let attached: Vec<&str> = out
                        .attached_policies()
                        .iter()
                        .filter_map(|a| a.policy_name())
                        .collect();
                    attachments_check(
                        "user-policies",
                        &format!("user `{user}`"),
                        &expected,
                        &attached,
                        |name| {
                            format!(
                                "aws iam attach-user-policy --user-name {user} --policy-arn {}",
                                caller.policy_arn(name)
                            )
                        },
                    )
                }
                Err(err) => unreadable(
                    "user-policies",
                    &format!("the policies of user `{user}`"),
                    &error_code(&err),
                    &caller.policy_arn(IAM_READ_ONLY_ACCESS),
                    user,
                ),
            });
        }
    }

    // Guide Check 3: `aws iam get-role`, then its trust and its policies.
    let configured: Option<RoleArn> = profile
        .get("sagemaker_role_arn")
        .and_then(|a| a.parse().ok());
    let role_name = args
        .role_name
        .clone()
        .or_else(|| configured.as_ref().map(|a| a.name().to_owned()))
        .unwrap_or_else(|| DEFAULT_ROLE_NAME.to_owned());
    let provision_fix = format!(
        "sagecred provision --profile ADMIN_PROFILE --apply --role-name {role_name} --policy-name {policy_name}"
    );
    let mut role_arn: Option<String> = configured.as_ref().map(ToString::to_string);
    match iam.get_role().role_name(&role_name).send().await {
        Ok(out) => {
            let role = out.role();
            let arn = role.map(|r| r.arn().to_owned()).unwrap_or_default();
            checks.push(Check::pass(
                "role",
                format!("role `{role_name}` exists: {arn}"),
            ));
            if role_arn.is_none() && !arn.is_empty() {
                role_arn = Some(arn);
            }
            let trust = role
                .and_then(|r| r.assume_role_policy_document())
                .unwrap_or_default();
            checks.push(trust_check(&role_name, trust));
            let listed = iam
                .list_attached_role_policies()
                .role_name(&role_name)
                .max_items(1000)
                .send()
                .await;
            checks.push(match listed {
                Ok(out) => {
                    let attached: Vec<&str> = out
                        .attached_policies()
                        .iter()
                        .filter_map(|a| a.policy_name())
                        .collect();
                    attachments_check(
                        "role-policies",
                        &format!("role `{role_name}`"),
                        &[SAGEMAKER_FULL_ACCESS.to_owned(), policy_name.to_owned()],
                        &attached,
                        |name| {
                            format!(
                                "aws iam attach-role-policy --role-name {role_name} --policy-arn {}",
                                caller.policy_arn(name)
                            )
                        },
                    )
                }
                Err(err) => Check::warn(
                    "role-policies",
                    format!(
                        "cannot list the policies of role `{role_name}`: {}",
                        error_code(&err).describe()
                    ),
                    format!("aws iam list-attached-role-policies --role-name {role_name}"),
                ),
            });
        }
        Err(err) => {
            let facts = error_code(&err);
            if facts.is("NoSuchEntity") {
                checks.push(Check::fail(
                    "role",
                    format!(
                        "role `{role_name}` does not exist in account {}",
                        caller.account
                    ),
                    provision_fix.clone(),
                ));
            } else if facts.denied() {
                checks.push(Check::warn(
                    "role",
                    format!(
                        "iam:GetRole on `{role_name}` was denied ({}), so the role was not checked",
                        facts.describe()
                    ),
                    match &caller.user {
                        Some(user) => format!(
                            "aws iam attach-user-policy --user-name {user} --policy-arn {}",
                            caller.policy_arn(IAM_READ_ONLY_ACCESS)
                        ),
                        None => provision_fix.clone(),
                    },
                ));
            } else {
                checks.push(Check::warn(
                    "role",
                    format!("iam:GetRole on `{role_name}` failed: {}", facts.describe()),
                    format!("aws iam get-role --role-name {role_name}"),
                ));
            }
        }
    }
    let role_arn = role_arn.unwrap_or_else(|| {
        format!(
            "arn:{}:iam::{}:role/{role_name}",
            caller.partition, caller.account
        )
    });

    // The guide's "Role not found": SAGEMAKER_ROLE wins over the profile in the training
    // script, so a stale value points training at another role.
    checks.push(match &ctx.env.sagemaker_role {
        None => Check::pass(
            "sagemaker-role-env",
            "SAGEMAKER_ROLE is not set; the profile's role is used",
        ),
        Some(env) if *env == role_arn => Check::pass(
            "sagemaker-role-env",
            format!("SAGEMAKER_ROLE matches the profile's role {role_arn}"),
        ),
        Some(env) => Check::fail(
            "sagemaker-role-env",
            format!("SAGEMAKER_ROLE is `{env}` but profile `{p}` uses {role_arn}"),
            format!(
                "export SAGEMAKER_ROLE={}",
                sagecred_shell::quote_posix(&role_arn)
                    .map_or_else(|_| role_arn.clone(), |q| q.into())
            ),
        ),
    });

    let bucket = args
        .bucket
        .clone()
        .or_else(|| profile.get("sagemaker_bucket").map(str::to_owned))
        .unwrap_or_else(|| DEFAULT_BUCKET.to_owned());
    checks.push(permissions_check(&iam, &caller, &role_arn, &bucket, &provision_fix).await);

    // Guide Part 3: `aws s3 ls s3://BUCKET/` and `aws sagemaker list-training-jobs`, live.
    let target = AccessTarget {
        bucket: &bucket,
        region: region.as_str(),
        profile: p.as_str(),
        user: caller.user.as_deref(),
        partition: &caller.partition,
        provision_fix: format!("{provision_fix} --bucket {bucket}"),
    };
    checks.extend(access_checks(&config, &target).await);

    checks.push(key_age_check(ctx, &iam, &caller, &key_id, source, p).await);

    // The guide: "Enable MFA".
    if let Some(user) = &caller.user {
        checks.push(match iam.list_mfa_devices().user_name(user).send().await {
            Ok(out) if !out.mfa_devices().is_empty() => {
                Check::pass("mfa", format!("user `{user}` has an mfa device"))
            }
            Ok(_) => Check::warn(
                "mfa",
                format!("user `{user}` has no mfa device"),
                format!(
                    "aws iam create-virtual-mfa-device --virtual-mfa-device-name {user} --outfile {user}-mfa.png --bootstrap-method QRCodePNG, then aws iam enable-mfa-device --user-name {user} --serial-number arn:{}:iam::{}:mfa/{user} --authentication-code1 CODE1 --authentication-code2 CODE2",
                    caller.partition, caller.account
                ),
            ),
            Err(err) => Check::warn(
                "mfa",
                format!(
                    "cannot list the mfa devices of user `{user}`: {}",
                    error_code(&err).describe()
                ),
                format!("aws iam list-mfa-devices --user-name {user}"),
            ),
        });
    }
    Ok(checks)
}

/// Tells apart the guide's "Invalid credentials" causes from one failed GetCallerIdentity.
fn identity_failure(
    facts: &ErrorFacts,
    key_id: &str,
    source: &CredentialSource,
    profile: &ProfileName,
) -> Check {
    let key = mask(key_id);
    if facts.network {
        return Check::fail(
            "identity",
            format!(
                "network or endpoint error: sts could not be reached ({})",
                facts.message.as_deref().unwrap_or("no response")
            ),
            "check the network connection, and AWS_ENDPOINT_URL or endpoint_url in the profile",
        );
    }
    let reason = match facts.code.as_deref() {
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
            facts.describe()
        ),
    };
    Check::fail(
        "identity",
        format!("{reason}; the later aws checks were skipped"),
        source.fix(profile),
    )
}

/// Compares attached policy names with the expected ones; each missing one gets its attach
/// command.
fn attachments_check(
    name: &'static str,
    who: &str,
    expected: &[String],
    attached: &[&str],
    attach: impl Fn(&str) -> String,
) -> Check {
    // An expected policy given as an ARN is matched by its name, the ARN's last segment.
    let missing: Vec<&String> = expected
        .iter()
        .filter(|e| !attached.contains(&e.rsplit('/').next().unwrap_or(e)))
        .collect();
    if missing.is_empty() {
        return Check::pass(name, format!("{who} has {}", expected.join(", ")));
    }
    Check::fail(
        name,
        format!(
            "{who} lacks {}",
            missing
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        missing
            .iter()
            .map(|m| attach(m))
            .collect::<Vec<_>>()
            .join(" && "),
    )
}

/// A read that the caller may not be allowed: a warning that names IAMReadOnlyAccess, which
/// the guide gives the user for exactly these checks.
fn unreadable(
    name: &'static str,
    what: &str,
    facts: &ErrorFacts,
    read_only_arn: &str,
    user: &str,
) -> Check {
    Check::warn(
        name,
        format!("cannot read {what}: {}", facts.describe()),
        format!("aws iam attach-user-policy --user-name {user} --policy-arn {read_only_arn}"),
    )
}

/// The role must let SageMaker assume it. IAM returns the document URL-encoded (moto as raw
/// JSON), so JSON is tried first and percent-decoding only when that fails.
fn trust_check(role: &str, document: &str) -> Check {
    let fix = format!(
        "aws iam update-assume-role-policy --role-name {role} --policy-document '{TRUST_POLICY}'"
    );
    let parsed = serde_json::from_str::<serde_json::Value>(document).or_else(|_| {
        percent_decode(document)
            .ok_or(())
            .and_then(|d| serde_json::from_str(&d).map_err(|_| ()))
    });
    let Ok(doc) = parsed else {
        return Check::fail(
            "role-trust",
            format!("the trust policy of role `{role}` is unreadable"),
            fix,
        );
    };
    if trusts_sagemaker(&doc) {
        Check::pass(
            "role-trust",
            format!("role `{role}` trusts {SAGEMAKER_SERVICE}"),
        )
    } else {
        Check::fail(
            "role-trust",
            format!("role `{role}` does not let {SAGEMAKER_SERVICE} assume it"),
            fix,
        )
    }
}

/// Whether some Allow statement grants sts:AssumeRole to the SageMaker service.
fn trusts_sagemaker(doc: &serde_json::Value) -> bool {
    let one_or_many = |v: Option<&serde_json::Value>, want: &str| match v {
        Some(serde_json::Value::String(s)) => s == want || s == "*",
        Some(serde_json::Value::Array(a)) => a.iter().any(|x| x == want || x == "*"),
        _ => false,
    };
    let statements = match doc.get("Statement") {
        Some(serde_json::Value::Array(a)) => a.clone(),
        Some(s @ serde_json::Value::Object(_)) => vec![s.clone()],
        _ => Vec::new(),
    };
    statements.iter().any(|s| {
        s.get("Effect").and_then(|e| e.as_str()) == Some("Allow")
            && one_or_many(s.get("Action"), "sts:AssumeRole")
            && one_or_many(
                s.get("Principal").and_then(|p| p.get("Service")),
                SAGEMAKER_SERVICE,
            )
    })
}

/// Decodes `%XX` escapes; `None` when an escape is malformed or the result is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The guide's "Access Denied" cases, asked of the policy simulator: passing the role to
/// SageMaker, the bucket, and starting a training job. A simulator that cannot answer
/// (moto has none, or the caller lacks iam:SimulatePrincipalPolicy) is a warning: the
/// permissions were not proven.
async fn permissions_check(
    iam: &aws_sdk_iam::Client,
    caller: &Caller,
    role_arn: &str,
    bucket: &str,
    provision_fix: &str,
) -> Check {
    let name = "permissions";
    if caller.user.is_none() {
        return Check::warn(
            name,
            format!(
                "the policy simulator was not asked: {} is not an iam user",
                caller.arn
            ),
            "aws iam simulate-principal-policy --policy-source-arn ARN --action-names iam:PassRole sagemaker:CreateTrainingJob",
        );
    }
    let manual = format!(
        "aws iam simulate-principal-policy --policy-source-arn {} --action-names iam:PassRole s3:ListBucket s3:GetObject s3:PutObject sagemaker:CreateTrainingJob",
        caller.arn
    );
    let pass_role_context = ContextEntry::builder()
        .context_key_name("iam:PassedToService")
        .context_key_values(SAGEMAKER_SERVICE)
        .context_key_type(ContextKeyTypeEnum::String)
        .build();
    let partition = &caller.partition;
    let asks: [(&[&str], String, bool); 4] = [
        (&["iam:PassRole"], role_arn.to_owned(), true),
        (
            &["s3:ListBucket"],
            format!("arn:{partition}:s3:::{bucket}"),
            false,
        ),
        (
            &["s3:GetObject", "s3:PutObject"],
            format!("arn:{partition}:s3:::{bucket}/*"),
            false,
        ),
        (&["sagemaker:CreateTrainingJob"], "*".to_owned(), false),
    ];
    let mut denied = Vec::new();
    for (actions, resource, with_context) in asks {
        let mut request = iam
            .simulate_principal_policy()
            .policy_source_arn(&caller.arn)
            .resource_arns(resource);
        for action in actions {
            request = request.action_names(*action);
        }
        if with_context {
            request = request.context_entries(pass_role_context.clone());
        }
        match request.send().await {
            Ok(out) => {
                for result in out.evaluation_results() {
                    if result.eval_decision() != &PolicyEvaluationDecisionType::Allowed {
                        denied.push(result.eval_action_name().to_owned());
                    }
                }
            }
            Err(err) => {
                return Check::warn(
                    name,
                    format!(
                        "the policy simulator is unavailable ({}), so iam:PassRole, s3 and sagemaker:CreateTrainingJob were not verified",
                        error_code(&err).describe()
                    ),
                    manual,
                );
            }
        }
    }
    if denied.is_empty() {
        Check::pass(
            name,
            format!(
                "the simulator allows iam:PassRole to sagemaker, s3 on `{bucket}` and sagemaker:CreateTrainingJob"
            ),
        )
    } else {
        Check::fail(
            name,
            format!("the simulator denies {}", denied.join(", ")),
            provision_fix.to_owned(),
        )
    }
}

/// What the live access checks need to word their reasons and fixes.
#[derive(Debug)]
pub(super) struct AccessTarget<'a> {
    /// The training-data bucket.
    pub(super) bucket: &'a str,
    /// The profile's region, where SageMaker trains and the bucket must live.
    pub(super) region: &'a str,
    /// The profile whose credentials made the calls.
    pub(super) profile: &'a str,
    /// The IAM user behind the credentials, when it is one.
    pub(super) user: Option<&'a str>,
    /// The ARN partition (`aws`, `aws-cn`, `aws-us-gov`).
    pub(super) partition: &'a str,
    /// The command that grants the bucket through the custom policy.
    pub(super) provision_fix: String,
}

/// The guide's Part 3 access tests: the bucket lists, and SageMaker answers in the region.
pub(super) async fn access_checks(
    config: &aws_config::SdkConfig,
    target: &AccessTarget<'_>,
) -> Vec<Check> {
    let s3 = sagecred_provision::s3_client(config);
    let bucket = sagecred_provision::check_bucket(&s3, target.bucket, target.region).await;
    let sagemaker = sagecred_provision::list_training_jobs(config).await;
    vec![
        bucket_check(target, &bucket),
        sagemaker_check(target, &sagemaker),
    ]
}

/// The commands that create the bucket as `setup --create-bucket` does: in the region,
/// with all public access blocked (new buckets get SSE-S3 encryption by default).
fn create_bucket_fix(bucket: &str, region: &str) -> String {
    let location = if region == "us-east-1" {
        String::new()
    } else {
        format!(" --create-bucket-configuration LocationConstraint={region}")
    };
    format!(
        "sagecred setup --profile ADMIN_PROFILE --bucket {bucket} --create-bucket, or: aws s3api create-bucket --bucket {bucket} --region {region}{location} --profile ADMIN_PROFILE && aws s3api put-public-access-block --bucket {bucket} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true --profile ADMIN_PROFILE"
    )
}

/// The `s3-bucket` check: `aws s3 ls s3://BUCKET/`, with each cause told apart.
pub(super) fn bucket_check(t: &AccessTarget<'_>, outcome: &BucketAccess) -> Check {
    let name = "s3-bucket";
    let (bucket, region, profile) = (t.bucket, t.region, t.profile);
    match outcome {
        BucketAccess::Ok { objects } => Check::pass(
            name,
            format!(
                "bucket `{bucket}` lists in {region}: {}",
                if *objects == 0 {
                    "it is empty"
                } else {
                    "it has objects"
                }
            ),
        ),
        BucketAccess::NoSuchBucket => Check::fail(
            name,
            format!(
                "no such bucket: `{bucket}` does not exist (the name comes from --bucket, else the profile's sagemaker_bucket, else the guide's)"
            ),
            create_bucket_fix(bucket, region),
        ),
        BucketAccess::AccessDenied { action } => Check::fail(
            name,
            format!(
                "access denied: {action} on bucket `{bucket}` was refused; the policy does not grant this bucket, or the bucket belongs to another account"
            ),
            t.provision_fix.clone(),
        ),
        BucketAccess::WrongRegion {
            region: Some(actual),
        } => Check::fail(
            name,
            format!(
                "wrong region: bucket `{bucket}` is in {actual}, but profile `{profile}` uses {region}, where SageMaker would train"
            ),
            format!("aws configure set region {actual} --profile {profile}"),
        ),
        BucketAccess::WrongRegion { region: None } => Check::fail(
            name,
            format!(
                "wrong region: s3 redirected the request for bucket `{bucket}` away from {region}"
            ),
            format!(
                "aws s3api get-bucket-location --bucket {bucket}, then aws configure set region THAT_REGION --profile {profile}"
            ),
        ),
        BucketAccess::Unreachable { message } => Check::fail(
            name,
            format!("network or endpoint error: s3 could not be reached ({message})"),
            "check the network connection, and AWS_ENDPOINT_URL or endpoint_url in the profile",
        ),
        other => Check::warn(
            name,
            format!(
                "listing bucket `{bucket}` failed: {}",
                describe_failure(other)
            ),
            format!("aws s3 ls s3://{bucket}/ --profile {profile}"),
        ),
    }
}

/// The `sagemaker` check: `aws sagemaker list-training-jobs --max-results 5`.
pub(super) fn sagemaker_check(t: &AccessTarget<'_>, outcome: &SageMakerAccess) -> Check {
    let name = "sagemaker";
    let (region, profile) = (t.region, t.profile);
    match outcome {
        SageMakerAccess::Ok { jobs } => Check::pass(
            name,
            format!(
                "sagemaker:ListTrainingJobs works in {region}: {jobs} training job{} (at most {TRAINING_JOBS_MAX_RESULTS} listed)",
                if *jobs == 1 { "" } else { "s" }
            ),
        ),
        SageMakerAccess::AccessDenied { message } => Check::fail(
            name,
            format!(
                "access denied: sagemaker:ListTrainingJobs in {region} was refused ({message})"
            ),
            match t.user {
                Some(user) => format!(
                    "aws iam attach-user-policy --user-name {user} --policy-arn arn:{}:iam::aws:policy/{SAGEMAKER_FULL_ACCESS}",
                    t.partition
                ),
                None => t.provision_fix.clone(),
            },
        ),
        SageMakerAccess::NotInRegion { endpoint } => Check::fail(
            name,
            format!(
                "sagemaker is not available in region {region}: its endpoint {endpoint} does not resolve"
            ),
            format!(
                "aws configure set region {} --profile {profile}",
                sagecred_core::DEFAULT_REGION
            ),
        ),
        SageMakerAccess::Unreachable { endpoint, message } => Check::fail(
            name,
            format!(
                "network or endpoint error: sagemaker at {endpoint} could not be reached ({message})"
            ),
            "check the network connection, and AWS_ENDPOINT_URL or endpoint_url in the profile",
        ),
        other => Check::warn(
            name,
            format!(
                "sagemaker:ListTrainingJobs in {region} failed: {}",
                describe_sagemaker_failure(other)
            ),
            format!(
                "aws sagemaker list-training-jobs --max-results {TRAINING_JOBS_MAX_RESULTS} --region {region} --profile {profile}"
            ),
        ),
    }
}

fn describe_failure(outcome: &BucketAccess) -> String {
    match outcome {
        BucketAccess::Failed { message, .. } => message.clone(),
        other => format!("{other:?}"),
    }
}

fn describe_sagemaker_failure(outcome: &SageMakerAccess) -> String {
    match outcome {
        SageMakerAccess::Failed { message, .. } => message.clone(),
        other => format!("{other:?}"),
    }
}

/// The guide: "Rotate access keys periodically (every 90 days)". A keychain entry records
/// when it was stored; otherwise IAM's ListAccessKeys has the key's creation date.
async fn key_age_check(
    ctx: &Context,
    iam: &aws_sdk_iam::Client,
    caller: &Caller,
    key_id: &str,
    source: &CredentialSource,
    profile: &sagecred_core::ProfileName,
) -> Check {
    let name = "key-age";
    // sagecred's own stores record when a key was stored; the plaintext file does not.
    let own_store = source
        .key_store()
        .filter(|k| *k != sagecred_core::StoreKind::File);
    let (created, which) = if let Some(store) = own_store {
        match super::stores::open(ctx, store).and_then(|s| Ok(s.get(profile)?)) {
            Ok(stored) => (
                stored.created,
                mask(stored.credentials.access_key_id().as_str()),
            ),
            Err(e) => {
                return Check::warn(
                    name,
                    format!(
                        "cannot read the key of profile `{profile}` from the {store} store: {e}"
                    ),
                    format!("sagecred configure --profile {profile}"),
                );
            }
        }
    } else if key_id.starts_with("ASIA") {
        return Check::pass(
            name,
            "temporary session credentials: no long-term key to age",
        );
    } else if let Some(user) = &caller.user {
        match iam.list_access_keys().user_name(user).send().await {
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
                    name,
                    format!(
                        "cannot list the access keys of user `{user}`: {}",
                        error_code(&err).describe()
                    ),
                    format!("aws iam list-access-keys --user-name {user}"),
                );
            }
        }
    } else {
        (None, mask(key_id))
    };
    let Some(created) = created else {
        return Check::warn(
            name,
            format!("the creation date of access key {which} is unknown"),
            format!("aws iam list-access-keys --profile {profile}"),
        );
    };
    let days = SystemTime::now()
        .duration_since(created)
        .unwrap_or_default()
        .as_secs()
        / 86_400;
    if days > MAX_KEY_AGE_DAYS {
        let user = caller.user.as_deref().unwrap_or("USER");
        Check::warn(
            name,
            format!("access key {which} is {days} days old, over the guide's {MAX_KEY_AGE_DAYS}"),
            format!(
                "sagecred rotate --profile {profile} --delete-old (or, without rights to manage its own keys, sagecred recover --profile {profile} --admin-profile ADMIN_PROFILE --user-name {user})"
            ),
        )
    } else {
        Check::pass(name, format!("access key {which} is {days} days old"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_documents_decode_raw_and_url_encoded() {
        let raw = TRUST_POLICY;
        assert!(trust_check("r", raw).status == Status::Pass);
        let encoded = raw
            .replace('{', "%7B")
            .replace('}', "%7D")
            .replace('"', "%22")
            .replace(':', "%3A")
            .replace(',', "%2C");
        assert!(trust_check("r", &encoded).status == Status::Pass);
        let other = raw.replace(SAGEMAKER_SERVICE, "ec2.amazonaws.com");
        let check = trust_check("r", &other);
        assert!(check.status == Status::Fail);
        assert!(
            check
                .fix
                .unwrap()
                .contains("update-assume-role-policy --role-name r")
        );
        assert!(trust_check("r", "%zz").status == Status::Fail);
    }

    #[test]
    fn caller_arns_yield_user_names() {
        let c = Caller::from_arn("arn:aws:iam::123456789012:user/team/dev", "123456789012");
        assert_eq!(c.user.as_deref(), Some("dev"));
        assert_eq!(
            c.policy_arn("Custom"),
            "arn:aws:iam::123456789012:policy/Custom"
        );
        assert_eq!(
            c.policy_arn(IAM_READ_ONLY_ACCESS),
            "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
        );
        let root = Caller::from_arn("arn:aws:iam::123456789012:root", "123456789012");
        assert_eq!(root.user, None);
        let role = Caller::from_arn(
            "arn:aws:sts::123456789012:assumed-role/R/session",
            "123456789012",
        );
        assert_eq!(role.user, None);
    }

    #[test]
    fn key_ids_are_masked() {
        assert_eq!(mask("AKIAIOSFODNN7EXAMPLE"), "AKIA************MPLE");
        assert_eq!(mask("short"), "****");
    }
}
