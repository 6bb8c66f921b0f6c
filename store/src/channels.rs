//! Notification channels and their links to monitors.

use std::collections::HashMap;

use flatline_types::ChannelConfig;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession,
};

use crate::entities::{deliveries, monitor_channels, monitors, notification_channels};
use crate::{Store, StoreError, StoreResult};

/// A channel as stored, its config decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredChannel {
    pub id: i64,
    pub name: String,
    pub config: ChannelConfig,
    pub is_default: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// The key a configuration file knows it by, if any.
    pub key: Option<String>,
    /// What a file last set (JSON `{digest, refs}`), if it came from one.
    pub applied: Option<String>,
}

pub(crate) fn decode_channel(m: notification_channels::Model) -> StoreResult<StoredChannel> {
    let config = serde_json::from_str(&m.config)
        .map_err(|e| StoreError::Corrupt(format!("channel {}: config: {e}", m.id)))?;
    Ok(StoredChannel {
        id: m.id,
        name: m.name,
        config,
        is_default: m.is_default,
        created_at_ms: m.created_at,
        updated_at_ms: m.updated_at,
        key: m.key.clone(),
        applied: m.applied.clone(),
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
pub(crate) async fn link_defaults<C: ConnectionTrait>(
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
        self.insert_channel_in(&self.write, name, config, is_default, link_all, now_ms)
            .await
    }

    /// [`Store::insert_channel`] inside `db` (a transaction of a write batch, or the writer).
    pub(crate) async fn insert_channel_in<
        C: sea_orm::ConnectionTrait + sea_orm::TransactionTrait,
    >(
        &self,
        db: &C,
        name: &str,
        config: &ChannelConfig,
        is_default: bool,
        link_all: bool,
        now_ms: i64,
    ) -> StoreResult<StoredChannel> {
        let txn = db.begin().await?;
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
        self.update_channel_in(&self.write, id, name, config, is_default, now_ms)
            .await
    }

    /// [`Store::update_channel`] inside `db` (a transaction of a write batch, or the writer).
    pub(crate) async fn update_channel_in<
        C: sea_orm::ConnectionTrait + sea_orm::TransactionTrait,
    >(
        &self,
        db: &C,
        id: i64,
        name: &str,
        config: &ChannelConfig,
        is_default: bool,
        now_ms: i64,
    ) -> StoreResult<Option<StoredChannel>> {
        let Some(current) = notification_channels::Entity::find_by_id(id)
            .one(db)
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
        decode_channel(am.update(db).await?).map(Some)
    }

    /// Deletes a channel with its links and deliveries. False if there was no such id.
    pub async fn delete_channel(&self, id: i64) -> StoreResult<bool> {
        self.delete_channel_in(&self.write, id).await
    }

    /// [`Store::delete_channel`] inside `db` (a transaction of a write batch, or the writer).
    pub(crate) async fn delete_channel_in<
        C: sea_orm::ConnectionTrait + sea_orm::TransactionTrait,
    >(
        &self,
        db: &C,
        id: i64,
    ) -> StoreResult<bool> {
        let txn = db.begin().await?;
        let policies = crate::escalation::policies_naming(&txn, id).await?;
        if !policies.is_empty() {
            return Err(crate::StoreError::InUse(format!(
                "channel {id} is a step of escalation policy {}; take it out of the policy first",
                crate::escalation::join_ids(&policies)
            )));
        }
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
        self.link_channel_in(&self.write, monitor_id, channel_id, now_ms)
            .await
    }

    /// [`Store::link_channel`] inside `db` (a transaction of a write batch, or the writer).
    pub(crate) async fn link_channel_in<C: ConnectionTrait>(
        &self,
        db: &C,
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
        .exec_without_returning(db)
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
}
