//! Storage tests for notification channels and the outbox, on SQLite and (in CI) PostgreSQL.

use std::collections::BTreeSet;

use flatline_types::{
    ChannelConfig, DeliveryStatus, MonitorStatus, NotificationEvent, WebhookConfig,
};

use crate::deliveries::AttemptRecord;
use crate::testing::{backends, spec};
use crate::{EventPayload, NewDelivery};

fn webhook(n: u16) -> ChannelConfig {
    ChannelConfig::Webhook(WebhookConfig {
        url: format!("http://127.0.0.1:{n}/hook"),
        headers: Default::default(),
    })
}

fn event(kind: &'static str, monitor_id: i64, at_ms: i64) -> NewDelivery {
    NewDelivery {
        event: NotificationEvent::parse(kind).expect("event name"),
        event_key: format!("{kind}:{monitor_id}:{at_ms}"),
        payload: EventPayload {
            monitor_id,
            monitor_name: "m".into(),
            monitor_url: "http://127.0.0.1:9/".into(),
            cause: Some("connection refused".into()),
            at_ms,
            incident_started_ms: None,
            certificate: None,
            maintenance: None,
            probe: None,
            monitor_kind: None,
            escalation_policy_id: None,
        },
    }
}

#[actix_rt::test]
async fn default_channels_follow_new_monitors_and_events_queue_once_per_channel() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let old = s.insert_monitor(&spec("old"), 1).await.expect("monitor");
        let all = s
            .insert_channel("all", &webhook(1), true, true, 2)
            .await
            .expect("channel");
        let dflt = s
            .insert_channel("dflt", &webhook(2), true, false, 2)
            .await
            .expect("channel");
        let other = s
            .insert_channel("other", &webhook(3), false, false, 2)
            .await
            .expect("channel");
        let new = s.insert_monitor(&spec("new"), 3).await.expect("monitor");
        let links = s.channel_links().await.expect("links");
        assert_eq!(links.get(&all.id), Some(&vec![old.id, new.id]), "{backend}");
        assert_eq!(links.get(&dflt.id), Some(&vec![new.id]), "{backend}");
        assert_eq!(links.get(&other.id), None, "{backend}");

        // Twice the same event (a replay, a reconciliation): queued once per channel.
        assert_eq!(
            s.enqueue(&event("down", new.id, 10), None, 10)
                .await
                .expect("q"),
            2
        );
        assert_eq!(
            s.enqueue(&event("down", new.id, 10), None, 11)
                .await
                .expect("q"),
            0
        );
        // Only channels linked by the event's time, when asked.
        assert_eq!(
            s.enqueue(&event("down", old.id, 1), Some(1), 12)
                .await
                .expect("q"),
            0,
            "{backend}: the channel was linked after the event"
        );
        assert!(s.link_channel(new.id, other.id, 20).await.expect("link"));
        assert!(!s.link_channel(new.id, other.id, 21).await.expect("again"));
        assert_eq!(
            s.enqueue(&event("up", new.id, 30), None, 30)
                .await
                .expect("q"),
            3
        );

        // Per channel and monitor, the up waits for the down.
        let due = s
            .due_deliveries(40, &BTreeSet::new(), 100)
            .await
            .expect("due");
        let shown: Vec<(i64, &str)> = due
            .iter()
            .map(|d| (d.channel.id, d.delivery.event.as_str()))
            .collect();
        assert_eq!(
            shown,
            vec![(all.id, "down"), (dflt.id, "down"), (other.id, "up")],
            "{backend}"
        );
        let down = &due[0].delivery;
        let retry = AttemptRecord {
            status: DeliveryStatus::Pending,
            attempts: 1,
            next_attempt_at_ms: 1000,
            error: Some("HTTP 500".into()),
        };
        s.record_attempt(down.id, &retry, 41).await.expect("retry");
        let busy: BTreeSet<i64> = [due[1].delivery.id].into();
        let due = s.due_deliveries(50, &busy, 100).await.expect("due");
        assert!(
            due.iter().all(|d| d.channel.id == other.id),
            "{backend}: retrying down blocks its up"
        );
        let sent = AttemptRecord {
            status: DeliveryStatus::Sent,
            attempts: 2,
            next_attempt_at_ms: 1000,
            error: None,
        };
        s.record_attempt(down.id, &sent, 1000).await.expect("sent");
        let due = s.due_deliveries(1000, &busy, 100).await.expect("due");
        assert!(
            due.iter()
                .any(|d| d.channel.id == all.id && d.delivery.event == "up"),
            "{backend}: the up follows once the down is sent"
        );
        let history = s.channel_deliveries(all.id, 10).await.expect("history");
        assert_eq!(history.len(), 2);
        assert_eq!(
            (history[1].status.as_str(), history[1].attempts),
            ("sent", 2)
        );
        assert_eq!(history[1].sent_at, Some(1000));

        // Deleting a monitor unlinks it; deleting a channel takes its deliveries.
        assert!(s.delete_monitor(old.id).await.expect("delete"));
        assert_eq!(
            s.channel_links().await.expect("links").get(&all.id),
            Some(&vec![new.id])
        );
        assert!(s.delete_channel(all.id).await.expect("delete"));
        assert!(s
            .channel_deliveries(all.id, 10)
            .await
            .expect("history")
            .is_empty());
        assert!(
            s.get_channel(all.id).await.expect("get").is_none(),
            "{backend}"
        );
    }
}

#[actix_rt::test]
async fn incidents_are_found_for_reconciliation_and_reminders() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let mut with_reminders = spec("r");
        with_reminders.resend_interval_minutes = 5;
        let m = s.insert_monitor(&with_reminders, 1).await.expect("monitor");
        let quiet = s.insert_monitor(&spec("q"), 1).await.expect("monitor");
        s.apply_transition(m.id, MonitorStatus::Down, 100, Some("x"))
            .await
            .expect("down");
        s.apply_transition(quiet.id, MonitorStatus::Down, 100, Some("y"))
            .await
            .expect("down");
        let wanting = s.incidents_wanting_reminders().await.expect("reminders");
        assert_eq!(wanting.len(), 1, "{backend}");
        assert_eq!(wanting[0].1.resend_interval_minutes, 5);
        s.apply_transition(m.id, MonitorStatus::Up, 200, None)
            .await
            .expect("up");
        assert!(s.incidents_wanting_reminders().await.expect("r").is_empty());
        let found = s
            .incident_for_event(m.id, None, 200)
            .await
            .expect("lookup")
            .expect("the incident the recovery ends");
        assert_eq!((found.started_at, found.resolved_at), (100, Some(200)));
        // Both started since 50; since 150 only the recovery happened, and an incident open
        // since before then has no event to reconcile.
        assert_eq!(s.recent_incidents(50).await.expect("recent").len(), 2);
        let since_150: Vec<i64> = s
            .recent_incidents(150)
            .await
            .expect("recent")
            .iter()
            .map(|(i, _)| i.monitor_id)
            .collect();
        assert_eq!(since_150, vec![m.id], "{backend}");
    }
}
