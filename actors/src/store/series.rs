//! Chart data from rollups: a latency series per window, and per-day uptime bars.

use super::rollups::{bucket_start, DAY, HOUR, MINUTE};

use super::windows::{time_weighted, Sum};
use super::{Store, StoreResult, StoredMonitor};

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
    pub checks: i64,
    pub failed: i64,
}

/// A point from the sum of its rollup rows.
fn point(sum: Sum, at_ms: i64) -> Point {
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

impl Store {
    /// The latency series of `monitor` over `spec`, oldest point first; intervals without
    /// checks are absent.
    pub async fn latency_series(
        &self,
        monitor_id: i64,
        spec: SeriesSpec,
        now_ms: i64,
    ) -> StoreResult<Vec<Point>> {
        let end = bucket_start(now_ms, spec.step) + spec.step;
        let from = end - spec.span - spec.step;
        // Every check updates all three tiers, so the current bucket's row is up to date.
        let rows = self.rollups(monitor_id, spec.tier, from, end).await?;
        let mut points: Vec<Point> = Vec::new();
        let mut current: Option<(i64, Sum)> = None;
        for row in rows {
            let at = bucket_start(row.bucket_start, spec.step);
            if current.as_ref().is_some_and(|(t, _)| *t != at) {
                if let Some((t, sum)) = current.take() {
                    points.push(point(sum, t));
                }
            }
            current.get_or_insert((at, Sum::default())).1.add(&row)?;
        }
        if let Some((t, sum)) = current {
            points.push(point(sum, t));
        }
        Ok(points)
    }

    /// Per-UTC-day uptime of `monitor` for the last `days` days (today included), oldest
    /// first.
    pub async fn uptime_bars(
        &self,
        monitor: &StoredMonitor,
        days: i64,
        now_ms: i64,
    ) -> StoreResult<Vec<DayBar>> {
        let day0 = bucket_start(now_ms, DAY);
        let first = day0 - (days - 1) * DAY;
        let (pauses, incidents) = self.periods(monitor.id, first, now_ms).await?;
        let mut counts: std::collections::HashMap<i64, (i64, i64)> = Default::default();
        let mut tally = |start: i64, checks: i64, failed: i64| {
            let e = counts.entry(bucket_start(start, DAY)).or_insert((0, 0));
            e.0 += checks;
            e.1 += failed;
        };
        for r in self.rollups(monitor.id, DAY, first, day0 + 1).await? {
            tally(r.bucket_start, r.checks, r.failed);
        }
        Ok((0..days)
            .map(|i| {
                let start = first + i * DAY;
                let end = (start + DAY).min(now_ms);
                let (monitored, down) =
                    time_weighted((start, end), monitor.created_at_ms, &pauses, &incidents);
                let (checks, failed) = counts.get(&start).copied().unwrap_or((0, 0));
                DayBar {
                    day_ms: start,
                    uptime_pct: (monitored > 0)
                        .then(|| 100.0 * (monitored - down).max(0) as f64 / monitored as f64),
                    downtime_ms: down,
                    checks,
                    failed,
                }
            })
            .collect())
    }
}
