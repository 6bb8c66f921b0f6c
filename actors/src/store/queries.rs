//! The queries themselves, grouped by table.

use flatline_types::{MonitorSpec, MonitorStatus};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

use super::entities::{checks, incidents, monitor_channels, monitors, pauses, rollups};
use super::{
    decode_monitor, is_foreign_key_violation, is_unique_violation, Store, StoreResult,
    StoredMonitor,
};

/// One check result on its way to the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRecord {
    pub monitor_id: i64,
    /// UTC milliseconds when the request started.
    pub checked_at_ms: i64,
    pub up: bool,
    pub latency_us: i64,
    pub status_code: Option<u16>,
    pub error: Option<String>,
}

impl CheckRecord {
    fn into_active(self) -> checks::ActiveModel {
        checks::ActiveModel {
            monitor_id: Set(self.monitor_id),
            checked_at: Set(self.checked_at_ms),
            up: Set(self.up),
            latency_us: Set(self.latency_us),
            status_code: Set(self.status_code.map(i32::from)),
            error: Set(self.error),
            ..Default::default()
        }
    }
}

/// Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits.
const INSERT_CHUNK: usize = 1000;

fn monitor_columns(spec: &MonitorSpec, am: &mut monitors::ActiveModel) {
    am.name = Set(spec.name.clone());
    am.url = Set(spec.url.clone());
    am.method = Set(spec.method.as_str().to_owned());
    am.headers = Set(serde_json::to_string(&spec.headers).unwrap_or_else(|_| "{}".into()));
    am.body = Set(spec.body.clone());
    am.interval_seconds = Set(spec.interval_seconds as i32);
    am.timeout_ms = Set(spec.timeout_ms as i32);
    am.retries = Set(spec.retries as i32);
    am.retry_interval_seconds = Set(spec.retry_interval_seconds as i32);
    am.expected_status_codes =
        Set(serde_json::to_string(&spec.expected_status_codes).unwrap_or_else(|_| "[]".into()));
    am.follow_redirects = Set(spec.follow_redirects);
    am.verify_tls = Set(spec.verify_tls);
    am.enabled = Set(spec.enabled);
    am.resend_interval_minutes = Set(spec.resend_interval_minutes as i32);
}

impl Store {
    /// Every monitor, by id.
    pub async fn list_monitors(&self) -> StoreResult<Vec<StoredMonitor>> {
        monitors::Entity::find()
            .order_by_asc(monitors::Column::Id)
            .all(&self.read)
            .await?
            .into_iter()
            .map(decode_monitor)
            .collect()
    }

    /// One monitor, or `None` if there is no such id.
    pub async fn get_monitor(&self, id: i64) -> StoreResult<Option<StoredMonitor>> {
        monitors::Entity::find_by_id(id)
            .one(&self.read)
            .await?
            .map(decode_monitor)
            .transpose()
    }

    /// Stores a new monitor; it starts `pending`, or `paused` when disabled.
    pub async fn insert_monitor(
        &self,
        spec: &MonitorSpec,
        now_ms: i64,
    ) -> StoreResult<StoredMonitor> {
        let mut am = monitors::ActiveModel {
            status: Set(initial_status(spec).as_str().to_owned()),
            created_at: Set(now_ms),
            updated_at: Set(now_ms),
            ..Default::default()
        };
        monitor_columns(spec, &mut am);
        let txn = self.write.begin().await?;
        let model = am.insert(&txn).await?;
        if !spec.enabled {
            record_pause(&txn, model.id, true, now_ms).await?;
        }
        super::notify::link_defaults(&txn, model.id, now_ms).await?;
        txn.commit().await?;
        decode_monitor(model)
    }

    /// Replaces a monitor's configuration. Pausing sets `paused`; resuming sets `pending` (or
    /// `down` while an incident is still open). `None` if there is no such id.
    pub async fn update_monitor(
        &self,
        id: i64,
        spec: &MonitorSpec,
        now_ms: i64,
    ) -> StoreResult<Option<StoredMonitor>> {
        let txn = self.write.begin().await?;
        let Some(current) = monitors::Entity::find_by_id(id).one(&txn).await? else {
            return Ok(None);
        };
        let was_enabled = current.enabled;
        let mut am: monitors::ActiveModel = current.into();
        monitor_columns(spec, &mut am);
        am.updated_at = Set(now_ms);
        if was_enabled != spec.enabled {
            let status = if !spec.enabled {
                MonitorStatus::Paused
            } else if open_incident_in(&txn, id).await?.is_some() {
                MonitorStatus::Down
            } else {
                MonitorStatus::Pending
            };
            am.status = Set(status.as_str().to_owned());
            record_pause(&txn, id, !spec.enabled, now_ms).await?;
        }
        let model = am.update(&txn).await?;
        txn.commit().await?;
        decode_monitor(model).map(Some)
    }

    /// Deletes a monitor with its checks and incidents. False if there was no such id.
    pub async fn delete_monitor(&self, id: i64) -> StoreResult<bool> {
        let txn = self.write.begin().await?;
        // Explicit deletes rather than relying on ON DELETE CASCADE alone, so a database
        // opened without foreign-key enforcement loses nothing it should keep either.
        checks::Entity::delete_many()
            .filter(checks::Column::MonitorId.eq(id))
            .exec(&txn)
            .await?;
        incidents::Entity::delete_many()
            .filter(incidents::Column::MonitorId.eq(id))
            .exec(&txn)
            .await?;
        rollups::Entity::delete_many()
            .filter(rollups::Column::MonitorId.eq(id))
            .exec(&txn)
            .await?;
        pauses::Entity::delete_many()
            .filter(pauses::Column::MonitorId.eq(id))
            .exec(&txn)
            .await?;
        monitor_channels::Entity::delete_many()
            .filter(monitor_channels::Column::MonitorId.eq(id))
            .exec(&txn)
            .await?;
        let res = monitors::Entity::delete_by_id(id).exec(&txn).await?;
        txn.commit().await?;
        self.closed.invalidate([id]);
        Ok(res.rows_affected > 0)
    }

    /// Stores a batch of checks and returns them with their ids. Checks of monitors deleted
    /// meanwhile are dropped; the rest of the batch is kept.
    pub async fn insert_checks(&self, rows: &[CheckRecord]) -> StoreResult<Vec<checks::Model>> {
        let txn = self.write.begin().await?;
        let mut stored = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(INSERT_CHUNK) {
            let models = chunk.iter().cloned().map(CheckRecord::into_active);
            // A savepoint, so a failed statement can be retried row by row (PostgreSQL
            // aborts the whole transaction on an error otherwise).
            let sp = txn.begin().await?;
            match checks::Entity::insert_many(models)
                .exec_with_returning(&sp)
                .await
            {
                Ok(res) => {
                    sp.commit().await?;
                    stored.extend(res);
                }
                Err(e) if is_foreign_key_violation(&e) => {
                    sp.rollback().await?;
                    for row in chunk {
                        let sp = txn.begin().await?;
                        match row.clone().into_active().insert(&sp).await {
                            Ok(m) => {
                                sp.commit().await?;
                                stored.push(m);
                            }
                            Err(e) if is_foreign_key_violation(&e) => sp.rollback().await?,
                            Err(e) => return Err(e.into()),
                        }
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        super::rollups::apply(&txn, &stored).await?;
        txn.commit().await?;
        // Checks that landed in an hour already over change closed buckets.
        let hour0 = super::rollups::bucket_start(crate::clock::now_ms(), super::rollups::HOUR);
        let late: std::collections::BTreeSet<i64> = stored
            .iter()
            .filter(|c| c.checked_at < hour0)
            .map(|c| c.monitor_id)
            .collect();
        if !late.is_empty() {
            self.closed.invalidate(late);
        }
        Ok(stored)
    }

    /// A monitor's checks, newest first, older than check id `before` when given.
    pub async fn list_checks(
        &self,
        monitor_id: i64,
        limit: u64,
        before: Option<i64>,
    ) -> StoreResult<Vec<checks::Model>> {
        let mut q = checks::Entity::find().filter(checks::Column::MonitorId.eq(monitor_id));
        if let Some(before) = before {
            q = q.filter(checks::Column::Id.lt(before));
        }
        Ok(q.order_by_desc(checks::Column::Id)
            .limit(limit)
            .all(&self.read)
            .await?)
    }

    /// A monitor's newest check.
    pub async fn last_check(&self, monitor_id: i64) -> StoreResult<Option<checks::Model>> {
        Ok(self
            .list_checks(monitor_id, 1, None)
            .await?
            .into_iter()
            .next())
    }

    /// How many checks a monitor has stored.
    pub async fn count_checks(&self, monitor_id: i64) -> StoreResult<u64> {
        Ok(checks::Entity::find()
            .filter(checks::Column::MonitorId.eq(monitor_id))
            .count(&self.read)
            .await?)
    }

    /// How many checks are stored in all.
    pub async fn count_all_checks(&self) -> StoreResult<u64> {
        Ok(checks::Entity::find().count(&self.read).await?)
    }

    /// Deletes up to `chunk` checks older than `cutoff_ms`; returns how many went.
    pub async fn sweep_checks(&self, cutoff_ms: i64, chunk: u64) -> StoreResult<u64> {
        let oldest = Query::select()
            .column(checks::Column::Id)
            .from(checks::Entity)
            .and_where(Expr::col(checks::Column::CheckedAt).lt(cutoff_ms))
            .limit(chunk)
            .to_owned();
        let res = checks::Entity::delete_many()
            .filter(checks::Column::Id.in_subquery(oldest))
            .exec(&self.write)
            .await?;
        Ok(res.rows_affected)
    }

    /// Records a state change: sets the status and, for `down`, opens an incident unless one
    /// is open already; for `up`, resolves the open one. Returns the incident opened or
    /// resolved, if any. Idempotent: replaying a transition changes nothing.
    pub async fn apply_transition(
        &self,
        monitor_id: i64,
        to: MonitorStatus,
        at_ms: i64,
        cause: Option<&str>,
    ) -> StoreResult<Option<i64>> {
        let txn = self.write.begin().await?;
        let Some(monitor) = monitors::Entity::find_by_id(monitor_id).one(&txn).await? else {
            // Deleted meanwhile: nothing to record.
            return Ok(None);
        };
        if !monitor.enabled {
            // Paused meanwhile: the pause decides the status.
            return Ok(None);
        }
        let open = open_incident_in(&txn, monitor_id).await?;
        let incident = match (to, open) {
            (MonitorStatus::Down, None) => {
                let am = incidents::ActiveModel {
                    monitor_id: Set(monitor_id),
                    started_at: Set(at_ms),
                    resolved_at: Set(None),
                    cause: Set(cause.unwrap_or("unknown").to_owned()),
                    ..Default::default()
                };
                match am.insert(&txn).await {
                    Ok(m) => Some(m.id),
                    Err(e) if is_unique_violation(&e) => None,
                    Err(e) => return Err(e.into()),
                }
            }
            (MonitorStatus::Up, Some(open)) => {
                let id = open.id;
                let mut am: incidents::ActiveModel = open.into();
                am.resolved_at = Set(Some(at_ms));
                am.update(&txn).await?;
                Some(id)
            }
            _ => None,
        };
        let mut am: monitors::ActiveModel = monitor.into();
        am.status = Set(to.as_str().to_owned());
        am.update(&txn).await?;
        txn.commit().await?;
        Ok(incident)
    }

    /// The open incident of a monitor, if any.
    pub async fn open_incident(&self, monitor_id: i64) -> StoreResult<Option<incidents::Model>> {
        open_incident_in(&self.read, monitor_id).await
    }

    /// How many incidents are open (served by the one-open-incident index).
    pub async fn count_open_incidents(&self) -> StoreResult<u64> {
        Ok(incidents::Entity::find()
            .filter(incidents::Column::ResolvedAt.is_null())
            .count(&self.read)
            .await?)
    }

    /// Incidents, open ones first, then newest first; of one monitor or of all.
    pub async fn list_incidents(
        &self,
        monitor_id: Option<i64>,
        limit: u64,
    ) -> StoreResult<Vec<incidents::Model>> {
        let mut q = incidents::Entity::find();
        if let Some(id) = monitor_id {
            q = q.filter(incidents::Column::MonitorId.eq(id));
        }
        Ok(
            q.order_by_desc(Expr::col(incidents::Column::ResolvedAt).is_null())
                .order_by_desc(incidents::Column::StartedAt)
                .order_by_desc(incidents::Column::Id)
                .limit(limit)
                .all(&self.read)
                .await?,
        )
    }
}

/// Opens (`paused`) or closes a monitor's pause period.
async fn record_pause<C: sea_orm::ConnectionTrait>(
    db: &C,
    monitor_id: i64,
    paused: bool,
    now_ms: i64,
) -> StoreResult<()> {
    if paused {
        pauses::ActiveModel {
            monitor_id: Set(monitor_id),
            started_at: Set(now_ms),
            ended_at: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await?;
    } else {
        pauses::Entity::update_many()
            .col_expr(pauses::Column::EndedAt, Expr::value(now_ms))
            .filter(pauses::Column::MonitorId.eq(monitor_id))
            .filter(pauses::Column::EndedAt.is_null())
            .exec(db)
            .await?;
    }
    Ok(())
}

async fn open_incident_in<C: sea_orm::ConnectionTrait>(
    conn: &C,
    monitor_id: i64,
) -> StoreResult<Option<incidents::Model>> {
    Ok(incidents::Entity::find()
        .filter(incidents::Column::MonitorId.eq(monitor_id))
        .filter(incidents::Column::ResolvedAt.is_null())
        .one(conn)
        .await?)
}

fn initial_status(spec: &MonitorSpec) -> MonitorStatus {
    if spec.enabled {
        MonitorStatus::Pending
    } else {
        MonitorStatus::Paused
    }
}
