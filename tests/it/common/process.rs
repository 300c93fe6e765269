//! The real `zerda` binary, started as a child process on a loopback port.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_zerda");

/// A free loopback port (bound then released; another process could take it
/// in between, which is unlikely enough for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Runs a one-shot command, e.g. `zerda(&dir, &["migrate", "--status"], None)`.
pub fn zerda(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("ZERDA_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zerda");
    if let Some(input) = stdin {
        use std::io::Write;
        let _ = child.stdin.take().map(|mut s| s.write_all(input.as_bytes()));
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().expect("zerda output")
}

pub struct ZerdaProcess {
    pub child: Child,
    pub port: u16,
    pub base: String,
    pub data_dir: PathBuf,
    log: Arc<Mutex<String>>,
}

impl ZerdaProcess {
    /// Starts `zerda serve` and waits until it logs that it is listening.
    pub fn start(data_dir: &Path, extra_env: &[(&str, &str)]) -> ZerdaProcess {
        ZerdaProcess::start_at(data_dir, free_port(), extra_env)
    }

    /// Starts `zerda serve` on a given port (a restart keeps its address).
    pub fn start_at(data_dir: &Path, port: u16, extra_env: &[(&str, &str)]) -> ZerdaProcess {
        let listen = format!("127.0.0.1:{port}");
        let base = format!("http://{listen}");
        let mut command = Command::new(BIN);
        command
            .args(["serve", "--listen", &listen, "--public-url", &base, "--data-dir"])
            .arg(data_dir)
            .env_remove("ZERDA_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in extra_env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start zerda serve");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink.lock().expect("log");
                log.push_str(&line);
                log.push('\n');
            }
        });
        let process = ZerdaProcess { child, port, base, data_dir: data_dir.to_path_buf(), log };
        process.wait_for_log(&format!("listening on http://{listen}"), Duration::from_secs(30));
        process
    }

    pub fn log(&self) -> String {
        self.log.lock().expect("log").clone()
    }

    /// Waits until a log line contains `needle`; returns that line. Panics on timeout.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            if let Some(line) = self.log().lines().find(|l| l.contains(needle)) {
                return line.to_string();
            }
            assert!(
                start.elapsed() < timeout,
                "no log line with {needle:?} within {timeout:?}; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL: no chance to clean up, like a power cut for the process.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait (bounded) for the exit status.
    pub fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            if start.elapsed() > timeout {
                self.kill9();
                panic!("zerda did not stop within {timeout:?} after SIGTERM; log:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ZerdaProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill9();
        }
    }
}

/// A small HTTP client for the real server that keeps cookies, as a browser would.
pub struct Browser {
    agent: ureq::Agent,
    pub cookies: Vec<(String, String)>,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    pub fn csrf_token(&self) -> Option<String> {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker)? + marker.len();
        let end = self.body[start..].find('"')?;
        Some(self.body[start..start + end].to_string())
    }
}

impl Default for Browser {
    fn default() -> Self {
        Browser::new()
    }
}

impl Browser {
    pub fn new() -> Browser {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Browser { agent, cookies: Vec::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn absorb(&mut self, response: &ureq::http::Response<ureq::Body>) {
        for value in response.headers().get_all("set-cookie") {
            let Ok(text) = value.to_str() else { continue };
            let Some((pair, _)) = text.split_once(';').or(Some((text, ""))) else {
                continue;
            };
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            self.cookies.retain(|(k, _)| k != name);
            if !value.is_empty() {
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
    }

    fn finish(
        &mut self,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Page, String> {
        let mut response = result.map_err(|e| e.to_string())?;
        self.absorb(&response);
        let status = response.status().as_u16();
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Ok(Page { status, location, body })
    }

    pub fn get(&mut self, url: &str) -> Result<Page, String> {
        let result = self.agent.get(url).header("cookie", &self.cookie_header()).call();
        self.finish(result)
    }

    pub fn post(&mut self, url: &str, fields: &[(&str, &str)]) -> Result<Page, String> {
        let body = serde_urlencoded::to_string(fields).map_err(|e| e.to_string())?;
        let result = self
            .agent
            .post(url)
            .header("cookie", &self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .send(body.as_bytes());
        self.finish(result)
    }

    /// Logs in through the real login form of `base` (e.g. `server.url("")`);
    /// panics unless the server answers with its redirect.
    pub fn log_in(&mut self, base: &str, email: &str, password: &str) {
        let login = format!("{base}/login");
        let token = self.get(&login).expect("login page").csrf_token().expect("token");
        let r = self
            .post(&login, &[("csrf_token", &token), ("email", email), ("password", password)])
            .expect("login");
        assert_eq!(r.status, 303, "{email} could not log in: {}", r.body);
    }
}
