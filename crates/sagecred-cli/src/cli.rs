//! The clap definition of the command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use sagecred_core::{AccountId, ProfileName, Region, RoleArn, SsoSessionName, StoreKind};

/// sagecred: SageMaker IAM setup in one command, with credentials kept out of plaintext.
#[derive(Debug, Parser)]
#[command(
    name = "sagecred",
    version,
    about,
    propagate_version = true,
    after_help = "Examples:\n  sagecred configure --profile dev\n  sagecred whoami --profile dev --output json\n  sagecred profiles\n\n\
        Exit codes: 0 success, 2 bad input (an unknown profile, a bad value or variable),\n\
        3 a malformed file, 4 an AWS call failed, 5 a credential store is unavailable,\n\
        6 a doctor or setup check failed, 70 an internal error. An error is one `error:` line,\n\
        at most followed by one `hint:` line."
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The profile to use [default: $AWS_PROFILE, then `default`]
    #[arg(long, global = true, value_name = "NAME", value_parser = parse_profile)]
    pub profile: Option<ProfileName>,

    /// How to print data: text for people, json for scripts
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// Print debug logs to stderr (secrets are never logged)
    #[arg(long, global = true)]
    pub debug: bool,
}

/// How commands print data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned text for people.
    Text,
    /// JSON for scripts.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Store access keys for a profile, prompting like `aws configure`
    #[command(after_help = "Examples:\n  \
        sagecred configure --profile dev\n  \
        printf '%s\\n%s\\n' \"$KEY_ID\" \"$SECRET\" | sagecred configure --profile ci --stdin --region us-east-1\n\n\
        Secrets are never taken from the command line: they are read without echo from the\n\
        terminal, or as two lines (key id, then secret) from stdin with --stdin.")]
    Configure(ConfigureArgs),

    /// Import the accessKeys.csv file that the IAM console downloads
    #[command(after_help = "Examples:\n  \
        sagecred import ~/Downloads/sagemaker-developer_accessKeys.csv --profile dev\n  \
        sagecred import accessKeys.csv --region eu-west-1")]
    Import(ImportArgs),

    /// List profiles with their store, region, masked key id and SageMaker role
    #[command(after_help = "Examples:\n  sagecred profiles\n  sagecred profiles --output json")]
    Profiles,

    /// Check credentials, IAM setup and security advice; print a fix for each problem
    #[command(after_help = "Examples:\n  \
        sagecred doctor\n  \
        sagecred doctor --profile dev --output json\n  \
        sagecred doctor --profile dev --role-name MyTrainingRole --bucket my-training-data\n\n\
        Each check prints pass, warn or fail with its reason and the command that fixes it.\n\
        The guide's Part 3 tests run live and read-only: s3-bucket lists at most one object of\n\
        the bucket, sagemaker lists at most 5 training jobs in the profile's region.\n\
        The exit code is 6 when any check fails, 0 when all pass or only warn.")]
    Doctor(DoctorArgs),

    /// Replace the profile's access key with a new one, never leaving it without a working key
    #[command(after_help = "Examples:\n  \
        sagecred rotate --profile dev                  # new key stored, old key inactive\n  \
        sagecred rotate --profile dev --delete-old     # and delete the old key at once\n  \
        sagecred rotate --profile dev --finish         # later: delete the inactive old key\n\n\
        Steps: count the keys (refused at IAM's limit of 2), create the new key, verify it with\n\
        STS, store it and read it back, drop cached sessions, set the old key inactive. Until\n\
        the new key is stored, any failure deletes it again and the old key stays in use.")]
    Rotate(RotateArgs),

    /// Replace a lost secret: with an admin profile, deactivate the old key and store a new one
    #[command(after_help = "Examples:\n  \
        sagecred recover --profile dev --admin-profile admin\n  \
        sagecred recover --profile dev --admin-profile admin --user-name sagemaker-developer\n\n\
        The guide's four manual steps in one command. The old key is set inactive, not deleted,\n\
        so it can be turned back on with `aws iam update-access-key --status Active`.")]
    Recover(RecoverArgs),

    /// Show who AWS says you are (STS GetCallerIdentity) and cache the account id
    #[command(
        after_help = "Examples:\n  sagecred whoami\n  sagecred whoami --profile dev --output json"
    )]
    Whoami,

    /// Print shell code that sets AWS_PROFILE, AWS_REGION and SAGEMAKER_ROLE
    #[command(after_help = "Examples:\n  \
        eval \"$(sagecred env)\"                          # in ~/.bashrc or ~/.zshrc\n  \
        sagecred env --shell fish | source              # in ~/.config/fish/config.fish\n  \
        sagecred env --shell powershell | Out-String | Invoke-Expression   # in $PROFILE\n  \
        for /f \"delims=\" %i in ('sagecred env --shell cmd') do %i     # cmd.exe\n  \
        eval \"$(sagecred env --unset)\"                  # clear the variables again\n\n\
        It reads only ~/.aws/config: no network, no keychain, no credentials file, so it is\n\
        safe and fast at every shell start. --credentials also exports temporary keys, which\n\
        reads the profile's store; prefer credential_process, which SDKs call on demand.")]
    Env(EnvArgs),

    /// Switch this shell to another profile (through the function from `shell-init`)
    #[command(after_help = "Examples:\n  \
        sagecred use dev\n  \
        sagecred use prod --shell zsh\n\n\
        `sagecred use` changes the current shell only through the function that\n\
        `sagecred shell-init` prints; without it, it prints the shell code to run.")]
    Use(UseArgs),

    /// Print the shell function that makes `sagecred use PROFILE` switch the current shell
    #[command(after_help = "Examples:\n  \
        eval \"$(sagecred shell-init bash)\"                 # ~/.bashrc\n  \
        eval \"$(sagecred shell-init zsh)\"                  # ~/.zshrc\n  \
        sagecred shell-init fish | source                  # ~/.config/fish/config.fish\n  \
        sagecred shell-init powershell | Out-String | Invoke-Expression   # $PROFILE")]
    ShellInit(ShellInitArgs),

    /// Show, set or look up the SageMaker execution role of a profile
    #[command(after_help = "Examples:\n  \
        sagecred role                                  # the role, and where it came from\n  \
        sagecred role set arn:aws:iam::123456789012:role/SageMaker-UNetTraining-ExecutionRole\n  \
        sagecred role resolve --profile dev            # ask AWS, cache the account and ARN\n\n\
        Resolution order: --role, then SAGEMAKER_ROLE, then the profile's sagemaker_role_arn,\n\
        then arn:aws:iam::{aws_account_id}:role/SageMaker-UNetTraining-ExecutionRole.")]
    Role(RoleArgs),

    /// Print AWS credential_process JSON for a keychain or SSO profile (SDKs call this)
    #[command(after_help = "Examples:\n  \
        sagecred credential-process --profile dev\n  \
        sagecred credential-process --profile dev --no-session\n  \
        sagecred credential-process --profile ml-sso --login   # SSO: sign in if needed\n\n\
        `configure`, `import` and `migrate` write this line into ~/.aws/config for you:\n  \
        credential_process = /path/to/sagecred credential-process --profile dev\n\n\
        It prints AWS's Version 1 JSON on stdout and nothing else. By default it serves\n\
        temporary credentials from STS GetSessionToken, cached in the keychain until five\n\
        minutes before they expire. With mfa_serial in the profile, the MFA code is read\n\
        from the terminal (/dev/tty), never from stdin. For an SSO profile it serves the\n\
        role's credentials from IAM Identity Center; an expired token that cannot be\n\
        refreshed ends with `run sagecred login` unless --login is given.")]
    CredentialProcess(CredentialProcessArgs),

    /// Move plaintext keys from ~/.aws/credentials into the keychain
    #[command(after_help = "Examples:\n  \
        sagecred migrate --profile dev --dry-run\n  \
        sagecred migrate --all\n\n\
        Each key is written to the keychain and read back before its plaintext lines are\n\
        removed; every other byte of both files is kept.")]
    Migrate(MigrateArgs),

    /// Run a command with the profile's temporary credentials in its environment
    #[command(after_help = "Examples:\n  \
        sagecred exec dev -- python train.py --epochs 10\n  \
        sagecred exec dev -- aws s3 ls s3://vessel-segmentation-data/\n\n\
        The command gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,\n\
        AWS_REGION and SAGEMAKER_ROLE, with AWS_PROFILE unset. Its exit code is sagecred's.")]
    Exec(ExecArgs),

    /// Delete a profile's keys from its store and its sections from the AWS files
    #[command(after_help = "Examples:\n  sagecred remove old-dev\n  sagecred remove old-dev --yes")]
    Remove(RemoveArgs),

    /// Plan, and with --apply make, the guide's IAM role, policy, user and access key
    #[command(after_help = "Examples:\n  \
        sagecred provision --profile admin                       # print the plan, change nothing\n  \
        sagecred provision --profile admin --apply               # make it, store the new key\n  \
        sagecred provision --profile admin --output json         # the plan as JSON\n  \
        sagecred provision --emit cloudformation > sagemaker-iam.json   # offline, any account\n  \
        sagecred provision --profile admin --apply --no-sdk-config   # leave ~/.config/sagemaker alone\n\n\
        --profile names the administrator's credentials that make the changes; the new user's\n\
        key goes straight into the store under --key-profile and is never shown.")]
    Provision(ProvisionArgs),

    /// Plan, and with --apply remove, what `provision` created (only sagecred-tagged resources)
    #[command(
        after_help = "Examples:\n  sagecred teardown --profile admin\n  sagecred teardown --profile admin --apply"
    )]
    Teardown(ProvisionArgs),

    /// The whole guide in one go: plan, confirm, apply, store the key, verify
    #[command(after_help = "Examples:\n  \
        sagecred setup --profile admin\n  \
        sagecred setup --profile admin --yes --bucket my-training-data --create-bucket\n\n\
        It asks for each name with the guide's default, shows the plan, applies it after you\n\
        confirm, stores the new key in the keychain, verifies it with STS, runs the guide's\n\
        access tests with the new key (list the bucket, list SageMaker training jobs), and prints\n\
        the line to add to your shell profile. A missing bucket is created when you agree, or\n\
        with --create-bucket: in the profile's region, public access blocked, encrypted (SSE-S3).\n\
        The role and bucket go into the SageMaker Python SDK's defaults file\n\
        (~/.config/sagemaker/config.yaml) unless --no-sdk-config; with --yes, a value there that\n\
        this profile did not write is kept. The exit code is 6 when an access test fails.")]
    Setup(SetupArgs),

    /// Sign in to IAM Identity Center (SSO) with the device flow; the token is shared with the AWS CLI
    #[command(after_help = "Examples:\n  \
        sagecred login                                 # the current profile's SSO session\n  \
        sagecred login --profile ml-dev\n  \
        sagecred login --sso-session my-team --no-browser   # on a remote box: open the page elsewhere\n\n\
        It prints the sign-in page and a code on stderr and opens the page in your browser\n\
        ($BROWSER, else the system's opener). The token is cached in ~/.aws/sso/cache in the\n\
        AWS CLI's format, so the AWS CLI, boto3 and the SageMaker SDK use it too. It renews\n\
        itself with its refresh token; sign in again when the session's limit is reached.")]
    Login(LoginArgs),

    /// Sign out of IAM Identity Center: end the session and delete cached tokens and role credentials
    #[command(after_help = "Examples:\n  \
        sagecred logout\n  \
        sagecred logout --sso-session my-team\n  \
        sagecred logout --all")]
    Logout(LogoutArgs),

    /// Set up IAM Identity Center (SSO) profiles
    #[command(
        subcommand,
        after_help = "Examples:\n  \
        sagecred sso configure --profile ml-dev\n  \
        sagecred sso configure --sso-session my-team --populate\n\n\
        See `sagecred sso configure --help`, and docs/sso.md for a team's set-up."
    )]
    Sso(SsoCommand),

    /// Print a shell completion script
    #[command(after_help = "Examples:\n  \
        sagecred completions bash > ~/.local/share/bash-completion/completions/sagecred\n  \
        sagecred completions zsh > \"${fpath[1]}/_sagecred\"\n  \
        sagecred completions fish > ~/.config/fish/completions/sagecred.fish")]
    Completions(CompletionsArgs),

    /// Print the man page (roff) of sagecred or of one of its commands
    #[command(hide = true, name = "__man")]
    Man(ManArgs),
}

/// The `sso` subcommands.
#[derive(Debug, Subcommand)]
pub enum SsoCommand {
    /// Write an [sso-session] section and a profile for an account and role, like `aws configure sso`
    #[command(after_help = "Examples:\n  \
        sagecred sso configure --profile ml-dev\n  \
        sagecred sso configure --profile ml-dev --sso-session my-team \\\n      \
        --start-url https://d-1234567890.awsapps.com/start --sso-region us-east-1 \\\n      \
        --account-id 111122223333 --role-name SageMakerDeveloper --region us-east-1 --yes\n  \
        sagecred sso configure --sso-session my-team --populate   # a profile per account and role\n\n\
        Without --account-id and --role-name it signs in and lists the accounts and roles you\n\
        can use. --populate writes one profile for each, named ROLE-ACCOUNTID. Each profile\n\
        gets sso_session, sso_account_id, sso_role_name, region and sagemaker_role_arn (the\n\
        guide's role in that account unless --role names another).")]
    Configure(SsoConfigureArgs),
}

/// Arguments of `sso configure`.
#[derive(Debug, Args)]
pub struct SsoConfigureArgs {
    /// The [sso-session NAME] to write or reuse [prompted; default: the profile's, else `sagecred`]
    #[arg(long, value_name = "NAME", value_parser = parse_sso_session)]
    pub sso_session: Option<SsoSessionName>,

    /// The AWS access portal URL, https://d-xxxxxxxxxx.awsapps.com/start [prompted]
    #[arg(long, value_name = "URL")]
    pub start_url: Option<String>,

    /// The region IAM Identity Center runs in [prompted; default: us-east-1]
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    pub sso_region: Option<Region>,

    /// OAuth scopes, comma-separated [default: sso:account:access, which enables refresh tokens]
    #[arg(long, value_name = "LIST")]
    pub scopes: Option<String>,

    /// The AWS account id to use [default: chosen from the accounts you can reach]
    #[arg(long, value_name = "ID", value_parser = parse_account)]
    pub account_id: Option<AccountId>,

    /// The permission set's role name [default: chosen from the roles you can use]
    #[arg(long, value_name = "NAME")]
    pub role_name: Option<String>,

    /// The profile's region for SageMaker and other calls [default: kept, else the SSO region]
    #[arg(long, value_name = "REGION", value_parser = parse_region)]
    pub region: Option<Region>,

    /// The SageMaker execution role ARN [default: the guide's role in the chosen account]
    #[arg(long, value_name = "ARN", value_parser = parse_role_arn)]
    pub role: Option<RoleArn>,

    /// Write one profile for every account and role you can use (named ROLE-ACCOUNTID)
    #[arg(long, conflicts_with_all = ["account_id", "role_name", "role"])]
    pub populate: bool,

    /// Do not open a browser for the sign-in; print the page and code only
    #[arg(long)]
    pub no_browser: bool,

    /// Never prompt: take defaults, and fail when a required value is missing
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Arguments of `login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Sign in to this [sso-session NAME] instead of the profile's
    #[arg(long, value_name = "NAME", value_parser = parse_sso_session)]
    pub sso_session: Option<SsoSessionName>,

    /// Do not open a browser; print the page and code only
    #[arg(long)]
    pub no_browser: bool,
}

/// Arguments of `logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Sign out of this [sso-session NAME] instead of the profile's
    #[arg(long, value_name = "NAME", conflicts_with = "all", value_parser = parse_sso_session)]
    pub sso_session: Option<SsoSessionName>,

    /// Sign out of every SSO session in the config file
    #[arg(long)]
    pub all: bool,
}

/// Arguments of `doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The SageMaker execution role to check [default: the profile's role, else SageMaker-UNetTraining-ExecutionRole]
    #[arg(long, value_name = "NAME")]
    pub role_name: Option<String>,

    /// The custom policy the user and the role should have
    #[arg(long, value_name = "NAME", default_value = sagecred_core::DEFAULT_POLICY_NAME)]
    pub policy_name: String,

    /// The training data bucket to check access to [default: the profile's sagemaker_bucket, else vessel-segmentation-data]
    #[arg(long, value_name = "NAME")]
    pub bucket: Option<String>,

    /// A policy the user should have, by name or ARN; repeat it to replace the guide's four
    #[arg(long, value_name = "NAME")]
    pub user_policy: Vec<String>,
}

/// Arguments of `rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// Delete the old key once the new one is stored (after showing when it was last used)
    #[arg(long, conflicts_with = "finish")]
    pub delete_old: bool,

    /// Finish an earlier rotation: delete the user's inactive keys other than the stored one
    #[arg(long)]
    pub finish: bool,
}

/// Arguments of `recover`.
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The profile whose credentials may manage the user's keys (IAM rights)
    #[arg(long, value_name = "NAME", value_parser = parse_profile)]
    pub admin_profile: ProfileName,

    /// The IAM user whose key was lost [default: the one the keychain recorded, else the profile name]
    #[arg(long, value_name = "NAME")]
    pub user_name: Option<String>,
}

/// Arguments of `env`.
#[derive(Debug, Args)]
pub struct EnvArgs {
    /// The shell to write code for [default: from $SHELL, else the platform's]
    #[arg(long, value_name = "SHELL", value_parser = parse_shell)]
    pub shell: Option<sagecred_shell::Shell>,

    /// Use this SageMaker execution role instead of resolving one
    #[arg(long, value_name = "ARN")]
    pub role: Option<String>,

    /// Also export temporary credentials from the profile's store
    #[arg(long)]
    pub credentials: bool,

    /// Print code that clears the variables instead
    #[arg(long)]
    pub unset: bool,
}

/// Arguments of `use`.
#[derive(Debug, Args)]
pub struct UseArgs {
    /// The profile to switch to
    #[arg(value_name = "PROFILE", value_parser = parse_profile)]
    pub target: ProfileName,

    /// The shell to write code for [default: from $SHELL, else the platform's]
    #[arg(long, value_name = "SHELL", value_parser = parse_shell)]
    pub shell: Option<sagecred_shell::Shell>,
}

/// Arguments of `shell-init`.
#[derive(Debug, Args)]
pub struct ShellInitArgs {
    /// bash, zsh, sh, dash, fish, powershell (pwsh) or cmd
    #[arg(value_name = "SHELL", value_parser = parse_shell)]
    pub shell: sagecred_shell::Shell,
}

/// Arguments of `role`.
#[derive(Debug, Args)]
pub struct RoleArgs {
    /// What to do; without one, show the resolved role
    #[command(subcommand)]
    pub action: Option<RoleAction>,
}

/// The `role` subcommands.
#[derive(Debug, Subcommand)]
pub enum RoleAction {
    /// Store a role ARN as the profile's sagemaker_role_arn
    #[command(
        after_help = "Examples:\n  sagecred role set arn:aws:iam::123456789012:role/ml/Trainer --profile dev\n  sagecred role set arn:aws:iam::123456789012:role/ml/Trainer --no-sdk-config\n\nIt also offers to write the role into the SageMaker Python SDK's defaults file."
    )]
    Set {
        /// The role ARN, as shown by the IAM console or `aws iam get-role`
        #[arg(value_name = "ARN", value_parser = parse_role_arn)]
        arn: RoleArn,
        /// Leave the SageMaker Python SDK's defaults file (~/.config/sagemaker/config.yaml) alone
        #[arg(long)]
        no_sdk_config: bool,
    },
    /// Ask AWS: cache the account id (STS) and the role's exact ARN (IAM GetRole)
    #[command(
        after_help = "Examples:\n  sagecred role resolve --profile dev\n  sagecred role resolve --name MyTrainingRole"
    )]
    Resolve {
        /// The role name to look up [default: the profile's role, else SageMaker-UNetTraining-ExecutionRole]
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
}

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell or elvish
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Arguments of the hidden `__man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print; none for the top-level page
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,

    /// List the commands that have pages, one per line
    #[arg(long, conflicts_with = "command")]
    pub list: bool,
}

/// The `--store` values: every store that holds keys, listed from
/// [`StoreKind::KEY_STORES`], each with its own help line. A new store appears here by
/// being added there.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StoreParser;

impl clap::builder::TypedValueParser for StoreParser {
    type Value = StoreKind;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<StoreKind, clap::Error> {
        let names = StoreKind::KEY_STORES.iter().map(|k| k.as_str());
        let name = clap::builder::PossibleValuesParser::new(names).parse_ref(cmd, arg, value)?;
        name.parse()
            .map_err(|_| clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(cmd))
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(StoreKind::KEY_STORES.iter().map(|k| {
            clap::builder::PossibleValue::new(k.as_str()).help(k.describe())
        })))
    }
}

/// Arguments of `configure`.
#[derive(Debug, Args)]
pub struct ConfigureArgs {
    /// Read the access key id and the secret as two lines from stdin instead of prompting
    #[arg(long)]
    pub stdin: bool,

    /// The profile's default region [prompted; default: kept, else us-east-1]
    #[arg(long, value_parser = parse_region)]
    pub region: Option<Region>,

    /// Where to keep the keys
    #[arg(long, value_parser = StoreParser, default_value_t = StoreKind::Keychain)]
    pub store: StoreKind,

    /// With --store file: write the keys even into a credentials file other users can read
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file downloaded from the IAM console
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The profile's default region [default: kept, else us-east-1]
    #[arg(long, value_parser = parse_region)]
    pub region: Option<Region>,

    /// Where to keep the keys
    #[arg(long, value_parser = StoreParser, default_value_t = StoreKind::Keychain)]
    pub store: StoreKind,

    /// With --store file: write the keys even into a credentials file other users can read
    #[arg(long)]
    pub force: bool,
}

/// What `provision`, `teardown` and `setup` manage.
#[derive(Debug, Args)]
pub struct ProvisionArgs {
    /// Make the changes; without it, only the plan is printed
    #[arg(long)]
    pub apply: bool,

    /// The training data bucket the custom policy grants
    #[arg(long, value_name = "NAME", default_value = sagecred_core::DEFAULT_BUCKET)]
    pub bucket: String,

    /// The SageMaker execution role
    #[arg(long, value_name = "NAME", default_value = sagecred_core::DEFAULT_ROLE_NAME)]
    pub role_name: String,

    /// The customer managed policy
    #[arg(long, value_name = "NAME", default_value = sagecred_core::DEFAULT_POLICY_NAME)]
    pub policy_name: String,

    /// The IAM user for your machine
    #[arg(long, value_name = "NAME", default_value = sagecred_core::DEFAULT_USER_NAME)]
    pub user_name: String,

    /// Manage only the role and policy, no user or key
    #[arg(long)]
    pub no_user: bool,

    /// Narrower permissions than the guide's managed policies (see docs/provisioning.md)
    #[arg(long)]
    pub least_privilege: bool,

    /// Take over existing resources of the same names that sagecred did not create
    #[arg(long)]
    pub adopt: bool,

    /// The profile that receives the new user's key [default: the user name]
    #[arg(long, value_name = "NAME", value_parser = parse_profile)]
    pub key_profile: Option<ProfileName>,

    /// Where to keep the new key
    #[arg(long, value_parser = StoreParser, default_value_t = StoreKind::Keychain)]
    pub store: StoreKind,

    /// Write the desired state as infrastructure code instead of planning
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub emit: Option<EmitFormat>,

    /// With --emit, include an access key resource (its secret then lives in the stack's state)
    #[arg(long, requires = "emit")]
    pub include_access_key: bool,

    /// Leave the SageMaker Python SDK's defaults file (~/.config/sagemaker/config.yaml) alone
    #[arg(long)]
    pub no_sdk_config: bool,
}

/// Infrastructure-as-code formats for `provision --emit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmitFormat {
    /// An AWS CloudFormation template (JSON).
    Cloudformation,
    /// Terraform (HCL).
    Terraform,
}

/// Arguments of `setup`.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Take every default and apply without asking
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Create the bucket when it does not exist (private, encrypted), without asking
    #[arg(long)]
    pub create_bucket: bool,

    /// The names and choices, as for `provision`
    #[command(flatten)]
    pub provision: ProvisionArgs,
}

/// Arguments of `credential-process`.
#[derive(Debug, Args)]
pub struct CredentialProcessArgs {
    /// Serve the long-term key instead of temporary STS session credentials
    #[arg(long)]
    pub no_session: bool,

    /// SSO profiles: when the token has expired and cannot be refreshed, start a sign-in
    /// (page and code on stderr, browser opened) instead of failing
    #[arg(long)]
    pub login: bool,

    /// With --login: do not open a browser
    #[arg(long, requires = "login")]
    pub no_browser: bool,

    /// The store that holds the profile's key
    #[arg(long, value_parser = StoreParser, default_value_t = StoreKind::Keychain)]
    pub store: StoreKind,
}

/// Arguments of `migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Migrate every profile with plaintext keys, not just the chosen one
    #[arg(long)]
    pub all: bool,

    /// Show what would move, and change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Where to move the keys
    #[arg(long, value_parser = StoreParser, default_value_t = StoreKind::Keychain)]
    pub store: StoreKind,
}

/// Arguments of `exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The profile whose credentials the command gets
    #[arg(value_name = "PROFILE", value_parser = parse_profile)]
    pub target: ProfileName,

    /// SSO profiles: sign in (page and code on stderr) when the token has expired and
    /// cannot be refreshed, instead of failing
    #[arg(long)]
    pub login: bool,

    /// The command and its arguments, after `--`
    #[arg(
        value_name = "COMMAND",
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub command: Vec<std::ffi::OsString>,
}

/// Arguments of `remove`.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The profile to remove
    #[arg(value_name = "PROFILE", value_parser = parse_profile)]
    pub target: ProfileName,

    /// Do not ask for confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
}

fn parse_profile(s: &str) -> Result<ProfileName, String> {
    s.parse()
        .map_err(|e: sagecred_core::ValidationError| e.to_string())
}

fn parse_shell(s: &str) -> Result<sagecred_shell::Shell, String> {
    sagecred_shell::Shell::from_name(s).ok_or_else(|| {
        format!("unknown shell `{s}`: use bash, zsh, sh, dash, fish, powershell (pwsh) or cmd")
    })
}

fn parse_region(s: &str) -> Result<Region, String> {
    s.parse()
        .map_err(|e: sagecred_core::ValidationError| e.to_string())
}

fn parse_sso_session(s: &str) -> Result<SsoSessionName, String> {
    s.parse()
        .map_err(|e: sagecred_core::ValidationError| e.to_string())
}

fn parse_account(s: &str) -> Result<AccountId, String> {
    s.trim()
        .parse()
        .map_err(|e: sagecred_core::ValidationError| e.to_string())
}

/// A role ARN as pasted from the console: surrounding whitespace is dropped.
fn parse_role_arn(s: &str) -> Result<RoleArn, String> {
    s.trim()
        .parse()
        .map_err(|e: sagecred_core::ValidationError| {
            format!("{e} (copy it from the IAM console or `aws iam get-role`)")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_has_an_example() {
        let cmd = Cli::command();
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                help.contains("Examples:"),
                "`{}` --help has no example",
                sub.get_name()
            );
            assert!(
                help.contains(&format!("sagecred {}", sub.get_name())) || sub.is_hide_set(),
                "{}",
                sub.get_name()
            );
        }
    }
}
