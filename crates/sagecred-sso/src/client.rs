//! The two Identity Center services: SSO OIDC (client registration and tokens) and the
//! SSO portal (accounts, roles, role credentials, sign-out).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_sso::error::ProvideErrorMetadata;
use sagecred_core::{Credentials, Secret};
use sagecred_sdk_error::Failure;

use crate::error::SsoError;
use crate::session::SsoSession;

/// The client type and grant the device flow uses.
const CLIENT_TYPE: &str = "public";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const REFRESH_GRANT: &str = "refresh_token";

/// An OIDC client registration.
#[derive(Debug, Clone)]
pub struct Registration {
    /// The client id.
    pub client_id: String,
    /// The client secret, needed for every CreateToken.
    pub client_secret: Secret,
    /// When the registration expires.
    pub expires_at: SystemTime,
}

/// A started device authorization: what the user must open and confirm.
#[derive(Debug, Clone)]
pub struct DeviceAuthorization {
    /// The code CreateToken is polled with.
    pub device_code: Secret,
    /// The short code the user confirms in the browser.
    pub user_code: String,
    /// The page where the user enters the code.
    pub verification_uri: String,
    /// The same page with the code filled in, when the service gives one.
    pub verification_uri_complete: Option<String>,
    /// How long the device code is valid.
    pub expires_in: Duration,
    /// The minimum wait between polls.
    pub interval: Duration,
}

/// Tokens from CreateToken.
#[derive(Debug, Clone)]
pub struct TokenGrant {
    /// The bearer token for the portal.
    pub access_token: Secret,
    /// How long it is valid.
    pub expires_in: Duration,
    /// The refresh token, when the registration asked for `sso:account:access`.
    pub refresh_token: Option<Secret>,
}

/// An AWS account the signed-in user can reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The 12-digit id.
    pub account_id: String,
    /// The display name.
    pub account_name: Option<String>,
}

/// The outcome of one CreateToken poll in the device flow.
#[derive(Debug)]
pub(crate) enum Poll {
    Granted(TokenGrant),
    Pending,
    SlowDown,
}

/// Where the two Identity Center services are reached. `None` is AWS's own endpoint for
/// the region. The caller fills it from its settings (the CLI: `AWS_ENDPOINT_URL_SSO_OIDC`,
/// `AWS_ENDPOINT_URL_SSO`, then `AWS_ENDPOINT_URL`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SsoEndpoints {
    /// SSO OIDC (RegisterClient, StartDeviceAuthorization, CreateToken).
    pub oidc: Option<String>,
    /// The SSO portal (GetRoleCredentials, ListAccounts, ListAccountRoles, Logout).
    pub portal: Option<String>,
}

impl SsoEndpoints {
    /// The endpoints from the SDK's settings: each service's own setting first, then the
    /// global one.
    pub fn from_settings(global: Option<&str>, oidc: Option<&str>, portal: Option<&str>) -> Self {
        Self {
            oidc: oidc.or(global).map(str::to_owned),
            portal: portal.or(global).map(str::to_owned),
        }
    }
}

/// Clients for SSO OIDC and the SSO portal in one Identity Center region.
#[derive(Debug, Clone)]
pub struct SsoClient {
    oidc: aws_sdk_ssooidc::Client,
    portal: aws_sdk_sso::Client,
}

impl SsoClient {
    /// Clients for `region` with both services at `endpoint` when it is given (AWS's own
    /// endpoints otherwise).
    pub async fn with_endpoint(region: &str, endpoint: Option<&str>) -> Self {
        let endpoints = SsoEndpoints {
            oidc: endpoint.map(str::to_owned),
            portal: endpoint.map(str::to_owned),
        };
        Self::with_endpoints(region, &endpoints).await
    }

    /// Clients for `region`, each service at the endpoint `endpoints` gives it. Nothing is
    /// read from the environment or the AWS files: the caller resolved the endpoints. The
    /// SDK's defaults apply otherwise (retries, timeouts, its HTTPS client). These APIs are
    /// unsigned or take a bearer token, so no AWS credentials are configured.
    pub async fn with_endpoints(region: &str, endpoints: &SsoEndpoints) -> Self {
        let mut oidc = aws_sdk_ssooidc::Config::builder()
            .behavior_version(aws_sdk_ssooidc::config::BehaviorVersion::latest())
            .region(aws_sdk_ssooidc::config::Region::new(region.to_owned()));
        if let Some(url) = &endpoints.oidc {
            oidc = oidc.endpoint_url(url);
        }
        let mut portal = aws_sdk_sso::Config::builder()
            .behavior_version(aws_sdk_sso::config::BehaviorVersion::latest())
            .region(aws_sdk_sso::config::Region::new(region.to_owned()));
        if let Some(url) = &endpoints.portal {
            portal = portal.endpoint_url(url);
        }
        Self {
            oidc: aws_sdk_ssooidc::Client::from_conf(oidc.build()),
            portal: aws_sdk_sso::Client::from_conf(portal.build()),
        }
    }

    /// RegisterClient, with the session's scopes (which is what makes refresh tokens).
    pub async fn register(&self, session: &SsoSession) -> Result<Registration, SsoError> {
        let mut request = self
            .oidc
            .register_client()
            .client_name(format!("sagecred-{}", unix_now()))
            .client_type(CLIENT_TYPE);
        for scope in &session.scopes {
            request = request.scopes(scope);
        }
        let out = request
            .send()
            .await
            .map_err(|e| service("sso-oidc:RegisterClient", &e))?;
        let client_id = out
            .client_id()
            .ok_or_else(|| missing("sso-oidc:RegisterClient", "clientId"))?;
        let client_secret = out
            .client_secret()
            .ok_or_else(|| missing("sso-oidc:RegisterClient", "clientSecret"))?;
        Ok(Registration {
            client_id: client_id.to_owned(),
            client_secret: Secret::from(client_secret),
            expires_at: UNIX_EPOCH
                + Duration::from_secs(u64::try_from(out.client_secret_expires_at()).unwrap_or(0)),
        })
    }

    /// StartDeviceAuthorization for the session's start URL.
    pub async fn start_device_authorization(
        &self,
        registration: &Registration,
        session: &SsoSession,
    ) -> Result<DeviceAuthorization, SsoError> {
        let out = self
            .oidc
            .start_device_authorization()
            .client_id(&registration.client_id)
            .client_secret(registration.client_secret.expose())
            .start_url(&session.start_url)
            .send()
            .await
            .map_err(|e| service("sso-oidc:StartDeviceAuthorization", &e))?;
        let op = "sso-oidc:StartDeviceAuthorization";
        Ok(DeviceAuthorization {
            device_code: Secret::from(out.device_code().ok_or_else(|| missing(op, "deviceCode"))?),
            user_code: out
                .user_code()
                .ok_or_else(|| missing(op, "userCode"))?
                .to_owned(),
            verification_uri: out
                .verification_uri()
                .ok_or_else(|| missing(op, "verificationUri"))?
                .to_owned(),
            verification_uri_complete: out.verification_uri_complete().map(str::to_owned),
            expires_in: seconds(out.expires_in()).max(Duration::from_secs(1)),
            // RFC 8628's default when the server names none.
            interval: match out.interval() {
                n if n > 0 => seconds(n),
                _ => Duration::from_secs(5),
            },
        })
    }

    /// One CreateToken poll with the device code.
    pub(crate) async fn poll_device_token(
        &self,
        registration: &Registration,
        device: &DeviceAuthorization,
    ) -> Result<Poll, SsoError> {
        let result = self
            .oidc
            .create_token()
            .client_id(&registration.client_id)
            .client_secret(registration.client_secret.expose())
            .grant_type(DEVICE_GRANT)
            .device_code(device.device_code.expose())
            .send()
            .await;
        match result {
            Ok(out) => Ok(Poll::Granted(grant(&out)?)),
            Err(e) => {
                let err = e.as_service_error();
                if err.is_some_and(|e| e.is_authorization_pending_exception()) {
                    Ok(Poll::Pending)
                } else if err.is_some_and(|e| e.is_slow_down_exception()) {
                    Ok(Poll::SlowDown)
                } else if err.is_some_and(|e| e.is_expired_token_exception()) {
                    Err(SsoError::DeviceCodeExpired)
                } else if err.is_some_and(|e| e.is_access_denied_exception()) {
                    Err(SsoError::AccessDenied)
                } else {
                    Err(service("sso-oidc:CreateToken", &e))
                }
            }
        }
    }

    /// CreateToken with the `refresh_token` grant. A refused refresh (invalid grant,
    /// expired registration) is [`SsoError::LoginRequired`].
    pub async fn refresh(
        &self,
        session: &SsoSession,
        client_id: &str,
        client_secret: &Secret,
        refresh_token: &Secret,
    ) -> Result<TokenGrant, SsoError> {
        let result = self
            .oidc
            .create_token()
            .client_id(client_id)
            .client_secret(client_secret.expose())
            .grant_type(REFRESH_GRANT)
            .refresh_token(refresh_token.expose())
            .send()
            .await;
        match result {
            Ok(out) => grant(&out),
            Err(e) => {
                let refused = e.as_service_error().is_some_and(|e| {
                    e.is_invalid_grant_exception()
                        || e.is_invalid_client_exception()
                        || e.is_expired_token_exception()
                        || e.is_access_denied_exception()
                        || e.is_unauthorized_client_exception()
                });
                if refused {
                    Err(SsoError::LoginRequired {
                        session: session.display_name().to_owned(),
                        reason: format!(
                            "the refresh was refused ({})",
                            e.as_service_error()
                                .and_then(|e| e.code())
                                .unwrap_or("invalid grant")
                        ),
                    })
                } else {
                    Err(service("sso-oidc:CreateToken", &e))
                }
            }
        }
    }

    /// GetRoleCredentials: temporary credentials for a role in an account.
    pub async fn role_credentials(
        &self,
        access_token: &Secret,
        account_id: &str,
        role_name: &str,
    ) -> Result<Credentials, SsoError> {
        let op = "sso:GetRoleCredentials";
        let out = self
            .portal
            .get_role_credentials()
            .access_token(access_token.expose())
            .account_id(account_id)
            .role_name(role_name)
            .send()
            .await
            .map_err(|e| {
                let code = e.as_service_error().and_then(|s| s.code());
                if e.as_service_error()
                    .is_some_and(|s| s.is_unauthorized_exception())
                {
                    SsoError::Unauthorized
                } else if matches!(
                    code,
                    Some("ForbiddenException" | "ResourceNotFoundException")
                ) {
                    SsoError::NoAssignment {
                        account: account_id.to_owned(),
                        role: role_name.to_owned(),
                    }
                } else {
                    service(op, &e)
                }
            })?;
        let c = out
            .role_credentials()
            .ok_or_else(|| missing(op, "roleCredentials"))?;
        let id = c
            .access_key_id()
            .ok_or_else(|| missing(op, "accessKeyId"))?
            .parse()
            .map_err(|e| SsoError::Service {
                operation: op,
                message: format!("unusable access key id: {e}"),
                network: false,
            })?;
        let secret = c
            .secret_access_key()
            .ok_or_else(|| missing(op, "secretAccessKey"))?;
        let mut creds = Credentials::new(id, Secret::from(secret));
        if let Some(token) = c.session_token() {
            creds = creds.with_session_token(Secret::from(token));
        }
        let millis = u64::try_from(c.expiration()).unwrap_or(0);
        if millis > 0 {
            creds = creds.with_expiration(UNIX_EPOCH + Duration::from_millis(millis));
        }
        Ok(creds)
    }

    /// ListAccounts, every page.
    pub async fn accounts(&self, access_token: &Secret) -> Result<Vec<Account>, SsoError> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let page = self
                .portal
                .list_accounts()
                .access_token(access_token.expose())
                .set_next_token(next.take())
                .send()
                .await
                .map_err(|e| portal_error("sso:ListAccounts", &e))?;
            out.extend(page.account_list().iter().filter_map(|a| {
                Some(Account {
                    account_id: a.account_id()?.to_owned(),
                    account_name: a.account_name().map(str::to_owned),
                })
            }));
            match page.next_token() {
                Some(token) if !token.is_empty() => next = Some(token.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    /// ListAccountRoles for one account, every page: the role names.
    pub async fn account_roles(
        &self,
        access_token: &Secret,
        account_id: &str,
    ) -> Result<Vec<String>, SsoError> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let page = self
                .portal
                .list_account_roles()
                .access_token(access_token.expose())
                .account_id(account_id)
                .set_next_token(next.take())
                .send()
                .await
                .map_err(|e| portal_error("sso:ListAccountRoles", &e))?;
            out.extend(
                page.role_list()
                    .iter()
                    .filter_map(|r| r.role_name().map(str::to_owned)),
            );
            match page.next_token() {
                Some(token) if !token.is_empty() => next = Some(token.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    /// Logout: ends the portal session behind the token.
    pub async fn logout(&self, access_token: &Secret) -> Result<(), SsoError> {
        self.portal
            .logout()
            .access_token(access_token.expose())
            .send()
            .await
            .map_err(|e| portal_error("sso:Logout", &e))?;
        Ok(())
    }
}

fn grant(
    out: &aws_sdk_ssooidc::operation::create_token::CreateTokenOutput,
) -> Result<TokenGrant, SsoError> {
    let token = out
        .access_token()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| missing("sso-oidc:CreateToken", "accessToken"))?;
    Ok(TokenGrant {
        access_token: Secret::from(token),
        expires_in: seconds(out.expires_in()),
        refresh_token: out
            .refresh_token()
            .filter(|t| !t.is_empty())
            .map(Secret::from),
    })
}

fn portal_error<E>(operation: &'static str, e: &SdkError<E>) -> SsoError
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    if e.as_service_error().and_then(|s| s.code()) == Some("UnauthorizedException") {
        SsoError::Unauthorized
    } else {
        service(operation, e)
    }
}

/// The SDK's error of a failed call.
type SdkError<E> =
    aws_sdk_sso::error::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>;

/// An SSO call's failure, rendered from the error's typed fields only: the SDK's own
/// renderings can hold the request, with its client secret, refresh or bearer token.
fn service<E>(operation: &'static str, e: &SdkError<E>) -> SsoError
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    let failure = Failure::from_sdk(e);
    SsoError::Service {
        operation,
        message: failure.to_string(),
        network: failure.is_network(),
    }
}

fn missing(operation: &'static str, field: &str) -> SsoError {
    SsoError::Service {
        operation,
        message: format!("the response has no `{field}`"),
        network: false,
    }
}

fn seconds(n: i32) -> Duration {
    Duration::from_secs(u64::try_from(n).unwrap_or(0))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod endpoint_tests {
    use super::*;

    #[test]
    fn each_service_setting_wins_over_the_global_one() {
        let e = SsoEndpoints::from_settings(Some("http://global"), Some("http://oidc"), None);
        assert_eq!(e.oidc.as_deref(), Some("http://oidc"));
        assert_eq!(e.portal.as_deref(), Some("http://global"));
        assert_eq!(
            SsoEndpoints::from_settings(None, None, None),
            SsoEndpoints::default()
        );
    }
}
