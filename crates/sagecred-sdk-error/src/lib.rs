//! One-line descriptions of AWS SDK errors, built from their typed fields only.
//!
//! The SDK's own renderings are not safe to show. `{:?}` of an `SdkError`, its
//! `DisplayErrorContext`, and even the `Display` of its source chain can hold the whole
//! HTTP request: when an endpoint URL cannot be applied, the SDK's orchestrator writes
//! `{request:?}` into the error, and a request carries the client secret, the refresh token
//! or the bearer token of an SSO call, or a signed `Authorization` header. So nothing here
//! formats an SDK error or walks its sources into text. [`Failure`] reads the error's
//! variant, the service's error code and message, the HTTP status and the kind of connection
//! failure, and renders only those.
//!
//! [`check_endpoint_url`] tells a malformed endpoint URL (`localhost:4566`, a trailing
//! space) before any request is built, so the caller can name the variable that holds it.
#![warn(missing_docs)]

use std::error::Error as StdError;
use std::fmt;

use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::endpoint::error::{InvalidEndpointError, ResolveEndpointError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::waiters::error::WaiterError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// The longest service message or credentials detail kept, in characters.
const MAX_TEXT: usize = 300;

/// Why a call failed, as a category the caller can pick a hint from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause {
    /// The service answered with an error: a code, a message, a status.
    Service,
    /// An answer arrived but could not be read.
    Response,
    /// The endpoint could not be reached.
    Unreachable(Network),
    /// No answer came within the time limit.
    Timeout,
    /// The endpoint URL could not be applied to the request (it is malformed).
    Endpoint,
    /// The credentials for the call could not be loaded.
    Credentials,
    /// The request could not be built.
    Construction,
    /// The request could not be sent, for a reason the HTTP client did not classify.
    Dispatch,
    /// A waiter gave up before the resource reached the wanted state.
    WaitExceeded {
        /// Seconds waited.
        seconds: u64,
        /// Requests made.
        polls: u32,
    },
    /// A waiter saw the resource reach a state it cannot leave.
    WaitFailed,
}

/// How a connection failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Network {
    /// Nothing listens there (`ECONNREFUSED`).
    Refused,
    /// The host name does not resolve.
    NameNotResolved,
    /// The connection was reset or closed early.
    Reset,
    /// Connecting took too long.
    TimedOut,
    /// The TLS handshake failed.
    Tls,
    /// Another network error.
    Other,
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Refused => "connection refused",
            Self::NameNotResolved => "the host name does not resolve",
            Self::Reset => "the connection was closed early",
            Self::TimedOut => "the connection timed out",
            Self::Tls => "the TLS handshake failed",
            Self::Other => "a network error",
        })
    }
}

/// A failed SDK call, reduced to the fields that are safe to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    cause: Cause,
    code: Option<String>,
    message: Option<String>,
    status: Option<u16>,
}

impl Failure {
    /// Reads `err`'s variant, error code, message and HTTP status.
    ///
    /// When the SDK could not parse the service's error (moto serves its 403s as HTML), the
    /// code and message come from the `<Code>` and `<Message>` elements of the raw body.
    pub fn from_sdk<E>(err: &SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + StdError + 'static,
    {
        let status = err.raw_response().map(|r| r.status().as_u16());
        let (cause, code, message) = match err {
            SdkError::ServiceError(service) => {
                let meta = service.err();
                (
                    Cause::Service,
                    meta.code().map(str::to_owned),
                    meta.message().map(str::to_owned),
                )
            }
            SdkError::ResponseError(_) => (Cause::Response, None, None),
            SdkError::TimeoutError(_) => (Cause::Timeout, None, None),
            SdkError::DispatchFailure(dispatch) => {
                let cause =
                    classify_chain(err).unwrap_or_else(|| match dispatch.as_connector_error() {
                        Some(c) if c.is_timeout() => Cause::Timeout,
                        Some(c) if c.is_io() => Cause::Unreachable(Network::Other),
                        Some(c) if c.is_user() => Cause::Construction,
                        _ => Cause::Dispatch,
                    });
                (cause, None, None)
            }
            SdkError::ConstructionFailure(_) => (
                classify_chain(err).unwrap_or(Cause::Construction),
                None,
                None,
            ),
            _ => (Cause::Dispatch, None, None),
        };
        let body = err
            .raw_response()
            .and_then(|r| r.body().bytes())
            .map(String::from_utf8_lossy);
        let code = code.or_else(|| body.as_deref().and_then(|b| xml_element(b, "Code")));
        let message = message.or_else(|| body.as_deref().and_then(|b| xml_element(b, "Message")));
        Self {
            cause,
            code: code.map(|c| clean(&c)).filter(|c| !c.is_empty()),
            message: message.map(|m| clean(&m)).filter(|m| !m.is_empty()),
            status,
        }
    }

    /// Reads a waiter's error: it gave up, saw a failure state, or one of its calls failed.
    pub fn from_waiter<O, E>(err: &WaiterError<O, E>) -> Self
    where
        E: ProvideErrorMetadata + StdError + 'static,
    {
        match err {
            WaiterError::OperationFailed(op) => Self::from_sdk(op.error()),
            WaiterError::ExceededMaxWait(e) => Self::of(Cause::WaitExceeded {
                seconds: e.elapsed().as_secs(),
                polls: e.poll_count(),
            }),
            WaiterError::FailureState(state) => {
                let mut f = Self::of(Cause::WaitFailed);
                if let Err(e) = state.final_poll().as_result() {
                    f.code = e.code().map(clean);
                    f.message = e.message().map(clean);
                }
                f
            }
            _ => Self::of(Cause::Construction),
        }
    }

    /// A failure of `cause` with no code, message or status.
    pub fn of(cause: Cause) -> Self {
        Self {
            cause,
            code: None,
            message: None,
            status: None,
        }
    }

    /// The category of the failure.
    pub fn cause(&self) -> Cause {
        self.cause
    }

    /// The service's error code, such as `AccessDenied`.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The service's error message, with control characters escaped and bounded in length.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The HTTP status of the answer, when one arrived.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// How the connection failed, when it did.
    pub fn network(&self) -> Option<Network> {
        match self.cause {
            Cause::Unreachable(n) => Some(n),
            _ => None,
        }
    }

    /// Whether no answer arrived: the endpoint could not be reached, or did not answer in
    /// time. A hint should then name the endpoint, not the keys.
    pub fn is_network(&self) -> bool {
        matches!(self.cause, Cause::Unreachable(_) | Cause::Timeout)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cause {
            Cause::Service | Cause::Response | Cause::WaitFailed => {
                let lead = match self.cause {
                    Cause::Response => "the answer could not be read",
                    Cause::WaitFailed => "the resource reached a failed state",
                    _ => "the service refused the request",
                };
                match (&self.code, &self.message) {
                    (Some(c), Some(m)) => write!(f, "{c}: {m}")?,
                    (Some(c), None) => f.write_str(c)?,
                    (None, Some(m)) => write!(f, "{lead}: {m}")?,
                    (None, None) => f.write_str(lead)?,
                }
                if let Some(s) = self.status {
                    write!(f, " (HTTP {s})")?;
                }
                Ok(())
            }
            Cause::Unreachable(n) => write!(f, "the endpoint could not be reached: {n}"),
            Cause::Timeout => f.write_str("the endpoint did not answer in time"),
            Cause::Endpoint => f.write_str(
                "the endpoint URL is malformed (see AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE> and the profile's endpoint_url)",
            ),
            Cause::Credentials => f.write_str("the credentials could not be loaded"),
            Cause::Construction => f.write_str("the request could not be built"),
            Cause::Dispatch => f.write_str("the request could not be sent"),
            Cause::WaitExceeded { seconds, polls } => write!(
                f,
                "gave up after {seconds} s and {polls} requests without seeing it"
            ),
        }
    }
}

/// Classifies a failure before any answer, from the types in the error's source chain.
/// Only types are looked at, and the text of I/O errors (which hold no request data).
fn classify_chain(err: &(dyn StdError + 'static)) -> Option<Cause> {
    let mut io = None;
    let mut source = err.source();
    while let Some(e) = source {
        if e.is::<ResolveEndpointError>() || e.is::<InvalidEndpointError>() {
            return Some(Cause::Endpoint);
        }
        if e.is::<CredentialsError>() {
            return Some(Cause::Credentials);
        }
        if let Some(e) = e.downcast_ref::<std::io::Error>() {
            io = io.or(Some(network_of(e)));
        }
        source = e.source();
    }
    io.map(Cause::Unreachable)
}

fn network_of(e: &std::io::Error) -> Network {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => Network::Refused,
        K::TimedOut => Network::TimedOut,
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
            Network::Reset
        }
        _ => {
            // getaddrinfo failures reach Rust as untyped I/O errors; their text is the
            // resolver's own and holds no request data.
            let text = e.to_string().to_ascii_lowercase();
            if [
                "dns error",
                "failed to lookup address",
                "name or service not known",
                "no such host",
                "temporary failure in name resolution",
                "no address associated",
            ]
            .iter()
            .any(|s| text.contains(s))
            {
                Network::NameNotResolved
            } else if ["tls", "certificate", "handshake"]
                .iter()
                .any(|s| text.contains(s))
            {
                Network::Tls
            } else {
                Network::Other
            }
        }
    }
}

/// A one-line reason why credentials could not be loaded.
///
/// The credential providers' own messages (a profile without keys, a `credential_process`
/// that failed, with its stderr) are kept, on one line, with control characters escaped
/// and the length bounded. They never hold a request; a `credential_process` is trusted not
/// to print its secret on stderr.
pub fn describe_credentials_error(err: &CredentialsError) -> String {
    let lead = match err {
        CredentialsError::CredentialsNotLoaded(_) => "no credentials were found",
        CredentialsError::ProviderTimedOut(t) => {
            return format!(
                "the credentials provider timed out after {} s",
                t.timeout_duration().as_secs()
            );
        }
        CredentialsError::InvalidConfiguration(_) => "the credentials are configured wrongly",
        _ => "the credentials could not be loaded",
    };
    let mut text = String::new();
    let mut source = err.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
        source = s.source();
    }
    let text = clean(&text);
    if text.is_empty() {
        lead.to_owned()
    } else {
        format!("{lead}: {text}")
    }
}

/// Why an endpoint URL (from `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>` or a profile's
/// `endpoint_url`) cannot be used, in words that do not repeat the value.
///
/// A usable URL is `http://` or `https://`, a host, an optional port and path, with no
/// whitespace or control characters anywhere.
pub fn check_endpoint_url(url: &str) -> Result<(), &'static str> {
    if url.is_empty() {
        return Err("it is empty");
    }
    if url.chars().any(char::is_whitespace) {
        return Err("it contains whitespace (a trailing space or newline?)");
    }
    if url.chars().any(|c| c.is_control()) {
        return Err("it contains control characters");
    }
    if !url.is_ascii() {
        return Err("it contains non-ASCII characters");
    }
    if url.chars().any(|c| "\"<>\\^`{|}".contains(c)) {
        return Err("it contains characters a URL cannot hold");
    }
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
    else {
        return Err("it does not start with http:// or https://");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    if host_port.is_empty() {
        return Err("it names no host");
    }
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':')),
            None => return Err("its IPv6 address has no closing `]`"),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err("it names no host");
    }
    if let Some(p) = port
        && (p.is_empty() || p.parse::<u16>().is_err())
    {
        return Err("its port is not a number from 0 to 65535");
    }
    Ok(())
}

/// The text of the first `<name>` element in `body`: error bodies are small and flat.
fn xml_element(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{name}>"))? + start;
    Some(body[start..end].trim().to_owned())
}

/// One line of at most [`MAX_TEXT`] characters: whitespace runs become one space, other
/// control characters are escaped (`\u{1b}`), so the text cannot steer a terminal.
fn clean(text: &str) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    for c in text.trim().chars() {
        if count >= MAX_TEXT {
            out.push('…');
            break;
        }
        if c.is_whitespace() {
            if !space {
                out.push(' ');
                count += 1;
            }
            space = true;
            continue;
        }
        space = false;
        if c.is_control() || ('\u{80}'..='\u{9f}').contains(&c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
        count += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    #[derive(Debug)]
    struct Op(ErrorMetadata);
    impl fmt::Display for Op {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("op error")
        }
    }
    impl StdError for Op {}
    impl ProvideErrorMetadata for Op {
        fn meta(&self) -> &ErrorMetadata {
            &self.0
        }
    }

    const SECRET: &str = "CANARYSECRETwJalrXUtnFEMI";

    fn request_dump() -> String {
        format!(
            "HttpRequest {{ body: \"client_secret={SECRET}\", headers: x-amz-sso_bearer_token: {SECRET} }}"
        )
    }

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status.try_into().unwrap(), SdkBody::from(body.to_owned()))
    }

    #[test]
    fn a_malformed_endpoint_never_shows_the_request() {
        let inner = ResolveEndpointError::message(format!(
            "failed to apply endpoint `localhost:4566` to request `{}`",
            request_dump()
        ));
        let err: SdkError<Op, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::other(Box::new(inner), None));
        let f = Failure::from_sdk(&err);
        assert_eq!(f.cause(), Cause::Endpoint);
        let shown = f.to_string();
        assert!(
            shown.starts_with("the endpoint URL is malformed"),
            "{shown}"
        );
        assert!(!shown.contains(SECRET));
    }

    #[test]
    fn connection_failures_are_named() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let err: SdkError<Op, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::io(Box::new(io)));
        let f = Failure::from_sdk(&err);
        assert_eq!(f.network(), Some(Network::Refused));
        assert!(f.is_network());
        assert_eq!(
            f.to_string(),
            "the endpoint could not be reached: connection refused"
        );

        let dns = std::io::Error::other(
            "failed to lookup address information: Name or service not known",
        );
        let err: SdkError<Op, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::io(Box::new(dns)));
        assert_eq!(
            Failure::from_sdk(&err).network(),
            Some(Network::NameNotResolved)
        );

        let err: SdkError<Op, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::timeout("slow".into()));
        assert_eq!(Failure::from_sdk(&err).cause(), Cause::Timeout);
    }

    #[test]
    fn service_errors_show_code_message_and_status() {
        let meta = ErrorMetadata::builder()
            .code("InvalidClientTokenId")
            .message("The security token included in the request is invalid.\n\x1b]0;x\x07")
            .build();
        let err = SdkError::service_error(Op(meta), response(403, ""));
        let f = Failure::from_sdk(&err);
        assert_eq!(f.code(), Some("InvalidClientTokenId"));
        assert_eq!(f.status(), Some(403));
        let shown = f.to_string();
        assert!(!shown.contains('\n') && !shown.contains('\x1b'), "{shown}");
        assert!(
            shown.starts_with(
                "InvalidClientTokenId: The security token included in the request is invalid. "
            ),
            "{shown}"
        );
        assert!(shown.ends_with("(HTTP 403)"), "{shown}");
    }

    #[test]
    fn unparsed_bodies_give_their_code() {
        let body = "<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>no</Message></Error></Errors></ErrorResponse>";
        let err =
            SdkError::service_error(Op(ErrorMetadata::builder().build()), response(403, body));
        assert_eq!(
            Failure::from_sdk(&err).to_string(),
            "AccessDenied: no (HTTP 403)"
        );
    }

    #[test]
    fn credentials_errors_are_one_line() {
        let e = CredentialsError::provider_error(
            "exited with code 2. Stderr: error: no key\nhint: run configure\n",
        );
        let err: SdkError<Op, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::other(Box::new(e), None));
        assert_eq!(Failure::from_sdk(&err).cause(), Cause::Credentials);
        let e = CredentialsError::provider_error(
            "exited with code 2. Stderr: error: no key\nhint: run configure\n",
        );
        assert_eq!(
            describe_credentials_error(&e),
            "the credentials could not be loaded: exited with code 2. Stderr: error: no key hint: run configure"
        );
    }

    #[test]
    fn long_messages_are_bounded() {
        let long = "x".repeat(10_000);
        assert!(clean(&long).chars().count() <= MAX_TEXT + 1);
    }

    #[test]
    fn endpoint_urls() {
        for good in [
            "http://127.0.0.1:4566",
            "https://sts.us-east-1.amazonaws.com",
            "http://localhost:5000/",
            "http://[::1]:4566/x",
            "HTTP://EXAMPLE.COM",
        ] {
            assert_eq!(check_endpoint_url(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("localhost:4566", "does not start with http"),
            ("http://127.0.0.1:4566 ", "whitespace"),
            ("bad url", "whitespace"),
            ("", "empty"),
            ("http://", "no host"),
            ("http://:80", "no host"),
            ("http://h:99999", "port"),
            ("http://h:x", "port"),
            ("ftp://h", "does not start with http"),
            ("http://h\u{1b}]0;x", "control"),
            ("http://[::1", "closing"),
        ] {
            let e = check_endpoint_url(bad).unwrap_err();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
    }
}
