//! What a check does, behind one seam: a kind runs once against its target and returns a
//! [`CheckOutcome`]. The monitor actor's state machine only schedules checks and judges their
//! outcomes; it never knows kinds.
//!
//! Adding a kind: one file here with its `run`, its arm in [`run`], its spec in
//! `flatline_types` and how the store keeps it (see the README's "How to add …").

pub mod http;

use flatline_types::MonitorSpec;

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
}

impl CheckOutcome {
    /// Whether the check succeeded.
    pub fn up(&self) -> bool {
        self.error.is_none()
    }
}

/// Runs one check of `spec`. Never fails: every failure is described in the outcome.
pub async fn run(spec: &MonitorSpec) -> CheckOutcome {
    http::run(spec).await
}
