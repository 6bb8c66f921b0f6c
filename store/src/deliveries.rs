//! The delivery outbox: one row per channel and event, unique, so queueing an event twice (a
//! replayed transition, a reconciliation after a crash) changes nothing. The notifier
//! delivers due rows and records each attempt.

use std::collections::{BTreeSet, HashMap};

use flatline_types::{DeliveryStatus, NotificationEvent};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::channels::{decode_channel, StoredChannel};
use crate::entities::{deliveries, notification_channels};
use crate::targets::{linked_targets, policy_targets};
use crate::{Store, StoreError, StoreResult};

/// What a notification says, captured when its event happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventPayload {
    pub monitor_id: i64,
    pub monitor_name: String,
    pub monitor_url: String,
    /// Why the monitor is down (down and reminder events).
    pub cause: Option<String>,
    /// UTC ms: the check that declared the monitor down, or found it up again; for a
    /// reminder, when it was due.
    pub at_ms: i64,
    /// UTC ms: the incident's start, when known at queueing.
    #[serde(default)]
    pub incident_started_ms: Option<i64>,
    /// `certificate_expiring` events: the certificate and the threshold it crossed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateNotice>,
    /// `maintenance_started`/`maintenance_ended` events: the window's occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance: Option<MaintenanceNotice>,
    /// `probe_offline`/`probe_online` events: the location's probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<ProbeNotice>,
    /// The monitor's kind (`http`, `tcp`, …) when the event happened, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor_kind: Option<String>,
    /// The monitor's escalation policy when the event happened (down, up, reminder): who
    /// hears it is then the policy's matter, not the links'.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalation_policy_id: Option<i64>,
}

/// What a probe notification says of the probe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeNotice {
    pub location: String,
    /// UTC ms when it was last heard from.
    pub last_seen_ms: i64,
    /// Enabled monitors checked from its location.
    pub monitors: u32,
}

/// What a maintenance notification says of the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceNotice {
    pub window_id: i64,
    pub title: String,
    /// UTC ms: the occurrence's start and end.
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
}

/// What a `certificate_expiring` notification says of the certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateNotice {
    pub subject: String,
    pub issuer: String,
    /// UTC ms.
    pub not_after_ms: i64,
    /// The threshold crossed, in days.
    pub threshold_days: u32,
    pub sha256: String,
}

/// An event to queue for every channel linked to its monitor.
#[derive(Clone, Debug)]
pub struct NewDelivery {
    /// `down`, `up`, `reminder` or `certificate_expiring`.
    pub event: NotificationEvent,
    /// Identifies the event; with the channel, unique in the outbox.
    pub event_key: String,
    pub payload: EventPayload,
}

/// A delivery that is due, with its channel.
#[derive(Clone, Debug)]
pub struct DueDelivery {
    pub delivery: deliveries::Model,
    pub channel: StoredChannel,
}

/// The result of one delivery attempt, to record.
#[derive(Clone, Debug)]
pub struct AttemptRecord {
    /// `Pending` (to retry at `next_attempt_at`), `Sent` or `Failed`.
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at_ms: i64,
    pub error: Option<String>,
}

impl deliveries::Model {
    /// The stored event name, decoded.
    pub fn event(&self) -> StoreResult<NotificationEvent> {
        NotificationEvent::parse(&self.event)
            .ok_or_else(|| StoreError::Corrupt(format!("delivery {}: event", self.id)))
    }

    /// The stored status, decoded.
    pub fn status(&self) -> StoreResult<DeliveryStatus> {
        DeliveryStatus::parse(&self.status)
            .ok_or_else(|| StoreError::Corrupt(format!("delivery {}: status", self.id)))
    }
}

impl Store {
    /// Queues an event for every channel linked to its monitor (linked at or before
    /// `linked_by_ms`, when given). Returns how many deliveries were new: an event already
    /// queued for a channel is not queued again.
    pub async fn enqueue(
        &self,
        event: &NewDelivery,
        linked_by_ms: Option<i64>,
        now_ms: i64,
    ) -> StoreResult<u64> {
        Ok(self
            .enqueue_fenced(event, linked_by_ms, now_ms, None)
            .await?
            .unwrap_or_default())
    }

    /// [`Store::enqueue`] of an event seen under `lease`: nothing is queued, and `None`
    /// returned, if this node no longer holds it (the monitor was taken over).
    pub async fn enqueue_fenced(
        &self,
        event: &NewDelivery,
        linked_by_ms: Option<i64>,
        now_ms: i64,
        lease: Option<crate::cluster::Lease>,
    ) -> StoreResult<Option<u64>> {
        let txn = self.write.begin().await?;
        let shards = lease.iter().map(|l| l.shard).collect();
        let held = crate::cluster::held(self, &txn, &shards).await?;
        if !crate::cluster::allowed(lease, held.as_ref()) {
            return Ok(None);
        }
        let targets = match policy_targets(&txn, event, now_ms).await? {
            Some(targets) => targets,
            None => linked_targets(&txn, event, linked_by_ms, now_ms).await?,
        };
        if targets.is_empty() {
            txn.commit().await?;
            return Ok(Some(0));
        }
        let payload = serde_json::to_string(&event.payload).unwrap_or_default();
        let rows = targets.into_iter().map(|t| {
            let mut row = new_row(
                t.channel_id,
                Some(event.payload.monitor_id),
                event.event,
                event.event_key.clone(),
                payload.clone(),
                DeliveryStatus::Pending,
                now_ms,
            );
            row.next_attempt_at = Set(t.due_ms);
            row.step = Set(t.step);
            row
        });
        let queued = deliveries::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([deliveries::Column::ChannelId, deliveries::Column::EventKey])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
        Ok(Some(queued))
    }

    /// Records a test message about to be sent (status `sending`, which the delivery loop
    /// never picks up); `record_attempt` then stores its outcome.
    pub async fn start_test_delivery(
        &self,
        channel_id: i64,
        now_ms: i64,
    ) -> StoreResult<deliveries::Model> {
        Ok(new_row(
            channel_id,
            None,
            NotificationEvent::Test,
            format!("test:{now_ms}:{}", next_test_serial()),
            "{}".to_owned(),
            DeliveryStatus::Sending,
            now_ms,
        )
        .insert(&self.write)
        .await?)
    }

    /// Pending deliveries due at `now_ms`, oldest first, leaving out `busy` ones and any with
    /// an older delivery for the same channel and monitor still pending, so that a channel
    /// hears of a monitor's events in order.
    pub async fn due_deliveries(
        &self,
        now_ms: i64,
        busy: &BTreeSet<i64>,
        limit: u64,
    ) -> StoreResult<Vec<DueDelivery>> {
        let older = Alias::new("older");
        let blocked = Query::select()
            .expr(Expr::val(1))
            .from_as(deliveries::Entity, older.clone())
            .and_where(
                Expr::col((older.clone(), deliveries::Column::ChannelId))
                    .equals((deliveries::Entity, deliveries::Column::ChannelId)),
            )
            .and_where(
                Expr::col((older.clone(), deliveries::Column::MonitorId))
                    .equals((deliveries::Entity, deliveries::Column::MonitorId)),
            )
            .and_where(
                Expr::col((older.clone(), deliveries::Column::Status))
                    .eq(DeliveryStatus::Pending.as_str()),
            )
            .and_where(
                Expr::col((older.clone(), deliveries::Column::Id))
                    .lt(Expr::col((deliveries::Entity, deliveries::Column::Id))),
            )
            // A later escalation step waiting for its time holds nothing up.
            .cond_where(
                Condition::any()
                    .add(Expr::col((older.clone(), deliveries::Column::Step)).is_null())
                    .add(Expr::col((older.clone(), deliveries::Column::Attempts)).gt(0))
                    .add(Expr::col((older, deliveries::Column::NextAttemptAt)).lte(now_ms)),
            )
            .to_owned();
        let rows = deliveries::Entity::find()
            .filter(deliveries::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .filter(deliveries::Column::NextAttemptAt.lte(now_ms))
            .filter(
                Condition::any()
                    .add(deliveries::Column::ClaimedUntil.is_null())
                    .add(deliveries::Column::ClaimedUntil.lt(now_ms)),
            )
            .filter(deliveries::Column::Id.is_not_in(busy.iter().copied()))
            .filter(Expr::exists(blocked).not())
            .order_by_asc(deliveries::Column::NextAttemptAt)
            .order_by_asc(deliveries::Column::Id)
            .limit(limit)
            .all(&self.read)
            .await?;
        let ids: BTreeSet<i64> = rows.iter().map(|d| d.channel_id).collect();
        let channels: HashMap<i64, StoredChannel> = notification_channels::Entity::find()
            .filter(notification_channels::Column::Id.is_in(ids))
            .all(&self.read)
            .await?
            .into_iter()
            .map(|c| decode_channel(c).map(|c| (c.id, c)))
            .collect::<StoreResult<_>>()?;
        Ok(rows
            .into_iter()
            .filter_map(|d| {
                let channel = channels.get(&d.channel_id)?.clone();
                Some(DueDelivery {
                    delivery: d,
                    channel,
                })
            })
            .collect())
    }

    /// When the next pending delivery not yet due at `now_ms` comes due, if any does: its
    /// next attempt, or the end of another node's claim on it (that node may have died).
    pub async fn next_due_after(&self, now_ms: i64) -> StoreResult<Option<i64>> {
        let retry = deliveries::Entity::find()
            .filter(deliveries::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .filter(deliveries::Column::NextAttemptAt.gt(now_ms))
            .order_by_asc(deliveries::Column::NextAttemptAt)
            .one(&self.read)
            .await?
            .map(|d| d.next_attempt_at);
        let claim = deliveries::Entity::find()
            .filter(deliveries::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .filter(deliveries::Column::ClaimedUntil.gte(now_ms))
            .order_by_asc(deliveries::Column::ClaimedUntil)
            .one(&self.read)
            .await?
            .and_then(|d| d.claimed_until)
            .map(|until| until + 1);
        Ok(match (retry, claim) {
            (Some(a), Some(b)) => Some(std::cmp::min(a, b)),
            (a, b) => a.or(b),
        })
    }

    /// Claims a due delivery for `node` until `until_ms`, so that no other node sends it
    /// meanwhile; false if it is not pending any more or another node's claim holds. A
    /// compare-and-swap: of several nodes trying at once, one wins.
    pub async fn claim_delivery(
        &self,
        id: i64,
        node: &str,
        until_ms: i64,
        now_ms: i64,
    ) -> StoreResult<bool> {
        let done = deliveries::Entity::update_many()
            .col_expr(deliveries::Column::ClaimedBy, Expr::value(node))
            .col_expr(deliveries::Column::ClaimedUntil, Expr::value(until_ms))
            .filter(deliveries::Column::Id.eq(id))
            .filter(deliveries::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .filter(
                Condition::any()
                    .add(deliveries::Column::ClaimedUntil.is_null())
                    .add(deliveries::Column::ClaimedUntil.lt(now_ms)),
            )
            .exec(&self.write)
            .await?;
        Ok(done.rows_affected == 1)
    }

    /// Ends every claim on a pending delivery (a node alone, starting: no one else sends).
    pub async fn drop_delivery_claims(&self) -> StoreResult<u64> {
        let done = deliveries::Entity::update_many()
            .col_expr(
                deliveries::Column::ClaimedUntil,
                Expr::value(Option::<i64>::None),
            )
            .filter(deliveries::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .filter(deliveries::Column::ClaimedUntil.is_not_null())
            .exec(&self.write)
            .await?;
        Ok(done.rows_affected)
    }

    /// Records an attempt's outcome (and ends the claim on it).
    pub async fn record_attempt(
        &self,
        id: i64,
        attempt: &AttemptRecord,
        now_ms: i64,
    ) -> StoreResult<()> {
        let mut am = deliveries::ActiveModel {
            id: Set(id),
            ..Default::default()
        };
        am.status = Set(attempt.status.as_str().to_owned());
        am.attempts = Set(attempt.attempts);
        am.next_attempt_at = Set(attempt.next_attempt_at_ms);
        am.last_error = Set(attempt.error.clone());
        am.updated_at = Set(now_ms);
        am.claimed_until = Set(None);
        if attempt.status == DeliveryStatus::Sent {
            am.sent_at = Set(Some(now_ms));
        }
        deliveries::Entity::update_many()
            .set(am)
            .filter(deliveries::Column::Id.eq(id))
            .exec(&self.write)
            .await?;
        Ok(())
    }

    /// A channel's deliveries, newest first.
    pub async fn channel_deliveries(
        &self,
        channel_id: i64,
        limit: u64,
    ) -> StoreResult<Vec<deliveries::Model>> {
        Ok(deliveries::Entity::find()
            .filter(deliveries::Column::ChannelId.eq(channel_id))
            .order_by_desc(deliveries::Column::Id)
            .limit(limit)
            .all(&self.read)
            .await?)
    }

    /// How many deliveries are waiting (first attempt or retry).
    pub async fn count_pending_deliveries(&self) -> StoreResult<u64> {
        Ok(deliveries::Entity::find()
            .filter(deliveries::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .count(&self.read)
            .await?)
    }

    /// Deletes finished deliveries last touched before `cutoff_ms`; returns how many went.
    pub async fn sweep_deliveries(&self, cutoff_ms: i64) -> StoreResult<u64> {
        Ok(deliveries::Entity::delete_many()
            .filter(deliveries::Column::Status.ne(DeliveryStatus::Pending.as_str()))
            .filter(deliveries::Column::UpdatedAt.lt(cutoff_ms))
            .exec(&self.write)
            .await?
            .rows_affected)
    }
}

/// A delivery row not yet attempted.
fn new_row(
    channel_id: i64,
    monitor_id: Option<i64>,
    event: NotificationEvent,
    event_key: String,
    payload: String,
    status: DeliveryStatus,
    now_ms: i64,
) -> deliveries::ActiveModel {
    deliveries::ActiveModel {
        channel_id: Set(channel_id),
        monitor_id: Set(monitor_id),
        event: Set(event.as_str().to_owned()),
        event_key: Set(event_key),
        payload: Set(payload),
        status: Set(status.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now_ms),
        last_error: Set(None),
        created_at: Set(now_ms),
        updated_at: Set(now_ms),
        sent_at: Set(None),
        ..Default::default()
    }
}

/// Tells test deliveries started in the same millisecond apart.
fn next_test_serial() -> u64 {
    static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}
