//! Starting, stopping and talking to the real `flatline` binary.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Once};
use std::time::{Duration, Instant};

use serde_json::Value;

static BUILD: Once = Once::new();

/// The `flatline` binary, built (or brought up to date) once per test process.
pub fn binary() -> PathBuf {
    if let Ok(path) = std::env::var("FLATLINE_BIN") {
        return PathBuf::from(path);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    BUILD.call_once(|| {
        let cargo = option_env!("CARGO").unwrap_or("cargo");
        let mut cmd = Command::new(cargo);
        // cargo test sets CARGO_PKG_*, CARGO_MANIFEST_DIR, LD_LIBRARY_PATH, … for the test;
        // build scripts that watch such variables would rerun and rebuild half the tree.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            let per_test = [
                "CARGO_PKG_",
                "CARGO_MANIFEST_",
                "CARGO_BIN_",
                "CARGO_CRATE_",
                "CARGO_TARGET_TMPDIR",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_RUSTC_CURRENT_DIR",
                "LD_LIBRARY_PATH",
                "RUST_TEST_",
            ];
            if per_test.iter().any(|p| key.starts_with(p)) {
                cmd.env_remove(key.as_ref());
            }
        }
        let status = cmd
            .current_dir(&workspace)
            .args([
                "build",
                "--quiet",
                "-p",
                "flatline-server",
                "--bin",
                "flatline",
            ])
            .status()
            .expect("run cargo build for the flatline binary");
        assert!(status.success(), "building the flatline binary failed");
    });
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"));
    target.join("debug").join("flatline")
}

/// How to start Flatline.
#[derive(Clone, Debug, Default)]
pub struct FlatlineOptions {
    /// `DATABASE_URL`; default a fresh SQLite file in the instance's temporary directory.
    pub database_url: Option<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// `--address`; default `127.0.0.1:0` (any free port).
    pub address: Option<String>,
    /// Send no credentials: no API token is created for the instance.
    pub anonymous: bool,
}

/// An answer: status, headers, and the body parsed as JSON (a JSON string if it is not JSON,
/// Null if empty).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: awc::http::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The value of the cookie `name` set by this answer (`Some("")` when it is cleared).
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok())
            .filter_map(|c| c.split(';').next())
            .filter_map(|pair| pair.split_once('='))
            .find(|(n, _)| n.trim() == name)
            .map(|(_, v)| v.trim().to_owned())
    }
}

/// A running `flatline` process on 127.0.0.1 with its own database.
pub struct Flatline {
    child: Option<Child>,
    pub base_url: String,
    pub database_url: String,
    options: FlatlineOptions,
    pub dir: tempfile::TempDir,
    client: awc::Client,
    /// The API token the kit's requests send (created with `flatline token create` before
    /// the first start); `None` for anonymous instances.
    pub token: Option<String>,
}

impl Flatline {
    /// Starts Flatline with a fresh SQLite database.
    pub fn start() -> Self {
        Self::start_with(FlatlineOptions::default())
    }

    /// Starts Flatline with `options`.
    pub fn start_with(options: FlatlineOptions) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let database_url = options
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite:{}", dir.path().join("flatline.db").display()));
        let token = (!options.anonymous).then(|| {
            let out = cli(&database_url, &["token", "create", "--name", "e2e"]);
            assert!(out.status.success(), "flatline token create: {out:?}");
            String::from_utf8_lossy(&out.stdout).trim().to_owned()
        });
        let (child, base_url) = spawn(&dir, &database_url, &options);
        Self {
            child: Some(child),
            base_url,
            database_url,
            options,
            dir,
            client: awc::Client::builder()
                .timeout(Duration::from_secs(30))
                .disable_redirects()
                .finish(),
            token,
        }
    }

    /// Runs `flatline ARGS…` (a subcommand) against this instance's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        cli(&self.database_url, args)
    }

    /// Sends `method path` with the given headers and body and no credentials but those.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Answer {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, self.url(path));
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        let mut res = match body {
            Some(b) => {
                req.insert_header(("Content-Type", "application/json"))
                    .send_body(b.to_owned())
                    .await
            }
            None => req.send().await,
        }
        .unwrap_or_else(|e| panic!("request to {path}: {e}"));
        let bytes = res.body().limit(64 * 1024 * 1024).await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Answer {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body,
        }
    }

    /// Stops with SIGTERM and returns the exit status.
    pub fn stop(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("flatline is running");
        signal(&child, "TERM");
        wait_with_deadline(&mut child, Duration::from_secs(30))
    }

    /// Kills with SIGKILL (a crash).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts again on the same database (after `stop` or `kill`).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "stop or kill first");
        let (child, base_url) = spawn(&self.dir, &self.database_url, &self.options);
        self.child = Some(child);
        self.base_url = base_url;
    }

    /// The process id, while running.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// The log so far (every run of this instance).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("flatline.log")).unwrap_or_default()
    }

    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Sends a request with the instance's API token and an optional JSON body; returns
    /// status and parsed body (Null if empty).
    pub async fn request(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = auth
            .as_deref()
            .map(|a| ("Authorization", a))
            .into_iter()
            .collect();
        let answer = self.send(method, path, &headers, body).await;
        (answer.status, answer.body)
    }

    /// GET, expecting 200.
    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.request("GET", path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// POST JSON.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.request("POST", path, Some(&body.to_string())).await
    }

    /// PATCH JSON.
    pub async fn patch(&self, path: &str, body: &Value) -> (u16, Value) {
        self.request("PATCH", path, Some(&body.to_string())).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> u16 {
        self.request("DELETE", path, None).await.0
    }

    /// Creates a monitor, expecting 201; returns it.
    pub async fn create_monitor(&self, body: Value) -> Value {
        let (status, monitor) = self.post("/api/v1/monitors", &body).await;
        assert_eq!(status, 201, "create monitor: {monitor}");
        monitor
    }

    /// A monitor's checks, newest first (up to 1000).
    pub async fn checks(&self, id: i64) -> Vec<Value> {
        let v = self
            .get(&format!("/api/v1/monitors/{id}/checks?limit=1000"))
            .await;
        v.as_array().cloned().unwrap_or_default()
    }

    /// A monitor's incidents.
    pub async fn incidents(&self, id: i64) -> Vec<Value> {
        let v = self.get(&format!("/api/v1/monitors/{id}/incidents")).await;
        v.as_array().cloned().unwrap_or_default()
    }

    /// A monitor's status.
    pub async fn status(&self, id: i64) -> String {
        let m = self.get(&format!("/api/v1/monitors/{id}")).await;
        m["status"].as_str().unwrap_or_default().to_owned()
    }

    /// Polls until monitor `id` has `status`, or panics after `timeout`.
    pub async fn wait_for_status(&self, id: i64, status: &str, timeout: Duration) {
        let what = format!("monitor {id} {status}");
        crate::eventually(&what, timeout, || async {
            (self.status(id).await == status).then_some(())
        })
        .await;
    }

    /// Polls until monitor `id` has a stored check and returns the newest.
    pub async fn newest_check(&self, id: i64, timeout: Duration) -> Value {
        let what = format!("a stored check of monitor {id}");
        crate::eventually(&what, timeout, || async {
            self.checks(id).await.into_iter().next()
        })
        .await
    }
}

impl Drop for Flatline {
    fn drop(&mut self) {
        if let Some(child) = &self.child {
            signal(child, "TERM");
        }
        if let Some(mut child) = self.child.take() {
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!("---- flatline log ----\n{}", self.log());
        }
    }
}

/// Sends a signal by name (`TERM`, `INT`) with kill(1): the workspace forbids unsafe code.
fn signal(child: &Child, sig: &str) {
    let _ = Command::new("kill")
        .args([format!("-{sig}"), child.id().to_string()])
        .status();
}

fn wait_with_deadline(child: &mut Child, timeout: Duration) -> ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "flatline did not exit within {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs a `flatline` subcommand against `database_url`.
fn cli(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(binary())
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run a flatline subcommand")
}

fn spawn(
    dir: &tempfile::TempDir,
    database_url: &str,
    options: &FlatlineOptions,
) -> (Child, String) {
    let mut cmd = Command::new(binary());
    cmd.current_dir(dir.path())
        .args([
            "--address",
            options.address.as_deref().unwrap_or("127.0.0.1:0"),
        ])
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in &options.env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start flatline");
    let (tx, rx) = mpsc::channel();
    let log_path = dir.path().join("flatline.log");
    for stream in [
        Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().expect("stderr")),
    ] {
        let tx = tx.clone();
        let log_path = log_path.clone();
        std::thread::spawn(move || {
            let mut log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log_path)
                .expect("log file");
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = writeln!(log, "{line}");
                if line.contains("listening") {
                    if let Some(addr) = line.split("address=").nth(1) {
                        let _ = tx.send(addr.split_whitespace().next().unwrap_or("").to_owned());
                    }
                }
            }
        });
    }
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(url) => (child, url),
        Err(_) => {
            let _ = child.kill();
            panic!(
                "flatline did not report its address; log:\n{}",
                std::fs::read_to_string(&log_path).unwrap_or_default()
            );
        }
    }
}
