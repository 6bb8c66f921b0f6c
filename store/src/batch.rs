//! A write batch: changes to monitors, channels and their links, status pages and maintenance
//! windows in one transaction, stored together or not at all. Configuration files apply
//! through it; a resource's `key` and `applied` marks are written here too.

use flatline_types::{ChannelConfig, CreateMaintenance, MonitorSpec, StatusPageSpec};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, TransactionTrait,
};

use crate::entities::monitor_channels;
use crate::{
    is_unique_violation, Store, StoreError, StoreResult, StoredChannel, StoredMaintenance,
    StoredMonitor, StoredPage,
};

/// The kinds of resource a configuration file declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    Monitor,
    Channel,
    Page,
    Maintenance,
}

impl Resource {
    fn table(self) -> &'static str {
        match self {
            Self::Monitor => "monitors",
            Self::Channel => "notification_channels",
            Self::Page => "status_pages",
            Self::Maintenance => "maintenance_windows",
        }
    }
}

/// Open changes; dropped without [`WriteBatch::commit`], none of them is stored.
pub struct WriteBatch<'s> {
    store: &'s Store,
    txn: DatabaseTransaction,
}

impl Store {
    /// Starts a batch of writes in one transaction. On SQLite it holds the one writer until
    /// committed or dropped, so keep it short.
    pub async fn batch(&self) -> StoreResult<WriteBatch<'_>> {
        Ok(WriteBatch {
            store: self,
            txn: self.write.begin().await?,
        })
    }

    /// Gives a resource a key (or takes it away); [`StoreError::Taken`] if another of its
    /// kind has it.
    pub async fn set_key(&self, resource: Resource, id: i64, key: Option<&str>) -> StoreResult<()> {
        set_column(&self.write, resource, id, "key", key).await
    }
}

async fn set_column<C: ConnectionTrait>(
    db: &C,
    resource: Resource,
    id: i64,
    column: &str,
    value: Option<&str>,
) -> StoreResult<()> {
    let update = Query::update()
        .table(Alias::new(resource.table()))
        .value(Alias::new(column), value.map(str::to_owned))
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .to_owned();
    run_update(db, &update).await
}

/// Runs an UPDATE of keys: a key another resource holds is [`StoreError::Taken`].
async fn run_update<C: ConnectionTrait>(
    db: &C,
    update: &sea_orm::sea_query::UpdateStatement,
) -> StoreResult<()> {
    db.execute(update).await.map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Taken("key")
        } else {
            StoreError::Db(e)
        }
    })?;
    Ok(())
}

impl WriteBatch<'_> {
    /// Stores everything in the batch.
    pub async fn commit(self) -> StoreResult<()> {
        self.txn.commit().await?;
        Ok(())
    }

    /// Sets a resource's key and what a file applied to it (one UPDATE).
    pub async fn mark(
        &self,
        resource: Resource,
        id: i64,
        key: Option<&str>,
        applied: Option<&str>,
    ) -> StoreResult<()> {
        let update = Query::update()
            .table(Alias::new(resource.table()))
            .value(Alias::new("key"), key.map(str::to_owned))
            .value(Alias::new("applied"), applied.map(str::to_owned))
            .and_where(Expr::col(Alias::new("id")).eq(id))
            .to_owned();
        run_update(&self.txn, &update).await
    }

    pub async fn insert_monitor(
        &self,
        spec: &MonitorSpec,
        now_ms: i64,
    ) -> StoreResult<StoredMonitor> {
        self.store.insert_monitor_in(&self.txn, spec, now_ms).await
    }

    pub async fn update_monitor(
        &self,
        id: i64,
        spec: &MonitorSpec,
        now_ms: i64,
    ) -> StoreResult<Option<StoredMonitor>> {
        self.store
            .update_monitor_in(&self.txn, id, spec, now_ms)
            .await
    }

    pub async fn delete_monitor(&self, id: i64) -> StoreResult<bool> {
        self.store.delete_monitor_in(&self.txn, id).await
    }

    /// Makes `channel_ids` exactly the channels linked to a monitor.
    pub async fn set_links(
        &self,
        monitor_id: i64,
        channel_ids: &[i64],
        now_ms: i64,
    ) -> StoreResult<()> {
        monitor_channels::Entity::delete_many()
            .filter(monitor_channels::Column::MonitorId.eq(monitor_id))
            .filter(monitor_channels::Column::ChannelId.is_not_in(channel_ids.iter().copied()))
            .exec(&self.txn)
            .await?;
        for &channel_id in channel_ids {
            self.store
                .link_channel_in(&self.txn, monitor_id, channel_id, now_ms)
                .await?;
        }
        Ok(())
    }

    pub async fn insert_channel(
        &self,
        name: &str,
        config: &ChannelConfig,
        is_default: bool,
        link_all: bool,
        now_ms: i64,
    ) -> StoreResult<StoredChannel> {
        self.store
            .insert_channel_in(&self.txn, name, config, is_default, link_all, now_ms)
            .await
    }

    pub async fn update_channel(
        &self,
        id: i64,
        name: &str,
        config: &ChannelConfig,
        is_default: bool,
        now_ms: i64,
    ) -> StoreResult<Option<StoredChannel>> {
        self.store
            .update_channel_in(&self.txn, id, name, config, is_default, now_ms)
            .await
    }

    pub async fn delete_channel(&self, id: i64) -> StoreResult<bool> {
        self.store.delete_channel_in(&self.txn, id).await
    }

    pub async fn insert_page(
        &self,
        spec: &StatusPageSpec,
        password_hash: Option<String>,
        now_ms: i64,
    ) -> StoreResult<StoredPage> {
        self.store
            .insert_page_in(&self.txn, spec, password_hash, now_ms)
            .await
    }

    pub async fn update_page(
        &self,
        id: i64,
        spec: &StatusPageSpec,
        new_password_hash: Option<String>,
        now_ms: i64,
    ) -> StoreResult<Option<StoredPage>> {
        self.store
            .update_page_in(&self.txn, id, spec, new_password_hash, now_ms)
            .await
    }

    pub async fn delete_page(&self, id: i64) -> StoreResult<bool> {
        self.store.delete_page_in(&self.txn, id).await
    }

    pub async fn insert_maintenance(
        &self,
        spec: &CreateMaintenance,
        now_ms: i64,
    ) -> StoreResult<StoredMaintenance> {
        self.store
            .insert_maintenance_in(&self.txn, spec, now_ms)
            .await
    }

    pub async fn update_maintenance(
        &self,
        id: i64,
        spec: &CreateMaintenance,
        now_ms: i64,
    ) -> StoreResult<Option<StoredMaintenance>> {
        self.store
            .update_maintenance_in(&self.txn, id, spec, now_ms)
            .await
    }

    pub async fn delete_maintenance(&self, id: i64) -> StoreResult<bool> {
        self.store.delete_maintenance_in(&self.txn, id).await
    }
}
