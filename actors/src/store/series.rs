//! Chart data from rollups: a latency series per window, and per-day uptime bars.

use hdrhistogram::Histogram;

use super::rollups::{bucket_start, decode, DAY, HOUR, MINUTE};

use super::windows::time_weighted;
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

struct Acc {
    checks: i64,
    failed: i64,
    sum_us: i64,
    latency: Option<Histogram<u32>>,
}

impl Acc {
    fn point(self, at_ms: i64) -> Point {
        let ok = self.checks - self.failed;
        let h = self.latency.filter(|h| !h.is_empty());
        Point {
            at_ms,
            checks: self.checks,
            failed: self.failed,
            min_ms: h.as_ref().map(|h| h.min() as f64 / 1000.0),
            avg_ms: (ok > 0).then(|| self.sum_us as f64 / ok as f64 / 1000.0),
            p99_ms: h
                .as_ref()
                .map(|h| h.value_at_quantile(0.99) as f64 / 1000.0),
        }
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
        let mut current: Option<(i64, Acc)> = None;
        for row in rows {
            let at = bucket_start(row.bucket_start, spec.step);
            if current.as_ref().is_some_and(|(t, _)| *t != at) {
                if let Some((t, acc)) = current.take() {
                    points.push(acc.point(t));
                }
            }
            let (_, acc) = current.get_or_insert((
                at,
                Acc {
                    checks: 0,
                    failed: 0,
                    sum_us: 0,
                    latency: None,
                },
            ));
            acc.checks += row.checks;
            acc.failed += row.failed;
            acc.sum_us += row.latency_sum_us;
            if let Some(bytes) = &row.latency {
                let h = decode(bytes)?;
                match &mut acc.latency {
                    // Same bounds everywhere: adding cannot fail.
                    Some(sum) => {
                        let _ = sum.add(&h);
                    }
                    None => acc.latency = Some(h),
                }
            }
        }
        if let Some((t, acc)) = current {
            points.push(acc.point(t));
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
