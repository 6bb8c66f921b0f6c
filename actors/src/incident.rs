//! The incident actor: records state transitions, opening an incident on `down` and
//! resolving it on recovery. Transitions are handled one at a time, in order.

use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, AtomicResponse, Context, Handler, WrapFuture};

use crate::messages::{Drain, Transition};
use crate::metrics::EngineMetrics;
use flatline_store::Store;

/// Attempts to record a transition before giving up on it (with a log line).
const ATTEMPTS: u32 = 5;

/// Turns transitions into incidents and stored statuses.
pub struct IncidentActor {
    store: Store,
    metrics: Arc<EngineMetrics>,
}

impl IncidentActor {
    /// An incident actor writing to `store`.
    pub fn new(store: Store, metrics: Arc<EngineMetrics>) -> Self {
        Self { store, metrics }
    }
}

impl Actor for IncidentActor {
    type Context = Context<Self>;
}

impl Handler<Transition> for IncidentActor {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, t: Transition, _ctx: &mut Context<Self>) -> Self::Result {
        let store = self.store.clone();
        let metrics = self.metrics.clone();
        AtomicResponse::new(Box::pin(
            async move {
                let _counted = BacklogGuard(metrics.clone());
                let mut delay = Duration::from_millis(100);
                for attempt in 1..=ATTEMPTS {
                    match store
                        .apply_fenced_transition(
                            t.monitor_id,
                            t.to,
                            t.at_ms,
                            t.cause.as_deref(),
                            t.lease,
                        )
                        .await
                    {
                        Ok(None) => {
                            // Another node took the monitor over: it decides now.
                            metrics.cluster_fenced.inc();
                            tracing::warn!(
                                monitor_id = t.monitor_id,
                                status = t.to.as_str(),
                                "transition dropped: this node no longer runs the monitor"
                            );
                            return;
                        }
                        Ok(Some(Some(incident_id))) => {
                            tracing::info!(
                                monitor_id = t.monitor_id,
                                incident_id,
                                status = t.to.as_str(),
                                "incident recorded"
                            );
                            return;
                        }
                        Ok(Some(None)) => return,
                        Err(e) if attempt < ATTEMPTS => {
                            tracing::warn!(monitor_id = t.monitor_id, error = %e, attempt, "recording transition failed; retrying");
                            actix_rt::time::sleep(delay).await;
                            delay *= 2;
                        }
                        Err(e) => {
                            tracing::error!(monitor_id = t.monitor_id, error = %e, "recording transition failed; giving up");
                        }
                    }
                }
            }
            .into_actor(self),
        ))
    }
}

/// Counts a transition out of the backlog once handled, whichever way the handler returns.
struct BacklogGuard(Arc<EngineMetrics>);

impl Drop for BacklogGuard {
    fn drop(&mut self) {
        self.0.incident_backlog.dec();
    }
}

impl Handler<Drain> for IncidentActor {
    type Result = ();

    fn handle(&mut self, _msg: Drain, _ctx: &mut Context<Self>) {}
}
