//! Who hears an event, and when: the channels linked to its monitor, at once; or, for the
//! down, up and reminders of a monitor with an escalation policy, the policy's steps (later
//! steps queued due later), the channels that heard the down, and those it reached.

use std::collections::BTreeSet;

use flatline_types::{DeliveryStatus, NotificationEvent, CHANNEL_TYPES};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::deliveries::NewDelivery;
use crate::entities::{deliveries, escalation_policies, monitor_channels, notification_channels};
use crate::escalation::{cancel_waiting_steps, decode, down_key};
use crate::StoreResult;

/// One delivery to queue: a channel, when it comes due, and its escalation step (after the
/// first; `None` for deliveries sent at once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub channel_id: i64,
    pub due_ms: i64,
    pub step: Option<i32>,
}

/// Where an event of a monitor with an escalation policy goes: a down to every step's
/// channels (a channel once, at its earliest step), later steps held until due; an up to
/// the channels that heard the down (cancelling the steps still waiting); a reminder to
/// those that heard the down and take reminders. `None` when the monitor has no policy or
/// the event is not one a policy routes: its linked channels hear it then, as always.
pub(crate) async fn policy_targets<C: sea_orm::ConnectionTrait>(
    db: &C,
    event: &NewDelivery,
    now_ms: i64,
) -> StoreResult<Option<Vec<Target>>> {
    use NotificationEvent::{Down, Reminder, Up};
    if !matches!(event.event, Down | Up | Reminder) {
        return Ok(None);
    }
    let monitor_id = event.payload.monitor_id;
    // Known from the event, so that the many monitors without a policy cost no query here.
    let Some(policy_id) = event.payload.escalation_policy_id else {
        return Ok(None);
    };
    let at_once = |channel_id| Target {
        channel_id,
        due_ms: now_ms,
        step: None,
    };
    match event.event {
        Down => {
            let Some(policy) = escalation_policies::Entity::find_by_id(policy_id)
                .one(db)
                .await?
            else {
                return Ok(None);
            };
            let policy = decode(policy)?;
            let named: BTreeSet<i64> = policy
                .steps
                .iter()
                .flat_map(|s| s.channels.iter().copied())
                .collect();
            let existing: BTreeSet<i64> = notification_channels::Entity::find()
                .filter(notification_channels::Column::Id.is_in(named))
                .all(db)
                .await?
                .into_iter()
                .map(|c| c.id)
                .collect();
            let mut seen = BTreeSet::new();
            let mut targets = Vec::new();
            for (i, step) in policy.steps.iter().enumerate() {
                let due_ms =
                    (event.payload.at_ms + i64::from(step.after_seconds) * 1000).max(now_ms);
                for c in &step.channels {
                    if existing.contains(c) && seen.insert(*c) {
                        targets.push(Target {
                            channel_id: *c,
                            due_ms: if i == 0 { now_ms } else { due_ms },
                            step: (i > 0).then(|| i32::try_from(i).unwrap_or(i32::MAX)),
                        });
                    }
                }
            }
            Ok(Some(targets))
        }
        Up => {
            let last_down = deliveries::Entity::find()
                .filter(deliveries::Column::MonitorId.eq(monitor_id))
                .filter(deliveries::Column::Event.eq(Down.as_str()))
                .order_by_desc(deliveries::Column::Id)
                .one(db)
                .await?;
            // Its down swept from the outbox long ago: the linked channels hear it.
            let Some(last_down) = last_down else {
                return Ok(None);
            };
            cancel_waiting_steps(db, monitor_id, &last_down.event_key, now_ms).await?;
            let heard = heard(db, monitor_id, &last_down.event_key, false).await?;
            Ok(Some(heard.into_iter().map(at_once).collect()))
        }
        _ => {
            let Some(started) = event.payload.incident_started_ms else {
                return Ok(Some(Vec::new()));
            };
            let heard = heard(db, monitor_id, &down_key(monitor_id, started), true).await?;
            let no_reminders = CHANNEL_TYPES
                .iter()
                .filter(|t| !t.reminders)
                .map(|t| t.kind);
            let take: Vec<i64> = notification_channels::Entity::find()
                .filter(notification_channels::Column::Id.is_in(heard))
                .filter(notification_channels::Column::Kind.is_not_in(no_reminders))
                .all(db)
                .await?
                .into_iter()
                .map(|c| c.id)
                .collect();
            Ok(Some(take.into_iter().map(at_once).collect()))
        }
    }
}

/// The channels queued a down under `key` (not cancelled; only those it reached, with
/// `sent_only`).
async fn heard<C: sea_orm::ConnectionTrait>(
    db: &C,
    monitor_id: i64,
    key: &str,
    sent_only: bool,
) -> StoreResult<BTreeSet<i64>> {
    let mut q = deliveries::Entity::find()
        .filter(deliveries::Column::MonitorId.eq(monitor_id))
        .filter(deliveries::Column::EventKey.eq(key));
    q = if sent_only {
        q.filter(deliveries::Column::Status.eq(DeliveryStatus::Sent.as_str()))
    } else {
        q.filter(deliveries::Column::Status.ne(DeliveryStatus::Cancelled.as_str()))
    };
    Ok(q.all(db).await?.into_iter().map(|d| d.channel_id).collect())
}

/// The channels linked to the event's monitor (linked at or before `linked_by_ms`, when
/// given), at once; reminders only to the types that take them.
pub(crate) async fn linked_targets<C: sea_orm::ConnectionTrait>(
    db: &C,
    event: &NewDelivery,
    linked_by_ms: Option<i64>,
    now_ms: i64,
) -> StoreResult<Vec<Target>> {
    let mut linked = Query::select()
        .column(monitor_channels::Column::ChannelId)
        .from(monitor_channels::Entity)
        .and_where(monitor_channels::Column::MonitorId.eq(event.payload.monitor_id))
        .to_owned();
    if let Some(by) = linked_by_ms {
        linked.and_where(monitor_channels::Column::CreatedAt.lte(by));
    }
    let mut channels = notification_channels::Entity::find()
        .filter(notification_channels::Column::Id.in_subquery(linked));
    if event.event == NotificationEvent::Reminder {
        let no_reminders = CHANNEL_TYPES
            .iter()
            .filter(|t| !t.reminders)
            .map(|t| t.kind);
        channels = channels.filter(notification_channels::Column::Kind.is_not_in(no_reminders));
    }
    Ok(channels
        .all(db)
        .await?
        .into_iter()
        .map(|c| Target {
            channel_id: c.id,
            due_ms: now_ms,
            step: None,
        })
        .collect())
}
