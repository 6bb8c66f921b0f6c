//! Deletes checks and rollups older than their retention periods, in bounded chunks so
//! writers are never stalled behind one huge delete.

use std::time::Duration;

use actix::{Actor, ActorFutureExt, AsyncContext, Context, WrapFuture};

use crate::clock::now_ms;
use crate::store::rollups::{DAY, HOUR, MINUTE};
use crate::store::Store;

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
}

impl Sweeper {
    /// A sweeper that runs every `interval` and keeps `retention` worth of checks and
    /// `rollup_retention` worth of day rollups.
    pub fn new(
        store: Store,
        interval: Duration,
        retention: Duration,
        rollup_retention: Duration,
    ) -> Self {
        Self {
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
            if act.running {
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
