//! Starting, stopping and talking to the real `flatline` binary.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Once};
use std::time::{Duration, Instant};

use crate::client::ApiClient;

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

/// A running `flatline` process on 127.0.0.1 with its own database.
pub struct Flatline {
    child: Option<Child>,
    pub database_url: String,
    options: FlatlineOptions,
    pub dir: tempfile::TempDir,
    /// Its API, with the token made by `flatline token create` before the first start (none
    /// for anonymous instances).
    api: ApiClient,
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
            database_url,
            options,
            dir,
            api: ApiClient::new(base_url, token),
        }
    }

    /// Runs `flatline ARGS…` (a subcommand) against this instance's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        cli(&self.database_url, args)
    }

    /// Runs `flatline ARGS…` as a client of this running instance (`apply`, `export`): its
    /// address and API token in `FLATLINE_SERVER` and `FLATLINE_TOKEN`, `env` beside them,
    /// in the instance's directory.
    pub fn client_cli(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        let mut cmd = Command::new(binary());
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("FLATLINE_SERVER", &self.api.base_url)
            .env(
                "FLATLINE_TOKEN",
                self.api.token.as_deref().unwrap_or_default(),
            )
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run a flatline client command")
    }

    /// Sends SIGHUP (a configuration file is applied again).
    pub fn hangup(&self) {
        if let Some(child) = &self.child {
            signal(child, "HUP");
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

    /// Freezes the process (SIGSTOP): it keeps its connections and its beliefs.
    pub fn freeze(&self) {
        if let Some(child) = &self.child {
            signal(child, "STOP");
        }
    }

    /// Lets a frozen process go on (SIGCONT).
    pub fn thaw(&self) {
        if let Some(child) = &self.child {
            signal(child, "CONT");
        }
    }

    /// Starts again on the same database (after `stop` or `kill`).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "stop or kill first");
        let (child, base_url) = spawn(&self.dir, &self.database_url, &self.options);
        self.child = Some(child);
        self.api.base_url = base_url;
    }

    /// The process id, while running.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// The log so far (every run of this instance).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("flatline.log")).unwrap_or_default()
    }
}

impl std::ops::Deref for Flatline {
    type Target = ApiClient;

    fn deref(&self) -> &ApiClient {
        &self.api
    }
}

impl Drop for Flatline {
    fn drop(&mut self) {
        if let Some(child) = &self.child {
            // A frozen process would not take the TERM.
            signal(child, "CONT");
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
