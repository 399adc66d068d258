//! The errors of planning, applying, verifying and tearing down.

use std::error::Error as StdError;

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use crate::failure::AwsFailure;
use crate::plan::ResourceKind;

/// Why a provisioning operation failed.
///
/// No variant carries a secret: access key ids are masked, and the secret of a created key
/// never reaches an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An option holds a value IAM would refuse.
    #[error("{what} `{value}` is not valid: {rule}")]
    InvalidOption {
        /// Which option.
        what: &'static str,
        /// The refused value.
        value: String,
        /// The rule, in words.
        rule: &'static str,
    },
    /// A resource of the wanted name exists but is not tagged as sagecred's.
    #[error(
        "{kind} `{name}` exists but is not tagged managed-by=sagecred, so it is not sagecred's to change"
    )]
    NotManaged {
        /// The kind of resource.
        kind: ResourceKind,
        /// Its name.
        name: String,
    },
    /// The user already has the two access keys IAM allows, so no key can be created.
    #[error(
        "user `{user}` already has 2 access keys ({}), the most IAM allows, so no new key can be created",
        .masked_key_ids.join(", ")
    )]
    TooManyKeys {
        /// The user.
        user: String,
        /// The existing keys' ids, masked.
        masked_key_ids: Vec<String>,
    },
    /// An AWS call failed.
    #[error("{operation} on {resource} failed: {failure}")]
    Aws {
        /// The API operation, such as `CreateRole`.
        operation: &'static str,
        /// The resource it concerned.
        resource: String,
        /// What AWS answered (code, status, message), or that no answer came. The SDK
        /// error itself is not kept: its renderings can hold the signed request.
        failure: AwsFailure,
    },
    /// IAM answered without a field the operation needs.
    #[error("{operation} on {resource} returned no {field}")]
    MissingField {
        /// The API operation.
        operation: &'static str,
        /// The resource it concerned.
        resource: String,
        /// The missing field.
        field: &'static str,
    },
    /// A policy document read back from IAM could not be decoded.
    #[error("the {what} of `{name}` as IAM returned it is unreadable: {message}")]
    BadDocument {
        /// Which document (policy, trust policy).
        what: &'static str,
        /// The resource it belongs to.
        name: String,
        /// Why it could not be read.
        message: String,
    },
    /// A resource did not become visible within the waiter's time limit.
    #[error("waiting for {kind} `{name}` to exist failed: {message}")]
    Wait {
        /// The kind of resource.
        kind: ResourceKind,
        /// Its name.
        name: String,
        /// The waiter's error.
        message: String,
    },
    /// The new access key never authenticated with STS within the retry bound.
    #[error(
        "access key {masked_key_id} was not accepted by STS after {attempts} attempts: {message}"
    )]
    Verify {
        /// The key's id, masked.
        masked_key_id: String,
        /// How many calls were made.
        attempts: u32,
        /// The last error.
        message: String,
    },
    /// A value AWS returned does not have the expected shape.
    #[error("unexpected {what} from AWS: `{value}`")]
    Unexpected {
        /// What was being read.
        what: &'static str,
        /// The value.
        value: String,
    },
}

impl Error {
    /// The AWS error code, for callers that classify failures (for example `AccessDenied`).
    pub fn aws_code(&self) -> Option<&str> {
        self.aws_failure().and_then(|f| f.code.as_deref())
    }

    /// The facts of a failed AWS call, for callers that classify it.
    pub fn aws_failure(&self) -> Option<&AwsFailure> {
        match self {
            Self::Aws { failure, .. } => Some(failure),
            _ => None,
        }
    }
}

/// Builds [`Error::Aws`] from an SDK error, reading its facts through [`AwsFailure`].
pub(crate) fn aws<E>(
    operation: &'static str,
    resource: impl Into<String>,
    err: SdkError<E, HttpResponse>,
) -> Error
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    Error::Aws {
        operation,
        resource: resource.into(),
        failure: AwsFailure::from_sdk(&err),
    }
}

/// Whether the call failed because the entity does not exist.
pub(crate) fn is_no_such_entity<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    err.code() == Some("NoSuchEntity")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_many_keys_names_the_keys_and_the_fix() {
        let e = Error::TooManyKeys {
            user: "dev".into(),
            masked_key_ids: vec!["AKIA************MPLE".into(), "AKIA************MPL2".into()],
        };
        let s = e.to_string();
        assert!(
            s.contains("AKIA************MPLE, AKIA************MPL2"),
            "{s}"
        );
        // The library states the fact; the CLI adds what to do.
        assert!(s.contains("the most IAM allows"), "{s}");
        assert!(!s.contains("sagecred"), "{s}");
    }
}
