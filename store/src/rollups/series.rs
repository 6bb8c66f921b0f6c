//! Chart data from rollups: a latency series per window, and per-day uptime bars.

use crate::stats::{bucket_start, point, time_weighted, DayBar, Point, SeriesSpec, Sum, DAY};
use crate::{Store, StoreResult, StoredMonitor};

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
            current
                .get_or_insert((at, Sum::default()))
                .1
                .add(row.counts())?;
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
        let maintenance: Vec<(i64, i64)> = crate::stats::union(
            self.maintenance_periods(Some(monitor.id), first, now_ms)
                .await?
                .into_iter()
                .map(|(_, s, e)| (s, e))
                .collect(),
        );
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
                    maintenance_ms: maintenance
                        .iter()
                        .map(|(s, e)| ((*e).min(end) - (*s).max(start)).max(0))
                        .sum(),
                    checks,
                    failed,
                }
            })
            .collect())
    }
}
