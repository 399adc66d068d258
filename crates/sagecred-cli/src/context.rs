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
    /// `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_SSO_OIDC` and `AWS_ENDPOINT_URL_SSO`, unless
    /// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is `true`: where the Identity Center calls go.
    pub(crate) sso_endpoints: sagecred_sso::SsoEndpoints,
    /// Whether `DBUS_SESSION_BUS_ADDRESS` names a session bus (Linux keychain access).
    pub(crate) session_bus: bool,
    /// Whether `AWS_ACCESS_KEY_ID` is set: credentials from the environment.
    pub(crate) access_key_id_set: bool,
    /// `AWS_ENDPOINT_URL` and every `AWS_ENDPOINT_URL_<SERVICE>` that is set, as the SDKs
    /// will read them (none when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`), sorted by name.
    pub(crate) endpoint_vars: Vec<(String, String)>,
    /// Where the SageMaker Python SDK's defaults file is: its override variable, and the
    /// directories `platformdirs` starts from.
    pub(crate) sagemaker_sdk: sagecred_provision::SdkConfigEnv,
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
            sso_endpoints: if text("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
            {
                sagecred_sso::SsoEndpoints::default()
            } else {
                sagecred_sso::SsoEndpoints::from_settings(
                    text("AWS_ENDPOINT_URL").as_deref(),
                    text("AWS_ENDPOINT_URL_SSO_OIDC").as_deref(),
                    text("AWS_ENDPOINT_URL_SSO").as_deref(),
                )
            },
            access_key_id_set: os("AWS_ACCESS_KEY_ID").is_some(),
            endpoint_vars: endpoint_vars(),
            sagemaker_sdk: sagecred_provision::SdkConfigEnv {
                user_config_override: os("SAGEMAKER_USER_CONFIG_OVERRIDE").map(PathBuf::from),
                xdg_config_home: os("XDG_CONFIG_HOME").map(PathBuf::from),
                local_app_data: os("LOCALAPPDATA").map(PathBuf::from),
                home: os("HOME").map(PathBuf::from).or_else(dirs::home_dir),
            },
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

/// The endpoint variables the SDKs honour, with their values (lossily decoded: a value
/// that is not UTF-8 is refused later as malformed).
fn endpoint_vars() -> Vec<(String, String)> {
    let ignored = std::env::var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    if ignored {
        return Vec::new();
    }
    let mut vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| {
            let k = k.into_string().ok()?;
            let wanted = k == "AWS_ENDPOINT_URL" || k.starts_with("AWS_ENDPOINT_URL_");
            (wanted && !v.is_empty()).then(|| (k, v.to_string_lossy().into_owned()))
        })
        .collect();
    vars.sort();
    vars
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

    /// The one error for a profile that is in neither AWS file: exit 2, and the same words
    /// in every command.
    pub(crate) fn unknown_profile(&self, name: &ProfileName) -> CliError {
        CliError::user(format!(
            "profile `{name}` is not in {} or {}",
            self.files.config.display(),
            self.files.credentials.display()
        ))
        .with_hint(format!(
            "list profiles with `sagecred profiles`, or create it with `sagecred configure --profile {name}`"
        ))
    }

    /// Fails with [`Context::unknown_profile`] when `name` is in neither AWS file.
    pub(crate) fn require_profile(&self, name: &ProfileName) -> Result<(), CliError> {
        let set = sagecred_ini::ProfileSet::load(&self.files)?;
        if set.profile(name.as_str()).is_none() {
            return Err(self.unknown_profile(name));
        }
        Ok(())
    }

    /// Where calls to `service` (`STS`, `IAM`, `SSO_OIDC`...) go, in words for a hint:
    /// the URL and the variable it came from, or AWS's own endpoint.
    pub(crate) fn endpoint_description(&self, service: &str) -> String {
        let specific = format!(
            "AWS_ENDPOINT_URL_{}",
            service.to_ascii_uppercase().replace(['-', ' '], "_")
        );
        let found = self
            .env
            .endpoint_vars
            .iter()
            .find(|(k, _)| *k == specific)
            .or_else(|| {
                self.env
                    .endpoint_vars
                    .iter()
                    .find(|(k, _)| k == "AWS_ENDPOINT_URL")
            });
        match found {
            Some((name, url)) => {
                // Never show credentials written into a URL (`http://user:pass@host`).
                let shown = match url.split_once("://") {
                    Some((scheme, rest)) => {
                        match rest.split('/').next().and_then(|a| a.rsplit_once('@')) {
                            Some((_, host)) => format!("{scheme}://{host}"),
                            None => url.clone(),
                        }
                    }
                    None => url.clone(),
                };
                format!("the {service} endpoint {shown} (from {name})")
            }
            None => format!("AWS's {service} endpoint"),
        }
    }

    /// Where the Identity Center calls go, from the environment.
    pub(crate) fn sso_endpoints(&self) -> sagecred_sso::SsoEndpoints {
        self.env.sso_endpoints.clone()
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
