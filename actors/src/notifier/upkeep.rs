//! The notifier's once-per-cluster jobs (run on the node in charge, every node alone):
//! reminders for monitors still down, reconciliation of what a crash left unqueued, and the
//! sweep of old deliveries.

use actix::{ActorFutureExt, AsyncContext, Context, WrapFuture};
use flatline_store::clock::now_ms;
use flatline_store::{EventPayload, NewDelivery, StoreResult};

use super::notice::Event;
use super::outbox::{down_event, up_event};
use super::Notifier;

/// How far back the start-up reconciliation looks for incidents whose notices may never
/// have been queued (a crash between the incident's record and the outbox's).
const RECONCILE_HORIZON_MS: i64 = 24 * 3_600_000;
/// How long finished deliveries are kept.
const DELIVERY_RETENTION_MS: i64 = 30 * 86_400_000;

impl Notifier {
    /// Queues reminders for monitors that have been down for another `resend_interval`
    /// (on the one node in charge; after reconciling, when it has just become so).
    pub(super) fn remind(&mut self, ctx: &mut Context<Self>) {
        if !self.leader.is_leader() {
            self.reconciled = false;
            return;
        }
        if !std::mem::replace(&mut self.reconciled, true) {
            self.reconcile(ctx);
        }
        let store = self.store.clone();
        ctx.spawn(
            async move {
                let now = now_ms();
                let mut queued = 0;
                for (incident, monitor) in store.incidents_wanting_reminders().await? {
                    let every = i64::from(monitor.resend_interval_minutes) * 60_000;
                    let n = (now - incident.started_at) / every;
                    if n < 1 {
                        continue;
                    }
                    let event = NewDelivery {
                        event: Event::Reminder,
                        event_key: format!("reminder:{}:{}:{n}", monitor.id, incident.started_at),
                        payload: EventPayload {
                            monitor_id: monitor.id,
                            monitor_name: monitor.name.clone(),
                            monitor_url: flatline_store::target_label(&monitor),
                            cause: Some(incident.cause),
                            at_ms: incident.started_at + n * every,
                            incident_started_ms: Some(incident.started_at),
                            certificate: None,
                            maintenance: None,
                            probe: None,
                            monitor_kind: Some(monitor.kind.clone()),
                            escalation_policy_id: monitor.escalation_policy_id,
                        },
                    };
                    queued += store.enqueue(&event, None, now).await?;
                }
                StoreResult::Ok(queued)
            }
            .into_actor(self)
            .map(|res, act, ctx| match res {
                Ok(0) => {}
                Ok(_) => act.scan(ctx),
                Err(e) => tracing::warn!(error = %e, "looking for due reminders failed"),
            }),
        );
    }

    /// Start-up: queues what a crash may have left unqueued, then delivers what is pending.
    pub(super) fn reconcile(&mut self, ctx: &mut Context<Self>) {
        let store = self.store.clone();
        ctx.spawn(
            async move {
                let now = now_ms();
                let mut queued = 0;
                for (incident, monitor) in
                    store.recent_incidents(now - RECONCILE_HORIZON_MS).await?
                {
                    let payload = |at_ms| EventPayload {
                        monitor_id: monitor.id,
                        monitor_name: monitor.name.clone(),
                        monitor_url: flatline_store::target_label(&monitor),
                        cause: Some(incident.cause.clone()),
                        at_ms,
                        incident_started_ms: Some(incident.started_at),
                        certificate: None,
                        maintenance: None,
                        probe: None,
                        monitor_kind: Some(monitor.kind.clone()),
                        escalation_policy_id: monitor.escalation_policy_id,
                    };
                    let mut events = Vec::new();
                    if incident.started_at >= now - RECONCILE_HORIZON_MS {
                        events.push(down_event(payload(incident.started_at)));
                    }
                    if let Some(resolved) = incident.resolved_at {
                        events.push(up_event(payload(resolved)));
                    }
                    for event in events {
                        // Only channels linked when the event happened should hear of it.
                        let at = event.payload.at_ms;
                        queued += store.enqueue(&event, Some(at), now).await?;
                    }
                }
                StoreResult::Ok(queued)
            }
            .into_actor(self)
            .map(|res, act, ctx| {
                match res {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::warn!(queued = n, "queued notifications a crash had left unqueued")
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "reconciling the notification outbox failed")
                    }
                }
                act.scan(ctx);
            }),
        );
    }

    pub(super) fn sweep(&mut self, ctx: &mut Context<Self>) {
        if !self.leader.is_leader() {
            return;
        }
        let store = self.store.clone();
        ctx.spawn(
            async move {
                if let Err(e) = store
                    .sweep_deliveries(now_ms() - DELIVERY_RETENTION_MS)
                    .await
                {
                    tracing::warn!(error = %e, "sweeping old deliveries failed");
                }
            }
            .into_actor(self),
        );
    }
}
