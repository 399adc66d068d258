//! `cargo xtask bench`: wall-time medians of sagecred's hot paths against reference
//! commands measured in the same run, printed as ratios against the budgets in the brief.
//!
//! This is a benchmark, not a test: it never fails on a slow machine, it reports.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::moto::Moto;
use crate::secret_service::SecretService;
use crate::{Result, cargo, root, run};

/// One measured command.
struct Case {
    label: String,
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    runs: usize,
    samples: Vec<Duration>,
}

impl Case {
    fn new(
        label: &str,
        program: impl Into<PathBuf>,
        args: &[&str],
        home: &Path,
        runs: usize,
    ) -> Self {
        let env = vec![
            ("HOME".to_owned(), home.display().to_string()),
            ("PATH".to_owned(), "/usr/bin:/bin".to_owned()),
            ("AWS_EC2_METADATA_DISABLED".to_owned(), "true".to_owned()),
            ("SHELL".to_owned(), "/bin/bash".to_owned()),
        ];
        Self {
            label: label.to_owned(),
            program: program.into(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            env,
            runs,
            samples: Vec::new(),
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    }

    fn run_once(&mut self) -> Result {
        let started = Instant::now();
        let status = self
            .command()
            .status()
            .map_err(|e| format!("running {}: {e}", self.label))?;
        let took = started.elapsed();
        if !status.success() {
            return Err(format!("`{}` failed ({status})", self.label));
        }
        self.samples.push(took);
        Ok(())
    }

    fn median(&self) -> Duration {
        percentile(&self.samples, 50)
    }

    /// Peak resident set size in KiB, through GNU time when it is installed.
    fn peak_rss_kib(&self) -> Option<u64> {
        let time = Path::new("/usr/bin/time");
        if !time.exists() {
            return None;
        }
        let out = Command::new(time)
            .args(["-f", "%M"])
            .arg(&self.program)
            .args(&self.args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()?
            .trim()
            .parse()
            .ok()
    }
}

fn percentile(samples: &[Duration], p: usize) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted
        .get((sorted.len().saturating_sub(1)) * p / 100)
        .copied()
        .unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn write_file(path: &Path, text: &str) -> Result {
    std::fs::create_dir_all(path.parent().unwrap()).map_err(|e| e.to_string())?;
    std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// A home with one SageMaker profile, keys in the plaintext file so that the AWS CLI's
/// export has something to export without any network.
fn small_home(dir: &Path) -> Result<PathBuf> {
    let home = dir.join("small");
    write_file(
        &home.join(".aws/config"),
        "[profile bench]\nregion = us-east-1\naws_account_id = 123456789012\nsagemaker_role_arn = arn:aws:iam::123456789012:role/SageMaker-UNetTraining-ExecutionRole\n",
    )?;
    write_file(
        &home.join(".aws/credentials"),
        "[bench]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    )?;
    Ok(home)
}

/// A home whose config holds 10,000 profiles; the benchmarked one is the last.
fn large_home(dir: &Path) -> Result<PathBuf> {
    let home = dir.join("large");
    let mut config = String::new();
    for i in 0..10_000 {
        let _ = write!(
            config,
            "[profile p{i}]\nregion = us-east-1\naws_account_id = 123456789012\n# team {i}\nsagemaker_role_arn = arn:aws:iam::123456789012:role/team{i}/Trainer\n\n"
        );
    }
    write_file(&home.join(".aws/config"), &config)?;
    Ok(home)
}

/// Set in the re-run of the bench inside a session keyring of its own.
const IN_SESSION_VAR: &str = "SAGECRED_BENCH_IN_SESSION";

pub(crate) fn bench(args: &[String]) -> Result {
    // The encrypted-file store keeps its unlocked identity in the login session's keyring.
    // Run the whole bench in a throwaway session keyring of its own (`keyctl session -`),
    // so that the measured runs see an unlocked store and nothing is left behind.
    if std::env::var_os(IN_SESSION_VAR).is_none() && Path::new("/usr/bin/keyctl").exists() {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        return run(Command::new("/usr/bin/keyctl")
            .args(["session", "-"])
            .arg(exe)
            .arg("bench")
            .args(args)
            .env(IN_SESSION_VAR, "1"));
    }
    let quick = args.iter().any(|a| a == "--quick");
    run(cargo().args(["build", "--release", "--locked", "-p", "sagecred-cli"]))?;
    let bin = root().join("target/release/sagecred");
    let dir = root().join("target/xtask/bench");
    let _ = std::fs::remove_dir_all(&dir);
    let small = small_home(&dir)?;
    let large = large_home(&dir)?;
    let n = if quick { 60 } else { 400 };

    // credential-process reads a keychain: start the private Secret Service and moto (for
    // the one GetSessionToken that fills the session cache), and store the bench key.
    let moto = Moto::start(&root().join("target/xtask"))?;
    let keyring = SecretService::start(&dir.join("secret-service"))?;
    let keychain_home = dir.join("keychain");
    std::fs::create_dir_all(keychain_home.join(".aws")).map_err(|e| e.to_string())?;
    let mut extra_env = keyring.env();
    extra_env.push(("AWS_ENDPOINT_URL".to_owned(), moto.endpoint()));
    let with_env = |mut case: Case| {
        case.env.extend(extra_env.iter().cloned());
        case
    };
    let mut configure = with_env(Case::new(
        "configure",
        &bin,
        &["configure", "--profile", "kbench", "--stdin"],
        &keychain_home,
        1,
    ))
    .command();
    configure.stdin(Stdio::piped());
    let mut child = configure.spawn().map_err(|e| e.to_string())?;
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(b"AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
            .map_err(|e| e.to_string())?;
    }
    if !child.wait().map_err(|e| e.to_string())?.success() {
        return Err("storing the bench key in the keychain failed".to_owned());
    }
    let mut fill = with_env(Case::new(
        "fill",
        &bin,
        &["credential-process", "--profile", "kbench"],
        &keychain_home,
        1,
    ));
    fill.run_once()?;

    // The encrypted-file store: a key stored with the passphrase from a command (which
    // unlocks the store for this session keyring), and one session fetched and cached.
    let age_home = dir.join("encrypted-file");
    std::fs::create_dir_all(age_home.join(".aws")).map_err(|e| e.to_string())?;
    let with_passphrase = |mut case: Case, command: &str| {
        case.env
            .push(("AWS_ENDPOINT_URL".to_owned(), moto.endpoint()));
        case.env
            .push(("SAGECRED_PASSPHRASE_COMMAND".to_owned(), command.to_owned()));
        case
    };
    let mut configure = with_passphrase(
        Case::new(
            "configure",
            &bin,
            &[
                "configure",
                "--profile",
                "ebench",
                "--stdin",
                "--store",
                "encrypted-file",
            ],
            &age_home,
            1,
        ),
        "printf %s bench-passphrase",
    )
    .command();
    configure.stdin(Stdio::piped());
    let mut child = configure.spawn().map_err(|e| e.to_string())?;
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(b"AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
            .map_err(|e| e.to_string())?;
    }
    if !child.wait().map_err(|e| e.to_string())?.success() {
        return Err("storing the bench key in the encrypted-file store failed".to_owned());
    }
    let age_args = [
        "credential-process",
        "--profile",
        "ebench",
        "--store",
        "encrypted-file",
    ];
    with_passphrase(
        Case::new("fill", &bin, &age_args, &age_home, 1),
        "printf %s bench-passphrase",
    )
    .run_once()?;

    let mut cases = vec![
        Case::new("/bin/true", "/bin/true", &[], &small, n),
        Case::new(
            "sagecred env",
            &bin,
            &["env", "--profile", "bench"],
            &small,
            n,
        ),
        Case::new(
            "sagecred env (10,000 profiles)",
            &bin,
            &["env", "--profile", "p9999"],
            &large,
            n,
        ),
    ];
    cases.push(with_env(Case::new(
        "sagecred credential-process (cached session, Secret Service)",
        &bin,
        &["credential-process", "--profile", "kbench"],
        &keychain_home,
        if quick { 30 } else { 150 },
    )));
    // A passphrase command that fails: a run that needed the passphrase would fail the
    // bench, so every measured run is served by the unlocked identity.
    cases.push(with_passphrase(
        Case::new(
            "sagecred credential-process (cached session, unlocked encrypted-file store)",
            &bin,
            &age_args,
            &age_home,
            if quick { 30 } else { 150 },
        ),
        "false",
    ));
    let aws = Path::new("/usr/bin/aws");
    let has_aws = aws.exists();
    if has_aws {
        for format in ["env", "process"] {
            cases.push(Case::new(
                &format!("aws configure export-credentials --format {format}"),
                aws,
                &[
                    "configure",
                    "export-credentials",
                    "--profile",
                    "bench",
                    "--format",
                    format,
                ],
                &small,
                if quick { 3 } else { 10 },
            ));
        }
    }

    // Warm the page cache, then interleave the cases round by round, so that a slow spell
    // of the machine hits every command alike.
    for case in &mut cases {
        for _ in 0..3.min(case.runs) {
            case.command().status().map_err(|e| e.to_string())?;
        }
    }
    let max_runs = cases.iter().map(|c| c.runs).max().unwrap_or(0);
    for round in 0..max_runs {
        for case in &mut cases {
            if round < case.runs {
                case.run_once()?;
            }
        }
    }

    let true_median = cases[0].median();
    let env_median = cases[1].median();
    let large_median = cases[2].median();
    let mut table = String::new();
    let _ = writeln!(
        table,
        "| command | runs | median | p90 | peak RSS | ratio |"
    );
    let _ = writeln!(table, "|---|---:|---:|---:|---:|---|");
    for case in &cases {
        let ratio = case.median().as_secs_f64() / true_median.as_secs_f64().max(1e-9);
        let rss = case
            .peak_rss_kib()
            .map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
            .unwrap_or_else(|| "n/a".to_owned());
        let _ = writeln!(
            table,
            "| `{}` | {} | {} | {} | {} | {:.2}x `/bin/true` |",
            case.label,
            case.samples.len(),
            ms(case.median()),
            ms(percentile(&case.samples, 90)),
            rss,
            ratio
        );
    }
    let _ = writeln!(table);
    let verdict = |ok: bool| if ok { "meets" } else { "MISSES" };
    let env_ratio = env_median.as_secs_f64() / true_median.as_secs_f64().max(1e-9);
    let _ = writeln!(
        table,
        "- `sagecred env` / `/bin/true` = {env_ratio:.2}x (budget at most 2x): {}",
        verdict(env_ratio <= 2.0)
    );
    let _ = writeln!(
        table,
        "- `sagecred env` with 10,000 profiles = {} (budget under 5 ms): {}",
        ms(large_median),
        verdict(large_median < Duration::from_millis(5))
    );
    let cp_median = cases[3].median();
    let _ = writeln!(
        table,
        "- `sagecred credential-process` from the cached session = {} (budget under 20 ms): {}",
        ms(cp_median),
        verdict(cp_median < Duration::from_millis(20))
    );
    let age_median = cases[4].median();
    let _ = writeln!(
        table,
        "- `sagecred credential-process` from the unlocked encrypted-file store's cached session = {} (budget under 10 ms): {}",
        ms(age_median),
        verdict(age_median < Duration::from_millis(10))
    );
    if has_aws {
        let aws_median = cases[5].median();
        let aws_process = cases[6].median();
        let _ = writeln!(
            table,
            "- `aws configure export-credentials --format process` / `sagecred credential-process` = {:.0}x",
            aws_process.as_secs_f64() / cp_median.as_secs_f64().max(1e-9)
        );
        let speedup = aws_median.as_secs_f64() / env_median.as_secs_f64().max(1e-9);
        let _ = writeln!(
            table,
            "- `aws configure export-credentials` / `sagecred env` = {speedup:.0}x (budget at least 300x): {}",
            verdict(speedup >= 300.0)
        );
    } else {
        let _ = writeln!(
            table,
            "- `/usr/bin/aws` is not installed: the AWS CLI comparison was skipped"
        );
    }
    drop(keyring);
    drop(moto);
    print!("{table}");
    let out = root().join("target/xtask/bench.md");
    write_file(&out, &table)?;
    eprintln!("xtask: table written to {}", out.display());
    Ok(())
}
