//! What goes into and out of the outbox: the events a transition queues, the notice a stored
//! delivery says, and one attempt at it with its backoff.

use std::time::{Duration, Instant};

use flatline_store::clock::now_ms;
use flatline_store::deliveries::AttemptRecord;
use flatline_store::entities::deliveries;
use flatline_store::{EventPayload, NewDelivery, Store, StoreResult, StoredChannel};
use flatline_types::{DeliveryStatus, TestOutcome};

use super::links::Links;
use super::notice::{Event, Notice};
use super::send::{self, Outcome};
use super::NotifierConfig;
use crate::metrics::EngineMetrics;

/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30 * 60);
/// Longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);
/// The wait before retrying after `attempts` failed attempts.
pub fn backoff(base: Duration, attempts: u32, retry_after: Option<Duration>) -> Duration {
    let exp = base
        .saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1)))
        .min(MAX_BACKOFF);
    retry_after.map_or(exp, |r| exp.max(r.min(MAX_RETRY_AFTER)))
}

pub(super) fn down_event(payload: EventPayload) -> NewDelivery {
    NewDelivery {
        event: Event::Down,
        event_key: flatline_store::escalation::down_key(payload.monitor_id, payload.at_ms),
        payload,
    }
}

/// Once per threshold per certificate: the outbox never queues the same key twice.
pub(super) fn certificate_event(payload: EventPayload) -> Option<NewDelivery> {
    let c = payload.certificate.as_ref()?;
    Some(NewDelivery {
        event: Event::CertificateExpiring,
        event_key: format!(
            "certificate:{}:{}:{}",
            payload.monitor_id, c.sha256, c.threshold_days
        ),
        payload,
    })
}

/// Once per monitor per occurrence and edge: the outbox never queues the same key twice.
pub(super) fn maintenance_event(payload: EventPayload, started: bool) -> Option<NewDelivery> {
    let m = payload.maintenance.as_ref()?;
    let event = if started {
        Event::MaintenanceStarted
    } else {
        Event::MaintenanceEnded
    };
    Some(NewDelivery {
        event_key: format!(
            "{}:{}:{}:{}",
            event.as_str(),
            m.window_id,
            payload.monitor_id,
            m.starts_at_ms
        ),
        event,
        payload,
    })
}

/// Once per channel per silence of a location's probe (and per return): every monitor of the
/// location carries the same key, and the outbox never queues a key twice for a channel.
pub(super) fn probe_event(payload: EventPayload, offline: bool) -> Option<NewDelivery> {
    let p = payload.probe.as_ref()?;
    let event = if offline {
        Event::ProbeOffline
    } else {
        Event::ProbeOnline
    };
    Some(NewDelivery {
        event_key: format!("{}:{}:{}", event.as_str(), p.location, p.last_seen_ms),
        event,
        payload,
    })
}

pub(super) fn up_event(payload: EventPayload) -> NewDelivery {
    NewDelivery {
        event: Event::Up,
        event_key: format!("up:{}:{}", payload.monitor_id, payload.at_ms),
        payload,
    }
}

/// What a stored delivery says, with its incident looked up, and links back to Flatline.
async fn notice_for(
    store: &Store,
    d: &deliveries::Model,
    channel: &StoredChannel,
    links: Option<&Links>,
) -> Notice {
    let event = Event::parse(&d.event).unwrap_or(Event::Test);
    let Ok(p) = serde_json::from_str::<EventPayload>(&d.payload) else {
        return Notice::test(&channel.name, d.id, d.created_at);
    };
    let now = now_ms();
    // A certificate's or a maintenance window's notice is about no incident.
    let incident = if matches!(
        event,
        Event::CertificateExpiring
            | Event::MaintenanceStarted
            | Event::MaintenanceEnded
            | Event::ProbeOffline
            | Event::ProbeOnline
    ) {
        None
    } else {
        store
            .incident_for_event(p.monitor_id, p.incident_started_ms, p.at_ms)
            .await
            .ok()
            .flatten()
    };
    // An open incident nobody has taken yet can be acknowledged from the message.
    let ack_url = match (&incident, links) {
        (Some(i), Some(l))
            if event.is_bad() && i.resolved_at.is_none() && i.acknowledged_at.is_none() =>
        {
            l.ack_url(i.id, Some(channel.id), now)
        }
        _ => None,
    };
    // Queued with the event; rows queued by an older version are looked up.
    let monitor_kind = match p.monitor_kind.clone() {
        Some(kind) => Some(kind),
        None if event.is_bad() || event == Event::Up => store
            .get_monitor(p.monitor_id)
            .await
            .ok()
            .flatten()
            .map(|m| m.spec.kind().as_str().to_owned()),
        None => None,
    };
    Notice {
        event,
        delivery_id: d.id,
        channel_name: channel.name.clone(),
        monitor_id: Some(p.monitor_id),
        monitor_name: p.monitor_name,
        monitor_url: Notice::shown_url(&p.monitor_url),
        cause: p
            .cause
            .or_else(|| incident.as_ref().map(|i| i.cause.clone())),
        at_ms: p.at_ms,
        incident_id: incident.as_ref().map(|i| i.id),
        incident_started_ms: incident
            .as_ref()
            .map(|i| i.started_at)
            .or(p.incident_started_ms),
        incident_resolved_ms: (event == Event::Up).then_some(p.at_ms),
        certificate: p.certificate,
        maintenance: p.maintenance,
        probe: p.probe,
        sent_ms: now,
        ack_url,
        page_url: links.map(|l| l.monitor_page(p.monitor_id)),
        monitor_kind,
    }
}

/// Whether a later escalation step is no longer needed: its incident was acknowledged or
/// resolved (or is gone) before it came due.
async fn step_unneeded(store: &Store, d: &deliveries::Model) -> bool {
    if d.step.is_none() || d.attempts > 0 {
        return false;
    }
    let Ok(p) = serde_json::from_str::<EventPayload>(&d.payload) else {
        return false;
    };
    match store
        .incident_for_event(p.monitor_id, p.incident_started_ms, p.at_ms)
        .await
    {
        Ok(Some(i)) => i.resolved_at.is_some() || i.acknowledged_at.is_some(),
        Ok(None) => true,
        // Unknown: better sent than lost.
        Err(_) => false,
    }
}

/// One attempt: send, then record the outcome. Returns the metric outcome (`sent`,
/// `retried`, `failed`), or `None` if the outcome could not be stored.
pub(super) async fn attempt(
    store: &Store,
    client: &awc::Client,
    config: &NotifierConfig,
    delivery: deliveries::Model,
    channel: &StoredChannel,
) -> Option<&'static str> {
    if step_unneeded(store, &delivery).await {
        let record = AttemptRecord {
            status: DeliveryStatus::Cancelled,
            attempts: 0,
            next_attempt_at_ms: now_ms(),
            error: None,
        };
        tracing::info!(
            delivery_id = delivery.id,
            channel_id = channel.id,
            "escalation step not needed: the incident was acknowledged or resolved"
        );
        return store
            .record_attempt(delivery.id, &record, now_ms())
            .await
            .ok()
            .map(|()| "cancelled");
    }
    let notice = notice_for(store, &delivery, channel, config.links.as_ref()).await;
    let outcome = send::deliver(client, &channel.config, &notice, config.timeout).await;
    let attempts = delivery.attempts.saturating_add(1);
    let now = now_ms();
    let (record, label) = match outcome {
        Outcome::Sent { .. } => (
            AttemptRecord {
                status: DeliveryStatus::Sent,
                attempts,
                next_attempt_at_ms: now,
                error: None,
            },
            "sent",
        ),
        Outcome::Failed {
            error, retry_after, ..
        } => {
            let given_up = u32::try_from(attempts).unwrap_or(u32::MAX) >= config.max_attempts;
            let wait = backoff(
                config.retry_base,
                u32::try_from(attempts).unwrap_or(1),
                retry_after,
            );
            tracing::warn!(
                delivery_id = delivery.id,
                channel_id = channel.id,
                channel_type = channel.config.kind(),
                attempts,
                error = %error,
                retry_in_ms = if given_up { 0 } else { wait.as_millis() as u64 },
                "notification not delivered"
            );
            (
                AttemptRecord {
                    status: if given_up {
                        DeliveryStatus::Failed
                    } else {
                        DeliveryStatus::Pending
                    },
                    attempts,
                    next_attempt_at_ms: now
                        + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX / 2),
                    error: Some(error),
                },
                if given_up { "failed" } else { "retried" },
            )
        }
    };
    if label == "sent" {
        tracing::info!(delivery_id = delivery.id, channel_id = channel.id, channel_type = channel.config.kind(), event = %delivery.event, "notification delivered");
    }
    let mut delay = Duration::from_millis(100);
    for _ in 0..10 {
        match store.record_attempt(delivery.id, &record, now_ms()).await {
            Ok(()) => return Some(label),
            Err(e) => {
                tracing::warn!(delivery_id = delivery.id, error = %e, "recording a delivery failed; retrying");
                actix_rt::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
        }
    }
    None
}

/// Sends a test message to `channel` now, once, through the same provider and transport as
/// every notification, records it among the channel's deliveries as event `test` and counts
/// it in the delivery metrics.
pub async fn send_test(
    store: &Store,
    metrics: &EngineMetrics,
    channel: &StoredChannel,
    timeout: Duration,
) -> StoreResult<TestOutcome> {
    let started_ms = now_ms();
    let row = store.start_test_delivery(channel.id, started_ms).await?;
    let notice = Notice::test(&channel.name, row.id, started_ms);
    let started = Instant::now();
    let outcome = send::deliver(&send::client(timeout), &channel.config, &notice, timeout).await;
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (status, status_code, error) = match outcome {
        Outcome::Sent { status } => (DeliveryStatus::Sent, status, None),
        Outcome::Failed { error, status, .. } => (DeliveryStatus::Failed, status, Some(error)),
    };
    let record = AttemptRecord {
        status,
        attempts: 1,
        next_attempt_at_ms: started_ms,
        error: error.clone(),
    };
    store.record_attempt(row.id, &record, now_ms()).await?;
    metrics
        .deliveries
        .with_label_values(&[channel.config.kind(), status.as_str()])
        .inc();
    let ok = status == DeliveryStatus::Sent;
    tracing::info!(channel_id = channel.id, ok, "test notification attempted");
    Ok(TestOutcome {
        ok,
        status_code,
        error,
        duration_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_up_to_a_cap_and_honours_retry_after() {
        let base = Duration::from_secs(5);
        assert_eq!(backoff(base, 1, None), Duration::from_secs(5));
        assert_eq!(backoff(base, 3, None), Duration::from_secs(20));
        assert_eq!(backoff(base, 20, None), Duration::from_secs(1800));
        assert_eq!(
            backoff(base, 1, Some(Duration::from_secs(60))),
            Duration::from_secs(60)
        );
        assert_eq!(
            backoff(base, 1, Some(Duration::from_secs(86_400))),
            Duration::from_secs(3600)
        );
        // Ten attempts span well over ten minutes.
        let total: Duration = (1..10).map(|n| backoff(base, n, None)).sum();
        assert!(total > Duration::from_secs(600), "{total:?}");
    }
}
