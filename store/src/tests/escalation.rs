//! Storage tests for escalation policies and acknowledgement, on SQLite and (in CI)
//! PostgreSQL: where a policy's down, up and reminder go, later steps held (and holding
//! nothing up) until due, cancelled by an acknowledgement.

use std::collections::BTreeSet;

use flatline_types::{
    ChannelConfig, EscalationStep, MonitorSpec, MonitorStatus, NotificationEvent, WebhookConfig,
};

use crate::deliveries::AttemptRecord;
use crate::escalation::{Ack, AckOutcome};
use crate::testing::{backends, spec};
use crate::{EventPayload, NewDelivery};

fn webhook(n: u16) -> ChannelConfig {
    ChannelConfig::Webhook(WebhookConfig {
        url: format!("http://127.0.0.1:{n}/hook"),
        headers: Default::default(),
    })
}

/// An event of a monitor following escalation policy `policy`.
fn event(
    kind: &'static str,
    monitor_id: i64,
    at_ms: i64,
    started: Option<i64>,
    policy: i64,
) -> NewDelivery {
    NewDelivery {
        event: NotificationEvent::parse(kind).expect("event name"),
        event_key: format!("{kind}:{monitor_id}:{at_ms}"),
        payload: EventPayload {
            monitor_id,
            monitor_name: "m".into(),
            monitor_url: "http://127.0.0.1:9/".into(),
            cause: Some("down".into()),
            at_ms,
            incident_started_ms: started,
            certificate: None,
            maintenance: None,
            probe: None,
            monitor_kind: None,
            escalation_policy_id: Some(policy),
        },
    }
}

fn step(after_seconds: u32, channels: &[i64]) -> EscalationStep {
    EscalationStep {
        after_seconds,
        channels: channels.to_vec(),
    }
}

#[actix_rt::test]
async fn a_policy_holds_later_steps_until_due_and_an_acknowledgement_cancels_them() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let a = s
            .insert_channel("a", &webhook(1), false, false, 1)
            .await
            .expect("a");
        let b = s
            .insert_channel("b", &webhook(2), false, false, 1)
            .await
            .expect("b");
        let linked = s
            .insert_channel("l", &webhook(3), false, false, 1)
            .await
            .expect("l");
        // A channel in two steps hears at its first.
        let policy = s
            .insert_policy("p", &[step(0, &[a.id]), step(20, &[b.id, a.id])], 1)
            .await
            .expect("policy");
        let with_policy = MonitorSpec {
            escalation_policy_id: Some(policy.id),
            ..spec("m")
        };
        let m = s.insert_monitor(&with_policy, 2).await.expect("monitor");
        s.link_channel(m.id, linked.id, 2).await.expect("link");
        assert_eq!(
            s.policy_monitors(policy.id).await.expect("users"),
            vec![m.id],
            "{backend}"
        );

        s.apply_transition(m.id, MonitorStatus::Down, 1000, Some("down"))
            .await
            .expect("down");
        let down = event("down", m.id, 1000, Some(1000), policy.id);
        assert_eq!(
            s.enqueue(&down, None, 1000).await.expect("queue"),
            2,
            "{backend}"
        );
        let due: Vec<i64> = s
            .due_deliveries(1500, &BTreeSet::new(), 100)
            .await
            .expect("due")
            .iter()
            .map(|d| d.channel.id)
            .collect();
        assert_eq!(
            due,
            vec![a.id],
            "{backend}: step 2 waits; the linked channel hears nothing"
        );
        let rows = s.channel_deliveries(b.id, 10).await.expect("b");
        assert_eq!(
            (rows[0].next_attempt_at, rows[0].step),
            (21_000, Some(1)),
            "{backend}"
        );

        // A later event for B's channel and monitor is not held up behind the waiting step.
        let cert = NewDelivery {
            event: NotificationEvent::CertificateExpiring,
            event_key: "certificate:x".into(),
            ..event("down", m.id, 1600, None, policy.id)
        };
        s.link_channel(m.id, b.id, 1600).await.expect("link b");
        s.enqueue(&cert, None, 1600).await.expect("cert");
        let due: BTreeSet<i64> = s
            .due_deliveries(1700, &BTreeSet::new(), 100)
            .await
            .expect("due")
            .iter()
            .map(|d| d.channel.id)
            .collect();
        assert!(due.contains(&b.id), "{backend}: {due:?}");

        // Acknowledged: once; B's step is cancelled, and no reminders are wanted.
        let incident = s.open_incident(m.id).await.expect("read").expect("open");
        let ack = Ack {
            by: "ops".into(),
            via: "api",
            note: Some("on it".into()),
        };
        let AckOutcome::Acknowledged(acked) =
            s.acknowledge(incident.id, &ack, 5000).await.expect("ack")
        else {
            panic!("{backend}: acknowledged first");
        };
        assert_eq!(
            (acked.acknowledged_at, acked.acknowledged_by.as_deref()),
            (Some(5000), Some("ops"))
        );
        assert!(
            matches!(
                s.acknowledge(incident.id, &ack, 6000).await.expect("again"),
                AckOutcome::Already(_)
            ),
            "{backend}"
        );
        assert!(matches!(
            s.acknowledge(999_999, &ack, 6000).await.expect("none"),
            AckOutcome::NotFound
        ));
        let step_row = s
            .channel_deliveries(b.id, 10)
            .await
            .expect("b")
            .into_iter()
            .find(|d| d.step.is_some())
            .expect("the step");
        assert_eq!(step_row.status, "cancelled", "{backend}");
        let mut wanting = MonitorSpec {
            resend_interval_minutes: 1,
            ..with_policy.clone()
        };
        wanting.name = "m".into();
        s.update_monitor(m.id, &wanting, 6000)
            .await
            .expect("resend");
        assert!(
            s.incidents_wanting_reminders()
                .await
                .expect("reminders")
                .is_empty(),
            "{backend}"
        );

        // A reached; the up goes to A only (B never heard the down).
        let a_row = s.channel_deliveries(a.id, 10).await.expect("a")[0].clone();
        let sent = AttemptRecord {
            status: flatline_types::DeliveryStatus::Sent,
            attempts: 1,
            next_attempt_at_ms: 7000,
            error: None,
        };
        s.record_attempt(a_row.id, &sent, 7000).await.expect("sent");
        s.apply_transition(m.id, MonitorStatus::Up, 8000, None)
            .await
            .expect("up");
        assert_eq!(
            s.enqueue(&event("up", m.id, 8000, None, policy.id), None, 8000)
                .await
                .expect("up"),
            1,
            "{backend}"
        );
        let ups: Vec<i64> = s
            .due_deliveries(9000, &BTreeSet::new(), 100)
            .await
            .expect("due")
            .iter()
            .filter(|d| d.delivery.event == "up")
            .map(|d| d.channel.id)
            .collect();
        assert_eq!(ups, vec![a.id], "{backend}");

        // In use: neither the policy nor its channels can be deleted.
        assert!(s.delete_policy(policy.id).await.is_err(), "{backend}");
        assert!(s.delete_channel(a.id).await.is_err(), "{backend}");
    }
}

#[actix_rt::test]
async fn a_recovery_before_the_step_cancels_it_and_reminders_go_to_who_heard() {
    for (backend, db) in backends().await {
        let s = &db.store;
        let a = s
            .insert_channel("a", &webhook(1), false, false, 1)
            .await
            .expect("a");
        let b = s
            .insert_channel("b", &webhook(2), false, false, 1)
            .await
            .expect("b");
        let policy = s
            .insert_policy("p", &[step(0, &[a.id]), step(60, &[b.id])], 1)
            .await
            .expect("policy");
        let m = s
            .insert_monitor(
                &MonitorSpec {
                    escalation_policy_id: Some(policy.id),
                    ..spec("m")
                },
                2,
            )
            .await
            .expect("monitor");
        s.enqueue(
            &event("down", m.id, 1000, Some(1000), policy.id),
            None,
            1000,
        )
        .await
        .expect("down");
        // A reminder goes to the channels the down reached: none yet.
        let reminder = NewDelivery {
            event_key: "reminder:x".into(),
            ..event("reminder", m.id, 2000, Some(1000), policy.id)
        };
        assert_eq!(
            s.enqueue(&reminder, None, 2000).await.expect("reminder"),
            0,
            "{backend}"
        );
        s.enqueue(&event("up", m.id, 3000, None, policy.id), None, 3000)
            .await
            .expect("up");
        let b_rows = s.channel_deliveries(b.id, 10).await.expect("b");
        assert_eq!(b_rows.len(), 1, "{backend}: no up for B");
        assert_eq!(b_rows[0].status, "cancelled", "{backend}");
        assert_eq!(
            s.channel_deliveries(a.id, 10).await.expect("a").len(),
            2,
            "{backend}"
        );
    }
}
