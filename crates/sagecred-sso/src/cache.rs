//! The SSO token cache the AWS CLI v2 and boto3 share: one JSON file per session in
//! `~/.aws/sso/cache/`, named by the SHA-1 hex of the session name (or, for a legacy
//! profile, of the start URL).
//!
//! Files are written exactly as the AWS CLI writes them (Python's `json.dumps` with its
//! default separators, ASCII only, fields in the CLI's order, no trailing newline), with
//! mode 0600 and an atomic rename. Reading is lenient the way the SDKs are: keys match
//! case-insensitively and unknown keys are ignored.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use sagecred_core::Secret;
use sha1::{Digest, Sha1};

use crate::error::SsoError;
use crate::session::SsoSession;

/// One cached sign-in: the access token and what is needed to refresh it.
#[derive(Debug, Clone)]
pub struct CachedToken {
    /// The portal URL the token is for.
    pub start_url: Option<String>,
    /// The Identity Center region.
    pub region: Option<String>,
    /// The bearer token for the portal.
    pub access_token: Secret,
    /// When the access token stops working.
    pub expires_at: SystemTime,
    /// The OIDC client registration that issued the token.
    pub client_id: Option<String>,
    /// The registration's secret, needed for refreshes.
    pub client_secret: Option<Secret>,
    /// When the registration expires (after that, refreshes fail).
    pub registration_expires_at: Option<SystemTime>,
    /// The refresh token, present when the session registered `sso:account:access`.
    pub refresh_token: Option<Secret>,
}

impl CachedToken {
    /// Time left on the access token at `now` (zero once expired).
    pub fn remaining(&self, now: SystemTime) -> Duration {
        self.expires_at.duration_since(now).unwrap_or_default()
    }

    /// Whether a refresh can be tried at `now`: a refresh token, a client registration
    /// and a registration that has not expired.
    pub fn can_refresh(&self, now: SystemTime) -> bool {
        self.refresh_token.is_some()
            && self.client_id.is_some()
            && self.client_secret.is_some()
            && self.registration_expires_at.is_none_or(|t| t > now)
    }

    /// The file's bytes, byte for byte as the AWS CLI v2 writes them.
    pub fn to_json(&self) -> String {
        let mut fields: Vec<(&str, String)> = Vec::with_capacity(8);
        if let Some(v) = &self.start_url {
            fields.push(("startUrl", v.clone()));
        }
        if let Some(v) = &self.region {
            fields.push(("region", v.clone()));
        }
        fields.push(("accessToken", self.access_token.expose().to_owned()));
        fields.push(("expiresAt", format_timestamp(self.expires_at)));
        if let Some(v) = &self.client_id {
            fields.push(("clientId", v.clone()));
        }
        if let Some(v) = &self.client_secret {
            fields.push(("clientSecret", v.expose().to_owned()));
        }
        if let Some(v) = self.registration_expires_at {
            fields.push(("registrationExpiresAt", format_timestamp(v)));
        }
        if let Some(v) = &self.refresh_token {
            fields.push(("refreshToken", v.expose().to_owned()));
        }
        let mut out = String::from("{");
        for (i, (key, value)) in fields.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            python_json_string(&mut out, key);
            out.push_str(": ");
            python_json_string(&mut out, value);
        }
        out.push('}');
        // Zeroise the copies of the secrets made above.
        for (_, value) in fields {
            drop(Secret::new(value));
        }
        out
    }

    /// Parses a cache file's text. Errors name the field, never its value.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not valid JSON ({e})"))?;
        let object = value.as_object().ok_or("not a JSON object")?;
        let field = |name: &str| -> Option<&str> {
            object
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.as_str())
        };
        let time = |name: &str| -> Result<Option<SystemTime>, String> {
            field(name)
                .map(|v| parse_timestamp(v).ok_or_else(|| format!("`{name}` is not a timestamp")))
                .transpose()
        };
        let access_token = field("accessToken")
            .filter(|t| !t.is_empty())
            .ok_or("no `accessToken`")?;
        Ok(Self {
            start_url: field("startUrl").map(str::to_owned),
            region: field("region").map(str::to_owned),
            access_token: Secret::from(access_token),
            expires_at: time("expiresAt")?.ok_or("no `expiresAt`")?,
            client_id: field("clientId").map(str::to_owned),
            client_secret: field("clientSecret").map(Secret::from),
            registration_expires_at: time("registrationExpiresAt")?,
            refresh_token: field("refreshToken").map(Secret::from),
        })
    }
}

/// Appends `s` as a JSON string the way Python's `json.dumps` writes it by default:
/// non-ASCII as `\uXXXX` (surrogate pairs above the BMP), lowercase hex.
fn python_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A time as the AWS CLI writes it in the cache: `2026-11-28T18:00:00Z` (whole seconds, UTC).
pub fn format_timestamp(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    DateTime::from_secs(i64::try_from(secs).unwrap_or(i64::MAX))
        .fmt(Format::DateTime)
        .unwrap_or_default()
}

/// Parses the timestamps SDKs have written into the cache: RFC 3339 (`Z` or an offset,
/// with or without fractions) and the early AWS CLI v2 form ending in `UTC`.
pub fn parse_timestamp(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let normalised;
    let text = if let Some(stem) = text.strip_suffix("UTC") {
        normalised = format!("{stem}Z");
        normalised.as_str()
    } else {
        text
    };
    if let Ok(t) = DateTime::from_str(text, Format::DateTime) {
        return SystemTime::try_from(t).ok();
    }
    // `+00:00` style offsets, which Python's isoformat writes.
    let (stem, offset) = text.split_at(text.len().checked_sub(6)?);
    let sign = match offset.as_bytes().first()? {
        b'+' => 1i64,
        b'-' => -1,
        _ => return None,
    };
    let (hours, minutes) = offset[1..].split_once(':')?;
    let shift = sign * (hours.parse::<i64>().ok()? * 3600 + minutes.parse::<i64>().ok()? * 60);
    let utc = DateTime::from_str(&format!("{stem}Z"), Format::DateTime).ok()?;
    SystemTime::try_from(DateTime::from_secs(utc.secs() - shift)).ok()
}

/// The directory of cached tokens, normally `~/.aws/sso/cache`.
#[derive(Debug, Clone)]
pub struct TokenCache {
    dir: PathBuf,
}

impl TokenCache {
    /// A cache in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The AWS CLI's cache under a home directory: `<home>/.aws/sso/cache`.
    pub fn in_home(home: &Path) -> Self {
        Self::new(home.join(".aws").join("sso").join("cache"))
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cache file of a session: `<dir>/<sha1 hex of the cache key>.json`.
    pub fn path(&self, session: &SsoSession) -> PathBuf {
        let digest = Sha1::digest(session.cache_key().as_bytes());
        let mut name = String::with_capacity(45);
        for byte in digest {
            let _ = write!(name, "{byte:02x}");
        }
        name.push_str(".json");
        self.dir.join(name)
    }

    /// The cached token of a session, `None` when there is none.
    pub fn load(&self, session: &SsoSession) -> Result<Option<CachedToken>, SsoError> {
        let path = self.path(session);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(SsoError::Cache {
                    path,
                    detail: format!("cannot read it: {e}"),
                });
            }
        };
        // Zeroise the file's text once parsed: it holds the tokens.
        let text = Secret::new(text);
        CachedToken::from_json(text.expose())
            .map(Some)
            .map_err(|detail| SsoError::Cache { path, detail })
    }

    /// Writes a session's token: atomic replace, mode 0600. An existing file that other
    /// users can read is refused, as `sagecred_ini::write_private` refuses it.
    pub fn save(&self, session: &SsoSession, token: &CachedToken) -> Result<(), SsoError> {
        let path = self.path(session);
        let bytes = Secret::new(token.to_json());
        sagecred_ini::write_private(&path, bytes.expose().as_bytes()).map_err(|e| SsoError::Cache {
            path,
            detail: e.to_string(),
        })
    }

    /// Deletes a session's token; `false` when there was none.
    pub fn remove(&self, session: &SsoSession) -> Result<bool, SsoError> {
        let path = self.path(session);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(SsoError::Cache {
                path,
                detail: format!("cannot delete it: {e}"),
            }),
        }
    }

    /// The lock that serialises refreshes and sign-ins of one session across processes.
    pub fn lock(&self, session: &SsoSession) -> Result<sagecred_ini::FileLock, SsoError> {
        let path = self.path(session);
        sagecred_ini::lock_file(&path).map_err(|e| SsoError::Cache {
            path,
            detail: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(name: &str) -> SsoSession {
        SsoSession::from_section(name, |k| match k {
            "sso_start_url" => Some("https://d-1234567890.awsapps.com/start"),
            "sso_region" => Some("us-east-1"),
            _ => None,
        })
        .unwrap()
    }

    #[test]
    fn file_names_are_the_sha1_of_the_session_name() {
        // sha1("my-sso") computed independently: `printf %s my-sso | sha1sum`.
        let cache = TokenCache::new("/c");
        assert_eq!(
            cache.path(&session("my-sso")),
            Path::new("/c/0ad374308c5a4e22f723adf10145eafad7c4031c.json")
        );
    }

    #[test]
    fn files_are_written_as_pythons_json_dumps_writes_them() {
        let token = CachedToken {
            start_url: Some("https://d-1234567890.awsapps.com/start".into()),
            region: Some("us-east-1".into()),
            access_token: Secret::from("tok\"en\u{e9}"),
            expires_at: UNIX_EPOCH + Duration::from_secs(1_800_000_000),
            client_id: Some("cid".into()),
            client_secret: Some(Secret::from("csec")),
            registration_expires_at: Some(UNIX_EPOCH + Duration::from_secs(1_900_000_000)),
            refresh_token: Some(Secret::from("rt")),
        };
        assert_eq!(
            token.to_json(),
            r#"{"startUrl": "https://d-1234567890.awsapps.com/start", "region": "us-east-1", "accessToken": "tok\"en\u00e9", "expiresAt": "2027-01-15T08:00:00Z", "clientId": "cid", "clientSecret": "csec", "registrationExpiresAt": "2030-03-17T17:46:40Z", "refreshToken": "rt"}"#
        );
        let back = CachedToken::from_json(&token.to_json()).unwrap();
        assert_eq!(back.access_token.expose(), "tok\"en\u{e9}");
        assert_eq!(back.expires_at, token.expires_at);
        assert!(back.can_refresh(UNIX_EPOCH));
        assert!(!back.can_refresh(UNIX_EPOCH + Duration::from_secs(2_000_000_000)));
    }

    #[test]
    fn timestamps_in_every_form_sdks_wrote_them_parse() {
        let want = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        for text in [
            "2027-01-15T08:00:00Z",
            "2027-01-15T08:00:00.000Z",
            "2027-01-15T08:00:00UTC",
            "2027-01-15T09:00:00+01:00",
            "2027-01-15T03:30:00-04:30",
        ] {
            assert_eq!(parse_timestamp(text), Some(want), "{text}");
        }
        assert_eq!(parse_timestamp("tomorrow"), None);
    }

    #[test]
    fn parse_errors_name_the_field_and_never_the_token() {
        let err = CachedToken::from_json(r#"{"accessToken": "s3cr3t", "expiresAt": "soon"}"#)
            .unwrap_err();
        assert!(
            err.contains("expiresAt") && !err.contains("s3cr3t"),
            "{err}"
        );
        assert!(CachedToken::from_json("[]").is_err());
        assert!(CachedToken::from_json(r#"{"expiresAt": "2027-01-15T08:00:00Z"}"#).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn saved_files_are_private_and_an_open_one_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let cache = TokenCache::new(dir.path().join("sso/cache"));
        let s = session("team");
        std::fs::create_dir_all(cache.dir()).unwrap();
        std::fs::write(cache.path(&s), "{}").unwrap();
        std::fs::set_permissions(cache.path(&s), std::fs::Permissions::from_mode(0o644)).unwrap();
        let token =
            CachedToken::from_json(r#"{"accessToken": "a", "expiresAt": "2027-01-15T08:00:00Z"}"#)
                .unwrap();
        // Tokens are never written into a file others can read (sagecred_ini::write_private).
        let err = cache.save(&s, &token).unwrap_err();
        assert!(err.to_string().contains("mode 0644"), "{err}");
        assert_eq!(std::fs::read_to_string(cache.path(&s)).unwrap(), "{}");
        std::fs::set_permissions(cache.path(&s), std::fs::Permissions::from_mode(0o600)).unwrap();
        cache.save(&s, &token).unwrap();
        let mode = std::fs::metadata(cache.path(&s))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(cache.load(&s).unwrap().unwrap().access_token.expose(), "a");
        assert!(cache.remove(&s).unwrap());
        assert!(!cache.remove(&s).unwrap());
        assert!(cache.load(&s).unwrap().is_none());
    }
}
