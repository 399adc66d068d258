//! With moto's auth enforcement on: the created key authenticates, reads the role through
//! IAMReadOnlyAccess, and is denied CreateRole.
//!
//! Enforcement is global to the server, so this test holds [`AUTH_LOCK`] for writing, and a
//! drop guard turns enforcement off again even when an assertion fails.

use std::io::{Read, Write};
use std::net::TcpStream;

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use sagecred_provision::{
    DesiredState, ProvisionOptions, VerifyRetry, apply, caller_identity, discover, teardown_apply,
    teardown_plan, verify_key,
};

use crate::{AUTH_LOCK, TEST_KEY_ID, TEST_SECRET, endpoint, options, quiet, sdk_config, unique};

/// POSTs `body` to moto's `/moto-api/reset-auth`: `0` turns enforcement on, `inf` off.
fn reset_auth(body: &str) -> std::io::Result<String> {
    let url = endpoint();
    let host = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = TcpStream::connect(&host)?;
    write!(
        stream,
        "POST /moto-api/reset-auth HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}

/// Turns enforcement off when dropped, so a failing assertion cannot leave the shared
/// server locked for every other test.
struct EnforcementOff;

impl Drop for EnforcementOff {
    fn drop(&mut self) {
        let _ = reset_auth("inf");
    }
}

/// Rewrites `%20` to `+` in form bodies before signing.
///
/// moto checks a signature by re-encoding the parsed form with botocore, which writes a
/// space as `+`; the Rust SDK writes `%20`, so every request with a space in a value (a
/// description, a pretty-printed policy) fails with SignatureDoesNotMatch under enforcement.
/// AWS signs the bytes as sent and accepts both, so this shim only bridges moto's quirk. In
/// a form body a literal `+` is always `%2B`, so a bare `+` can only mean a space.
#[derive(Debug)]
struct PlusForSpace;

impl Intercept for PlusForSpace {
    fn name(&self) -> &'static str {
        "moto-plus-for-space"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        if let Some(bytes) = request.body().bytes() {
            let body = String::from_utf8_lossy(bytes).replace("%20", "+");
            let len = body.len().to_string();
            *request.body_mut() = SdkBody::from(body);
            request.headers_mut().insert("Content-Length", len);
        }
        Ok(())
    }
}

fn iam(sdk: &aws_config::SdkConfig) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::config::Builder::from(sdk)
            .interceptor(PlusForSpace)
            .build(),
    )
}

#[tokio::test]
async fn with_auth_enforced_the_new_key_reads_the_role_but_cannot_create_one() {
    let _exclusive = AUTH_LOCK.write().await;
    let root = iam(&sdk_config(TEST_KEY_ID, TEST_SECRET).await);

    // Bootstrap an administrator while auth is off.
    let admin = format!("sagecred-admin-{}", unique());
    root.create_user().user_name(&admin).send().await.unwrap();
    root.attach_user_policy()
        .user_name(&admin)
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .unwrap();
    let key = root
        .create_access_key()
        .user_name(&admin)
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    let admin_sdk = sdk_config(key.access_key_id(), key.secret_access_key()).await;
    let admin_key_id = key.access_key_id().to_owned();

    let guard = EnforcementOff;
    let on = reset_auth("0").unwrap();
    assert!(on.starts_with("HTTP/1.1 200"), "{on}");

    let admin_iam = iam(&admin_sdk);
    let identity = caller_identity(&aws_sdk_sts::Client::new(&admin_sdk))
        .await
        .unwrap();
    assert!(
        identity.arn.ends_with(&format!(":user/{admin}")),
        "{}",
        identity.arn
    );
    let opts: ProvisionOptions = options();
    let desired = DesiredState::new(&opts, &identity.account, identity.partition).unwrap();
    let plan = discover(&admin_iam, &desired).await.unwrap();
    let outcome = apply(&admin_iam, &plan, &quiet).await.unwrap();
    let creds = outcome.access_key.expect("a new key");

    // The new key authenticates.
    let arn = verify_key(&admin_sdk, &creds, VerifyRetry::default(), &quiet)
        .await
        .unwrap();
    assert!(
        arn.ends_with(&format!(":user/{}", opts.user_name.as_deref().unwrap())),
        "{arn}"
    );

    // IAMReadOnlyAccess allows GetRole and nothing that writes.
    let user_sdk = sdk_config(
        creds.access_key_id().as_str(),
        creds.secret_access_key().expose(),
    )
    .await;
    let user_iam = iam(&user_sdk);
    let role = user_iam
        .get_role()
        .role_name(&opts.role_name)
        .send()
        .await
        .unwrap();
    assert_eq!(
        role.role().unwrap().arn(),
        outcome.role_arn.as_ref().unwrap().to_string()
    );
    let denied = user_iam
        .create_role()
        .role_name(format!("sagecred-denied-{}", unique()))
        .assume_role_policy_document("{\"Version\":\"2012-10-17\",\"Statement\":[]}")
        .send()
        .await
        .unwrap_err();
    // moto's 403 bodies are not parsed by the SDK: check the status and the raw body.
    let raw = denied.raw_response().expect("a response");
    assert_eq!(raw.status().as_u16(), 403);
    let body = String::from_utf8_lossy(raw.body().bytes().unwrap_or_default()).into_owned();
    assert!(body.contains("AccessDenied"), "{body}");

    // The documentation's example key is unknown to IAM now.
    let unknown = root.get_user().send().await.unwrap_err();
    let raw = unknown.raw_response().expect("a response");
    assert_eq!(raw.status().as_u16(), 403, "{:?}", unknown.code());

    // Clean up as the administrator, then with auth off.
    teardown_apply(
        &admin_iam,
        &teardown_plan(&admin_iam, &desired).await.unwrap(),
        &quiet,
    )
    .await
    .unwrap();
    drop(guard);
    root.delete_access_key()
        .user_name(&admin)
        .access_key_id(&admin_key_id)
        .send()
        .await
        .unwrap();
    root.detach_user_policy()
        .user_name(&admin)
        .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
        .send()
        .await
        .unwrap();
    root.delete_user().user_name(&admin).send().await.unwrap();
}
