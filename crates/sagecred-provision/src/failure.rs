//! [`AwsFailure`]: the one description of a failed AWS call, read from the SDK's error once
//! and then classified by pure functions. Provisioning, the access tests and `doctor` all
//! classify through it, so "denied", "not found" and "no answer" mean the same everywhere.

use std::fmt;

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;

/// What a failed AWS call told us: its error code, HTTP status and message, or that no
/// answer arrived at all.
///
/// moto's 403 bodies are served as text/html, which the SDK does not parse; when the SDK
/// found no code, the `<Code>` and `<Message>` of the raw body are used instead.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AwsFailure {
    /// The AWS error code, such as `AccessDenied`, when one could be read.
    pub code: Option<String>,
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// AWS's message, or for a failure without an answer the connector's words.
    pub message: Option<String>,
    /// No response arrived: connection refused, DNS, TLS or a timeout.
    pub network: bool,
}

impl AwsFailure {
    /// Reads the facts of an SDK error (of any service), before the error is consumed.
    pub fn from_sdk<E>(err: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
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
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)
        );
        if network {
            // The connector's own words ("connection refused", a DNS failure) are the clue.
            message = Some(DisplayErrorContext(err).to_string());
        } else if code.is_none() && message.is_none() && status.is_none() {
            message = Some(DisplayErrorContext(err).to_string());
        }
        Self {
            code,
            status,
            message,
            network,
        }
    }

    /// Whether AWS answered with error code `code`.
    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    /// Whether the caller was refused: `AccessDenied`, `AccessDeniedException`, or a bare 403.
    pub fn is_denied(&self) -> bool {
        self.is("AccessDenied")
            || self.is("AccessDeniedException")
            || (self.code.is_none() && self.status == Some(403))
    }

    /// Whether the IAM entity asked for does not exist.
    pub fn is_no_such_entity(&self) -> bool {
        self.is("NoSuchEntity")
    }

    /// Whether the credentials themselves were refused: unknown key, wrong secret, expired
    /// session, or a key not yet seen everywhere after it was created.
    pub fn is_refused_credentials(&self) -> bool {
        matches!(
            self.code.as_deref(),
            Some(
                "InvalidClientTokenId"
                    | "InvalidAccessKeyId"
                    | "SignatureDoesNotMatch"
                    | "UnrecognizedClientException"
                    | "ExpiredToken"
                    | "ExpiredTokenException"
                    | "RequestExpired"
            )
        )
    }

    /// A short description: the code, else the HTTP status, else the message.
    pub fn describe(&self) -> String {
        match (&self.code, self.status, &self.message) {
            (Some(c), _, _) => c.clone(),
            (None, Some(s), _) => format!("HTTP {s}"),
            (None, None, Some(m)) => m.clone(),
            (None, None, None) if self.network => "no response".to_owned(),
            (None, None, None) => "unknown error".to_owned(),
        }
    }
}

impl fmt::Display for AwsFailure {
    /// The code and message (`AccessDenied: not allowed`), or what there is of them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code, &self.message) {
            (Some(c), Some(m)) => write!(f, "{c}: {m}"),
            (Some(c), None) => f.write_str(c),
            (None, Some(m)) => f.write_str(m),
            (None, None) => f.write_str(&self.describe()),
        }
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
    fn classifiers_read_codes_and_statuses() {
        let f = |code: Option<&str>, status: Option<u16>| AwsFailure {
            code: code.map(str::to_owned),
            status,
            message: None,
            network: false,
        };
        assert!(f(Some("AccessDenied"), Some(403)).is_denied());
        assert!(f(None, Some(403)).is_denied());
        // A 403 with another code (an unknown key) is a credentials problem, not a denial.
        assert!(!f(Some("InvalidClientTokenId"), Some(403)).is_denied());
        assert!(f(Some("InvalidClientTokenId"), Some(403)).is_refused_credentials());
        assert!(f(Some("NoSuchEntity"), Some(404)).is_no_such_entity());
        assert_eq!(f(None, Some(500)).describe(), "HTTP 500");
        let network = AwsFailure {
            network: true,
            ..AwsFailure::default()
        };
        assert_eq!(network.describe(), "no response");
        assert_eq!(
            AwsFailure {
                code: Some("Throttling".into()),
                message: Some("slow down".into()),
                ..AwsFailure::default()
            }
            .to_string(),
            "Throttling: slow down"
        );
    }
}
