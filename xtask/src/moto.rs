//! A moto server (the AWS API emulator) on 127.0.0.1, stopped when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Result;

/// A running moto server.
#[derive(Debug)]
pub(crate) struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    /// Starts moto with the AWS managed policies loaded, and waits until it answers.
    pub(crate) fn start(log_dir: &Path) -> Result<Self> {
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
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("cannot start moto: {e}"))?;
        let mut moto = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if http_get_ok(port, "/moto-api/data.json") {
                eprintln!("xtask: moto is up at {}", moto.endpoint());
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

    /// The endpoint URL for `AWS_ENDPOINT_URL`.
    pub(crate) fn endpoint(&self) -> String {
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
