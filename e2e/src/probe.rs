//! Starting and stopping real `flatline probe` processes.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::flatline::binary;

/// A running `flatline probe` on loopback, checking from `source` (its own 127.x address).
pub struct Probe {
    child: Option<Child>,
    pub location: String,
    pub server: String,
    pub token: String,
    pub source: String,
    /// Its `--data-dir` (kept across restarts), and its log.
    pub dir: tempfile::TempDir,
}

impl Probe {
    /// Starts a probe of `location` against `server` with a probe `token`, its checks
    /// leaving from `source`.
    pub fn start(server: &str, token: &str, location: &str, source: &str) -> Self {
        let mut probe = Self {
            child: None,
            location: location.to_owned(),
            server: server.to_owned(),
            token: token.to_owned(),
            source: source.to_owned(),
            dir: tempfile::tempdir().expect("tempdir"),
        };
        probe.restart();
        probe
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("probe.log")
    }

    /// Starts again (after `kill` or `stop`), with what it buffered on disk.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "stop or kill first");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("probe log");
        let child = Command::new(binary())
            .args([
                "probe",
                "--server",
                &self.server,
                "--location",
                &self.location,
                "--source-address",
                &self.source,
                "--data-dir",
                &self.dir.path().join("data").display().to_string(),
                "--workers",
                "1",
            ])
            .env("FLATLINE_PROBE_TOKEN", &self.token)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start flatline probe");
        self.child = Some(child);
    }

    /// Kills with SIGKILL.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops with SIGTERM (what waits is saved to disk) and waits for the exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }

    /// Whether the process still runs (it exits on a refused token).
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// The process id, while running.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!("---- probe {} log ----\n{}", self.location, self.log());
        }
    }
}
