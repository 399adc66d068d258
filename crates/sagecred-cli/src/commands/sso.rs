//! IAM Identity Center: `sso configure`, `login`, `logout`, and the role credentials that
//! `credential-process`, `exec` and `env --credentials` serve for SSO profiles.

use std::io::{IsTerminal, Write};
use std::time::{Duration, SystemTime};

use sagecred_core::{
    AccountId, Credentials, DEFAULT_ROLE_NAME, ProfileName, RoleArn, SsoSessionName,
};
use sagecred_ini::{FileKind, ProfileSet, Section, SectionKey};
pub(crate) use sagecred_sso::SsoProfile;
use sagecred_sso::{
    CachedToken, LoginEvent, LoginOptions, RoleSources, SsoClient, SsoError, SsoRole, SsoSession,
    TokenCache, TokioPacer,
};

use super::block_on;
use super::stores;
use crate::cli::{LoginArgs, LogoutArgs, SsoConfigureArgs};
use crate::context::Context;
use crate::error::CliError;
use crate::output;

/// The SSO settings of `profile`, or `None` when it does not sign in through SSO.
pub(crate) fn sso_profile(
    set: &ProfileSet,
    profile: &ProfileName,
    section: &Section,
) -> Result<Option<SsoProfile>, CliError> {
    SsoProfile::from_settings(section, |name| set.sso_session(name)).map_err(|e| match &e {
        SsoError::UnknownSession { session } => CliError::config(format!(
            "profile `{profile}` names sso_session `{session}`, but the config file has no [sso-session {session}] section"
        ))
        .with_hint(format!(
            "run `sagecred sso configure --profile {profile} --sso-session {session}`"
        )),
        _ => CliError::config(format!("profile `{profile}`: {e}")).with_hint(format!(
            "run `sagecred sso configure --profile {profile}` to set it up"
        )),
    })
}

/// The profile's config section and, when it signs in through SSO, its SSO settings. The
/// section comes from a streaming lookup; the whole config is parsed only when the profile
/// names an `[sso-session]`, whose section lives elsewhere in the file. Keychain profiles
/// (the `credential-process` hot path) pay for one lookup, as before SSO existed.
pub(crate) fn profile_settings(
    ctx: &Context,
    profile: &ProfileName,
) -> Result<(Section, Option<SsoProfile>), CliError> {
    let section =
        sagecred_ini::find_config_profile(&ctx.files, profile.as_str())?.unwrap_or_default();
    if section.get("sso_session").is_none() && section.get("sso_start_url").is_none() {
        return Ok((section, None));
    }
    let set = ProfileSet::load_config_only(&ctx.files)?;
    let sso = sso_profile(&set, profile, &section)?;
    Ok((section, sso))
}

fn token_cache(ctx: &Context) -> Result<TokenCache, CliError> {
    let home = ctx.env.home.as_deref().ok_or_else(|| {
        CliError::config("cannot find the home directory for ~/.aws/sso/cache: HOME is not set")
    })?;
    Ok(TokenCache::in_home(home))
}

/// Maps an SSO failure to the CLI's error (`From`), with `login_hint` as the fix when only
/// a new sign-in helps.
fn sso_error(e: SsoError, login_hint: &str) -> CliError {
    let needs_login =
        e.needs_login() && !matches!(e, SsoError::DeviceCodeExpired | SsoError::AccessDenied);
    let err = CliError::from(e);
    if needs_login {
        err.with_hint(format!("run `{login_hint}`"))
    } else {
        err
    }
}

fn login_command(profile: &ProfileName) -> String {
    format!("sagecred login --profile {profile}")
}

/// Role credentials for an SSO profile. Cached role credentials (in the keychain's
/// session entry, when a keychain is reachable) are served until five minutes before
/// expiry. With `allow_login`, an expired token that cannot be refreshed starts a device
/// sign-in on stderr; without it, that is an error that says to run `sagecred login`.
pub(crate) fn role_credentials(
    ctx: &Context,
    profile: &ProfileName,
    sso: &SsoProfile,
    allow_login: bool,
    no_browser: bool,
) -> Result<Credentials, CliError> {
    block_on(role_credentials_async(
        ctx,
        profile,
        sso,
        allow_login,
        no_browser,
    ))?
}

/// [`role_credentials`], for callers already inside the async runtime: the library's one
/// serving path ([`sagecred_sso::role_credentials`]), with the sign-in shown on stderr.
pub(crate) async fn role_credentials_async(
    ctx: &Context,
    profile: &ProfileName,
    sso: &SsoProfile,
    allow_login: bool,
    no_browser: bool,
) -> Result<Credentials, CliError> {
    crate::aws_error::check_endpoints(ctx)?;
    let tokens = token_cache(ctx)?;
    let roles = stores::sso_role_cache(ctx);
    let endpoints = ctx.sso_endpoints();
    let sources = RoleSources {
        tokens: &tokens,
        roles: roles.as_deref(),
        endpoints: &endpoints,
    };
    let mut ui = LoginUi::new(ctx, &sso.session, no_browser);
    let mut pacer = TokioPacer;
    let mut observer = |e: LoginEvent<'_>| ui.event(e);
    let mut options = LoginOptions {
        pacer: &mut pacer,
        observer: &mut observer,
    };
    sagecred_sso::role_credentials(
        &sources,
        profile,
        sso,
        SystemTime::now(),
        allow_login.then_some(&mut options),
    )
    .await
    .map_err(|e| match e {
        SsoError::NoRole { .. } => CliError::config(e.to_string()).with_hint(format!(
            "run `sagecred sso configure --profile {profile}` to pick an account and role"
        )),
        e => sso_error(e, &login_command(profile)),
    })
}

/// Shows a sign-in on stderr: the page and code, the browser, and the wait.
struct LoginUi {
    session: String,
    start_url: String,
    browser: Option<String>,
    no_browser: bool,
    live: bool,
}

impl LoginUi {
    fn new(ctx: &Context, session: &SsoSession, no_browser: bool) -> Self {
        Self {
            session: session.display_name().to_owned(),
            start_url: session.start_url.clone(),
            browser: ctx.env.browser.clone(),
            no_browser,
            live: std::io::stderr().is_terminal(),
        }
    }

    fn event(&mut self, event: LoginEvent<'_>) {
        let mut err = std::io::stderr().lock();
        let _ = match event {
            LoginEvent::Prompt(device) => {
                let page = device
                    .verification_uri_complete
                    .as_deref()
                    .unwrap_or(&device.verification_uri);
                let _ = writeln!(
                    err,
                    "Sign in to {} (SSO session `{}`):\n  page: {}\n  code: {}\n  The code expires in {} minutes.",
                    self.start_url,
                    self.session,
                    device.verification_uri,
                    device.user_code,
                    device.expires_in.as_secs().div_ceil(60),
                );
                if self.no_browser {
                    writeln!(err, "Open the page in a browser and confirm the code.")
                } else {
                    match open_browser(self.browser.as_deref(), page) {
                        Ok(()) => writeln!(
                            err,
                            "Opened the page in your browser; check that it shows the same code."
                        ),
                        Err(e) => writeln!(
                            err,
                            "Could not open a browser ({e}); open the page yourself and confirm the code."
                        ),
                    }
                }
                .and_then(|()| {
                    if self.live {
                        write!(err, "Waiting for approval...")
                    } else {
                        writeln!(err, "Waiting for approval...")
                    }
                })
            }
            LoginEvent::Waiting { elapsed } if self.live => {
                write!(err, "\rWaiting for approval... {}s ", elapsed.as_secs())
            }
            LoginEvent::SlowDown { interval } => {
                let lead = if self.live { "\r" } else { "" };
                writeln!(
                    err,
                    "{lead}The service asked for slower polling: every {}s now.",
                    interval.as_secs()
                )
            }
            LoginEvent::Approved if self.live => writeln!(err, "\rApproved.{:30}", ""),
            LoginEvent::Approved => writeln!(err, "Approved."),
            _ => Ok(()),
        };
        let _ = err.flush();
    }
}

/// Opens `url` with `$BROWSER` or the platform's opener, without waiting for it. The URL
/// holds only the user code, which is shown on screen anyway; no secret goes into argv.
fn open_browser(browser: Option<&str>, url: &str) -> std::io::Result<()> {
    use std::process::{Command, Stdio};
    let mut cmd = match browser {
        Some(b) => Command::new(b),
        None if cfg!(target_os = "macos") => Command::new("open"),
        None if cfg!(windows) => {
            let mut c = Command::new("rundll32");
            c.arg("url.dll,FileProtocolHandler");
            c
        }
        None => Command::new("xdg-open"),
    };
    cmd.arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
}

/// The session a `login` or `logout` is about: `--sso-session`, else the profile's.
fn chosen_session(
    ctx: &Context,
    set: &ProfileSet,
    sso_session: Option<&SsoSessionName>,
) -> Result<SsoSession, CliError> {
    if let Some(name) = sso_session.map(SsoSessionName::as_str) {
        let section = set.sso_session(name).ok_or_else(|| {
            CliError::config(format!(
                "the config file has no [sso-session {name}] section"
            ))
            .with_hint("create it with `sagecred sso configure --sso-session NAME --start-url URL --sso-region REGION`")
        })?;
        return SsoSession::from_section(name, |k| section.get(k))
            .map_err(|e| CliError::config(e.to_string()));
    }
    let profile = &ctx.profile;
    let section = set.profile(profile.as_str()).unwrap_or_default();
    match sso_profile(set, profile, &section)? {
        Some(p) => Ok(p.session),
        None => Err(CliError::user(format!(
            "profile `{profile}` does not sign in through IAM Identity Center"
        ))
        .with_hint(format!(
            "pass --sso-session NAME, or set it up with `sagecred sso configure --profile {profile}`"
        ))),
    }
}

/// `sagecred login`: a new device sign-in for the session, cached for every tool.
pub(super) fn run_login(ctx: &Context, args: &LoginArgs) -> Result<(), CliError> {
    let set = ProfileSet::load_config_only(&ctx.files)?;
    let session = chosen_session(ctx, &set, args.sso_session.as_ref())?;
    let token = login(ctx, &session, args.no_browser)?;
    report_login(ctx, &session, &token)
}

fn login(ctx: &Context, session: &SsoSession, no_browser: bool) -> Result<CachedToken, CliError> {
    sign_in(ctx, session, no_browser, true)?.map_err(|e| sso_error(e, "sagecred login"))
}

/// A token from a new sign-in (`fresh`), or from the cache (refreshed, or signed in anew,
/// when due), with the sign-in shown on stderr.
fn sign_in(
    ctx: &Context,
    session: &SsoSession,
    no_browser: bool,
    fresh: bool,
) -> Result<Result<CachedToken, SsoError>, CliError> {
    let cache = token_cache(ctx)?;
    block_on(async {
        let client = SsoClient::with_endpoints(&session.region, &ctx.sso_endpoints()).await;
        let mut ui = LoginUi::new(ctx, session, no_browser);
        let mut pacer = TokioPacer;
        let mut observer = |e: LoginEvent<'_>| ui.event(e);
        let mut options = LoginOptions {
            pacer: &mut pacer,
            observer: &mut observer,
        };
        if fresh {
            sagecred_sso::login_and_cache(&client, &cache, session, &mut options).await
        } else {
            sagecred_sso::access_token(&client, &cache, session, Some(&mut options)).await
        }
    })
}

fn report_login(ctx: &Context, session: &SsoSession, token: &CachedToken) -> Result<(), CliError> {
    let expires = sagecred_sso::format_timestamp(token.expires_at);
    if ctx.output == crate::cli::OutputFormat::Json {
        return output::print_json(&serde_json::json!({
            "sso_session": session.name,
            "start_url": session.start_url,
            "region": session.region,
            "expires_at": expires,
            "refreshable": token.refresh_token.is_some(),
        }));
    }
    let refresh = if token.refresh_token.is_some() {
        "; it renews itself until the sign-in's own limit"
    } else {
        ""
    };
    output::print(&format!(
        "Signed in to {} (SSO session `{}`). The token is valid until {expires}{refresh}.\n",
        session.start_url,
        session.display_name()
    ))
}

/// `sagecred logout`: ends the portal session and deletes the cached token and the
/// cached role credentials of every profile that uses the session.
pub(super) fn run_logout(ctx: &Context, args: &LogoutArgs) -> Result<(), CliError> {
    let set = ProfileSet::load_config_only(&ctx.files)?;
    let sessions = if args.all {
        sagecred_sso::all_sessions(&set)
    } else {
        vec![chosen_session(ctx, &set, args.sso_session.as_ref())?]
    };
    let tokens = token_cache(ctx)?;
    let roles = stores::sso_role_cache(ctx);
    let profiles = sagecred_sso::sso_profiles(&set);
    let endpoints = ctx.sso_endpoints();
    let mut results = Vec::new();
    for session in &sessions {
        let done = block_on(sagecred_sso::sign_out(
            &tokens,
            roles.as_deref(),
            &endpoints,
            session,
            &profiles,
            SystemTime::now(),
        ))?
        .map_err(|e| sso_error(e, "sagecred logout"))?;
        let cleared: Vec<String> = done
            .role_credentials_deleted
            .iter()
            .map(ToString::to_string)
            .collect();
        results.push((
            session.display_name().to_owned(),
            done.token_deleted,
            done.portal_session_ended,
            cleared,
        ));
    }
    if ctx.output == crate::cli::OutputFormat::Json {
        let list: Vec<_> = results
            .iter()
            .map(|(name, removed, ended, cleared)| {
                serde_json::json!({
                    "sso_session": name,
                    "token_deleted": removed,
                    "portal_session_ended": ended,
                    "role_credentials_deleted": cleared,
                })
            })
            .collect();
        return output::print_json(&serde_json::Value::Array(list));
    }
    let mut text = String::new();
    for (name, removed, ended, cleared) in &results {
        let what = match (removed, ended) {
            (true, true) => "token deleted, portal session ended",
            (true, false) => "token deleted",
            (false, _) => "no token was cached",
        };
        text.push_str(&format!("Signed out of SSO session `{name}`: {what}"));
        if !cleared.is_empty() {
            text.push_str(&format!(
                "; cached role credentials deleted for {}",
                cleared.join(", ")
            ));
        }
        text.push_str(".\n");
    }
    if results.is_empty() {
        text.push_str("No SSO sessions are configured.\n");
    }
    output::print(&text)
}

/// `sagecred sso configure`: writes the `[sso-session]` section and one profile (or, with
/// `--populate`, one profile per account and role).
pub(super) fn run_configure(ctx: &Context, args: &SsoConfigureArgs) -> Result<(), CliError> {
    let set = ProfileSet::load(&ctx.files)?;
    let interactive = !args.yes && std::io::stdin().is_terminal();
    let profile = &ctx.profile;
    let current = set.profile(profile.as_str()).unwrap_or_default();

    // The session: flags, else what the config already says, else prompts.
    // A name from the flag was parsed by clap; one from the file or a prompt is parsed here.
    let session_name: SsoSessionName = match &args.sso_session {
        Some(name) => name.clone(),
        None => match current.get("sso_session") {
            Some(name) => name.to_owned(),
            None => value(
                interactive,
                "SSO session name",
                Some("sagecred"),
                "--sso-session",
            )?,
        }
        .parse()
        .map_err(|e: sagecred_core::ValidationError| CliError::user(e.to_string()))?,
    };
    let session_name = session_name.as_str().to_owned();
    let existing = set.sso_session(&session_name).unwrap_or_default();
    let start_url = match &args.start_url {
        Some(u) => u.clone(),
        None => match existing.get("sso_start_url") {
            Some(u) => u.to_owned(),
            None => value(interactive, "SSO start URL", None, "--start-url")?,
        },
    };
    if !(start_url.starts_with("https://") || start_url.starts_with("http://")) {
        return Err(
            CliError::user(format!("the start URL `{start_url}` is not a URL")).with_hint(
                "it looks like https://d-1234567890.awsapps.com/start (the AWS access portal URL)",
            ),
        );
    }
    let sso_region = match &args.sso_region {
        Some(r) => r.to_string(),
        None => match existing.get("sso_region") {
            Some(r) => r.to_owned(),
            None => value(interactive, "SSO region", Some("us-east-1"), "--sso-region")?,
        },
    };
    sso_region
        .parse::<sagecred_core::Region>()
        .map_err(|e| CliError::user(format!("--sso-region: {e}")))?;
    let scopes = match &args.scopes {
        Some(s) => s.clone(),
        None => existing
            .get("sso_registration_scopes")
            .unwrap_or(sagecred_sso::DEFAULT_SCOPE)
            .to_owned(),
    };
    let key = SectionKey::SsoSession(session_name.clone());
    sagecred_ini::edit(&ctx.files.config, FileKind::Config, |doc| {
        doc.set(&key, "sso_start_url", &start_url);
        doc.set(&key, "sso_region", &sso_region);
        doc.set(&key, "sso_registration_scopes", &scopes);
        Ok::<_, CliError>(())
    })?;
    let session = SsoSession::from_section(&session_name, |k| match k {
        "sso_start_url" => Some(start_url.as_str()),
        "sso_region" => Some(sso_region.as_str()),
        "sso_registration_scopes" => Some(scopes.as_str()),
        _ => None,
    })
    .map_err(|e| CliError::config(e.to_string()))?;

    let region = match &args.region {
        Some(r) => r.to_string(),
        None => current
            .get("region")
            .map(str::to_owned)
            .unwrap_or_else(|| sso_region.clone()),
    };

    // Which profiles to write: every assignment, or the one chosen.
    let picks: Vec<(ProfileName, String, String)> = if args.populate {
        let token = token(ctx, &session, args.no_browser)?;
        let assignments = assignments(ctx, &session, &token)?;
        assignments
            .into_iter()
            .filter_map(|(account, role)| {
                sagecred_sso::populated_profile_name(&role, &account)
                    .map(|name| (name, account, role))
            })
            .collect()
    } else {
        let (account, role) = match (&args.account_id, &args.role_name) {
            (Some(a), Some(r)) => (a.to_string(), r.clone()),
            (a, r) => {
                let token = token(ctx, &session, args.no_browser)?;
                pick_assignment(
                    ctx,
                    &session,
                    &token,
                    a.as_ref().map(AccountId::as_str),
                    r.as_deref(),
                    interactive,
                )?
            }
        };
        vec![(profile.clone(), account, role)]
    };

    let mut written = Vec::new();
    for (name, account, role) in &picks {
        let sso_role = SsoRole::new(account, role).map_err(|e| CliError::user(e.to_string()))?;
        let role_arn = match (&args.role, picks.len()) {
            (Some(arn), 1) => arn.to_string(),
            _ => RoleArn::new(
                sagecred_core::Partition::of_region(
                    &region
                        .parse()
                        .map_err(|e| CliError::user(format!("--region: {e}")))?,
                ),
                sso_role.account_id.clone(),
                DEFAULT_ROLE_NAME,
            )
            .map_err(|e| CliError::internal(e.to_string()))?
            .to_string(),
        };
        let key = SectionKey::Profile(name.as_str().to_owned());
        sagecred_ini::edit(&ctx.files.config, FileKind::Config, |doc| {
            doc.set(&key, "sso_session", &session_name);
            doc.set(&key, "sso_account_id", account);
            doc.set(&key, "sso_role_name", role);
            doc.set(&key, "region", &region);
            doc.set(&key, "sagemaker_role_arn", &role_arn);
            Ok::<_, CliError>(())
        })?;
        // Role credentials cached for the profile's old account or role are stale now.
        if let Some(store) = stores::sso_role_cache(ctx) {
            let _ = store.delete_session(name);
        }
        written.push((name.clone(), account.clone(), role.clone(), role_arn));
    }

    if ctx.output == crate::cli::OutputFormat::Json {
        let profiles: Vec<_> = written
            .iter()
            .map(|(name, account, role, arn)| {
                serde_json::json!({
                    "profile": name.as_str(),
                    "sso_account_id": account,
                    "sso_role_name": role,
                    "region": region,
                    "sagemaker_role_arn": arn,
                })
            })
            .collect();
        return output::print_json(&serde_json::json!({
            "sso_session": session_name,
            "sso_start_url": start_url,
            "sso_region": sso_region,
            "profiles": profiles,
        }));
    }
    let rows: Vec<Vec<String>> = written
        .iter()
        .map(|(name, account, role, _)| vec![name.to_string(), account.clone(), role.clone()])
        .collect();
    let mut text = format!(
        "Wrote [sso-session {session_name}] and {} profile(s) to {}:\n",
        written.len(),
        ctx.files.config.display()
    );
    text.push_str(&output::table(&["PROFILE", "ACCOUNT", "ROLE"], &rows));
    let first = &written.first().map(|w| w.0.to_string()).unwrap_or_default();
    text.push_str(&format!(
        "\nNext: `sagecred login --profile {first}` (once a day or so), then\n  eval \"$(sagecred env --profile {first})\"\n"
    ));
    output::print(&text)
}

/// A token for configuring: the cached one, refreshed if due, else a new sign-in.
fn token(ctx: &Context, session: &SsoSession, no_browser: bool) -> Result<CachedToken, CliError> {
    let cache = token_cache(ctx)?;
    if let Ok(Some(t)) = cache.load(session)
        && t.remaining(SystemTime::now()) > Duration::from_secs(60)
    {
        return Ok(t);
    }
    sign_in(ctx, session, no_browser, false)?.map_err(|e| sso_error(e, "sagecred login"))
}

/// Every (account id, role name) the token can reach, sorted.
fn assignments(
    ctx: &Context,
    session: &SsoSession,
    token: &CachedToken,
) -> Result<Vec<(String, String)>, CliError> {
    block_on(async {
        let client = SsoClient::with_endpoints(&session.region, &ctx.sso_endpoints()).await;
        sagecred_sso::assignments(&client, &token.access_token).await
    })?
    .map_err(|e| sso_error(e, "sagecred login"))
}

/// Picks the account and role: the flags, the only choice, or a numbered menu.
fn pick_assignment(
    ctx: &Context,
    session: &SsoSession,
    token: &CachedToken,
    account: Option<&str>,
    role: Option<&str>,
    interactive: bool,
) -> Result<(String, String), CliError> {
    let all = assignments(ctx, session, token)?;
    let matching: Vec<&(String, String)> = all
        .iter()
        .filter(|(a, r)| account.is_none_or(|x| x == a) && role.is_none_or(|x| x == r))
        .collect();
    match matching.as_slice() {
        [] => Err(CliError::user(
            "no account and role you can reach matches --account-id/--role-name",
        )
        .with_hint("list them with `sagecred sso configure --populate --output json`")),
        [one] => Ok((*one).clone()),
        many if interactive => {
            let mut menu = String::from("Accounts and roles you can use:\n");
            for (i, (a, r)) in many.iter().enumerate() {
                menu.push_str(&format!("  {:>2}. {a}  {r}\n", i + 1));
            }
            crate::output::eprint_text(&menu);
            let answer = output::ask("Number: ")?;
            let index: usize = answer
                .parse()
                .ok()
                .filter(|n| (1..=many.len()).contains(n))
                .ok_or_else(|| CliError::user(format!("`{answer}` is not one of the numbers")))?;
            Ok(many[index - 1].clone())
        }
        _ => Err(CliError::user(format!(
            "{} accounts/roles match; name one with --account-id and --role-name",
            matching.len()
        ))
        .with_hint("or write a profile for each with --populate")),
    }
}

/// A setting from its prompt, or an error naming the flag when prompting is not possible.
fn value(
    interactive: bool,
    prompt: &str,
    default: Option<&str>,
    flag: &str,
) -> Result<String, CliError> {
    if !interactive {
        return match default {
            Some(d) => Ok(d.to_owned()),
            None => Err(CliError::user(format!(
                "{flag} is required without a terminal"
            ))),
        };
    }
    let shown = match default {
        Some(d) => format!("{prompt} [{d}]: "),
        None => format!("{prompt}: "),
    };
    let answer = output::ask(&shown)?;
    match (answer.is_empty(), default) {
        (true, Some(d)) => Ok(d.to_owned()),
        (true, None) => Err(CliError::user(format!("{prompt} is required"))),
        (false, _) => Ok(answer),
    }
}
