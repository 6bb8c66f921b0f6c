//! What a check does, behind one seam: a kind runs once against its target and returns a
//! [`CheckOutcome`]. The monitor actor's state machine only schedules checks and judges their
//! outcomes; it never knows kinds.
//!
//! Adding a kind: one file here with its `run`, its arm in [`run`], its variant of
//! `flatline_types::Target` and how the store keeps it (see the README's "How to add …").
//! Push monitors check nothing: their outcomes come from pings ([`push`]).

pub mod assertions;
pub mod dns;
pub mod http;
pub mod ping;
pub mod push;
pub mod tcp;
pub mod tls;

use std::time::Duration;

use flatline_types::{MonitorSpec, Target};

pub use assertions::{Compiled, Facts};
pub use tls::CertificateFacts;

/// The local address every check leaves from, when set (`flatline probe --source-address`).
static SOURCE_ADDRESS: std::sync::OnceLock<std::net::IpAddr> = std::sync::OnceLock::new();

/// Makes every check of this process leave from `ip` (a probe on a host with several
/// uplinks tests one of them). Set once, before the first check; false if already set.
pub fn bind_checks_to(ip: std::net::IpAddr) -> bool {
    SOURCE_ADDRESS.set(ip).is_ok()
}

/// The address checks leave from, if one was set.
pub fn source_address() -> Option<std::net::IpAddr> {
    SOURCE_ADDRESS.get().copied()
}

/// Connects a TCP stream to `host:port`, from the source address when one is set.
pub(crate) async fn connect_tcp(host: &str, port: u16) -> std::io::Result<tokio::net::TcpStream> {
    let Some(source) = source_address() else {
        return tokio::net::TcpStream::connect((host, port)).await;
    };
    let mut last = None;
    for addr in tokio::net::lookup_host((host, port)).await? {
        if addr.is_ipv4() != source.is_ipv4() {
            continue;
        }
        let socket = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        socket.bind(std::net::SocketAddr::new(source, 0))?;
        match socket.connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::AddrNotAvailable,
            format!("no address of {host} in the source address's family"),
        )
    }))
}

/// The result of one check, of any kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    /// UTC milliseconds when the check started.
    pub started_at_ms: i64,
    /// From the check's start to its end (for HTTP, the end of reading the capped body).
    pub latency_us: i64,
    /// The protocol's status, where it has one (HTTP).
    pub status_code: Option<u16>,
    /// Why the check failed; `None` when it succeeded.
    pub error: Option<String>,
    /// The leaf certificate the target presented, when the check read one.
    pub certificate: Option<CertificateFacts>,
}

impl CheckOutcome {
    /// The outcome of a check that has no protocol status (every kind but HTTP).
    pub fn without_status(started_at_ms: i64, latency_us: i64, error: Option<String>) -> Self {
        Self {
            started_at_ms,
            latency_us,
            status_code: None,
            error,
            certificate: None,
        }
    }

    /// Whether the check succeeded.
    pub fn up(&self) -> bool {
        self.error.is_none()
    }

    /// The latency in milliseconds, as assertions see it.
    pub fn latency_ms(&self) -> f64 {
        self.latency_us as f64 / 1000.0
    }
}

/// A monitor's configuration made ready to check: its assertions compiled once.
#[derive(Debug)]
pub struct Plan {
    pub spec: MonitorSpec,
    pub assertions: Compiled,
}

impl Plan {
    /// Prepares `spec` for checking.
    pub fn new(spec: MonitorSpec) -> Self {
        let assertions = Compiled::new(&spec.assertions);
        Self { spec, assertions }
    }

    /// The per-check timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(u64::from(self.spec.timeout_ms))
    }
}

/// Runs one check of `plan`. Never fails: every failure is described in the outcome.
/// `read_certificate` asks an `https` check to read its target's certificate too (a TLS
/// handshake of its own; `tcp` with `tls` always reads it).
pub async fn run(plan: &Plan, read_certificate: bool) -> CheckOutcome {
    match &plan.spec.target {
        Target::Http(target) => http::run(plan, target, read_certificate).await,
        Target::Tcp(target) => tcp::run(plan, target).await,
        Target::Dns(target) => dns::run(plan, target).await,
        Target::Ping(target) => ping::run(plan, target).await,
        // Nothing to check: the monitor actor judges pings and their absence.
        Target::Push(_) => push::not_checked(),
    }
}

/// Applies the assertions that need no protocol facts (latency, certificate) to an outcome
/// that is otherwise up.
pub(crate) fn judge(plan: &Plan, mut outcome: CheckOutcome, facts: Facts<'_>) -> CheckOutcome {
    if outcome.error.is_none() && !plan.assertions.is_empty() {
        outcome.error = plan.assertions.check(&Facts {
            latency_ms: outcome.latency_ms(),
            ..facts
        });
    }
    outcome
}

/// A duration in whole microseconds, as outcomes keep latency.
pub fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// A TLS failure carried in an I/O error, as a reason: `tls error: …`.
pub(crate) fn rustls_reason(io: &std::io::Error) -> Option<String> {
    io.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .map(|tls| format!("tls error: {tls}"))
}

/// A failed connection, as a reason: `connection refused`, `connection reset`, `tls error: …`.
pub(crate) fn describe_io_error(io: &std::io::Error) -> String {
    use std::io::ErrorKind;
    if let Some(reason) = rustls_reason(io) {
        return reason;
    }
    match io.kind() {
        ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        ErrorKind::ConnectionReset => "connection reset".to_owned(),
        ErrorKind::TimedOut => "connection timed out".to_owned(),
        ErrorKind::InvalidData => format!("tls error: {io}"),
        _ => format!("connection failed: {io}"),
    }
}
