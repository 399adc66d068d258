//! The IAM Identity Center emulator (`tests/interop/sso_emulator.py`) as a child process,
//! with its control API. Shared by sagecred-sso's tests and the CLI's.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// A running emulator; it stops when dropped (its stdin closes and it is killed).
#[derive(Debug)]
pub struct Emulator {
    child: Child,
    url: String,
}

impl Emulator {
    /// Starts an emulator on a free loopback port and waits for it to be ready.
    pub fn start() -> Self {
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/interop/sso_emulator.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .arg("--port")
            .arg("0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the SSO emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("the emulator did not start: {line:?}"))
            .to_owned();
        Self { child, url }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Merges `config` into the emulator's configuration.
    pub fn configure(&self, config: Value) -> Value {
        self.request("POST", "/_emu/config", Some(&config))
    }

    /// A registered client and tokens, as a finished sign-in would leave them.
    /// `ttl` is the access token's remaining life in seconds (negative: expired).
    pub fn session(&self, ttl: i64, with_refresh: bool) -> Value {
        self.request(
            "POST",
            "/_emu/session",
            Some(&serde_json::json!({"access_token_ttl": ttl, "with_refresh": with_refresh})),
        )
    }

    /// The request counters.
    pub fn stats(&self) -> Value {
        self.request("GET", "/_emu/stats", None)
    }

    /// How many CreateToken calls used `grant` (`refresh_token`, or the device-code URN).
    pub fn token_calls(&self, grant: &str) -> usize {
        self.stats()["create_token"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["grant_type"] == grant)
            .count()
    }

    /// A counter from the stats (`register_client`, `device_authorization`, ...).
    pub fn count(&self, name: &str) -> u64 {
        self.stats()[name]
            .as_u64()
            .unwrap_or_else(|| panic!("no counter {name}"))
    }

    fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let addr = self.url.strip_prefix("http://").unwrap();
        let mut stream = TcpStream::connect(addr).unwrap();
        let body = body.map(Value::to_string).unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        assert!(
            head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200"),
            "{head}\n{body}"
        );
        serde_json::from_str(body).unwrap()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The device-code grant's URN.
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
