//! Deletes checks and rollups older than their retention periods, in bounded chunks so
//! writers are never stalled behind one huge delete.

use std::time::Duration;

use actix::{Actor, ActorFutureExt, AsyncContext, Context, WrapFuture};

use flatline_store::clock::now_ms;
use flatline_store::stats::{DAY, HOUR, MINUTE};
use flatline_store::Store;

/// How long minute rollups are kept: the 24 h latency chart's resolution.
pub const MINUTE_ROLLUP_RETENTION_MS: i64 = 2 * DAY;
/// How long hour rollups are kept: the 7 d window and the 30 d chart.
pub const HOUR_ROLLUP_RETENTION_MS: i64 = 35 * DAY;

/// Rows deleted per statement.
pub const SWEEP_CHUNK: u64 = 5_000;

/// Periodically deletes old checks and rollups.
pub struct Sweeper {
    store: Store,
    interval: Duration,
    retention: Duration,
    rollup_retention: Duration,
    running: bool,
    /// Only the node in charge sweeps (one per cluster).
    leader: crate::cluster::Leadership,
}

impl Sweeper {
    /// A sweeper that runs every `interval` and keeps `retention` worth of checks and
    /// `rollup_retention` worth of day rollups.
    pub fn new(
        store: Store,
        interval: Duration,
        retention: Duration,
        rollup_retention: Duration,
        leader: crate::cluster::Leadership,
    ) -> Self {
        Self {
            leader,
            store,
            interval,
            retention,
            rollup_retention,
            running: false,
        }
    }
}

/// Deletes every rollup bucket of `tier` older than `cutoff`, one bucket per statement.
async fn sweep_tier(store: &Store, tier: i64, cutoff: i64) -> u64 {
    let mut total = 0;
    loop {
        match store.sweep_rollups(tier, cutoff).await {
            Ok(0) => return total,
            Ok(n) => total += n,
            Err(e) => {
                tracing::error!(error = %e, tier, "sweeping old rollups failed");
                return total;
            }
        }
        actix_rt::time::sleep(Duration::from_millis(5)).await;
    }
}

impl Actor for Sweeper {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(self.interval, |act, ctx| {
            if act.running || !act.leader.is_leader() {
                return;
            }
            act.running = true;
            let store = act.store.clone();
            let retention_ms = i64::try_from(act.retention.as_millis()).unwrap_or(i64::MAX);
            let days_ms = i64::try_from(act.rollup_retention.as_millis()).unwrap_or(i64::MAX);
            ctx.spawn(
                async move {
                    let cutoff = now_ms().saturating_sub(retention_ms);
                    let mut total = 0u64;
                    loop {
                        match store.sweep_checks(cutoff, SWEEP_CHUNK).await {
                            Ok(n) => {
                                total += n;
                                if n < SWEEP_CHUNK {
                                    break;
                                }
                                // Let queued check batches in between chunks.
                                actix_rt::time::sleep(Duration::from_millis(20)).await;
                            }
                            Err(e) => {
                                tracing::error!(error = %e, "sweeping old checks failed");
                                break;
                            }
                        }
                    }
                    if total > 0 {
                        tracing::info!(deleted = total, "swept checks past retention");
                    }
                    let now = now_ms();
                    let mut rollups = 0;
                    for (tier, keep) in [
                        (MINUTE, MINUTE_ROLLUP_RETENTION_MS),
                        (HOUR, HOUR_ROLLUP_RETENTION_MS),
                        (DAY, days_ms),
                    ] {
                        rollups += sweep_tier(&store, tier, now.saturating_sub(keep)).await;
                    }
                    if rollups > 0 {
                        tracing::info!(deleted = rollups, "swept rollups past retention");
                    }
                }
                .into_actor(act)
                .map(|(), act: &mut Sweeper, _| act.running = false),
            );
        });
    }
}

#[cfg(test)]
mod tests {
    use flatline_store::stats::{DAY, HOUR, MINUTE};
    use flatline_store::testing::{backends, check, spec};

    use super::Sweeper;

    #[actix_rt::test]
    async fn the_sweeper_deletes_checks_past_retention() {
        use actix::Actor;
        for (backend, db) in backends().await {
            let s = &db.store;
            let m = s.insert_monitor(&spec("a"), 0).await.expect("insert");
            let now = flatline_store::clock::now_ms();
            // Three days old: past the checks' 60 s, the minute rollups' 2 days and the day
            // rollups' 1 day, within the hour rollups' 35 days.
            let three_days = 3 * DAY;
            let old: Vec<_> = (0..12)
                .map(|i| check(m.id, now - three_days - i, true))
                .collect();
            s.insert_checks(&old).await.expect("old checks");
            s.insert_checks(&[check(m.id, now, true)])
                .await
                .expect("new check");
            let _sweeper = Sweeper::new(
                s.clone(),
                std::time::Duration::from_millis(20),
                std::time::Duration::from_secs(60),
                std::time::Duration::from_secs(86_400),
                crate::cluster::Leadership::alone(),
            )
            .start();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while s.count_checks(m.id).await.expect("count") > 1 {
                assert!(std::time::Instant::now() < deadline, "{backend}: not swept");
                actix_rt::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            let left = s.list_checks(m.id, 10, None).await.expect("list");
            assert_eq!(left.len(), 1, "{backend}");
            assert_eq!(left[0].checked_at, now, "{backend}: the recent check stays");
            let old_rows = |tier| s.rollups(m.id, tier, 0, now - 2 * DAY);
            while !old_rows(MINUTE).await.expect("minutes").is_empty()
                || !old_rows(DAY).await.expect("days").is_empty()
            {
                assert!(
                    std::time::Instant::now() < deadline,
                    "{backend}: rollups not swept"
                );
                actix_rt::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            let hours = old_rows(HOUR).await.expect("hours");
            assert_eq!(hours.len(), 1, "{backend}: hour rollups are kept 35 days");
            assert_eq!(hours[0].checks, 12);
            let recent = s
                .rollups(m.id, MINUTE, now - DAY, now + 1)
                .await
                .expect("recent");
            assert_eq!(recent.iter().map(|r| r.checks).sum::<i64>(), 1, "{backend}");
        }
    }
}
