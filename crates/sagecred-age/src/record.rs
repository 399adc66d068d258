//! The plaintext inside a record: a small JSON object, readable by anyone who decrypts the
//! file with the standard `age` tool.
//!
//! ```json
//! {
//!   "v": 1,
//!   "kind": "key",
//!   "profile": "dev",
//!   "aws_access_key_id": "AKIA...",
//!   "aws_secret_access_key": "...",
//!   "user_name": "sagemaker-developer",
//!   "created": 1700000000
//! }
//! ```
//!
//! The fields are the keychain entry's (key id, secret, IAM user, creation time in Unix
//! seconds), plus `kind` and `profile`, so that a record copied or renamed into another
//! profile's place, or a session record put where a key belongs, is refused instead of
//! served. Decoded secrets live in [`Zeroizing`] buffers until they move into a [`Secret`].

use std::time::{Duration, SystemTime};

use sagecred_core::{AccessKeyId, Credentials, Secret};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::StoredKey;

/// The only format version this crate writes and reads.
const VERSION: u32 = 1;
const KIND_KEY: &str = "key";
const KIND_SESSION: &str = "session";

#[derive(Serialize)]
struct KeyOut<'a> {
    v: u32,
    kind: &'a str,
    profile: &'a str,
    aws_access_key_id: &'a str,
    aws_secret_access_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<u64>,
}

#[derive(Serialize)]
struct SessionOut<'a> {
    v: u32,
    kind: &'a str,
    profile: &'a str,
    aws_access_key_id: &'a str,
    aws_secret_access_key: &'a str,
    aws_session_token: &'a str,
    expiration: u64,
}

/// Every field either record may have, as read. The secrets are zeroed when dropped.
#[derive(Deserialize)]
struct RecordIn {
    v: u32,
    kind: String,
    profile: String,
    aws_access_key_id: String,
    aws_secret_access_key: Zeroizing<String>,
    #[serde(default)]
    aws_session_token: Option<Zeroizing<String>>,
    #[serde(default)]
    expiration: Option<u64>,
    #[serde(default)]
    user_name: Option<String>,
    #[serde(default)]
    created: Option<u64>,
}

/// Why a record could not be decoded; never quotes the plaintext.
pub(crate) type DecodeError = String;

fn to_unix(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn from_unix(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

fn to_json(value: &impl Serialize) -> Zeroizing<Vec<u8>> {
    // Structs of strings and integers always serialise.
    let mut bytes = Zeroizing::new(serde_json::to_vec_pretty(value).expect("a record serialises"));
    bytes.push(b'\n');
    bytes
}

/// The plaintext of a long-term key record.
pub(crate) fn encode_key(profile: &str, key: &StoredKey) -> Zeroizing<Vec<u8>> {
    to_json(&KeyOut {
        v: VERSION,
        kind: KIND_KEY,
        profile,
        aws_access_key_id: key.credentials.access_key_id().as_str(),
        aws_secret_access_key: key.credentials.secret_access_key().expose(),
        user_name: key.user_name.as_deref(),
        created: key.created.map(to_unix),
    })
}

/// The plaintext of a session record; `None` unless `creds` carry a token and an expiry.
pub(crate) fn encode_session(profile: &str, creds: &Credentials) -> Option<Zeroizing<Vec<u8>>> {
    let (token, expiration) = (creds.session_token()?, creds.expiration()?);
    Some(to_json(&SessionOut {
        v: VERSION,
        kind: KIND_SESSION,
        profile,
        aws_access_key_id: creds.access_key_id().as_str(),
        aws_secret_access_key: creds.secret_access_key().expose(),
        aws_session_token: token.expose(),
        expiration: to_unix(expiration),
    }))
}

/// Describes a JSON error by kind and position only: serde_json's message can quote the
/// input, which holds the secret.
fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "cannot be read",
        Category::Syntax => "is not valid JSON",
        Category::Data => "is JSON without the expected fields",
        Category::Eof => "is truncated",
    };
    format!(
        "the decrypted record {what} (line {}, column {})",
        e.line(),
        e.column()
    )
}

fn parse(bytes: &[u8], profile: &str, kind: &str) -> Result<RecordIn, DecodeError> {
    let record: RecordIn = serde_json::from_slice(bytes).map_err(|e| describe_json_error(&e))?;
    if record.v != VERSION {
        return Err(format!(
            "the record has format version {}, and this sagecred reads only version {VERSION} \
             (was it written by a newer sagecred?)",
            record.v
        ));
    }
    if record.kind != kind {
        // The value is not echoed: in a damaged or crafted record it could be anything.
        let found = if record.kind == KIND_KEY || record.kind == KIND_SESSION {
            record.kind.as_str()
        } else {
            "unknown"
        };
        return Err(format!(
            "the file holds a {found} record, not a {kind} record"
        ));
    }
    if record.profile != profile {
        return Err(
            "the record was written for another profile (was the file copied or renamed?)"
                .to_owned(),
        );
    }
    Ok(record)
}

fn access_key_id(value: &str) -> Result<AccessKeyId, DecodeError> {
    value
        .parse()
        .map_err(|_| "aws_access_key_id is not a valid access key id".to_owned())
}

fn secret(mut value: Zeroizing<String>, field: &str) -> Result<Secret, DecodeError> {
    if value.is_empty() {
        return Err(format!("{field} is empty"));
    }
    Ok(Secret::new(std::mem::take(&mut *value)))
}

/// Decodes a long-term key record written for `profile`.
pub(crate) fn decode_key(bytes: &[u8], profile: &str) -> Result<StoredKey, DecodeError> {
    let record = parse(bytes, profile, KIND_KEY)?;
    let id = access_key_id(&record.aws_access_key_id)?;
    let secret = secret(record.aws_secret_access_key, "aws_secret_access_key")?;
    Ok(StoredKey {
        credentials: Credentials::new(id, secret),
        user_name: record.user_name.filter(|u| !u.is_empty()),
        created: record.created.map(from_unix),
    })
}

/// Decodes a session record written for `profile`.
pub(crate) fn decode_session(bytes: &[u8], profile: &str) -> Result<Credentials, DecodeError> {
    let record = parse(bytes, profile, KIND_SESSION)?;
    let id = access_key_id(&record.aws_access_key_id)?;
    let secret = secret(record.aws_secret_access_key, "aws_secret_access_key")?;
    let token = record
        .aws_session_token
        .ok_or_else(|| "aws_session_token is missing".to_owned())
        .and_then(|t| self::secret(t, "aws_session_token"))?;
    let expiration = record
        .expiration
        .ok_or_else(|| "expiration is missing".to_owned())?;
    Ok(Credentials::new(id, secret)
        .with_session_token(token)
        .with_expiration(from_unix(expiration)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    fn key() -> StoredKey {
        StoredKey {
            credentials: Credentials::new(ID.parse().unwrap(), SECRET.into()),
            user_name: Some("sagemaker-developer".to_owned()),
            created: Some(from_unix(1_700_000_000)),
        }
    }

    #[test]
    fn key_round_trips_in_the_documented_shape() {
        let bytes = encode_key("dev", &key());
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "v": 1, "kind": "key", "profile": "dev",
                "aws_access_key_id": ID, "aws_secret_access_key": SECRET,
                "user_name": "sagemaker-developer", "created": 1_700_000_000u64,
            })
        );
        assert_eq!(decode_key(&bytes, "dev").unwrap(), key());
    }

    #[test]
    fn session_round_trips_and_is_not_a_key() {
        let creds = Credentials::new("ASIAIOSFODNN7EXAMPLE".parse().unwrap(), SECRET.into())
            .with_session_token("FwoGZXIvYXdzEXAMPLETOKEN".into())
            .with_expiration(from_unix(1_800_000_000));
        let bytes = encode_session("dev", &creds).unwrap();
        assert_eq!(decode_session(&bytes, "dev").unwrap(), creds);
        let err = decode_key(&bytes, "dev").unwrap_err();
        assert!(err.contains("session record"), "{err}");
        assert!(encode_session("dev", &key().credentials).is_none());
    }

    #[test]
    fn a_record_of_another_profile_is_refused() {
        let bytes = encode_key("prod", &key());
        let err = decode_key(&bytes, "dev").unwrap_err();
        assert!(err.contains("another profile"), "{err}");
    }

    #[test]
    fn bad_plaintext_is_described_without_its_content() {
        let cases: &[&[u8]] = &[
            b"",
            b"wJalrXUtnFEMI not json",
            br#"{"v":1,"kind":"key","profile":"dev","aws_access_key_id":"wJalrXUtnFEMI/K7MDENG","aws_secret_access_key":"x"}"#,
            br#"{"v":1,"kind":"wJalrXUtnFEMI/K7MDENG","profile":"dev","aws_access_key_id":"AKIAIOSFODNN7EXAMPLE","aws_secret_access_key":"x"}"#,
            br#"{"v":1,"kind":"key","profile":"wJalrXUtnFEMI/K7MDENG?","aws_access_key_id":"AKIAIOSFODNN7EXAMPLE","aws_secret_access_key":"x"}"#,
            br#"{"v":1,"kind":"key","profile":"dev","aws_access_key_id":"AKIAIOSFODNN7EXAMPLE","aws_secret_access_key":""}"#,
            br#"{"v":2,"kind":"key","profile":"dev","aws_access_key_id":"AKIAIOSFODNN7EXAMPLE","aws_secret_access_key":"wJalrXUtnFEMI"}"#,
        ];
        for case in cases {
            let err = decode_key(case, "dev").map(|_| ()).unwrap_err();
            assert!(!err.contains("wJalr"), "{err}");
        }
    }
}
