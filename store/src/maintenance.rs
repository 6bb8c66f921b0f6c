//! Maintenance windows, and the periods monitors spent in them (left out of uptime).

use flatline_types::CreateMaintenance;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};

use crate::entities::{maintenance_periods, maintenance_windows};
use crate::{Store, StoreError, StoreResult};

/// A window as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMaintenance {
    pub id: i64,
    pub spec: CreateMaintenance,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// The key a configuration file knows it by, if any.
    pub key: Option<String>,
    /// What a file last set (JSON `{digest, refs}`), if it came from one.
    pub applied: Option<String>,
}

fn decode(m: maintenance_windows::Model) -> StoreResult<StoredMaintenance> {
    let spec = serde_json::from_str(&m.spec)
        .map_err(|e| StoreError::Corrupt(format!("maintenance window {}: {e}", m.id)))?;
    Ok(StoredMaintenance {
        id: m.id,
        spec,
        created_at_ms: m.created_at,
        updated_at_ms: m.updated_at,
        key: m.key.clone(),
        applied: m.applied.clone(),
    })
}

/// The key lives in its own column.
fn encode(spec: &CreateMaintenance) -> String {
    let spec = CreateMaintenance {
        key: None,
        ..spec.clone()
    };
    serde_json::to_string(&spec).unwrap_or_default()
}

impl Store {
    /// Every window, oldest first.
    pub async fn list_maintenance(&self) -> StoreResult<Vec<StoredMaintenance>> {
        maintenance_windows::Entity::find()
            .order_by_asc(maintenance_windows::Column::Id)
            .all(&self.read)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }

    /// One window.
    pub async fn get_maintenance(&self, id: i64) -> StoreResult<Option<StoredMaintenance>> {
        maintenance_windows::Entity::find_by_id(id)
            .one(&self.read)
            .await?
            .map(decode)
            .transpose()
    }

    /// Stores a new window.
    pub async fn insert_maintenance(
        &self,
        spec: &CreateMaintenance,
        now_ms: i64,
    ) -> StoreResult<StoredMaintenance> {
        self.insert_maintenance_in(&self.write, spec, now_ms).await
    }

    /// [`Store::insert_maintenance`] inside `db` (a transaction of a write batch, or the writer).
    pub(crate) async fn insert_maintenance_in<
        C: sea_orm::ConnectionTrait + sea_orm::TransactionTrait,
    >(
        &self,
        db: &C,
        spec: &CreateMaintenance,
        now_ms: i64,
    ) -> StoreResult<StoredMaintenance> {
        let model = maintenance_windows::ActiveModel {
            spec: Set(encode(spec)),
            created_at: Set(now_ms),
            updated_at: Set(now_ms),
            ..Default::default()
        }
        .insert(db)
        .await?;
        decode(model)
    }

    /// Replaces a window's configuration; `None` if there is no such window.
    pub async fn update_maintenance(
        &self,
        id: i64,
        spec: &CreateMaintenance,
        now_ms: i64,
    ) -> StoreResult<Option<StoredMaintenance>> {
        self.update_maintenance_in(&self.write, id, spec, now_ms)
            .await
    }

    /// [`Store::update_maintenance`] inside `db` (a transaction of a write batch, or the writer).
    pub(crate) async fn update_maintenance_in<
        C: sea_orm::ConnectionTrait + sea_orm::TransactionTrait,
    >(
        &self,
        db: &C,
        id: i64,
        spec: &CreateMaintenance,
        now_ms: i64,
    ) -> StoreResult<Option<StoredMaintenance>> {
        let Some(current) = maintenance_windows::Entity::find_by_id(id).one(db).await? else {
            return Ok(None);
        };
        let mut row = current.into_active_model();
        row.spec = Set(encode(spec));
        row.updated_at = Set(now_ms);
        decode(row.update(db).await?).map(Some)
    }

    /// Deletes a window (its past periods stay); whether there was one.
    pub async fn delete_maintenance(&self, id: i64) -> StoreResult<bool> {
        self.delete_maintenance_in(&self.write, id).await
    }

    /// [`Store::delete_maintenance`] inside `db` (a transaction of a write batch, or the writer).
    pub(crate) async fn delete_maintenance_in<
        C: sea_orm::ConnectionTrait + sea_orm::TransactionTrait,
    >(
        &self,
        db: &C,
        id: i64,
    ) -> StoreResult<bool> {
        let result = maintenance_windows::Entity::delete_by_id(id)
            .exec(db)
            .await?;
        Ok(result.rows_affected > 0)
    }

    /// Opens a maintenance period of window `window_id` for each of `monitor_ids` at
    /// `start_ms`, unless one of that window is open for the monitor already.
    pub async fn open_maintenance_periods(
        &self,
        window_id: i64,
        monitor_ids: &[i64],
        start_ms: i64,
    ) -> StoreResult<()> {
        let open: std::collections::HashSet<i64> = maintenance_periods::Entity::find()
            .filter(maintenance_periods::Column::WindowId.eq(window_id))
            .filter(maintenance_periods::Column::EndedAt.is_null())
            .all(&self.write)
            .await?
            .into_iter()
            .map(|p| p.monitor_id)
            .collect();
        let rows: Vec<maintenance_periods::ActiveModel> = monitor_ids
            .iter()
            .filter(|id| !open.contains(id))
            .map(|&monitor_id| maintenance_periods::ActiveModel {
                window_id: Set(window_id),
                monitor_id: Set(monitor_id),
                started_at: Set(start_ms),
                ended_at: Set(None),
                ..Default::default()
            })
            .collect();
        for chunk in rows.chunks(500) {
            maintenance_periods::Entity::insert_many(chunk.to_vec())
                .exec(&self.write)
                .await?;
        }
        Ok(())
    }

    /// Ends window `window_id`'s open periods at `end_ms` (every window's when `None`).
    pub async fn close_maintenance_periods(
        &self,
        window_id: Option<i64>,
        end_ms: i64,
    ) -> StoreResult<()> {
        let mut q = maintenance_periods::Entity::update_many()
            .col_expr(maintenance_periods::Column::EndedAt, Expr::value(end_ms))
            .filter(maintenance_periods::Column::EndedAt.is_null());
        if let Some(id) = window_id {
            q = q.filter(maintenance_periods::Column::WindowId.eq(id));
        }
        q.exec(&self.write).await?;
        Ok(())
    }

    /// The windows with open periods.
    pub async fn windows_with_open_periods(&self) -> StoreResult<Vec<i64>> {
        let mut ids: Vec<i64> = maintenance_periods::Entity::find()
            .filter(maintenance_periods::Column::EndedAt.is_null())
            .all(&self.write)
            .await?
            .into_iter()
            .map(|p| p.window_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// Maintenance periods of `monitor_id` (every monitor's when `None`) that end after
    /// `since_ms`, as `(monitor id, start, end)`; open ones end at `now_ms`.
    pub async fn maintenance_periods(
        &self,
        monitor_id: Option<i64>,
        since_ms: i64,
        now_ms: i64,
    ) -> StoreResult<Vec<(i64, i64, i64)>> {
        let mut q = maintenance_periods::Entity::find().filter(
            Condition::any()
                .add(maintenance_periods::Column::EndedAt.is_null())
                .add(maintenance_periods::Column::EndedAt.gt(since_ms)),
        );
        if let Some(id) = monitor_id {
            q = q.filter(maintenance_periods::Column::MonitorId.eq(id));
        }
        Ok(q.order_by_asc(maintenance_periods::Column::StartedAt)
            .all(&self.read)
            .await?
            .into_iter()
            .map(|p| {
                (
                    p.monitor_id,
                    p.started_at,
                    p.ended_at.unwrap_or(now_ms).max(p.started_at),
                )
            })
            .collect())
    }
}
