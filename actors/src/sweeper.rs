//! Deletes checks older than the retention period, in bounded chunks so writers are never
//! stalled behind one huge delete.

use std::time::Duration;

use actix::{Actor, ActorFutureExt, AsyncContext, Context, WrapFuture};

use crate::clock::now_ms;
use crate::store::Store;

/// Rows deleted per statement.
pub const SWEEP_CHUNK: u64 = 5_000;

/// Periodically deletes old checks.
pub struct Sweeper {
    store: Store,
    interval: Duration,
    retention: Duration,
    running: bool,
}

impl Sweeper {
    /// A sweeper that runs every `interval` and keeps `retention` worth of checks.
    pub fn new(store: Store, interval: Duration, retention: Duration) -> Self {
        Self {
            store,
            interval,
            retention,
            running: false,
        }
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
                }
                .into_actor(act)
                .map(|(), act: &mut Sweeper, _| act.running = false),
            );
        });
    }
}
