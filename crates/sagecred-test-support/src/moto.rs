//! A moto server (the AWS API emulator) on 127.0.0.1, stopped when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A failure to start moto, in words.
pub type Result<T> = std::result::Result<T, String>;

/// A running moto server.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    /// Starts moto with the AWS managed policies loaded, and waits until it answers.
    pub fn start(log_dir: &Path) -> Result<Self> {
        Self::start_with(log_dir, true)
    }

    fn start_with(log_dir: &Path, managed_policies: bool) -> Result<Self> {
        std::fs::create_dir_all(log_dir)
            .map_err(|e| format!("creating {}: {e}", log_dir.display()))?;
        let port = free_port()?;
        let log_path = log_dir.join("moto.log");
        let log = std::fs::File::create(&log_path)
            .map_err(|e| format!("creating {}: {e}", log_path.display()))?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .env(
                "MOTO_IAM_LOAD_MANAGED_POLICIES",
                if managed_policies { "true" } else { "false" },
            )
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("cannot start moto: {e}"))?;
        let mut moto = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if http_get_ok(port, "/moto-api/data.json") {
                return Ok(moto);
            }
            if let Ok(Some(status)) = moto.child.try_wait() {
                return Err(format!(
                    "moto exited ({status}) before answering; see {}",
                    log_path.display()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "moto did not answer within 60 s; see {}",
                    log_path.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Starts a private moto without the managed policies (which take seconds to load),
    /// for a test that changes server-wide state such as auth enforcement. Its log goes to
    /// `log_dir/moto.log`.
    pub fn start_private(log_dir: &Path) -> Result<Self> {
        Self::start_with(log_dir, false)
    }

    /// One plain HTTP/1.1 request to the server (its control API, `/moto-api/...`): the
    /// answer's status line, headers and body.
    pub fn request(&self, method: &str, path: &str, body: &str) -> std::io::Result<String> {
        let host = format!("127.0.0.1:{}", self.port);
        let mut stream = TcpStream::connect(&host)?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        let mut response = String::new();
        stream.read_to_string(&mut response)?;
        Ok(response)
    }

    /// The endpoint URL for `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago. moto binds it right after, so a clash is unlikely.
fn free_port() -> Result<u16> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("finding a free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// Whether a plain HTTP GET to 127.0.0.1 answers 200.
fn http_get_ok(port: u16, path: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.ends_with(b"200")
}
