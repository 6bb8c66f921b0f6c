//! The summary refresher: recomputes every monitor's headline numbers (uptime over
//! 24h/7d/30d/90d, P99) in the background and puts them on the status board, where
//! `GET /monitors` and the live stream read them. It runs on a thread of its own, so that a
//! pass over thousands of monitors never delays the check writer or the incident actor.

use std::time::{Duration, Instant};

use actix::{Actor, ActorFutureExt, AsyncContext, Context, WrapFuture};

use crate::board::StatusBoard;
use flatline_store::clock::now_ms;
use flatline_store::stats::summary_of;
use flatline_store::Store;

/// Recomputes summaries every `period` (after the previous pass ended).
pub struct SummaryRefresher {
    store: Store,
    board: StatusBoard,
    period: Duration,
}

impl SummaryRefresher {
    /// A refresher writing to `board`.
    pub fn new(store: Store, board: StatusBoard, period: Duration) -> Self {
        Self {
            store,
            board,
            period,
        }
    }

    fn refresh(&mut self, ctx: &mut Context<Self>) {
        let store = self.store.clone();
        let board = self.board.clone();
        ctx.spawn(
            async move {
                let started = Instant::now();
                let monitors = board.monitors();
                let now = now_ms();
                let done = store
                    .all_monitor_windows(monitors.iter().map(|m| &**m), now, |id, windows| {
                        board.set_summary(id, summary_of(&windows, now));
                    })
                    .await;
                match done {
                    Ok(()) => tracing::debug!(
                        monitors = monitors.len(),
                        took_ms = started.elapsed().as_millis() as u64,
                        "summaries refreshed"
                    ),
                    Err(e) => tracing::warn!(error = %e, "refreshing monitor summaries failed"),
                }
            }
            .into_actor(self)
            .map(|(), act, ctx| {
                ctx.run_later(act.period, |act, ctx| act.refresh(ctx));
            }),
        );
    }
}

impl Actor for SummaryRefresher {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.refresh(ctx);
    }
}
