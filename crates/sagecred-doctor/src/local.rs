//! The checks that need no network: the region, the files' permissions, plaintext keys and
//! a missing profile. They are handed paths and values; only the file-permissions check
//! reads anything (the files' metadata).

use std::path::{Path, PathBuf};

use sagecred_core::{DEFAULT_REGION, ProfileName, Region};

use crate::check::{Check, CheckId, Fix, Status};

/// The region must come from somewhere explicit: boto3 and the SageMaker SDK refuse to
/// start without one, even though sagecred itself would fall back to the guide's default.
///
/// `env_region` is `AWS_REGION`/`AWS_DEFAULT_REGION`, `profile_region` the profile's
/// `region`, `config` the config file (for the reason).
pub fn region_check(
    profile: &ProfileName,
    env_region: Option<&str>,
    profile_region: Option<&str>,
    config: &Path,
) -> Check {
    let fix = || Fix::SetRegion {
        region: DEFAULT_REGION.to_owned(),
        profile: profile.clone(),
    };
    let (value, origin) = match (env_region, profile_region) {
        (Some(r), _) => (r, "AWS_REGION/AWS_DEFAULT_REGION"),
        (None, Some(r)) => (r, "the profile's `region`"),
        (None, None) => {
            return Check::fail(
                CheckId::Region,
                format!(
                    "no region: neither AWS_REGION nor `region` in profile `{profile}` of {}",
                    config.display()
                ),
                fix(),
            );
        }
    };
    match value.parse::<Region>() {
        Ok(_) => Check::pass(CheckId::Region, format!("{value} (from {origin})")),
        Err(e) => Check::fail(CheckId::Region, format!("{e} (from {origin})"), fix()),
    }
}

/// The failure reported in place of the AWS checks when the profile is in neither file.
pub fn missing_profile(profile: &ProfileName, config: &Path, credentials: &Path) -> Check {
    Check::fail(
        CheckId::Credentials,
        format!(
            "profile `{profile}` is not in {} or {}; the aws checks were skipped",
            config.display(),
            credentials.display()
        ),
        Fix::Configure {
            profile: profile.clone(),
            store: crate::check::StoreFlag::Keychain,
        },
    )
}

/// Plaintext keys in the credentials file, for any profile: the guide's layout, and what
/// `sagecred migrate` moves into the keychain. `plaintext` names the profiles that have
/// them.
pub fn plaintext_check(plaintext: &[String], credentials: &Path) -> Check {
    let file = credentials.display();
    match plaintext {
        [] => Check::pass(
            CheckId::PlaintextKeys,
            format!("no plaintext keys in {file}"),
        ),
        [one] => match one.parse::<ProfileName>() {
            Ok(p) => Check::warn(
                CheckId::PlaintextKeys,
                format!("profile `{one}` keeps its secret key in plaintext in {file}"),
                Fix::Migrate { profile: Some(p) },
            ),
            Err(_) => Check::warn(
                CheckId::PlaintextKeys,
                format!("a profile keeps its secret key in plaintext in {file}"),
                Fix::Migrate { profile: None },
            ),
        },
        many => Check::warn(
            CheckId::PlaintextKeys,
            format!(
                "profiles {} keep their secret keys in plaintext in {file}",
                many.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Fix::Migrate { profile: None },
        ),
    }
}

/// A file the permissions check looks at, and how bad it is when others can read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateFile {
    /// The file.
    pub path: PathBuf,
    /// `Fail` for files that hold secrets (credentials, SSO tokens), `Warn` for the config.
    pub severity: Status,
}

/// The files that must be private: the credentials file (secrets), the config file (no
/// secret, so only a warning) and every token in `sso_cache` (SSO tokens mint role
/// credentials). Files that do not exist are left out.
pub fn private_files(
    config: &Path,
    credentials: &Path,
    sso_cache: Option<&Path>,
) -> Vec<PrivateFile> {
    let mut files = vec![
        PrivateFile {
            path: credentials.to_path_buf(),
            severity: Status::Fail,
        },
        PrivateFile {
            path: config.to_path_buf(),
            severity: Status::Warn,
        },
    ];
    if let Some(Ok(entries)) = sso_cache.map(std::fs::read_dir) {
        let mut tokens: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        tokens.sort();
        files.extend(tokens.into_iter().map(|path| PrivateFile {
            path,
            severity: Status::Fail,
        }));
    }
    files
}

/// The `file-permissions` check: on Unix, no file of `files` may have group or other
/// permission bits (sagecred creates them 0600).
#[cfg(unix)]
pub fn file_permissions(files: &[PrivateFile]) -> Check {
    use std::os::unix::fs::PermissionsExt;
    let mut problems = Vec::new();
    let mut worst = Status::Pass;
    for file in files {
        let Ok(meta) = std::fs::metadata(&file.path) else {
            continue;
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            problems.push((file.path.display().to_string(), mode));
            if file.severity == Status::Fail || worst == Status::Pass {
                worst = file.severity;
            }
        }
    }
    if problems.is_empty() {
        return Check::pass(
            CheckId::FilePermissions,
            "the aws files that exist are readable by their owner only",
        );
    }
    let reason = problems
        .iter()
        .map(|(p, m)| format!("{p} has mode {m:o}, readable by others"))
        .collect::<Vec<_>>()
        .join("; ");
    let fix = Fix::Chmod {
        paths: problems.into_iter().map(|(p, _)| p).collect(),
    };
    match worst {
        Status::Fail => Check::fail(CheckId::FilePermissions, reason, fix),
        _ => Check::warn(CheckId::FilePermissions, reason, fix),
    }
}

/// The `file-permissions` check on Windows: there are no mode bits. The files live under
/// the user's profile directory, whose ACL gives access to the user, SYSTEM and
/// Administrators only, and sagecred does not change ACLs; what is checked is that each
/// file that exists is a regular file, and the reason says what was not checked.
#[cfg(not(unix))]
pub fn file_permissions(files: &[PrivateFile]) -> Check {
    let odd: Vec<String> = files
        .iter()
        .filter(|f| std::fs::metadata(&f.path).is_ok_and(|m| !m.is_file()))
        .map(|f| f.path.display().to_string())
        .collect();
    if odd.is_empty() {
        Check::pass(
            CheckId::FilePermissions,
            "windows protects these files with the profile directory's ACL (the user, SYSTEM and Administrators); their ACLs were not inspected",
        )
    } else {
        Check::fail(
            CheckId::FilePermissions,
            format!("not regular files: {}", odd.join("; ")),
            Fix::Command(format!("remove or replace {}", odd.join(" "))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> ProfileName {
        "dev".parse().unwrap()
    }

    #[test]
    fn region_comes_from_the_environment_then_the_profile() {
        let cfg = Path::new("/h/.aws/config");
        let c = region_check(&profile(), Some("eu-west-1"), Some("us-east-2"), cfg);
        assert_eq!(c.status, Status::Pass);
        assert_eq!(c.reason, "eu-west-1 (from AWS_REGION/AWS_DEFAULT_REGION)");
        let c = region_check(&profile(), None, None, cfg);
        assert_eq!(c.status, Status::Fail);
        assert_eq!(
            c.fix.unwrap().to_string(),
            "aws configure set region us-east-1 --profile dev"
        );
        let c = region_check(&profile(), None, Some("Not A Region"), cfg);
        assert_eq!(c.status, Status::Fail);
    }

    #[test]
    fn plaintext_keys_name_the_profiles_and_the_migrate_command() {
        let creds = Path::new("/h/.aws/credentials");
        assert_eq!(plaintext_check(&[], creds).status, Status::Pass);
        let one = plaintext_check(&["dev".into()], creds);
        assert_eq!(
            one.fix.unwrap().to_string(),
            "sagecred migrate --profile dev"
        );
        let many = plaintext_check(&["a".into(), "b".into()], creds);
        assert!(many.reason.contains("`a`, `b`"), "{}", many.reason);
        assert_eq!(many.fix.unwrap().to_string(), "sagecred migrate --all");
    }

    #[cfg(unix)]
    #[test]
    fn readable_secret_files_fail_and_a_readable_config_warns() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        let creds = dir.path().join("credentials");
        let cache = dir.path().join("cache");
        std::fs::create_dir(&cache).unwrap();
        let token = cache.join("abc.json");
        for f in [&config, &creds, &token] {
            std::fs::write(f, "").unwrap();
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let files = private_files(&config, &creds, Some(&cache));
        assert_eq!(files.len(), 3);
        assert_eq!(file_permissions(&files).status, Status::Pass);

        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
        let c = file_permissions(&files);
        assert_eq!(c.status, Status::Warn);
        assert!(c.reason.contains("mode 644"), "{}", c.reason);

        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o640)).unwrap();
        let c = file_permissions(&files);
        assert_eq!(c.status, Status::Fail);
        let fix = c.fix.unwrap().to_string();
        assert!(fix.starts_with("chmod 600 "), "{fix}");
        assert!(fix.contains("abc.json"), "{fix}");
    }
}
