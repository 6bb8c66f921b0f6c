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

/// One point of a latency chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatencyPoint {
    /// Start of the point's interval.
    pub at: String,
    pub checks: u64,
    pub failed_checks: u64,
    /// Successful checks' latency, ms (p99 within 1 %); null when none succeeded.
    pub min_ms: Option<f64>,
    pub avg_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

/// `GET /api/v1/monitors/{id}/latency?window=`: points oldest first; intervals without checks
/// are absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatencySeries {
    pub monitor_id: i64,
    /// `1h`, `24h`, `7d`, `30d` or `90d`.
    pub window: String,
    /// Width of each point: 60 (1h), 300 (24h), 3600 (7d), 7200 (30d), 86400 (90d).
    pub step_seconds: u64,
    pub points: Vec<LatencyPoint>,
}

/// One day of the uptime bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UptimeBar {
    /// The UTC day, `YYYY-MM-DD`.
    pub date: String,
    /// Time-weighted uptime of the day so far; null when the monitor was not monitored then
    /// (not created yet, or paused all day).
    pub uptime_pct: Option<f64>,
    pub downtime_seconds: f64,
    /// Time spent in maintenance windows (left out of the uptime).
    pub maintenance_seconds: f64,
    pub checks: u64,
    pub failed_checks: u64,
}

/// `GET /api/v1/monitors/{id}/uptime-bars?days=`: one bar per UTC day, oldest first, today
/// last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UptimeBars {
    pub monitor_id: i64,
    pub days: Vec<UptimeBar>,
}

/// The headline numbers of a monitor, as `GET /api/v1/monitors` and the live stream show
/// them. Recomputed in the background (about every 30 s), so they may trail the checks a
/// little; `GET /monitors/{id}/stats` is always current.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonitorSummary {
    /// Time-weighted uptime in percent over each window; null before anything was monitored.
    pub uptime_24h: Option<f64>,
    pub uptime_7d: Option<f64>,
    pub uptime_30d: Option<f64>,
    pub uptime_90d: Option<f64>,
    /// P99 latency of successful checks, ms.
    pub p99_24h_ms: Option<f64>,
    pub p99_7d_ms: Option<f64>,
    #[serde(default)]
    pub p99_30d_ms: Option<f64>,
    #[serde(default)]
    pub p99_90d_ms: Option<f64>,
    /// When these numbers were computed, RFC 3339 UTC.
    pub computed_at: String,
}

/// One monitor in the live stream (`GET /api/v1/stats/stream`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveMonitor {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub kind: crate::MonitorKind,
    /// What is checked, in short: the URL of HTTP monitors (see `Monitor::target`).
    pub url: String,
    pub status: crate::MonitorStatus,
    /// The newest check, or null before the first one.
    pub last_check: Option<crate::Check>,
    /// Null until first computed (shortly after start-up or creation).
    pub stats: Option<MonitorSummary>,
    /// The snapshot only: the latest checks (up to [`RECENT_CHECKS`]), oldest first, for the
    /// dashboard's bar. Absent in updates, whose `last_check` extends it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent: Vec<RecentCheck>,
}

/// How many of the latest checks the live stream's snapshot carries per monitor.
pub const RECENT_CHECKS: usize = 30;

/// A check in brief, as a compact array `[id, checked_at_ms, up, latency_ms, status_code,
/// error]`: `checked_at_ms` is Unix milliseconds, `status_code` and `error` may be null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecentCheck(
    pub i64,
    pub i64,
    pub bool,
    pub f64,
    pub Option<u16>,
    pub Option<String>,
);

/// The tuple as JSON Schema states it: six items of their own types (derive would say
/// "six objects").
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for RecentCheck {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ArrayItems, ObjectBuilder, Schema, Type};
        let of = |types: &[Type]| -> Schema {
            ObjectBuilder::new()
                .schema_type(utoipa::openapi::schema::SchemaType::from_iter(
                    types.iter().cloned(),
                ))
                .into()
        };
        ArrayBuilder::new()
            .description(Some(
                "A check in brief: `[id, checked_at_ms, up, latency_ms, status_code, error]`.",
            ))
            .prefix_items([
                of(&[Type::Integer]),
                of(&[Type::Integer]),
                of(&[Type::Boolean]),
                of(&[Type::Number]),
                of(&[Type::Integer, Type::Null]),
                of(&[Type::String, Type::Null]),
            ])
            .items(ArrayItems::False)
            .min_items(Some(6))
            .max_items(Some(6))
            .build()
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for RecentCheck {}

impl RecentCheck {
    /// The check's id.
    pub fn id(&self) -> i64 {
        self.0
    }
    /// When it ran, Unix milliseconds.
    pub fn at_ms(&self) -> i64 {
        self.1
    }
    /// Whether it succeeded.
    pub fn up(&self) -> bool {
        self.2
    }
    /// Its latency in ms.
    pub fn latency_ms(&self) -> f64 {
        self.3
    }
    /// The HTTP status, when there was an answer.
    pub fn status_code(&self) -> Option<u16> {
        self.4
    }
    /// Why it failed.
    pub fn error(&self) -> Option<&str> {
        self.5.as_deref()
    }
}

/// The `update` event of the live stream: monitors that changed since the last event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveUpdate {
    pub monitors: Vec<LiveMonitor>,
    /// Monitors deleted since the last event.
    pub removed: Vec<i64>,
}
