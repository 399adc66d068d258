//! The SageMaker Python SDK's defaults file ("intelligent defaults"): where it is, what
//! sagecred writes there, and whether it agrees with a profile.
//!
//! The SDK reads `config.yaml` from the directory `platformdirs` gives for `sagemaker`
//! (`~/.config/sagemaker/config.yaml` on Linux), or from `SAGEMAKER_USER_CONFIG_OVERRIDE`
//! (a file, or a directory holding `config.yaml`). It validates the file against its schema,
//! which requires `SchemaVersion: '1.0'`. sagecred writes two keys:
//! `SageMaker.TrainingJob.RoleArn` (the role an `Estimator` or `ModelTrainer` uses when
//! none is passed) and `SageMaker.PythonSDK.Modules.Session.DefaultS3Bucket` (the bucket a
//! `Session` writes output to). Everything else in the file is kept byte for byte.

use std::io;
use std::path::{Path, PathBuf};

use crate::sdk_yaml::{YamlDoc, YamlError};

/// The file name the SDK looks for.
pub const SDK_CONFIG_FILE_NAME: &str = "config.yaml";
/// The only schema version the SDK accepts.
pub const SDK_SCHEMA_VERSION: &str = "1.0";

/// A key sagecred keeps in the SDK's defaults file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SdkKey {
    /// `SageMaker.TrainingJob.RoleArn`: the execution role of training jobs.
    TrainingJobRoleArn,
    /// `SageMaker.PythonSDK.Modules.Session.DefaultS3Bucket`: the session's default bucket.
    DefaultS3Bucket,
}

impl SdkKey {
    /// The key's path in the file.
    pub fn path(self) -> &'static [&'static str] {
        match self {
            Self::TrainingJobRoleArn => &["SageMaker", "TrainingJob", "RoleArn"],
            Self::DefaultS3Bucket => &[
                "SageMaker",
                "PythonSDK",
                "Modules",
                "Session",
                "DefaultS3Bucket",
            ],
        }
    }

    /// The dotted name, as the SDK's documentation writes it.
    pub fn dotted(self) -> String {
        self.path().join(".")
    }
}

/// The platform whose user configuration directory is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdkPlatform {
    /// Linux and other Unix systems: XDG.
    Unix,
    /// macOS: `~/Library/Application Support`.
    MacOs,
    /// Windows: `%LOCALAPPDATA%\sagemaker\sagemaker`.
    Windows,
}

impl SdkPlatform {
    /// The platform this program was built for.
    pub fn current() -> Self {
        if cfg!(windows) {
            Self::Windows
        } else if cfg!(target_os = "macos") {
            Self::MacOs
        } else {
            Self::Unix
        }
    }
}

/// What decides where the SDK reads its defaults file; the caller reads the environment.
#[derive(Debug, Clone, Default)]
pub struct SdkConfigEnv {
    /// `SAGEMAKER_USER_CONFIG_OVERRIDE`.
    pub user_config_override: Option<PathBuf>,
    /// `XDG_CONFIG_HOME` (Unix).
    pub xdg_config_home: Option<PathBuf>,
    /// `LOCALAPPDATA` (Windows).
    pub local_app_data: Option<PathBuf>,
    /// The home directory.
    pub home: Option<PathBuf>,
}

/// The defaults file the SDK reads for this environment, as `platformdirs`'
/// `user_config_dir("sagemaker")` and the SDK's override variable decide it; `None` when
/// there is no home directory to start from.
///
/// An override naming a directory means `config.yaml` inside it, as the SDK reads it.
pub fn sdk_config_path(env: &SdkConfigEnv, platform: SdkPlatform) -> Option<PathBuf> {
    if let Some(path) = &env.user_config_override {
        return Some(if path.is_dir() {
            path.join(SDK_CONFIG_FILE_NAME)
        } else {
            path.clone()
        });
    }
    let dir = match platform {
        SdkPlatform::Unix => match &env.xdg_config_home {
            // platformdirs ignores a blank XDG_CONFIG_HOME.
            Some(x) if !x.as_os_str().is_empty() => x.join("sagemaker"),
            _ => env.home.as_ref()?.join(".config").join("sagemaker"),
        },
        SdkPlatform::MacOs => env
            .home
            .as_ref()?
            .join("Library/Application Support/sagemaker"),
        SdkPlatform::Windows => env
            .local_app_data
            .clone()
            .or_else(|| env.home.as_ref().map(|h| h.join("AppData").join("Local")))?
            .join("sagemaker")
            .join("sagemaker"),
    };
    Some(dir.join(SDK_CONFIG_FILE_NAME))
}

/// Why the defaults file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SdkConfigError {
    /// The file has a shape this editor does not change safely; it was left as it is.
    #[error(
        "{}: cannot edit the sagemaker sdk defaults file safely: {problem}",
        path.display()
    )]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// The line and the reason.
        problem: YamlError,
    },
    /// `SchemaVersion` is there but is not the string `'1.0'`, so the SDK refuses the file.
    #[error(
        "{}: SchemaVersion is not the string '1.0', which is the only version the sagemaker sdk reads",
        path.display()
    )]
    SchemaVersion {
        /// The file.
        path: PathBuf,
    },
    /// Something that is not a regular file sits where the file should be.
    #[error("{}: not a regular file; sagecred replaces regular files only", path.display())]
    NotRegular {
        /// The path.
        path: PathBuf,
    },
    /// The file is not UTF-8 text.
    #[error("{}: not UTF-8 text", path.display())]
    NotText {
        /// The file.
        path: PathBuf,
    },
    /// Reading failed.
    #[error("reading {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// Locking or writing failed.
    #[error(transparent)]
    Write(#[from] sagecred_ini::IniError),
}

/// What the file holds for sagecred's two keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SdkConfigValues {
    /// `SageMaker.TrainingJob.RoleArn`.
    pub role_arn: Option<String>,
    /// `SageMaker.PythonSDK.Modules.Session.DefaultS3Bucket`.
    pub bucket: Option<String>,
}

impl SdkConfigValues {
    /// The value of `key`.
    pub fn get(&self, key: SdkKey) -> Option<&str> {
        match key {
            SdkKey::TrainingJobRoleArn => self.role_arn.as_deref(),
            SdkKey::DefaultS3Bucket => self.bucket.as_deref(),
        }
    }
}

/// Reads the text at `path`: `None` when there is no file, an error when something other
/// than a regular file is there.
fn read_text(path: &Path) -> Result<Option<String>, SdkConfigError> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            return Err(SdkConfigError::NotRegular {
                path: path.to_owned(),
            });
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SdkConfigError::Read {
                path: path.to_owned(),
                source,
            });
        }
    }
    let bytes = std::fs::read(path).map_err(|source| SdkConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| SdkConfigError::NotText {
            path: path.to_owned(),
        })
}

fn unsupported(path: &Path) -> impl Fn(YamlError) -> SdkConfigError + '_ {
    move |problem| SdkConfigError::Unsupported {
        path: path.to_owned(),
        problem,
    }
}

/// The values sagecred keeps, as the file at `path` holds them; `None` when there is no
/// file.
pub fn read_sdk_config(path: &Path) -> Result<Option<SdkConfigValues>, SdkConfigError> {
    let Some(text) = read_text(path)? else {
        return Ok(None);
    };
    let doc = YamlDoc::parse(&text).map_err(unsupported(path))?;
    Ok(Some(SdkConfigValues {
        role_arn: doc
            .get(SdkKey::TrainingJobRoleArn.path())
            .map_err(unsupported(path))?,
        bucket: doc
            .get(SdkKey::DefaultS3Bucket.path())
            .map_err(unsupported(path))?,
    }))
}

/// Applies `changes` to the text of a defaults file (empty for a new one): `SchemaVersion:
/// '1.0'` is added when missing, each key is set, and every other byte is kept. `path` only
/// names the file in errors.
pub fn edit_sdk_config_text(
    path: &Path,
    text: &str,
    changes: &[(SdkKey, &str)],
) -> Result<String, SdkConfigError> {
    let mut doc = YamlDoc::parse(text).map_err(unsupported(path))?;
    match doc.get(&["SchemaVersion"]).map_err(unsupported(path))? {
        None => {
            doc.set(&["SchemaVersion"], SDK_SCHEMA_VERSION)
                .map_err(unsupported(path))?;
        }
        // `SchemaVersion: 1.0` unquoted is a number to YAML, which the SDK's schema refuses.
        Some(v)
            if v == SDK_SCHEMA_VERSION
                && doc
                    .is_quoted(&["SchemaVersion"])
                    .map_err(unsupported(path))?
                    == Some(true) => {}
        Some(_) => {
            return Err(SdkConfigError::SchemaVersion {
                path: path.to_owned(),
            });
        }
    }
    for (key, value) in changes {
        doc.set(key.path(), value).map_err(unsupported(path))?;
    }
    Ok(doc.render())
}

/// Sets `changes` in the file at `path` under the lock sagecred uses for every file it
/// edits, and writes it atomically (`sagecred_ini::write_atomic`) when the bytes changed.
/// A missing file is created with mode 0600 (its directory 0700); an existing one keeps
/// its mode, since it holds no secret. Returns whether the file changed.
pub fn write_sdk_config(path: &Path, changes: &[(SdkKey, &str)]) -> Result<bool, SdkConfigError> {
    let _lock = sagecred_ini::lock_file(path)?;
    let original = read_text(path)?;
    let text = original.as_deref().unwrap_or("");
    let updated = edit_sdk_config_text(path, text, changes)?;
    if original.as_deref() == Some(updated.as_str()) {
        return Ok(false);
    }
    // A regular file was checked above; the write replaces only that (or creates it).
    sagecred_ini::write_atomic(path, updated.as_bytes())?;
    Ok(true)
}

/// How the defaults file compares with what a profile uses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SdkConfigCheck {
    /// Every expected key holds the expected value.
    Agrees,
    /// There is no file.
    NoFile,
    /// Some keys are missing or hold something else.
    Disagrees {
        /// The keys that differ, with what the file holds (`None`: missing).
        mismatches: Vec<SdkMismatch>,
    },
    /// The file cannot be read (the message says why).
    Unreadable {
        /// Why, naming the file and line.
        reason: String,
    },
}

/// One key that does not hold what the profile uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdkMismatch {
    /// The key.
    pub key: SdkKey,
    /// What the file holds; `None` when the key is missing.
    pub found: Option<String>,
    /// What the profile uses.
    pub expected: String,
}

/// Compares the file at `path` with the profile's role and bucket (a `None` expectation is
/// not checked).
pub fn check_sdk_config(
    path: &Path,
    role_arn: Option<&str>,
    bucket: Option<&str>,
) -> SdkConfigCheck {
    let values = match read_sdk_config(path) {
        Ok(Some(v)) => v,
        Ok(None) => return SdkConfigCheck::NoFile,
        Err(e) => {
            return SdkConfigCheck::Unreadable {
                reason: e.to_string(),
            };
        }
    };
    let mismatches: Vec<SdkMismatch> = [
        (SdkKey::TrainingJobRoleArn, role_arn),
        (SdkKey::DefaultS3Bucket, bucket),
    ]
    .into_iter()
    .filter_map(|(key, expected)| {
        let expected = expected?;
        let found = values.get(key);
        (found != Some(expected)).then(|| SdkMismatch {
            key,
            found: found.map(str::to_owned),
            expected: expected.to_owned(),
        })
    })
    .collect();
    if mismatches.is_empty() {
        SdkConfigCheck::Agrees
    } else {
        SdkConfigCheck::Disagrees { mismatches }
    }
}

/// What to do about one key when sagecred offers to write the defaults file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdkKeyPlan {
    /// The file already holds the value.
    Same,
    /// The key is missing (or the file is): it will be added.
    Add,
    /// The file holds another value, which was this profile's before (so it is replaced
    /// without asking).
    UpdateOwn {
        /// The value there now.
        found: String,
    },
    /// The file holds another value that is not this profile's: replaced only when the
    /// user agrees.
    Conflict {
        /// The value there now.
        found: String,
    },
}

/// For each key, what writing `wanted` would do, given what the file holds now and what
/// the profile used before this command (`previous`).
pub fn plan_sdk_config(
    current: Option<&SdkConfigValues>,
    wanted: &[(SdkKey, &str)],
    previous: &SdkConfigValues,
) -> Vec<(SdkKey, SdkKeyPlan)> {
    wanted
        .iter()
        .map(|(key, value)| {
            let found = current.and_then(|c| c.get(*key));
            let plan = match found {
                None => SdkKeyPlan::Add,
                Some(f) if f == *value => SdkKeyPlan::Same,
                Some(f) if previous.get(*key) == Some(f) => SdkKeyPlan::UpdateOwn {
                    found: f.to_owned(),
                },
                Some(f) => SdkKeyPlan::Conflict {
                    found: f.to_owned(),
                },
            };
            (*key, plan)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_follows_platformdirs_and_the_override() {
        let env = SdkConfigEnv {
            home: Some("/home/u".into()),
            ..Default::default()
        };
        assert_eq!(
            sdk_config_path(&env, SdkPlatform::Unix).unwrap(),
            Path::new("/home/u/.config/sagemaker/config.yaml")
        );
        let xdg = SdkConfigEnv {
            xdg_config_home: Some("/x".into()),
            ..env.clone()
        };
        assert_eq!(
            sdk_config_path(&xdg, SdkPlatform::Unix).unwrap(),
            Path::new("/x/sagemaker/config.yaml")
        );
        assert_eq!(
            sdk_config_path(&env, SdkPlatform::MacOs).unwrap(),
            Path::new("/home/u/Library/Application Support/sagemaker/config.yaml")
        );
        let dir = tempfile::tempdir().unwrap();
        let over = SdkConfigEnv {
            user_config_override: Some(dir.path().to_owned()),
            ..env.clone()
        };
        assert_eq!(
            sdk_config_path(&over, SdkPlatform::Unix).unwrap(),
            dir.path().join("config.yaml")
        );
        let file = SdkConfigEnv {
            user_config_override: Some(dir.path().join("mine.yaml")),
            ..env
        };
        assert_eq!(
            sdk_config_path(&file, SdkPlatform::Unix).unwrap(),
            dir.path().join("mine.yaml")
        );
    }

    #[test]
    fn a_new_file_gets_the_schema_version_first() {
        let out = edit_sdk_config_text(
            Path::new("c"),
            "",
            &[
                (
                    SdkKey::TrainingJobRoleArn,
                    "arn:aws:iam::123456789012:role/R",
                ),
                (SdkKey::DefaultS3Bucket, "b-1"),
            ],
        )
        .unwrap();
        assert_eq!(
            out,
            "SchemaVersion: '1.0'\nSageMaker:\n  PythonSDK:\n    Modules:\n      Session:\n        DefaultS3Bucket: 'b-1'\n  TrainingJob:\n    RoleArn: 'arn:aws:iam::123456789012:role/R'\n"
        );
    }

    #[test]
    fn an_unquoted_schema_version_is_refused() {
        let e = edit_sdk_config_text(Path::new("c"), "SchemaVersion: 1.0\n", &[]).unwrap_err();
        assert!(matches!(e, SdkConfigError::SchemaVersion { .. }), "{e}");
    }

    // File modes and a directory in the file's place: POSIX only.
    #[cfg(unix)]
    #[test]
    fn writes_are_private_and_skip_unchanged_files_and_non_regular_ones() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sagemaker/config.yaml");
        let changes = [(SdkKey::DefaultS3Bucket, "b-1")];
        assert!(write_sdk_config(&path, &changes).unwrap());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(!write_sdk_config(&path, &changes).unwrap());
        let values = read_sdk_config(&path).unwrap().unwrap();
        assert_eq!(values.bucket.as_deref(), Some("b-1"));
        assert_eq!(
            check_sdk_config(&path, None, Some("b-1")),
            SdkConfigCheck::Agrees
        );
        assert_eq!(
            check_sdk_config(&path, Some("arn:aws:iam::123456789012:role/R"), Some("b-2")),
            SdkConfigCheck::Disagrees {
                mismatches: vec![
                    SdkMismatch {
                        key: SdkKey::TrainingJobRoleArn,
                        found: None,
                        expected: "arn:aws:iam::123456789012:role/R".into()
                    },
                    SdkMismatch {
                        key: SdkKey::DefaultS3Bucket,
                        found: Some("b-1".into()),
                        expected: "b-2".into()
                    },
                ]
            }
        );
        let fifo_dir = dir.path().join("d");
        std::fs::create_dir(&fifo_dir).unwrap();
        // Refused by sagecred-ini's lock, or by the read under it.
        let e = write_sdk_config(&fifo_dir, &changes).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        assert!(fifo_dir.is_dir());
        assert_eq!(
            check_sdk_config(&dir.path().join("none.yaml"), None, None),
            SdkConfigCheck::NoFile
        );
    }

    #[test]
    fn plans_tell_own_values_from_foreign_ones() {
        let current = SdkConfigValues {
            role_arn: Some("arn:aws:iam::1:role/Old".into()),
            bucket: Some("theirs".into()),
        };
        let previous = SdkConfigValues {
            role_arn: Some("arn:aws:iam::1:role/Old".into()),
            bucket: None,
        };
        let plan = plan_sdk_config(
            Some(&current),
            &[
                (SdkKey::TrainingJobRoleArn, "arn:aws:iam::1:role/New"),
                (SdkKey::DefaultS3Bucket, "mine"),
            ],
            &previous,
        );
        assert_eq!(
            plan,
            vec![
                (
                    SdkKey::TrainingJobRoleArn,
                    SdkKeyPlan::UpdateOwn {
                        found: "arn:aws:iam::1:role/Old".into()
                    }
                ),
                (
                    SdkKey::DefaultS3Bucket,
                    SdkKeyPlan::Conflict {
                        found: "theirs".into()
                    }
                ),
            ]
        );
        assert_eq!(
            plan_sdk_config(None, &[(SdkKey::DefaultS3Bucket, "x")], &previous),
            vec![(SdkKey::DefaultS3Bucket, SdkKeyPlan::Add)]
        );
    }
}
