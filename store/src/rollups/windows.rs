//! Every window's numbers for one monitor: its closed sums (cached, or read and merged once
//! an hour or a day, slid rather than merged again when a bucket closes) plus this hour's and
//! today's rows, with its incident and pause periods.

use std::sync::atomic::Ordering;

use super::cache::Closed;
use crate::stats::{
    bucket_start, closed_sums, time_weighted, EncodedSum, Sum, WindowSpec, WindowTotals, DAY, HOUR,
    WINDOWS,
};
use crate::{Store, StoreResult, StoredMonitor};

impl Store {
    /// Every window's stats for `monitor` as of `now_ms`. Reads this hour's row and today's
    /// row, plus (once an hour, or once a day) the closed hours of the last 7 days and the
    /// closed days of the last year, and the monitor's incidents and pauses.
    pub async fn monitor_windows(
        &self,
        monitor: &StoredMonitor,
        now_ms: i64,
    ) -> StoreResult<Vec<WindowTotals>> {
        let id = monitor.id;
        let (day0, hour0) = (bucket_start(now_ms, DAY), bucket_start(now_ms, HOUR));
        let closed = self.closed_for(id, now_ms).await?;
        // Every check updates all three tiers: this hour's row and today's row are current.
        let mut current = Current::default();
        for row in &self.rollups(id, HOUR, hour0, hour0 + 1).await? {
            current.hour.add(row.counts())?;
        }
        for row in &self.rollups(id, DAY, day0, day0 + 1).await? {
            current.today.add(row.counts())?;
        }
        let (pauses, incidents) = self.periods(id, day0 - 365 * DAY, now_ms).await?;
        assemble(monitor, &closed, &current, &pauses, &incidents, now_ms)
    }

    /// The merged closed buckets of a monitor's windows as of `now_ms`: from the cache, or
    /// read and cached (once an hour for hours, once a day for days).
    pub(crate) async fn closed_for(&self, id: i64, now_ms: i64) -> StoreResult<Closed> {
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
                closed_sums(rows.iter().map(|r| r.counts()), &hour_windows, hour0)?
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
                closed_sums(
                    rows.iter().map(|r| r.counts()),
                    &day_windows(has_year),
                    day0,
                )?
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
        sums: &[EncodedSum],
    ) -> StoreResult<Option<Vec<EncodedSum>>> {
        if windows.len() != sums.len() {
            return Ok(None);
        }
        let closed = self.rollups(id, tier, old_end, new_end).await?;
        let mut out = Vec::with_capacity(sums.len());
        for (w, encoded) in windows.iter().zip(sums) {
            let mut sum = encoded.decode()?;
            for row in &closed {
                sum.add(row.counts())?;
            }
            let span = w.count * tier;
            for row in &self
                .rollups(id, tier, old_end - span, new_end - span)
                .await?
            {
                if !sum.remove(row.counts())? {
                    return Ok(None);
                }
            }
            out.push(EncodedSum::from(&sum));
        }
        Ok(Some(out))
    }
}

/// This hour's and today's rollups of a monitor: the open part of every window.
#[derive(Default)]
pub(crate) struct Current {
    pub(crate) hour: Sum,
    pub(crate) today: Sum,
}

/// A monitor's windows from their closed parts, their open parts and its periods.
pub(crate) fn assemble(
    monitor: &StoredMonitor,
    closed: &Closed,
    current: &Current,
    pauses: &[(i64, i64)],
    incidents: &[(i64, i64)],
    now_ms: i64,
) -> StoreResult<Vec<WindowTotals>> {
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
        out.push(WindowTotals {
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
