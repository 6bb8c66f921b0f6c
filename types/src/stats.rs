//! Uptime and latency statistics.

use serde::{Deserialize, Serialize};

/// One window's numbers: `GET /api/v1/monitors/{id}/stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowStats {
    /// `24h`, `7d`, `30d`, `90d` or `365d`.
    pub window: String,
    /// Start of the window (a whole UTC hour for 24h/7d, a whole UTC day otherwise).
    pub from: String,
    /// End of the window: now.
    pub to: String,
    /// Share of the monitored time (existing, not paused) that no incident covered, in
    /// percent; null before any time was monitored.
    pub uptime_pct: Option<f64>,
    /// Latency percentiles of successful checks, ms (within 1 %); null without any.
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// Mean latency of successful checks, ms.
    pub avg_ms: Option<f64>,
    pub checks: u64,
    pub failed_checks: u64,
    /// Incidents that started in the window.
    pub incidents: u64,
    /// Monitored time covered by incidents.
    pub downtime_seconds: f64,
    /// Time the monitor existed and was not paused.
    pub monitored_seconds: f64,
}

/// A monitor's stats over every window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonitorStats {
    pub monitor_id: i64,
    /// Shortest first; `365d` only once rollups older than 90 days exist.
    pub windows: Vec<WindowStats>,
}
