//! What a command runs with: the environment read once, the AWS file paths, the profile.
//!
//! This is the one place that reads process environment variables and resolves `~`.
//! Everything below it is handed plain values.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use sagecred_core::{DEFAULT_REGION, ProfileName, Region};
use sagecred_ini::AwsFiles;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::error::CliError;

/// The environment variables sagecred honours, read once at start.
#[derive(Debug, Clone, Default)]
pub(crate) struct Env {
    pub(crate) home: Option<PathBuf>,
    pub(crate) aws_config_file: Option<OsString>,
    pub(crate) aws_shared_credentials_file: Option<OsString>,
    pub(crate) aws_profile: Option<String>,
    pub(crate) aws_region: Option<String>,
    pub(crate) aws_default_region: Option<String>,
    /// `$SHELL`, for picking the dialect of `env` and `use`.
    pub(crate) shell: Option<String>,
    /// `$SAGEMAKER_ROLE`, the role the current shell already has.
    pub(crate) sagemaker_role: Option<String>,
    /// Set by the `shell-init` function around its call, so `use` knows it is evaluated.
    pub(crate) in_shell_function: bool,
    /// `$BROWSER`, the program that opens the SSO sign-in page.
    pub(crate) browser: Option<String>,
    /// Whether `DBUS_SESSION_BUS_ADDRESS` names a session bus (Linux keychain access).
    pub(crate) session_bus: bool,
    /// Whether `AWS_ACCESS_KEY_ID` is set: credentials from the environment.
    pub(crate) access_key_id_set: bool,
}

impl Env {
    /// Reads the process environment. Empty values count as unset, as in the AWS CLI.
    pub(crate) fn from_process() -> Self {
        let os = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let text = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Self {
            home: home_dir(os),
            aws_config_file: os("AWS_CONFIG_FILE"),
            aws_shared_credentials_file: os("AWS_SHARED_CREDENTIALS_FILE"),
            aws_profile: text("AWS_PROFILE"),
            aws_region: text("AWS_REGION"),
            aws_default_region: text("AWS_DEFAULT_REGION"),
            shell: text("SHELL"),
            sagemaker_role: text("SAGEMAKER_ROLE"),
            in_shell_function: std::env::var_os("SAGECRED_SHELL_FUNCTION").is_some(),
            browser: text("BROWSER"),
            session_bus: os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            access_key_id_set: os("AWS_ACCESS_KEY_ID").is_some(),
        }
    }

    /// The AWS shared files, as the AWS CLI finds them: the variables first, then `~/.aws/`.
    /// A leading `~/` in a variable is expanded, as the SDKs do.
    pub(crate) fn aws_files(&self) -> Result<AwsFiles, CliError> {
        let resolve = |var: &Option<OsString>, default: &str| -> Result<PathBuf, CliError> {
            match var {
                Some(value) => Ok(self.expand_tilde(Path::new(value))),
                None => match &self.home {
                    Some(home) => Ok(home.join(".aws").join(default)),
                    None => Err(CliError::config(
                        "cannot find the home directory: HOME is not set",
                    )
                    .with_hint("set HOME, or AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE")),
                },
            }
        };
        Ok(AwsFiles {
            config: resolve(&self.aws_config_file, "config")?,
            credentials: resolve(&self.aws_shared_credentials_file, "credentials")?,
        })
    }

    fn expand_tilde(&self, path: &Path) -> PathBuf {
        match (path.strip_prefix("~"), &self.home) {
            (Ok(rest), Some(home)) => home.join(rest),
            _ => path.to_path_buf(),
        }
    }

    /// The region from the environment, `AWS_REGION` before `AWS_DEFAULT_REGION`.
    pub(crate) fn region(&self) -> Option<&str> {
        self.aws_region
            .as_deref()
            .or(self.aws_default_region.as_deref())
    }
}

/// The home directory as the AWS SDKs find it, on aws-config's rule: `HOME`, and on Windows
/// then `USERPROFILE`, then `HOMEDRIVE` followed by `HOMEPATH`; the system's answer last.
///
/// botocore (Python's `expanduser`) skips `HOME` on Windows; the two agree whenever `HOME`
/// is unset, as it is outside POSIX-like shells such as Git Bash.
fn home_dir(os: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    if let Some(home) = os("HOME") {
        return Some(PathBuf::from(home));
    }
    if cfg!(windows) {
        if let Some(profile) = os("USERPROFILE") {
            return Some(PathBuf::from(profile));
        }
        if let (Some(mut drive), Some(path)) = (os("HOMEDRIVE"), os("HOMEPATH")) {
            drive.push(path);
            return Some(PathBuf::from(drive));
        }
    }
    dirs::home_dir()
}

/// Everything a command needs to know before it starts.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    pub(crate) env: Env,
    pub(crate) files: AwsFiles,
    pub(crate) profile: ProfileName,
    /// Whether the profile was named by `--profile` or `AWS_PROFILE` rather than defaulted.
    pub(crate) profile_named: bool,
    pub(crate) output: OutputFormat,
}

impl Context {
    pub(crate) fn new(global: &GlobalArgs) -> Result<Self, CliError> {
        let env = Env::from_process();
        let files = env.aws_files()?;
        let (profile, profile_named) = match (&global.profile, &env.aws_profile) {
            (Some(p), _) => (p.clone(), true),
            (None, Some(p)) => (
                p.parse().map_err(|e| {
                    CliError::user(format!("AWS_PROFILE: {e}"))
                        .with_hint("set AWS_PROFILE to a valid profile name, or pass --profile")
                })?,
                true,
            ),
            (None, None) => (ProfileName::default_profile(), false),
        };
        Ok(Self {
            env,
            files,
            profile,
            profile_named,
            output: global.output,
        })
    }

    /// The region for AWS calls: the environment, then the profile's `region`, then the
    /// guide's default.
    pub(crate) fn region_for(&self, profile_region: Option<&str>) -> Result<Region, CliError> {
        let (value, origin) = match (self.env.region(), profile_region) {
            (Some(r), _) => (r, "the AWS_REGION/AWS_DEFAULT_REGION variable"),
            (None, Some(r)) => (r, "the profile's `region`"),
            (None, None) => (DEFAULT_REGION, "the default"),
        };
        value
            .parse()
            .map_err(|e| CliError::config(format!("{e} (from {origin})")))
    }
}
