//! The errors of planning, applying, verifying and tearing down.

use std::error::Error as StdError;

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use sagecred_sdk_error::Failure;

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
        "{kind} `{name}` exists but is not tagged managed-by=sagecred: rerun with --adopt to take it over, or choose another name"
    )]
    NotManaged {
        /// The kind of resource.
        kind: ResourceKind,
        /// Its name.
        name: String,
    },
    /// The user already has the two access keys IAM allows, so no key can be created.
    #[error(
        "user `{user}` already has 2 access keys ({}): delete or deactivate one (`sagecred rotate`, or `aws iam delete-access-key --user-name {user} --access-key-id ID`), then run again",
        .masked_key_ids.join(", ")
    )]
    TooManyKeys {
        /// The user.
        user: String,
        /// The existing keys' ids, masked.
        masked_key_ids: Vec<String>,
    },
    /// An AWS call failed.
    #[error("{operation} on {resource} failed: {message}")]
    Aws {
        /// The API operation, such as `CreateRole`.
        operation: &'static str,
        /// The resource it concerned.
        resource: String,
        /// The AWS error code when one could be read, such as `AccessDenied`.
        code: Option<String>,
        /// The HTTP status, when a response arrived.
        status: Option<u16>,
        /// What went wrong, in words.
        message: String,
        /// The SDK error's typed fields. The SDK error itself is not kept: its renderings
        /// can hold the signed request.
        failure: Box<Failure>,
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
        match self {
            Self::Aws { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

/// Builds [`Error::Aws`] from an SDK error.
///
/// moto's 403 bodies are not parsed by the SDK (they are served as text/html), so when the
/// SDK found no code, the `<Code>` element of the raw body is used instead.
pub(crate) fn aws<E>(
    operation: &'static str,
    resource: impl Into<String>,
    err: SdkError<E, HttpResponse>,
) -> Error
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let failure = Failure::from_sdk(&err);
    Error::Aws {
        operation,
        resource: resource.into(),
        code: failure.code().map(str::to_owned),
        status: failure.status(),
        message: failure.to_string(),
        failure: Box::new(failure),
    }
}

/// The text of the first `<name>` element in `body`, without an XML parser: error bodies
/// are small and flat.
pub(crate) fn xml_element(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{name}>"))? + start;
    Some(body[start..end].trim().to_owned())
}

/// Whether the call failed because the entity does not exist.
pub(crate) fn is_no_such_entity<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    err.code() == Some("NoSuchEntity")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_codes_from_raw_bodies() {
        let body = "<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>no</Message></Error></Errors></ErrorResponse>";
        assert_eq!(xml_element(body, "Code").as_deref(), Some("AccessDenied"));
        assert_eq!(xml_element(body, "Message").as_deref(), Some("no"));
        assert_eq!(xml_element(body, "Other"), None);
    }

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
        assert!(s.contains("delete or deactivate one"), "{s}");
    }
}
