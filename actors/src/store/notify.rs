//! Notification channels, their links to monitors, and the delivery outbox.
//!
//! A notification is first a row in `deliveries` (the outbox), unique per channel and event,
//! so queueing an event twice (a replayed transition, a reconciliation after a crash) changes
//! nothing. The notifier then delivers due rows and records each attempt.

use std::collections::{BTreeSet, HashMap};

use flatline_types::ChannelConfig;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::entities::{deliveries, incidents, monitor_channels, monitors, notification_channels};
use super::{Store, StoreError, StoreResult};

/// A channel as stored, its config decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredChannel {
    pub id: i64,
    pub name: String,
    pub config: ChannelConfig,
    pub is_default: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

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
}

/// An event to queue for every channel linked to its monitor.
#[derive(Clone, Debug)]
pub struct NewDelivery {
    /// `down`, `up` or `reminder`.
    pub event: &'static str,
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
    /// `pending` (to retry at `next_attempt_at`), `sent` or `failed`.
    pub status: &'static str,
    pub attempts: i32,
    pub next_attempt_at_ms: i64,
    pub error: Option<String>,
}

/// Channel types that get no reminders (PagerDuty escalates by itself).
const NO_REMINDERS: [&str; 1] = ["pagerduty"];

fn decode_channel(m: notification_channels::Model) -> StoreResult<StoredChannel> {
    let config = serde_json::from_str(&m.config)
        .map_err(|e| StoreError::Corrupt(format!("channel {}: config: {e}", m.id)))?;
    Ok(StoredChannel {
        id: m.id,
        name: m.name,
        config,
        is_default: m.is_default,
        created_at_ms: m.created_at,
        updated_at_ms: m.updated_at,
    })
}

fn encode_config(config: &ChannelConfig) -> String {
    serde_json::to_string(config).unwrap_or_default()
}

/// Inserts the links a `(monitor_id, channel_id, created_at)` SELECT yields.
async fn insert_links<C: ConnectionTrait>(db: &C, select: SelectStatement) -> StoreResult<()> {
    let insert = Query::insert()
        .into_table(monitor_channels::Entity)
        .columns([
            monitor_channels::Column::MonitorId,
            monitor_channels::Column::ChannelId,
            monitor_channels::Column::CreatedAt,
        ])
        .select_from(select)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
        .to_owned();
    db.execute(&insert).await?;
    Ok(())
}

/// Links every default channel to a new monitor (inside its creating transaction).
pub(super) async fn link_defaults<C: ConnectionTrait>(
    db: &C,
    monitor_id: i64,
    now_ms: i64,
) -> StoreResult<()> {
    insert_links(
        db,
        Query::select()
            .expr(Expr::val(monitor_id))
            .column(notification_channels::Column::Id)
            .expr(Expr::val(now_ms))
            .from(notification_channels::Entity)
            .and_where(Expr::col(notification_channels::Column::IsDefault).eq(true))
            .to_owned(),
    )
    .await
}

impl Store {
    /// Stores a new channel; with `link_all`, links it to every existing monitor too.
    pub async fn insert_channel(
        &self,
        name: &str,
        config: &ChannelConfig,
        is_default: bool,
        link_all: bool,
        now_ms: i64,
    ) -> StoreResult<StoredChannel> {
        let txn = self.write.begin().await?;
        let model = notification_channels::ActiveModel {
            name: Set(name.to_owned()),
            kind: Set(config.kind().to_owned()),
            config: Set(encode_config(config)),
            is_default: Set(is_default),
            created_at: Set(now_ms),
            updated_at: Set(now_ms),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if link_all {
            insert_links(
                &txn,
                Query::select()
                    .column(monitors::Column::Id)
                    .expr(Expr::val(model.id))
                    .expr(Expr::val(now_ms))
                    .from(monitors::Entity)
                    .to_owned(),
            )
            .await?;
        }
        txn.commit().await?;
        decode_channel(model)
    }

    /// Replaces a channel's name, config and default flag. `None` if there is no such id.
    pub async fn update_channel(
        &self,
        id: i64,
        name: &str,
        config: &ChannelConfig,
        is_default: bool,
        now_ms: i64,
    ) -> StoreResult<Option<StoredChannel>> {
        let Some(current) = notification_channels::Entity::find_by_id(id)
            .one(&self.write)
            .await?
        else {
            return Ok(None);
        };
        let mut am: notification_channels::ActiveModel = current.into();
        am.name = Set(name.to_owned());
        am.kind = Set(config.kind().to_owned());
        am.config = Set(encode_config(config));
        am.is_default = Set(is_default);
        am.updated_at = Set(now_ms);
        decode_channel(am.update(&self.write).await?).map(Some)
    }

    /// Deletes a channel with its links and deliveries. False if there was no such id.
    pub async fn delete_channel(&self, id: i64) -> StoreResult<bool> {
        let txn = self.write.begin().await?;
        monitor_channels::Entity::delete_many()
            .filter(monitor_channels::Column::ChannelId.eq(id))
            .exec(&txn)
            .await?;
        deliveries::Entity::delete_many()
            .filter(deliveries::Column::ChannelId.eq(id))
            .exec(&txn)
            .await?;
        let res = notification_channels::Entity::delete_by_id(id)
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(res.rows_affected > 0)
    }

    /// One channel.
    pub async fn get_channel(&self, id: i64) -> StoreResult<Option<StoredChannel>> {
        notification_channels::Entity::find_by_id(id)
            .one(&self.read)
            .await?
            .map(decode_channel)
            .transpose()
    }

    /// Every channel, by id.
    pub async fn list_channels(&self) -> StoreResult<Vec<StoredChannel>> {
        notification_channels::Entity::find()
            .order_by_asc(notification_channels::Column::Id)
            .all(&self.read)
            .await?
            .into_iter()
            .map(decode_channel)
            .collect()
    }

    /// The monitors linked to each channel, by channel id.
    pub async fn channel_links(&self) -> StoreResult<HashMap<i64, Vec<i64>>> {
        let mut links: HashMap<i64, Vec<i64>> = HashMap::new();
        for l in monitor_channels::Entity::find()
            .order_by_asc(monitor_channels::Column::MonitorId)
            .all(&self.read)
            .await?
        {
            links.entry(l.channel_id).or_default().push(l.monitor_id);
        }
        Ok(links)
    }

    /// The channels linked to a monitor, by id.
    pub async fn monitor_channels(&self, monitor_id: i64) -> StoreResult<Vec<StoredChannel>> {
        let ids: Vec<i64> = monitor_channels::Entity::find()
            .filter(monitor_channels::Column::MonitorId.eq(monitor_id))
            .all(&self.read)
            .await?
            .into_iter()
            .map(|l| l.channel_id)
            .collect();
        notification_channels::Entity::find()
            .filter(notification_channels::Column::Id.is_in(ids))
            .order_by_asc(notification_channels::Column::Id)
            .all(&self.read)
            .await?
            .into_iter()
            .map(decode_channel)
            .collect()
    }

    /// Links a channel to a monitor; false if it was linked already.
    pub async fn link_channel(
        &self,
        monitor_id: i64,
        channel_id: i64,
        now_ms: i64,
    ) -> StoreResult<bool> {
        let res = monitor_channels::Entity::insert(monitor_channels::ActiveModel {
            monitor_id: Set(monitor_id),
            channel_id: Set(channel_id),
            created_at: Set(now_ms),
        })
        .on_conflict(
            OnConflict::columns([
                monitor_channels::Column::MonitorId,
                monitor_channels::Column::ChannelId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&self.write)
        .await?;
        Ok(res > 0)
    }

    /// Unlinks a channel from a monitor; false if it was not linked.
    pub async fn unlink_channel(&self, monitor_id: i64, channel_id: i64) -> StoreResult<bool> {
        let res = monitor_channels::Entity::delete_many()
            .filter(monitor_channels::Column::MonitorId.eq(monitor_id))
            .filter(monitor_channels::Column::ChannelId.eq(channel_id))
            .exec(&self.write)
            .await?;
        Ok(res.rows_affected > 0)
    }

    /// Queues an event for every channel linked to its monitor (linked at or before
    /// `linked_by_ms`, when given). Returns how many deliveries were new: an event already
    /// queued for a channel is not queued again.
    pub async fn enqueue(
        &self,
        event: &NewDelivery,
        linked_by_ms: Option<i64>,
        now_ms: i64,
    ) -> StoreResult<u64> {
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
        if event.event == "reminder" {
            channels = channels.filter(notification_channels::Column::Kind.is_not_in(NO_REMINDERS));
        }
        let targets: Vec<i64> = channels
            .all(&self.write)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        if targets.is_empty() {
            return Ok(0);
        }
        let payload = serde_json::to_string(&event.payload).unwrap_or_default();
        let rows = targets
            .into_iter()
            .map(|channel_id| deliveries::ActiveModel {
                channel_id: Set(channel_id),
                monitor_id: Set(Some(event.payload.monitor_id)),
                event: Set(event.event.to_owned()),
                event_key: Set(event.event_key.clone()),
                payload: Set(payload.clone()),
                status: Set("pending".to_owned()),
                attempts: Set(0),
                next_attempt_at: Set(now_ms),
                last_error: Set(None),
                created_at: Set(now_ms),
                updated_at: Set(now_ms),
                sent_at: Set(None),
                ..Default::default()
            });
        Ok(deliveries::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([deliveries::Column::ChannelId, deliveries::Column::EventKey])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&self.write)
            .await?)
    }

    /// Records a test message about to be sent (status `sending`, which the delivery loop
    /// never picks up); `record_attempt` then stores its outcome.
    pub async fn start_test_delivery(
        &self,
        channel_id: i64,
        now_ms: i64,
    ) -> StoreResult<deliveries::Model> {
        Ok(deliveries::ActiveModel {
            channel_id: Set(channel_id),
            monitor_id: Set(None),
            event: Set("test".to_owned()),
            event_key: Set(format!("test:{now_ms}:{}", next_test_serial())),
            payload: Set("{}".to_owned()),
            status: Set("sending".to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(now_ms),
            last_error: Set(None),
            created_at: Set(now_ms),
            updated_at: Set(now_ms),
            sent_at: Set(None),
            ..Default::default()
        }
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
            .and_where(Expr::col((older.clone(), deliveries::Column::Status)).eq("pending"))
            .and_where(
                Expr::col((older, deliveries::Column::Id))
                    .lt(Expr::col((deliveries::Entity, deliveries::Column::Id))),
            )
            .to_owned();
        let rows = deliveries::Entity::find()
            .filter(deliveries::Column::Status.eq("pending"))
            .filter(deliveries::Column::NextAttemptAt.lte(now_ms))
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

    /// When the next pending delivery not yet due at `now_ms` comes due, if any does.
    pub async fn next_due_after(&self, now_ms: i64) -> StoreResult<Option<i64>> {
        Ok(deliveries::Entity::find()
            .filter(deliveries::Column::Status.eq("pending"))
            .filter(deliveries::Column::NextAttemptAt.gt(now_ms))
            .order_by_asc(deliveries::Column::NextAttemptAt)
            .one(&self.read)
            .await?
            .map(|d| d.next_attempt_at))
    }

    /// Records an attempt's outcome.
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
        am.status = Set(attempt.status.to_owned());
        am.attempts = Set(attempt.attempts);
        am.next_attempt_at = Set(attempt.next_attempt_at_ms);
        am.last_error = Set(attempt.error.clone());
        am.updated_at = Set(now_ms);
        if attempt.status == "sent" {
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
            .filter(deliveries::Column::Status.eq("pending"))
            .count(&self.read)
            .await?)
    }

    /// The incident a notification is about: the one that started at `started_ms`, or for a
    /// recovery at `at_ms`, the latest that started before it.
    pub async fn incident_for_event(
        &self,
        monitor_id: i64,
        started_ms: Option<i64>,
        at_ms: i64,
    ) -> StoreResult<Option<incidents::Model>> {
        let q = incidents::Entity::find().filter(incidents::Column::MonitorId.eq(monitor_id));
        let q = match started_ms {
            Some(s) => q.filter(incidents::Column::StartedAt.eq(s)),
            None => q
                .filter(incidents::Column::StartedAt.lt(at_ms))
                .order_by_desc(incidents::Column::StartedAt),
        };
        Ok(q.one(&self.write).await?)
    }

    /// Incidents that started or ended since `since_ms`, with their monitors: what a
    /// reconciliation after a crash must make sure was queued.
    pub async fn recent_incidents(
        &self,
        since_ms: i64,
    ) -> StoreResult<Vec<(incidents::Model, monitors::Model)>> {
        let recent = incidents::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(incidents::Column::StartedAt.gte(since_ms))
                    .add(incidents::Column::ResolvedAt.gte(since_ms)),
            )
            .all(&self.write)
            .await?;
        self.with_monitors(recent).await
    }

    /// Open incidents of enabled monitors that want reminders, with their monitors.
    pub async fn incidents_wanting_reminders(
        &self,
    ) -> StoreResult<Vec<(incidents::Model, monitors::Model)>> {
        let open = incidents::Entity::find()
            .filter(incidents::Column::ResolvedAt.is_null())
            .all(&self.write)
            .await?;
        Ok(self
            .with_monitors(open)
            .await?
            .into_iter()
            .filter(|(_, m)| m.enabled && m.resend_interval_minutes > 0)
            .collect())
    }

    async fn with_monitors(
        &self,
        incidents: Vec<incidents::Model>,
    ) -> StoreResult<Vec<(incidents::Model, monitors::Model)>> {
        let ids: BTreeSet<i64> = incidents.iter().map(|i| i.monitor_id).collect();
        let monitors: HashMap<i64, monitors::Model> = monitors::Entity::find()
            .filter(monitors::Column::Id.is_in(ids))
            .all(&self.write)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        Ok(incidents
            .into_iter()
            .filter_map(|i| {
                let m = monitors.get(&i.monitor_id)?.clone();
                Some((i, m))
            })
            .collect())
    }

    /// Deletes finished deliveries last touched before `cutoff_ms`; returns how many went.
    pub async fn sweep_deliveries(&self, cutoff_ms: i64) -> StoreResult<u64> {
        Ok(deliveries::Entity::delete_many()
            .filter(deliveries::Column::Status.ne("pending"))
            .filter(deliveries::Column::UpdatedAt.lt(cutoff_ms))
            .exec(&self.write)
            .await?
            .rows_affected)
    }
}

/// Tells test deliveries started in the same millisecond apart.
fn next_test_serial() -> u64 {
    static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}
