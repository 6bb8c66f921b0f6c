//! Chart series: which rollup tier and step each chart window draws from, and a point from
//! the sum of its rows.

use super::buckets::{DAY, HOUR, MINUTE};
use super::sums::Sum;

/// A chart window: `span` ms, drawn from `tier` rollups in points of `step` ms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeriesSpec {
    pub name: &'static str,
    pub span: i64,
    pub tier: i64,
    pub step: i64,
}

/// The chart windows: at most 361 points each.
pub const SERIES: [SeriesSpec; 5] = [
    SeriesSpec {
        name: "1h",
        span: HOUR,
        tier: MINUTE,
        step: MINUTE,
    },
    SeriesSpec {
        name: "24h",
        span: DAY,
        tier: MINUTE,
        step: 5 * MINUTE,
    },
    SeriesSpec {
        name: "7d",
        span: 7 * DAY,
        tier: HOUR,
        step: HOUR,
    },
    SeriesSpec {
        name: "30d",
        span: 30 * DAY,
        tier: HOUR,
        step: 2 * HOUR,
    },
    SeriesSpec {
        name: "90d",
        span: 90 * DAY,
        tier: DAY,
        step: DAY,
    },
];

/// One point of a latency series.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Start of the point's interval, UTC ms.
    pub at_ms: i64,
    pub checks: i64,
    pub failed: i64,
    /// Successful checks' latency, ms; `None` when none succeeded.
    pub min_ms: Option<f64>,
    pub avg_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

/// One day's bar.
#[derive(Clone, Debug, PartialEq)]
pub struct DayBar {
    /// Start of the UTC day, ms.
    pub day_ms: i64,
    /// Time-weighted, `None` if the monitor was not monitored that day at all.
    pub uptime_pct: Option<f64>,
    pub downtime_ms: i64,
    /// Time in maintenance windows (left out of the uptime).
    pub maintenance_ms: i64,
    pub checks: i64,
    pub failed: i64,
}

/// A point from the sum of its rollup rows.
pub fn point(sum: Sum, at_ms: i64) -> Point {
    let ok = sum.checks - sum.failed;
    let h = sum.latency.filter(|h| !h.is_empty());
    Point {
        at_ms,
        checks: sum.checks,
        failed: sum.failed,
        min_ms: h.as_ref().map(|h| h.min() as f64 / 1000.0),
        avg_ms: (ok > 0).then(|| sum.latency_sum_us as f64 / ok as f64 / 1000.0),
        p99_ms: h
            .as_ref()
            .map(|h| h.value_at_quantile(0.99) as f64 / 1000.0),
    }
}
