//! The guide's Part 3 access tests as live, read-only calls: list the training-data bucket
//! (`aws s3 ls s3://BUCKET/`) and list training jobs (`aws sagemaker list-training-jobs
//! --max-results 5`), each answered with a typed outcome the caller turns into a report.
//! [`create_bucket`] makes the bucket when it is missing, private and encrypted.
//!
//! S3 goes through `aws-sdk-s3`, which knows S3's regions, redirects and XML errors.
//! SageMaker's one call goes out as a single SigV4-signed awsJson1.1 request
//! ([`list_training_jobs`]) through the SDK's own runtime, HTTP client, retry and timeout
//! settings: the `aws-sdk-sagemaker` crate would add minutes to every cold build for it.
//! Both take an [`SdkConfig`], so they sign with the same credential chain as every other
//! call and honour the same endpoint settings (`AWS_ENDPOINT_URL`, the per-service
//! `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL_SAGEMAKER`, `endpoint_url` in the profile).

use std::fmt;

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule,
};
use aws_smithy_runtime::client::orchestrator::operation::Operation;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse, OrchestratorError};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::service_config::ServiceConfigKey;

use crate::error::{self, Error};
use crate::failure::{AwsFailure, xml_element};

/// The region S3 creates a bucket in when no location constraint is given.
const S3_DEFAULT_REGION: &str = "us-east-1";
/// The guide's `--max-results 5`.
pub const TRAINING_JOBS_MAX_RESULTS: u8 = 5;

/// What listing the training-data bucket showed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BucketAccess {
    /// The bucket is in the expected region and lists; `objects` is 0 or 1, as at most
    /// one object is asked for.
    Ok {
        /// How many objects the listing returned (at most one).
        objects: usize,
    },
    /// No bucket of that name exists (in any account).
    NoSuchBucket,
    /// S3 refused the caller: missing rights, or a bucket of that name in another account.
    AccessDenied {
        /// The S3 action that was refused.
        action: &'static str,
    },
    /// The bucket lives in another region than the one asked for (S3 redirected, or
    /// reported the bucket's region).
    WrongRegion {
        /// The bucket's region, when S3 said it.
        region: Option<String>,
    },
    /// No answer: connection refused, DNS, TLS or a timeout.
    Unreachable {
        /// The connector's words.
        message: String,
    },
    /// Any other answer.
    Failed {
        /// The HTTP status, when a response arrived.
        status: Option<u16>,
        /// The AWS error code, when one could be read.
        code: Option<String>,
        /// What went wrong, in words.
        message: String,
    },
}

/// What `ListTrainingJobs` showed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SageMakerAccess {
    /// The call succeeded.
    Ok {
        /// How many training jobs it returned (at most [`TRAINING_JOBS_MAX_RESULTS`]).
        jobs: usize,
    },
    /// The caller lacks `sagemaker:ListTrainingJobs`.
    AccessDenied {
        /// AWS's message.
        message: String,
    },
    /// SageMaker has no endpoint in this region: its host name does not resolve.
    NotInRegion {
        /// The endpoint that was tried.
        endpoint: String,
    },
    /// No answer: connection refused, TLS or a timeout.
    Unreachable {
        /// The endpoint that was tried.
        endpoint: String,
        /// The connector's words.
        message: String,
    },
    /// Any other answer.
    Failed {
        /// The HTTP status, when a response arrived.
        status: Option<u16>,
        /// The AWS error code, when one could be read.
        code: Option<String>,
        /// What went wrong, in words.
        message: String,
    },
}

/// The endpoint a service's SDK client would use when one is configured: the per-service
/// setting (`AWS_ENDPOINT_URL_<SERVICE>` or the profile's `[services]` entry) first, then
/// the global one (`AWS_ENDPOINT_URL`, `endpoint_url`), exactly as the generated clients
/// resolve it. `None` means AWS's own endpoint.
fn configured_endpoint(config: &SdkConfig, service_id: &str) -> Option<String> {
    let key = ServiceConfigKey::builder()
        .service_id(service_id)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()?;
    config
        .service_config()
        .and_then(|c| c.load_config(key))
        .or_else(|| config.endpoint_url().map(str::to_owned))
}

/// An S3 client for `config`. A custom endpoint (moto, MinIO, a VPC endpoint URL) gets
/// path-style addressing: bucket names cannot be host names under `127.0.0.1:PORT`.
pub fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    let mut builder = aws_sdk_s3::config::Builder::from(config);
    if configured_endpoint(config, "S3").is_some() {
        builder = builder.force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(builder.build())
}

/// The facts of a failed S3 call, read before the error is consumed: the shared
/// [`AwsFailure`] and the bucket's region when S3 named it.
struct S3Failure {
    failure: AwsFailure,
    bucket_region: Option<String>,
}

fn s3_failure<E>(err: &SdkError<E, HttpResponse>) -> S3Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let raw = err.raw_response();
    // S3 names the bucket's region in a header on redirects and HeadBucket, and in the
    // body of AuthorizationHeaderMalformed.
    let bucket_region = raw
        .and_then(|r| r.headers().get("x-amz-bucket-region").map(str::to_owned))
        .or_else(|| {
            raw.and_then(|r| r.body().bytes())
                .and_then(|b| xml_element(&String::from_utf8_lossy(b), "Region"))
        });
    S3Failure {
        failure: AwsFailure::from_sdk(err),
        bucket_region,
    }
}

/// Classifies a failed bucket call. `region` is the region the client signed for.
fn classify_bucket(s3: S3Failure, action: &'static str, region: &str) -> BucketAccess {
    let S3Failure {
        failure: f,
        bucket_region,
    } = s3;
    if f.network {
        return BucketAccess::Unreachable {
            message: f.message.unwrap_or_default(),
        };
    }
    let code = f.code.as_deref();
    let redirect = matches!(f.status, Some(301 | 307))
        || matches!(
            code,
            Some("PermanentRedirect" | "TemporaryRedirect" | "AuthorizationHeaderMalformed")
        );
    let elsewhere = bucket_region.as_deref().filter(|r| *r != region);
    if redirect || elsewhere.is_some() {
        return BucketAccess::WrongRegion {
            region: elsewhere.map(str::to_owned),
        };
    }
    match (code, f.status) {
        (Some("NoSuchBucket" | "NotFound"), _) | (None, Some(404)) => BucketAccess::NoSuchBucket,
        (Some("AccessDenied" | "AllAccessDisabled"), _) | (None, Some(403)) => {
            BucketAccess::AccessDenied { action }
        }
        _ => BucketAccess::Failed {
            status: f.status,
            message: f.to_string(),
            code: f.code,
        },
    }
}

/// `aws s3 ls s3://BUCKET/`, reduced to what tells the causes apart: HeadBucket for the
/// bucket's existence and region, then ListObjectsV2 for at most one object. `region` is
/// the region the client was built for. Read-only.
pub async fn check_bucket(s3: &aws_sdk_s3::Client, bucket: &str, region: &str) -> BucketAccess {
    match s3.head_bucket().bucket(bucket).send().await {
        Ok(out) => {
            if let Some(r) = out.bucket_region().filter(|r| *r != region) {
                return BucketAccess::WrongRegion {
                    region: Some(r.to_owned()),
                };
            }
        }
        Err(err) => {
            let facts = s3_failure(&err);
            // A HEAD answer has no body: a 403 there says nothing of why, so the list
            // call below, whose error has a body, is asked too.
            if facts.failure.status != Some(403) {
                return classify_bucket(facts, "s3:ListBucket", region);
            }
        }
    }
    match s3.list_objects_v2().bucket(bucket).max_keys(1).send().await {
        Ok(out) => BucketAccess::Ok {
            objects: out.contents().len(),
        },
        Err(err) => classify_bucket(s3_failure(&err), "s3:ListBucket", region),
    }
}

/// Creates `bucket` in `region` with all public access blocked and default encryption
/// (SSE-S3) on. A bucket the caller already owns is kept and gets both settings.
pub async fn create_bucket(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    region: &str,
) -> Result<(), Error> {
    let mut create = s3.create_bucket().bucket(bucket);
    // us-east-1 is the one region S3 refuses as an explicit location constraint.
    if region != S3_DEFAULT_REGION {
        create = create.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build(),
        );
    }
    match create.send().await {
        Ok(_) => {}
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_bucket_already_owned_by_you()) => {}
        Err(err) => {
            if err
                .as_service_error()
                .is_some_and(|e| e.is_bucket_already_exists())
            {
                return Err(Error::InvalidOption {
                    what: "bucket",
                    value: bucket.to_owned(),
                    rule: "the name is taken by another aws account; bucket names are global, choose another",
                });
            }
            return Err(error::aws("CreateBucket", bucket, err));
        }
    }
    s3.put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(
            PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .map_err(|e| error::aws("PutPublicAccessBlock", bucket, e))?;
    let by_default = ServerSideEncryptionByDefault::builder()
        .sse_algorithm(ServerSideEncryption::Aes256)
        .build()
        .map_err(|e| unexpected("encryption rule", e))?;
    let encryption = ServerSideEncryptionConfiguration::builder()
        .rules(
            ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(by_default)
                .build(),
        )
        .build()
        .map_err(|e| unexpected("encryption configuration", e))?;
    s3.put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(encryption)
        .send()
        .await
        .map_err(|e| error::aws("PutBucketEncryption", bucket, e))?;
    Ok(())
}

fn unexpected(what: &'static str, e: impl fmt::Display) -> Error {
    Error::Unexpected {
        what,
        value: e.to_string(),
    }
}

/// The SageMaker API endpoint for `config`: a configured one, else AWS's regional one.
pub fn sagemaker_endpoint(config: &SdkConfig) -> Option<String> {
    if let Some(e) = configured_endpoint(config, "SageMaker") {
        return Some(e);
    }
    let region = config.region()?.as_ref().to_owned();
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    Some(format!("https://api.sagemaker.{region}.{suffix}"))
}

/// A SageMaker error answer.
#[derive(Debug)]
struct ApiError {
    status: u16,
    code: Option<String>,
    message: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code, &self.message) {
            (Some(c), Some(m)) => write!(f, "{c}: {m}"),
            (Some(c), None) => f.write_str(c),
            (None, Some(m)) => write!(f, "HTTP {}: {m}", self.status),
            (None, None) => write!(f, "HTTP {}", self.status),
        }
    }
}

impl std::error::Error for ApiError {}

/// Reads an awsJson1.1 error (`__type`, `message`), or the XML body moto sends for its
/// 403 auth errors.
fn api_error(response: &HttpResponse) -> ApiError {
    let status = response.status().as_u16();
    let body = response.body().bytes().unwrap_or_default();
    let text = String::from_utf8_lossy(body);
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let field = |names: &[&str]| {
        json.as_ref().and_then(|v| {
            names
                .iter()
                .find_map(|n| v.get(*n).and_then(|x| x.as_str()).map(str::to_owned))
        })
    };
    // `__type` may carry a namespace (`com.amazonaws.sagemaker#AccessDeniedException`) and
    // the header a suffix after `:`; the code is the bare name.
    let bare = |s: String| {
        let s = s.rsplit('#').next().unwrap_or(&s).to_owned();
        s.split(':').next().unwrap_or(&s).to_owned()
    };
    let code = field(&["__type", "code"])
        .or_else(|| {
            response
                .headers()
                .get("x-amzn-errortype")
                .map(str::to_owned)
        })
        .or_else(|| xml_element(&text, "Code"))
        .map(bare);
    let message = field(&["message", "Message"]).or_else(|| xml_element(&text, "Message"));
    ApiError {
        status,
        code,
        message,
    }
}

/// Signs each attempt with SigV4 as `sagemaker`, once the endpoint is applied, so that the
/// signature covers the final URL and host.
#[derive(Debug)]
struct SigV4Signer {
    credentials: Credentials,
    region: String,
}

impl Intercept for SigV4Signer {
    fn name(&self) -> &'static str {
        "SageMakerSigV4Signer"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
        let request = context.request_mut();
        let time = runtime_components
            .time_source()
            .map_or_else(std::time::SystemTime::now, |t| t.now());
        let identity = self.credentials.clone().into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("sagemaker")
            .time(time)
            .settings(SigningSettings::default())
            .build()?
            .into();
        let body = request.body().bytes().unwrap_or_default().to_vec();
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let signable = SignableRequest::new(
            request.method(),
            request.uri().to_owned(),
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(&body),
        )?;
        let (instructions, _signature) = sign(signable, &params)?.into_parts();
        let (signed_headers, _params) = instructions.into_parts();
        for header in signed_headers {
            request
                .headers_mut()
                .insert(header.name(), header.value().to_owned());
        }
        Ok(())
    }
}

/// The training jobs a successful call returned.
#[derive(Debug)]
struct TrainingJobs(usize);

/// `aws sagemaker list-training-jobs --max-results 5` in the config's region, as one
/// awsJson1.1 request (`POST /`, `X-Amz-Target: SageMaker.ListTrainingJobs`) signed with
/// the config's credentials. Read-only.
pub async fn list_training_jobs(config: &SdkConfig) -> SageMakerAccess {
    let failed = |message: String| SageMakerAccess::Failed {
        status: None,
        code: None,
        message,
    };
    let Some(region) = config.region().map(|r| r.as_ref().to_owned()) else {
        return failed("no region is configured".to_owned());
    };
    let Some(endpoint) = sagemaker_endpoint(config) else {
        return failed("no endpoint for sagemaker".to_owned());
    };
    let default_endpoint = configured_endpoint(config, "SageMaker").is_none();
    let Some(provider) = config.credentials_provider() else {
        return failed("no credentials are configured".to_owned());
    };
    let credentials = match provider.provide_credentials().await {
        Ok(c) => c,
        Err(e) => {
            return failed(format!(
                "the credentials do not resolve: {}",
                DisplayErrorContext(&e)
            ));
        }
    };
    let mut builder = Operation::builder()
        .service_name("SageMaker")
        .operation_name("ListTrainingJobs")
        .endpoint_url(&endpoint)
        .no_auth()
        .standard_retry(
            &config
                .retry_config()
                .cloned()
                .unwrap_or_else(RetryConfig::standard),
        )
        .timeout_config(
            config
                .timeout_config()
                .cloned()
                .unwrap_or_else(TimeoutConfig::disabled),
        )
        .interceptor(SigV4Signer {
            credentials,
            region: region.clone(),
        });
    if let Some(client) = config.http_client() {
        builder = builder.http_client(client);
    }
    if let Some(sleep) = config.sleep_impl() {
        builder = builder.sleep_impl(sleep);
    }
    let operation = builder
        .serializer(|max_results: u8| {
            let request = http::Request::builder()
                .method("POST")
                .uri("/")
                .header("content-type", "application/x-amz-json-1.1")
                .header("x-amz-target", "SageMaker.ListTrainingJobs")
                .body(SdkBody::from(format!("{{\"MaxResults\":{max_results}}}")))?;
            Ok(HttpRequest::try_from(request)?)
        })
        .deserializer(
            |response: &HttpResponse| -> Result<TrainingJobs, OrchestratorError<ApiError>> {
                if !response.status().is_success() {
                    return Err(OrchestratorError::operation(api_error(response)));
                }
                let body = response.body().bytes().unwrap_or_default();
                let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
                    OrchestratorError::other(format!("unreadable ListTrainingJobs answer: {e}"))
                })?;
                let jobs = v
                    .get("TrainingJobSummaries")
                    .and_then(|s| s.as_array())
                    .map_or(0, Vec::len);
                Ok(TrainingJobs(jobs))
            },
        )
        .build();
    match operation.invoke(TRAINING_JOBS_MAX_RESULTS).await {
        Ok(TrainingJobs(jobs)) => SageMakerAccess::Ok { jobs },
        Err(SdkError::ServiceError(e)) => classify_sagemaker(e.err()),
        Err(err @ (SdkError::DispatchFailure(_) | SdkError::TimeoutError(_))) => {
            let message = DisplayErrorContext(&err).to_string();
            if default_endpoint && is_dns_failure(&message) {
                SageMakerAccess::NotInRegion { endpoint }
            } else {
                SageMakerAccess::Unreachable { endpoint, message }
            }
        }
        Err(err) => failed(DisplayErrorContext(&err).to_string()),
    }
}

fn classify_sagemaker(e: &ApiError) -> SageMakerAccess {
    let code = e.code.as_deref();
    match code {
        Some("AccessDenied" | "AccessDeniedException") => SageMakerAccess::AccessDenied {
            message: e.to_string(),
        },
        None if e.status == 403 => SageMakerAccess::AccessDenied {
            message: e.to_string(),
        },
        _ => SageMakerAccess::Failed {
            status: Some(e.status),
            code: e.code.clone(),
            message: e.to_string(),
        },
    }
}

/// Whether a connector error is a failed name lookup, which for AWS's own endpoint means
/// the service has no endpoint in that region.
fn is_dns_failure(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "dns error",
        "failed to lookup address",
        "name or service not known",
        "no such host",
    ]
    .iter()
    .any(|s| m.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(status: Option<u16>, code: Option<&str>, region: Option<&str>) -> S3Failure {
        S3Failure {
            failure: AwsFailure {
                status,
                code: code.map(str::to_owned),
                message: Some("m".to_owned()),
                network: false,
            },
            bucket_region: region.map(str::to_owned),
        }
    }

    #[test]
    fn bucket_failures_name_their_cause() {
        let c = |f| classify_bucket(f, "s3:ListBucket", "us-east-1");
        assert_eq!(
            c(failure(Some(404), None, None)),
            BucketAccess::NoSuchBucket
        );
        assert_eq!(
            c(failure(Some(404), Some("NoSuchBucket"), None)),
            BucketAccess::NoSuchBucket
        );
        assert_eq!(
            c(failure(Some(403), None, None)),
            BucketAccess::AccessDenied {
                action: "s3:ListBucket"
            }
        );
        assert_eq!(
            c(failure(
                Some(301),
                Some("PermanentRedirect"),
                Some("eu-west-1")
            )),
            BucketAccess::WrongRegion {
                region: Some("eu-west-1".to_owned())
            }
        );
        assert_eq!(
            c(failure(
                Some(400),
                Some("AuthorizationHeaderMalformed"),
                None
            )),
            BucketAccess::WrongRegion { region: None }
        );
        // A 403 from the bucket's region is a denial, not a region problem.
        assert!(matches!(
            c(failure(Some(403), Some("AccessDenied"), Some("us-east-1"))),
            BucketAccess::AccessDenied { .. }
        ));
        assert!(matches!(
            c(failure(Some(500), Some("InternalError"), None)),
            BucketAccess::Failed { .. }
        ));
    }

    #[test]
    fn sagemaker_endpoints_follow_the_configuration() {
        let regional = SdkConfig::builder()
            .region(aws_config::Region::new("eu-west-1"))
            .build();
        assert_eq!(
            sagemaker_endpoint(&regional).as_deref(),
            Some("https://api.sagemaker.eu-west-1.amazonaws.com")
        );
        let china = SdkConfig::builder()
            .region(aws_config::Region::new("cn-north-1"))
            .build();
        assert_eq!(
            sagemaker_endpoint(&china).as_deref(),
            Some("https://api.sagemaker.cn-north-1.amazonaws.com.cn")
        );
        let custom = SdkConfig::builder()
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:5000")
            .build();
        assert_eq!(
            sagemaker_endpoint(&custom).as_deref(),
            Some("http://127.0.0.1:5000")
        );
    }

    #[test]
    fn sagemaker_errors_are_read_from_json_and_xml() {
        let response = |status: u16, body: &str| {
            HttpResponse::new(status.try_into().unwrap(), SdkBody::from(body.to_owned()))
        };
        let e = api_error(&response(
            400,
            r#"{"__type":"com.amazonaws.sagemaker#AccessDeniedException","message":"no"}"#,
        ));
        assert_eq!(e.code.as_deref(), Some("AccessDeniedException"));
        assert!(matches!(
            classify_sagemaker(&e),
            SageMakerAccess::AccessDenied { .. }
        ));
        let e = api_error(&response(
            403,
            "<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>denied</Message></Error></Errors></ErrorResponse>",
        ));
        assert_eq!(e.code.as_deref(), Some("AccessDenied"));
        assert_eq!(e.message.as_deref(), Some("denied"));
        let e = api_error(&response(400, r#"{"__type":"ValidationException"}"#));
        assert!(matches!(
            classify_sagemaker(&e),
            SageMakerAccess::Failed { .. }
        ));
        assert!(is_dns_failure(
            "dispatch failure: io error: dns error: failed to lookup address information"
        ));
        assert!(!is_dns_failure("connection refused"));
    }
}
