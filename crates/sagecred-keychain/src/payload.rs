//! The JSON kept in one keychain entry, and its decoding.
//!
//! One entry holds one profile's whole key (id, secret and metadata), so that a read is a
//! single keychain call and a write can never leave half a key behind. The object carries a
//! format version `v`, so that a later sagecred can change the layout and an older one can
//! refuse it clearly instead of misreading it.
//!
//! Decoded plaintext lives in [`Zeroizing`] buffers until it moves into a
//! [`Secret`], so that a failed decode leaves no copy of the secret in freed memory.

use std::time::{Duration, SystemTime};

use sagecred_core::{AccessKeyId, Credentials, Secret};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::StoredKey;

/// The only format version this crate writes and reads.
const VERSION: u32 = 1;

/// A long-term key entry as written.
#[derive(Serialize)]
struct KeyOut<'a> {
    v: u32,
    aws_access_key_id: &'a str,
    aws_secret_access_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<u64>,
}

/// A long-term key entry as read. The secret is zeroed when this is dropped.
#[derive(Deserialize)]
struct KeyIn {
    v: u32,
    aws_access_key_id: String,
    aws_secret_access_key: Zeroizing<String>,
    #[serde(default)]
    user_name: Option<String>,
    #[serde(default)]
    created: Option<u64>,
}

/// A cached session entry as written.
#[derive(Serialize)]
struct SessionOut<'a> {
    v: u32,
    aws_access_key_id: &'a str,
    aws_secret_access_key: &'a str,
    aws_session_token: &'a str,
    expiration: u64,
}

/// A cached session entry as read. The secrets are zeroed when this is dropped.
#[derive(Deserialize)]
struct SessionIn {
    v: u32,
    aws_access_key_id: String,
    aws_secret_access_key: Zeroizing<String>,
    aws_session_token: Zeroizing<String>,
    expiration: u64,
}

/// Why an entry could not be decoded. The text never quotes the payload, which holds the
/// secret.
pub(crate) type DecodeError = String;

/// Seconds since the Unix epoch; times before it (a wrong clock) are stored as 0.
fn to_unix(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn from_unix(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

/// The JSON for a long-term key entry.
pub(crate) fn encode_key(key: &StoredKey) -> Zeroizing<String> {
    let out = KeyOut {
        v: VERSION,
        aws_access_key_id: key.credentials.access_key_id().as_str(),
        aws_secret_access_key: key.credentials.secret_access_key().expose(),
        user_name: key.user_name.as_deref(),
        created: key.created.map(to_unix),
    };
    // Serialising a struct of strings and integers into a String cannot fail.
    Zeroizing::new(serde_json::to_string(&out).expect("a key entry always serialises"))
}

/// The JSON for a cached session entry. The caller has checked that `creds` carry a
/// session token and an expiration.
pub(crate) fn encode_session(
    creds: &Credentials,
    token: &Secret,
    expiration: SystemTime,
) -> Zeroizing<String> {
    let out = SessionOut {
        v: VERSION,
        aws_access_key_id: creds.access_key_id().as_str(),
        aws_secret_access_key: creds.secret_access_key().expose(),
        aws_session_token: token.expose(),
        expiration: to_unix(expiration),
    };
    Zeroizing::new(serde_json::to_string(&out).expect("a session entry always serialises"))
}

/// Describes a JSON error by its kind and position only: serde_json's own message can quote
/// part of the input (an unknown variant, an invalid type), and the input holds the secret.
fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "cannot be read",
        Category::Syntax => "is not valid JSON",
        Category::Data => "is JSON without the expected fields",
        Category::Eof => "is truncated",
    };
    format!(
        "the stored value {what} (line {}, column {})",
        e.line(),
        e.column()
    )
}

fn check_version(v: u32) -> Result<(), DecodeError> {
    if v == VERSION {
        Ok(())
    } else {
        Err(format!(
            "the entry has format version {v}, and this sagecred reads only version {VERSION} \
             (was it written by a newer sagecred?)"
        ))
    }
}

fn access_key_id(value: &str) -> Result<AccessKeyId, DecodeError> {
    // The refused value is left out on purpose: if the fields were mixed up, it could be
    // the secret.
    value
        .parse()
        .map_err(|_| "aws_access_key_id is not a valid access key id".to_owned())
}

fn secret(mut value: Zeroizing<String>, field: &str) -> Result<Secret, DecodeError> {
    if value.is_empty() {
        return Err(format!("{field} is empty"));
    }
    // `take` moves the heap buffer into the Secret without copying it, and leaves an empty
    // string behind for the Zeroizing wrapper to drop.
    Ok(Secret::new(std::mem::take(&mut *value)))
}

/// Decodes a long-term key entry.
pub(crate) fn decode_key(bytes: &[u8]) -> Result<StoredKey, DecodeError> {
    let parsed: KeyIn = serde_json::from_slice(bytes).map_err(|e| describe_json_error(&e))?;
    check_version(parsed.v)?;
    let id = access_key_id(&parsed.aws_access_key_id)?;
    let secret = secret(parsed.aws_secret_access_key, "aws_secret_access_key")?;
    Ok(StoredKey {
        credentials: Credentials::new(id, secret),
        user_name: parsed.user_name.filter(|u| !u.is_empty()),
        created: parsed.created.map(from_unix),
    })
}

/// Decodes a cached session entry.
pub(crate) fn decode_session(bytes: &[u8]) -> Result<Credentials, DecodeError> {
    let parsed: SessionIn = serde_json::from_slice(bytes).map_err(|e| describe_json_error(&e))?;
    check_version(parsed.v)?;
    let id = access_key_id(&parsed.aws_access_key_id)?;
    let secret = secret(parsed.aws_secret_access_key, "aws_secret_access_key")?;
    let token = self::secret(parsed.aws_session_token, "aws_session_token")?;
    Ok(Credentials::new(id, secret)
        .with_session_token(token)
        .with_expiration(from_unix(parsed.expiration)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "FwoGZXIvYXdzEXAMPLETOKEN";

    fn key() -> StoredKey {
        StoredKey {
            credentials: Credentials::new(ID.parse().unwrap(), SECRET.into()),
            user_name: Some("sagemaker-developer".to_owned()),
            created: Some(from_unix(1_700_000_000)),
        }
    }

    #[test]
    fn key_round_trips_in_the_documented_shape() {
        let json = encode_key(&key());
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "v": 1,
                "aws_access_key_id": ID,
                "aws_secret_access_key": SECRET,
                "user_name": "sagemaker-developer",
                "created": 1_700_000_000u64,
            })
        );
        let back = decode_key(json.as_bytes()).unwrap();
        assert_eq!(back.credentials, key().credentials);
        assert_eq!(back.user_name, key().user_name);
        assert_eq!(back.created, key().created);
    }

    #[test]
    fn optional_key_fields_may_be_absent() {
        let json =
            format!(r#"{{"v":1,"aws_access_key_id":"{ID}","aws_secret_access_key":"{SECRET}"}}"#);
        let back = decode_key(json.as_bytes()).unwrap();
        assert_eq!(back.user_name, None);
        assert_eq!(back.created, None);
        let minimal = StoredKey {
            user_name: None,
            created: None,
            ..key()
        };
        assert!(!encode_key(&minimal).contains("user_name"));
    }

    #[test]
    fn session_round_trips() {
        let at = from_unix(1_800_000_000);
        let creds = Credentials::new("ASIAIOSFODNN7EXAMPLE".parse().unwrap(), SECRET.into())
            .with_session_token(TOKEN.into())
            .with_expiration(at);
        let json = encode_session(&creds, creds.session_token().unwrap(), at);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["aws_session_token"], TOKEN);
        assert_eq!(value["expiration"], 1_800_000_000u64);
        assert_eq!(decode_session(json.as_bytes()).unwrap(), creds);
    }

    #[test]
    fn bad_payloads_are_described_without_their_content() {
        let cases: &[&[u8]] = &[
            b"",
            b"not json at all wJalrXUtnFEMI",
            b"\xff\xfe wJalrXUtnFEMI",
            br#"{"v":1,"aws_access_key_id":"AKIAIOSFODNN7EXAMPLE"}"#,
            br#"{"v":1,"aws_access_key_id":"wJalrXUtnFEMI/K7MDENG","aws_secret_access_key":"x"}"#,
            br#"{"v":1,"aws_access_key_id":"AKIAIOSFODNN7EXAMPLE","aws_secret_access_key":""}"#,
            br#"{"v":1,"aws_access_key_id":"AKIAIOSFODNN7EXAMPLE","aws_secret_access_key":7}"#,
            br#"{"v":"wJalrXUtnFEMI","aws_access_key_id":"AKIAIOSFODNN7EXAMPLE","aws_secret_access_key":"wJalrXUtnFEMI"}"#,
            br#"{"v":2,"aws_access_key_id":"AKIAIOSFODNN7EXAMPLE","aws_secret_access_key":"wJalrXUtnFEMI"}"#,
        ];
        for case in cases {
            let err = decode_key(case).map(|_| ()).unwrap_err();
            assert!(!err.contains("wJalr"), "{err}");
            let err = decode_session(case).map(|_| ()).unwrap_err();
            assert!(!err.contains("wJalr"), "{err}");
        }
        let newer = decode_key(cases[8]).map(|_| ()).unwrap_err();
        assert!(newer.contains("version 2"), "{newer}");
    }

    #[test]
    fn a_key_entry_is_not_a_session_entry() {
        let json = encode_key(&key());
        assert!(decode_session(json.as_bytes()).is_err());
    }
}
