//! Windows (24 h, 7 d, 30 d, 90 d, 365 d) and their numbers.
//!
//! A window is whole buckets of its tier plus the current, partial one: `24h` is the last 24
//! whole UTC hours plus the current hour so far, `90d` the last 90 whole UTC days plus today
//! so far. So a window is never shorter than its name, and at most one bucket longer. Uptime
//! is time-weighted: the share of the window's monitored time (after the monitor existed,
//! outside its pauses) that no incident covered.

use flatline_types::MonitorSummary;
use hdrhistogram::Histogram;

use super::buckets::{DAY, HOUR};
use crate::clock::rfc3339;

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
pub struct WindowTotals {
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

impl WindowTotals {
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

/// `periods` as disjoint `(start, end)` ranges, sorted: overlapping and touching ones merged
/// (a pause inside a maintenance window counts once).
pub fn union(mut periods: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    periods.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(periods.len());
    for (s, e) in periods {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
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

/// The headline numbers of a monitor's windows.
pub fn summary_of(windows: &[WindowTotals], now_ms: i64) -> MonitorSummary {
    let find = |name: &str| windows.iter().find(|w| w.name == name);
    let uptime = |name: &str| find(name).and_then(WindowTotals::uptime_pct);
    let p99 = |name: &str| find(name).and_then(|w| w.percentile_ms(0.99));
    MonitorSummary {
        uptime_24h: uptime("24h"),
        uptime_7d: uptime("7d"),
        uptime_30d: uptime("30d"),
        uptime_90d: uptime("90d"),
        p99_24h_ms: p99("24h"),
        p99_7d_ms: p99("7d"),
        p99_30d_ms: p99("30d"),
        p99_90d_ms: p99("90d"),
        computed_at: rfc3339(now_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::{time_weighted, union};

    #[test]
    fn overlapping_periods_count_once() {
        assert_eq!(
            union(vec![(5, 9), (0, 3), (2, 6), (20, 30)]),
            vec![(0, 9), (20, 30)]
        );
        let (monitored, _) = time_weighted((0, 100), 0, &union(vec![(0, 50), (10, 60)]), &[]);
        assert_eq!(monitored, 40);
    }

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
