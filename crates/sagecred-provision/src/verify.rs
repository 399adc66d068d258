//! The caller's identity, and verification of a new access key with STS.

use std::time::Duration;

use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use sagecred_core::{AccountId, Credentials, Partition};

use crate::apply::{Progress, ProgressEvent};
use crate::error::{Error, aws};

/// Who the SDK's credentials belong to (STS GetCallerIdentity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The account.
    pub account: AccountId,
    /// The caller's ARN.
    pub arn: String,
    /// The partition, read from the ARN.
    pub partition: Partition,
}

/// Calls STS GetCallerIdentity with `sts`'s credentials.
pub async fn caller_identity(sts: &aws_sdk_sts::Client) -> Result<CallerIdentity, Error> {
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| aws("GetCallerIdentity", "the caller", e))?;
    let arn = out.arn().unwrap_or_default().to_owned();
    let account = out.account().unwrap_or_default();
    let account: AccountId = account.parse().map_err(|_| Error::Unexpected {
        what: "account id",
        value: account.to_owned(),
    })?;
    let partition = arn
        .split(':')
        .nth(1)
        .and_then(|p| p.parse::<Partition>().ok())
        .ok_or_else(|| Error::Unexpected {
            what: "caller ARN",
            value: arn.clone(),
        })?;
    Ok(CallerIdentity {
        account,
        arn,
        partition,
    })
}

/// How hard [`verify_key`] tries. A new IAM key takes a few seconds to be accepted
/// everywhere, so the first attempts may fail with InvalidClientTokenId.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyRetry {
    /// The most calls made.
    pub max_attempts: u32,
    /// The pause after the first failure; it doubles after each further one.
    pub first_delay: Duration,
    /// The longest pause.
    pub max_delay: Duration,
}

impl Default for VerifyRetry {
    /// 8 attempts, pausing 1, 2, 4 and then 8 seconds: about 40 seconds in all.
    fn default() -> Self {
        Self {
            max_attempts: 8,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(8),
        }
    }
}

/// Checks that `credentials` authenticate, by calling STS GetCallerIdentity with them, and
/// returns the caller ARN.
///
/// Region, endpoint and retry settings come from `base` (so `AWS_ENDPOINT_URL` and a test
/// endpoint are honoured); only the credentials are replaced. Failures are retried with
/// exponential backoff (tokio's timer) up to `retry.max_attempts` calls.
pub async fn verify_key(
    base: &SdkConfig,
    credentials: &Credentials,
    retry: VerifyRetry,
    progress: Progress<'_>,
) -> Result<String, Error> {
    let sdk_credentials = aws_credential_types::Credentials::new(
        credentials.access_key_id().as_str(),
        credentials.secret_access_key().expose(),
        credentials.session_token().map(|t| t.expose().to_owned()),
        credentials.expiration(),
        "sagecred-provision",
    );
    let config = aws_sdk_sts::config::Builder::from(base)
        .credentials_provider(SharedCredentialsProvider::new(sdk_credentials))
        .build();
    let sts = aws_sdk_sts::Client::from_conf(config);
    let max_attempts = retry.max_attempts.max(1);
    let mut delay = retry.first_delay;
    let mut attempt = 0;
    loop {
        attempt += 1;
        progress(ProgressEvent::Verifying {
            attempt,
            max_attempts,
        });
        match caller_identity(&sts).await {
            Ok(identity) => return Ok(identity.arn),
            Err(e) if attempt >= max_attempts => {
                return Err(Error::Verify {
                    masked_key_id: credentials.access_key_id().masked(),
                    attempts: attempt,
                    message: e.to_string(),
                });
            }
            Err(e) => {
                tracing::debug!(attempt, error = %e, "new key not accepted yet");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(retry.max_delay);
            }
        }
    }
}
