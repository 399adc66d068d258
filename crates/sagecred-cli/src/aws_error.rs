//! Failed AWS calls as one-line errors with a hint that fits the cause, and the check of
//! the endpoint variables before any request is built.
//!
//! Every SDK error reaches the user through [`sagecred_sdk_error::Failure`], which reads
//! the error's typed fields only: the SDK's own renderings (`{:?}`, `DisplayErrorContext`,
//! even the source chain's `Display`) can hold the request with its tokens.

use sagecred_sdk_error::{Cause, Failure};

use crate::context::Context;
use crate::error::CliError;

/// Error codes that mean the keys themselves were refused.
const KEY_CODES: &[&str] = &[
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "ExpiredToken",
    "ExpiredTokenException",
    "IncompleteSignature",
    "MissingAuthenticationToken",
];

/// `{what} failed: {failure}`, as an AWS error (exit 4), with a hint that matches the
/// cause: the endpoint when nothing answered, the credentials when they did not load, and
/// `keys_hint` only when the service refused the keys.
pub(crate) fn call_failed(
    ctx: &Context,
    what: &str,
    service: &str,
    failure: &Failure,
    keys_hint: &str,
) -> CliError {
    let err = CliError::aws(format!("{what} failed: {failure}"));
    match failure.cause() {
        Cause::Unreachable(_) | Cause::Timeout => err.with_hint(format!(
            "{} could not be reached; check the network, or the endpoint variable if it is wrong",
            ctx.endpoint_description(service)
        )),
        Cause::Endpoint => err.with_hint(
            "an endpoint URL (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE> or endpoint_url in the profile) is malformed; it must look like https://host[:port]",
        ),
        Cause::Credentials => err.with_hint(
            "the profile's credentials did not load; check it with `sagecred profiles` and `sagecred doctor`",
        ),
        Cause::Service
            if failure.code().is_some_and(|c| KEY_CODES.contains(&c))
                || (failure.code().is_none() && failure.status() == Some(403)) =>
        {
            err.with_hint(keys_hint.to_owned())
        }
        Cause::Service if failure.code().is_some_and(|c| c.starts_with("AccessDenied")) => err
            .with_hint(
                "the keys work but lack a permission; see `sagecred doctor` for what the guide grants",
            ),
        _ => err,
    }
}

/// Refuses a malformed endpoint URL in the environment, naming the variable and what is
/// wrong without repeating the value. Commands that call AWS run it first, so that a typo
/// such as `AWS_ENDPOINT_URL=localhost:4566` ends with one clear line instead of an SDK
/// error.
pub(crate) fn check_endpoints(ctx: &Context) -> Result<(), CliError> {
    for (name, value) in &ctx.env.endpoint_vars {
        if let Err(problem) = sagecred_sdk_error::check_endpoint_url(value) {
            return Err(CliError::user(format!("{name} is not a valid URL: {problem}"))
                .with_hint(format!(
                    "set {name} to a URL such as http://127.0.0.1:4566, or unset it to use AWS's endpoints"
                )));
        }
    }
    Ok(())
}
