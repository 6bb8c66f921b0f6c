//! Stats over windows (24 h, 7 d, 30 d, 90 d, 365 d) from rollups, incidents and pauses.
//!
//! A window is whole buckets of its tier plus the current, partial one: `24h`
//! is the last 24 whole UTC hours plus the current hour so far, `90d` the last 90 whole UTC
//! days plus today so far. So a window is never shorter than its name, and at most one bucket
//! longer. Uptime is time-weighted: the share of the window's monitored time (after the
//! monitor existed, outside its pauses) that no incident covered.

use std::sync::atomic::Ordering;

use hdrhistogram::Histogram;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};

use super::entities::{incidents, pauses};
use super::rollups::{bucket_start, DAY, HOUR};
pub use super::sums::ClosedCache;
pub(super) use super::sums::Sum;
use super::sums::{closed_sums, Closed};
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
    /// A monitor's pause periods and incident periods that end after `since_ms`, as
    /// `(start, end)`; open ones end at `now_ms`.
    pub async fn periods(
        &self,
        id: i64,
        since_ms: i64,
        now_ms: i64,
    ) -> StoreResult<(Vec<(i64, i64)>, Vec<(i64, i64)>)> {
        let pauses: Vec<(i64, i64)> = pauses::Entity::find()
            .filter(pauses::Column::MonitorId.eq(id))
            .filter(
                Condition::any()
                    .add(pauses::Column::EndedAt.is_null())
                    .add(pauses::Column::EndedAt.gt(since_ms)),
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
                    .add(incidents::Column::ResolvedAt.gt(since_ms)),
            )
            .all(&self.read)
            .await?
            .into_iter()
            .map(|i| (i.started_at, i.resolved_at.unwrap_or(now_ms)))
            .collect();

        Ok((pauses, incidents))
    }

    /// Every window's stats for `monitor` as of `now_ms`. Reads this hour's row and today's
    /// row, plus (once an hour, or once a day) the closed hours of the last 7 days and the
    /// closed days of the last year, and the monitor's incidents and pauses.
    pub async fn monitor_windows(
        &self,
        monitor: &StoredMonitor,
        now_ms: i64,
    ) -> StoreResult<Vec<WindowStats>> {
        let id = monitor.id;
        let (day0, hour0) = (bucket_start(now_ms, DAY), bucket_start(now_ms, HOUR));
        let closed = self.closed_for(id, now_ms).await?;
        // Every check updates all three tiers: this hour's row and today's row are current.
        let mut current = Current::default();
        for row in &self.rollups(id, HOUR, hour0, hour0 + 1).await? {
            current.hour.add(row)?;
        }
        for row in &self.rollups(id, DAY, day0, day0 + 1).await? {
            current.today.add(row)?;
        }
        let (pauses, incidents) = self.periods(id, day0 - 365 * DAY, now_ms).await?;
        assemble(monitor, &closed, &current, &pauses, &incidents, now_ms)
    }

    /// The merged closed buckets of a monitor's windows as of `now_ms`: from the cache, or
    /// read and cached (once an hour for hours, once a day for days).
    pub(super) async fn closed_for(&self, id: i64, now_ms: i64) -> StoreResult<Closed> {
        let (day0, hour0) = (bucket_start(now_ms, DAY), bucket_start(now_ms, HOUR));
        let year_ago = day0 - 365 * DAY;
        let generation = self.closed.generation.load(Ordering::SeqCst);
        let cached = self.closed.map.lock().get(&id).cloned().unwrap_or_default();
        let hour_windows: Vec<WindowSpec> =
            WINDOWS.iter().copied().filter(|w| w.tier == HOUR).collect();
        let slid = match &cached.hours {
            // A new hour began since: slide the sums rather than merge 168 rows again.
            Some((h, sums)) if *h < hour0 && hour0 - h <= 24 * HOUR => {
                self.slide(id, HOUR, &hour_windows, *h, hour0, sums).await?
            }
            _ => None,
        };
        let hours_closed = match (cached.hours, slid) {
            (Some((h, sums)), _) if h == hour0 => sums,
            (_, Some(sums)) => sums,
            _ => {
                let rows = self.rollups(id, HOUR, hour0 - 168 * HOUR, hour0).await?;
                closed_sums(&rows, &hour_windows, hour0)?
            }
        };
        // `365d` is shown once a day row older than 90 days exists.
        let day_windows = |has_year: bool| -> Vec<WindowSpec> {
            WINDOWS
                .iter()
                .copied()
                .filter(|w| w.tier == DAY && (has_year || w.name != "365d"))
                .collect()
        };
        let slid = match &cached.days {
            // A new day began since: slide the sums, as long as the set of windows stays.
            Some((d, sums)) if *d < day0 && day0 - d <= 7 * DAY => {
                let has_year = self.has_rollups(id, DAY, year_ago, day0 - 90 * DAY).await?;
                let windows = day_windows(has_year);
                if windows.len() == sums.len() {
                    self.slide(id, DAY, &windows, *d, day0, sums).await?
                } else {
                    None
                }
            }
            _ => None,
        };
        let days_closed = match (cached.days, slid) {
            (Some((d, sums)), _) if d == day0 => sums,
            (_, Some(sums)) => sums,
            _ => {
                let rows = self.rollups(id, DAY, year_ago, day0).await?;
                let has_year = rows
                    .first()
                    .is_some_and(|d| d.bucket_start < day0 - 90 * DAY);
                closed_sums(&rows, &day_windows(has_year), day0)?
            }
        };
        let closed = Closed {
            hours: Some((hour0, hours_closed)),
            days: Some((day0, days_closed)),
        };
        if self.closed.generation.load(Ordering::SeqCst) == generation {
            self.closed.map.lock().insert(id, closed.clone());
        }
        Ok(closed)
    }
}

impl Store {
    /// Moves closed sums ending at `old_end` to end at `new_end`: adds the buckets that
    /// closed meanwhile and takes out those that left each window. `None` if the sums do not
    /// hold what they should (the caller recomputes them).
    async fn slide(
        &self,
        id: i64,
        tier: i64,
        windows: &[WindowSpec],
        old_end: i64,
        new_end: i64,
        sums: &[super::sums::EncodedSum],
    ) -> StoreResult<Option<Vec<super::sums::EncodedSum>>> {
        if windows.len() != sums.len() {
            return Ok(None);
        }
        let closed = self.rollups(id, tier, old_end, new_end).await?;
        let mut out = Vec::with_capacity(sums.len());
        for (w, encoded) in windows.iter().zip(sums) {
            let mut sum = encoded.decode()?;
            for row in &closed {
                sum.add(row)?;
            }
            let span = w.count * tier;
            for row in &self
                .rollups(id, tier, old_end - span, new_end - span)
                .await?
            {
                if !sum.remove(row)? {
                    return Ok(None);
                }
            }
            out.push(super::sums::EncodedSum::from(&sum));
        }
        Ok(Some(out))
    }
}

/// This hour's and today's rollups of a monitor: the open part of every window.
#[derive(Default)]
pub(super) struct Current {
    pub(super) hour: Sum,
    pub(super) today: Sum,
}

/// A monitor's windows from their closed parts, their open parts and its periods.
pub(super) fn assemble(
    monitor: &StoredMonitor,
    closed: &Closed,
    current: &Current,
    pauses: &[(i64, i64)],
    incidents: &[(i64, i64)],
    now_ms: i64,
) -> StoreResult<Vec<WindowStats>> {
    let no_sums = Vec::new();
    let hours_closed = closed.hours.as_ref().map_or(&no_sums, |(_, s)| s);
    let days_closed = closed.days.as_ref().map_or(&no_sums, |(_, s)| s);
    let hour_windows = WINDOWS.iter().filter(|w| w.tier == HOUR);
    let day_windows = WINDOWS.iter().filter(|w| w.tier == DAY);
    let mut out = Vec::with_capacity(WINDOWS.len());
    for (w, closed, open) in hour_windows
        .zip(hours_closed)
        .map(|(w, c)| (w, c, &current.hour))
        .chain(
            day_windows
                .zip(days_closed)
                .map(|(w, c)| (w, c, &current.today)),
        )
    {
        let mut sum = closed.decode()?;
        sum.merge(open);
        let from = bucket_start(now_ms, w.tier) - w.count * w.tier;
        let (monitored, down) =
            time_weighted((from, now_ms), monitor.created_at_ms, pauses, incidents);
        out.push(WindowStats {
            name: w.name,
            from_ms: from,
            to_ms: now_ms,
            checks: sum.checks,
            failed: sum.failed,
            latency_sum_us: sum.latency_sum_us,
            latency: sum.latency,
            monitored_ms: monitored,
            down_ms: down,
            incidents: incidents
                .iter()
                .filter(|i| i.0 >= from && i.0 < now_ms)
                .count() as i64,
        });
    }
    Ok(out)
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
