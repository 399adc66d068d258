//! The guide's Part 3 access tests as checks (`s3-bucket`, `sagemaker`), for `doctor` and
//! for the end of `setup`, and the bounded retry `setup` needs right after it changed IAM.

use std::future::Future;
use std::time::Duration;

use aws_config::SdkConfig;
use sagecred_core::{Partition, ProfileName};
use sagecred_provision::{
    BucketAccess, SAGEMAKER_FULL_ACCESS, SageMakerAccess, TRAINING_JOBS_MAX_RESULTS, check_bucket,
    list_training_jobs, s3_client,
};
use sagecred_sso::Pacer;

use crate::check::{Check, CheckId, Fix};

/// What the live access checks need to word their reasons and fixes.
#[derive(Debug, Clone)]
pub struct AccessTarget {
    /// The training-data bucket.
    pub bucket: String,
    /// The profile's region, where SageMaker trains and the bucket must live.
    pub region: String,
    /// The profile whose credentials made the calls.
    pub profile: ProfileName,
    /// The IAM user behind the credentials, when it is one.
    pub user: Option<String>,
    /// The ARN partition.
    pub partition: Partition,
    /// What grants the bucket through the custom policy.
    pub provision_fix: Fix,
}

/// Lists the bucket and asks SageMaker, with `config`'s credentials, and returns the two
/// checks.
pub async fn access_checks(config: &SdkConfig, target: &AccessTarget) -> Vec<Check> {
    let (bucket, sagemaker) = probe_access(config, &target.bucket, &target.region).await;
    vec![
        bucket_check(target, &bucket),
        sagemaker_check(target, &sagemaker),
    ]
}

/// One round of the two access tests.
pub async fn probe_access(
    config: &SdkConfig,
    bucket: &str,
    region: &str,
) -> (BucketAccess, SageMakerAccess) {
    let s3 = s3_client(config);
    let outcome = check_bucket(&s3, bucket, region).await;
    (outcome, list_training_jobs(config).await)
}

/// The commands that create the bucket as `setup --create-bucket` does: in the region,
/// with all public access blocked (new buckets get SSE-S3 encryption by default).
fn create_bucket_fix(bucket: &str, region: &str) -> Fix {
    let location = if region == "us-east-1" {
        String::new()
    } else {
        format!(" --create-bucket-configuration LocationConstraint={region}")
    };
    Fix::Command(format!(
        "sagecred setup --profile ADMIN_PROFILE --bucket {bucket} --create-bucket, or: aws s3api create-bucket --bucket {bucket} --region {region}{location} --profile ADMIN_PROFILE && aws s3api put-public-access-block --bucket {bucket} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true --profile ADMIN_PROFILE"
    ))
}

/// The `s3-bucket` check: `aws s3 ls s3://BUCKET/`, with each cause told apart.
pub fn bucket_check(t: &AccessTarget, outcome: &BucketAccess) -> Check {
    let id = CheckId::S3Bucket;
    let (bucket, region, profile) = (&t.bucket, &t.region, &t.profile);
    match outcome {
        BucketAccess::Ok { objects } => Check::pass(
            id,
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
            id,
            format!(
                "no such bucket: `{bucket}` does not exist (the name comes from --bucket, else the profile's sagemaker_bucket, else the guide's)"
            ),
            create_bucket_fix(bucket, region),
        ),
        BucketAccess::AccessDenied { action } => Check::fail(
            id,
            format!(
                "access denied: {action} on bucket `{bucket}` was refused; the policy does not grant this bucket, or the bucket belongs to another account"
            ),
            t.provision_fix.clone(),
        ),
        BucketAccess::WrongRegion {
            region: Some(actual),
        } => Check::fail(
            id,
            format!(
                "wrong region: bucket `{bucket}` is in {actual}, but profile `{profile}` uses {region}, where SageMaker would train"
            ),
            Fix::SetRegion {
                region: actual.clone(),
                profile: profile.clone(),
            },
        ),
        BucketAccess::WrongRegion { region: None } => Check::fail(
            id,
            format!(
                "wrong region: s3 redirected the request for bucket `{bucket}` away from {region}"
            ),
            Fix::Command(format!(
                "aws s3api get-bucket-location --bucket {bucket}, then aws configure set region THAT_REGION --profile {profile}"
            )),
        ),
        BucketAccess::Unreachable { message } => Check::fail(
            id,
            format!("network or endpoint error: s3 could not be reached ({message})"),
            Fix::CheckNetwork,
        ),
        other => Check::warn(
            id,
            format!(
                "listing bucket `{bucket}` failed: {}",
                match other {
                    BucketAccess::Failed { message, .. } => message.clone(),
                    other => format!("{other:?}"),
                }
            ),
            Fix::Command(format!("aws s3 ls s3://{bucket}/ --profile {profile}")),
        ),
    }
}

/// The `sagemaker` check: `aws sagemaker list-training-jobs --max-results 5`.
pub fn sagemaker_check(t: &AccessTarget, outcome: &SageMakerAccess) -> Check {
    let id = CheckId::Sagemaker;
    let (region, profile) = (&t.region, &t.profile);
    match outcome {
        SageMakerAccess::Ok { jobs } => Check::pass(
            id,
            format!(
                "sagemaker:ListTrainingJobs works in {region}: {jobs} training job{} (at most {TRAINING_JOBS_MAX_RESULTS} listed)",
                if *jobs == 1 { "" } else { "s" }
            ),
        ),
        SageMakerAccess::AccessDenied { message } => Check::fail(
            id,
            format!(
                "access denied: sagemaker:ListTrainingJobs in {region} was refused ({message})"
            ),
            match &t.user {
                Some(user) => Fix::AttachUserPolicies {
                    user: user.clone(),
                    policy_arns: vec![format!(
                        "arn:{}:iam::aws:policy/{SAGEMAKER_FULL_ACCESS}",
                        t.partition.as_str()
                    )],
                },
                None => t.provision_fix.clone(),
            },
        ),
        SageMakerAccess::NotInRegion { endpoint } => Check::fail(
            id,
            format!(
                "sagemaker is not available in region {region}: its endpoint {endpoint} does not resolve"
            ),
            Fix::SetRegion {
                region: sagecred_core::DEFAULT_REGION.to_owned(),
                profile: profile.clone(),
            },
        ),
        SageMakerAccess::Unreachable { endpoint, message } => Check::fail(
            id,
            format!(
                "network or endpoint error: sagemaker at {endpoint} could not be reached ({message})"
            ),
            Fix::CheckNetwork,
        ),
        other => Check::warn(
            id,
            format!(
                "sagemaker:ListTrainingJobs in {region} failed: {}",
                match other {
                    SageMakerAccess::Failed { message, .. } => message.clone(),
                    other => format!("{other:?}"),
                }
            ),
            Fix::Command(format!(
                "aws sagemaker list-training-jobs --max-results {TRAINING_JOBS_MAX_RESULTS} --region {region} --profile {profile}"
            )),
        ),
    }
}

/// Codes with which AWS refuses a key or a grant it has not yet seen everywhere.
const NOT_YET_CODES: &[&str] = &[
    "InvalidAccessKeyId",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
];

/// Whether a bucket outcome is a refusal that may only mean IAM has not caught up yet.
pub fn bucket_refused(outcome: &BucketAccess) -> bool {
    match outcome {
        BucketAccess::AccessDenied { .. } => true,
        BucketAccess::Failed { status, code, .. } => {
            *status == Some(403) || code.as_deref().is_some_and(|c| NOT_YET_CODES.contains(&c))
        }
        _ => false,
    }
}

/// Whether a SageMaker outcome is a refusal that may only mean IAM has not caught up yet.
pub fn sagemaker_refused(outcome: &SageMakerAccess) -> bool {
    match outcome {
        SageMakerAccess::AccessDenied { .. } => true,
        SageMakerAccess::Failed { status, code, .. } => {
            *status == Some(403) || code.as_deref().is_some_and(|c| NOT_YET_CODES.contains(&c))
        }
        _ => false,
    }
}

/// How long `setup` keeps asking after it changed IAM: AWS takes a few seconds to carry a
/// new key or policy to S3 and SageMaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Propagation {
    /// The most rounds of the two tests, the first included.
    pub attempts: u32,
    /// The wait before each further round.
    pub pause: Duration,
}

impl Default for Propagation {
    /// 6 rounds, 5 seconds apart: about 25 seconds in all.
    fn default() -> Self {
        Self {
            attempts: 6,
            pause: Duration::from_secs(5),
        }
    }
}

/// Runs `probe` (one round of the access tests) and, when `changed` says this run changed
/// IAM and a test was refused, runs it again after `propagation.pause` (waited through
/// `pacer`), up to `propagation.attempts` rounds. `retrying(attempt, attempts)` is told
/// before each further round. Returns the last round's outcomes.
pub async fn probe_until_propagated<F, Fut>(
    propagation: Propagation,
    changed: bool,
    pacer: &mut dyn Pacer,
    retrying: &mut dyn FnMut(u32, u32),
    mut probe: F,
) -> (BucketAccess, SageMakerAccess)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = (BucketAccess, SageMakerAccess)>,
{
    let mut outcome = probe().await;
    let mut attempt = 1;
    while changed
        && attempt < propagation.attempts
        && (bucket_refused(&outcome.0) || sagemaker_refused(&outcome.1))
    {
        attempt += 1;
        retrying(attempt, propagation.attempts);
        pacer.wait(propagation.pause).await;
        outcome = probe().await;
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Recorder(Vec<Duration>);

    #[async_trait::async_trait]
    impl Pacer for Recorder {
        async fn wait(&mut self, duration: Duration) {
            self.0.push(duration);
        }
    }

    fn run<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn denied() -> (BucketAccess, SageMakerAccess) {
        (
            BucketAccess::AccessDenied {
                action: "s3:ListBucket",
            },
            SageMakerAccess::Ok { jobs: 0 },
        )
    }

    fn ok() -> (BucketAccess, SageMakerAccess) {
        (
            BucketAccess::Ok { objects: 0 },
            SageMakerAccess::Ok { jobs: 0 },
        )
    }

    #[test]
    fn refusals_after_an_iam_change_are_asked_again_with_recorded_waits() {
        let mut pacer = Recorder::default();
        let mut told = Vec::new();
        let mut rounds = 0;
        let outcome = run(probe_until_propagated(
            Propagation::default(),
            true,
            &mut pacer,
            &mut |a, n| told.push((a, n)),
            || {
                rounds += 1;
                let r = if rounds < 3 { denied() } else { ok() };
                async move { r }
            },
        ));
        assert_eq!(outcome, ok());
        assert_eq!(rounds, 3);
        assert_eq!(pacer.0, [Duration::from_secs(5); 2]);
        assert_eq!(told, [(2, 6), (3, 6)]);
    }

    #[test]
    fn the_retry_is_bounded_and_only_after_a_change() {
        let mut pacer = Recorder::default();
        let mut rounds = 0;
        let outcome = run(probe_until_propagated(
            Propagation::default(),
            true,
            &mut pacer,
            &mut |_, _| {},
            || {
                rounds += 1;
                async { denied() }
            },
        ));
        assert_eq!(outcome, denied());
        assert_eq!(rounds, 6);
        // Five waits of 5 s: the "about 25 seconds" setup promises.
        assert_eq!(pacer.0.iter().sum::<Duration>(), Duration::from_secs(25));

        let mut pacer = Recorder::default();
        let mut rounds = 0;
        run(probe_until_propagated(
            Propagation::default(),
            false,
            &mut pacer,
            &mut |_, _| {},
            || {
                rounds += 1;
                async { denied() }
            },
        ));
        assert_eq!((rounds, pacer.0.len()), (1, 0));

        // A refusal of SageMaker counts too; a missing bucket is no refusal.
        assert!(sagemaker_refused(&SageMakerAccess::AccessDenied {
            message: String::new()
        }));
        assert!(!bucket_refused(&BucketAccess::NoSuchBucket));
    }
}
