//! Stats over windows (24 h, 7 d, 30 d, 90 d, 365 d) from rollups, incidents and pauses.
//!
//! A window is whole buckets of its tier plus the current, partial one from finer tiers: `24h`
//! is the last 24 whole UTC hours plus the current hour so far, `90d` the last 90 whole UTC
//! days plus today so far. So a window is never shorter than its name, and at most one bucket
//! longer. Uptime is time-weighted: the share of the window's monitored time (after the
//! monitor existed, outside its pauses) that no incident covered.

use hdrhistogram::Histogram;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};

use super::entities::{incidents, pauses, rollups as rollup_rows};
use super::rollups::{bucket_start, decode, latency_histogram, DAY, HOUR, MINUTE};
use super::{Store, StoreResult, StoredMonitor};

/// A window: `count` whole buckets of `tier`, plus the current partial one.
#[derive(Clone, Copy, Debug)]
pub struct WindowSpec {
    pub name: &'static str,
    pub tier: i64,
    pub count: i64,
}

/// Every window, shortest first. `365d` is reported only once rollups older than 90 days exist.
pub const WINDOWS: [WindowSpec; 5] = [
    WindowSpec {
        name: "24h",
        tier: HOUR,
        count: 24,
    },
    WindowSpec {
        name: "7d",
        tier: HOUR,
        count: 168,
    },
    WindowSpec {
        name: "30d",
        tier: DAY,
        count: 30,
    },
    WindowSpec {
        name: "90d",
        tier: DAY,
        count: 90,
    },
    WindowSpec {
        name: "365d",
        tier: DAY,
        count: 365,
    },
];

/// One window's numbers.
#[derive(Clone, Debug)]
pub struct WindowStats {
    pub name: &'static str,
    pub from_ms: i64,
    pub to_ms: i64,
    pub checks: i64,
    pub failed: i64,
    pub latency_sum_us: i64,
    /// Successful checks' latency, µs.
    pub latency: Option<Histogram<u32>>,
    /// Time the monitor existed and was not paused, ms.
    pub monitored_ms: i64,
    /// Monitored time an incident covered, ms.
    pub down_ms: i64,
    /// Incidents that started in the window.
    pub incidents: i64,
}

impl WindowStats {
    /// The latency at quantile `q` (0..1) in ms, if any check succeeded.
    pub fn percentile_ms(&self, q: f64) -> Option<f64> {
        self.latency
            .as_ref()
            .filter(|h| !h.is_empty())
            .map(|h| h.value_at_quantile(q) as f64 / 1000.0)
    }

    /// Mean latency of successful checks in ms.
    pub fn avg_ms(&self) -> Option<f64> {
        let ok = self.checks - self.failed;
        (ok > 0).then(|| self.latency_sum_us as f64 / ok as f64 / 1000.0)
    }

    /// Uptime in percent of monitored time; `None` before any time was monitored.
    pub fn uptime_pct(&self) -> Option<f64> {
        (self.monitored_ms > 0).then(|| {
            100.0 * (self.monitored_ms - self.down_ms).max(0) as f64 / self.monitored_ms as f64
        })
    }
}

/// Length of the overlap of two half-open intervals.
fn overlap(a: (i64, i64), b: (i64, i64)) -> i64 {
    (a.1.min(b.1) - a.0.max(b.0)).max(0)
}

/// Monitored and down time within `window` for a monitor created at `created_ms`, given its
/// pause periods and incident periods (open ones end at the window's end).
pub fn time_weighted(
    window: (i64, i64),
    created_ms: i64,
    pauses: &[(i64, i64)],
    incidents: &[(i64, i64)],
) -> (i64, i64) {
    let w = (window.0.max(created_ms), window.1);
    if w.0 >= w.1 {
        return (0, 0);
    }
    let paused: i64 = pauses.iter().map(|p| overlap(w, *p)).sum();
    let monitored = (w.1 - w.0) - paused;
    let down = incidents
        .iter()
        .map(|i| {
            let clipped = (i.0.max(w.0), i.1.min(w.1));
            overlap(w, *i) - pauses.iter().map(|p| overlap(clipped, *p)).sum::<i64>()
        })
        .map(|d| d.max(0))
        .sum();
    (monitored, down)
}

impl Store {
    /// Every window's stats for `monitor` as of `now_ms`. Reads at most 365 day rows, 168 hour
    /// rows and 60 minute rows of rollups, plus the monitor's incidents and pauses of the year.
    pub async fn monitor_windows(
        &self,
        monitor: &StoredMonitor,
        now_ms: i64,
    ) -> StoreResult<Vec<WindowStats>> {
        let id = monitor.id;
        let (day0, hour0) = (bucket_start(now_ms, DAY), bucket_start(now_ms, HOUR));
        let year_ago = day0 - 365 * DAY;
        let days = self.rollups(id, DAY, year_ago, day0).await?;
        let hours = self.rollups(id, HOUR, hour0 - 168 * HOUR, hour0).await?;
        let minutes = self.rollups(id, MINUTE, hour0, now_ms + 1).await?;
        let pauses: Vec<(i64, i64)> = pauses::Entity::find()
            .filter(pauses::Column::MonitorId.eq(id))
            .filter(
                Condition::any()
                    .add(pauses::Column::EndedAt.is_null())
                    .add(pauses::Column::EndedAt.gt(year_ago)),
            )
            .order_by_asc(pauses::Column::StartedAt)
            .all(&self.read)
            .await?
            .into_iter()
            .map(|p| (p.started_at, p.ended_at.unwrap_or(now_ms)))
            .collect();
        let incidents: Vec<(i64, i64)> = incidents::Entity::find()
            .filter(incidents::Column::MonitorId.eq(id))
            .filter(
                Condition::any()
                    .add(incidents::Column::ResolvedAt.is_null())
                    .add(incidents::Column::ResolvedAt.gt(year_ago)),
            )
            .all(&self.read)
            .await?
            .into_iter()
            .map(|i| (i.started_at, i.resolved_at.unwrap_or(now_ms)))
            .collect();

        let decode_all = |rows: &[rollup_rows::Model]| -> StoreResult<Vec<Option<Histogram<u32>>>> {
            rows.iter()
                .map(|r| r.latency.as_deref().map(decode).transpose())
                .collect()
        };
        let (day_h, hour_h, minute_h) = (
            decode_all(&days)?,
            decode_all(&hours)?,
            decode_all(&minutes)?,
        );
        let has_year = days
            .first()
            .is_some_and(|d| d.bucket_start < day0 - 90 * DAY);

        let mut out = Vec::with_capacity(WINDOWS.len());
        for w in WINDOWS {
            if w.name == "365d" && !has_year {
                continue;
            }
            let from = bucket_start(now_ms, w.tier) - w.count * w.tier;
            let mut s = WindowStats {
                name: w.name,
                from_ms: from,
                to_ms: now_ms,
                checks: 0,
                failed: 0,
                latency_sum_us: 0,
                latency: None,
                monitored_ms: 0,
                down_ms: 0,
                incidents: 0,
            };
            // Whole buckets of the window's tier, then today's hours for day windows, then the
            // current hour's minutes.
            let hour_from = if w.tier == DAY { day0 } else { from };
            let parts = [
                (&days, &day_h, if w.tier == DAY { from } else { i64::MAX }),
                (&hours, &hour_h, hour_from),
                (&minutes, &minute_h, hour0),
            ];
            for (rows, hists, start) in parts {
                for (row, hist) in rows.iter().zip(hists) {
                    if row.bucket_start < start {
                        continue;
                    }
                    s.checks += row.checks;
                    s.failed += row.failed;
                    s.latency_sum_us += row.latency_sum_us;
                    if let Some(h) = hist {
                        let merged = s.latency.get_or_insert_with(latency_histogram);
                        // Same bounds everywhere: adding cannot fail.
                        let _ = merged.add(h);
                    }
                }
            }
            let (monitored, down) =
                time_weighted((from, now_ms), monitor.created_at_ms, &pauses, &incidents);
            s.monitored_ms = monitored;
            s.down_ms = down;
            s.incidents = incidents
                .iter()
                .filter(|i| i.0 >= from && i.0 < now_ms)
                .count() as i64;
            out.push(s);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::time_weighted;

    const H: i64 = 3_600_000;

    #[test]
    fn uptime_weighs_time_not_checks() {
        // A 10 h window, monitor created at 2 h, paused 4–5 h, down 6–7 h.
        let (monitored, down) =
            time_weighted((0, 10 * H), 2 * H, &[(4 * H, 5 * H)], &[(6 * H, 7 * H)]);
        assert_eq!(monitored, 7 * H);
        assert_eq!(down, H);
    }

    #[test]
    fn incidents_are_clipped_to_the_window_and_paused_time_is_not_downtime() {
        // Down from before the window into it, and down while paused.
        let (monitored, down) = time_weighted(
            (10 * H, 20 * H),
            0,
            &[(14 * H, 16 * H)],
            &[(8 * H, 12 * H), (13 * H, 17 * H)],
        );
        assert_eq!(monitored, 8 * H);
        assert_eq!(down, 2 * H + 2 * H);
        // A monitor that did not exist yet has no monitored time at all.
        assert_eq!(time_weighted((0, H), 2 * H, &[], &[]), (0, 0));
    }
}
