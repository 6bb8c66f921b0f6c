//! The check writer: buffers check results and stores them in batches, so that a monitor
//! never waits on the database and the database sees a few large inserts instead of many
//! small ones. Stored checks are published to the [`StatusBoard`]. Certificates read by
//! checks (hourly at most) are stored here too, one by one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::{Actor, ActorFutureExt, AsyncContext, Context, Handler, ResponseActFuture, WrapFuture};
use tokio::sync::oneshot;

use crate::board::StatusBoard;
use crate::messages::{Flush, RecordCertificate, RecordCheck};
use crate::metrics::EngineMetrics;
use flatline_store::{CheckRecord, Store};

/// Rows kept while the database is unreachable; beyond it the oldest are dropped (and counted).
const MAX_BUFFERED: usize = 200_000;

/// Batches check results into the database.
pub struct CheckWriter {
    store: Store,
    board: StatusBoard,
    metrics: Arc<EngineMetrics>,
    buffer: Vec<CheckRecord>,
    flushing: bool,
    flush_interval: Duration,
    max_batch: usize,
    waiters: Vec<oneshot::Sender<()>>,
    /// When a failed write was last logged, and the failures since (logged once a minute,
    /// not once a batch: a full disk fails every flush).
    failure_logged_at: Option<Instant>,
    failures_unlogged: u64,
}

/// How often failed writes are logged while they keep failing.
const FAILURE_LOG_EVERY: Duration = Duration::from_secs(60);

impl CheckWriter {
    /// A writer that flushes every `flush_interval`, or sooner once `max_batch` rows wait.
    pub fn new(
        store: Store,
        board: StatusBoard,
        metrics: Arc<EngineMetrics>,
        flush_interval: Duration,
        max_batch: usize,
    ) -> Self {
        Self {
            store,
            board,
            metrics,
            buffer: Vec::new(),
            flushing: false,
            flush_interval,
            max_batch: max_batch.max(1),
            waiters: Vec::new(),
            failure_logged_at: None,
            failures_unlogged: 0,
        }
    }

    fn flush(&mut self, ctx: &mut Context<Self>) {
        if self.flushing {
            return;
        }
        if self.buffer.is_empty() {
            self.answer_waiters();
            return;
        }
        self.flushing = true;
        let batch = std::mem::take(&mut self.buffer);
        let store = self.store.clone();
        ctx.spawn(
            async move {
                let start = Instant::now();
                let result = store.insert_fenced_checks(&batch).await;
                (batch, result, start.elapsed())
            }
            .into_actor(self)
            .map(|(batch, result, took), act, ctx| {
                act.flushing = false;
                match result {
                    Ok((stored, fenced)) => {
                        if fenced > 0 {
                            // Another node took their monitors over meanwhile.
                            act.metrics.cluster_fenced.inc_by(fenced as u64);
                            tracing::warn!(checks = fenced, "checks dropped: this node no longer runs their monitors");
                        }
                        if act.failure_logged_at.take().is_some() {
                            tracing::info!(rows = stored.len(), "storing checks works again");
                        }
                        act.failures_unlogged = 0;
                        // Stored, or dropped as the check of a monitor deleted meanwhile.
                        act.metrics.write_backlog.sub(batch.len() as i64);
                        act.metrics.record_batch(stored.len(), took);
                        act.board.record_checks(&stored);
                    }
                    Err(e) => {
                        act.metrics.write_errors.inc();
                        act.failures_unlogged += 1;
                        if act
                            .failure_logged_at
                            .is_none_or(|at| at.elapsed() >= FAILURE_LOG_EVERY)
                        {
                            tracing::error!(error = %e, rows = batch.len(), buffered = batch.len() + act.buffer.len(), failed_writes = act.failures_unlogged, "storing checks failed; retrying (logged at most once a minute)");
                            act.failure_logged_at = Some(Instant::now());
                            act.failures_unlogged = 0;
                        }
                        act.requeue(batch);
                        if !act.waiters.is_empty() {
                            // Whoever waits (shutdown) gets an answer rather than a hang.
                            act.answer_waiters();
                            return;
                        }
                    }
                }
                if act.buffer.len() >= act.max_batch || !act.waiters.is_empty() {
                    act.flush(ctx);
                }
            }),
        );
    }

    fn answer_waiters(&mut self) {
        for waiter in self.waiters.drain(..) {
            let _ = waiter.send(());
        }
    }

    fn requeue(&mut self, mut batch: Vec<CheckRecord>) {
        batch.append(&mut self.buffer);
        if batch.len() > MAX_BUFFERED {
            let excess = batch.len() - MAX_BUFFERED;
            batch.drain(..excess);
            self.metrics.checks_dropped.inc_by(excess as u64);
            self.metrics.write_backlog.sub(excess as i64);
            tracing::error!(dropped = excess, "check buffer full; oldest checks dropped");
        }
        self.buffer = batch;
    }
}

impl Actor for CheckWriter {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(self.flush_interval, |act, ctx| act.flush(ctx));
    }
}

impl Handler<RecordCheck> for CheckWriter {
    type Result = ();

    fn handle(&mut self, msg: RecordCheck, ctx: &mut Context<Self>) {
        self.buffer.push(msg.0);
        if self.buffer.len() >= self.max_batch {
            self.flush(ctx);
        }
    }
}

impl Handler<RecordCertificate> for CheckWriter {
    type Result = ();

    /// Certificates are read at most hourly per monitor: stored one by one, at once. A
    /// failed write is logged; the next reading writes again.
    fn handle(&mut self, msg: RecordCertificate, ctx: &mut Context<Self>) {
        self.board
            .set_certificate(msg.monitor_id, msg.certificate.clone());
        let store = self.store.clone();
        ctx.spawn(
            async move {
                if let Err(e) = store
                    .record_certificate(msg.monitor_id, &msg.certificate)
                    .await
                {
                    tracing::warn!(monitor_id = msg.monitor_id, error = %e, "storing a certificate failed");
                }
            }
            .into_actor(self),
        );
    }
}

impl Handler<Flush> for CheckWriter {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, _msg: Flush, ctx: &mut Context<Self>) -> Self::Result {
        let (tx, rx) = oneshot::channel();
        self.waiters.push(tx);
        self.flush(ctx);
        Box::pin(
            async move {
                let _ = rx.await;
            }
            .into_actor(self),
        )
    }
}
