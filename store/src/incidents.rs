//! Incidents (the periods a monitor was down) and pauses (the periods it was not checked):
//! state transitions recorded once, the open incident, listings, and the periods that
//! time-weighted uptime is computed from.

use flatline_types::MonitorStatus;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

use crate::entities::{incidents, monitors, pauses};
use crate::peers::PeerEvent;
use std::collections::{BTreeSet, HashMap};

use crate::{is_unique_violation, Store, StoreResult};

impl Store {
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
        self.apply_fenced_transition(monitor_id, to, at_ms, cause, None)
            .await
            .map(|r| r.unwrap_or_default())
    }

    /// [`Store::apply_transition`] of a monitor run under `lease`: nothing is recorded, and
    /// `None` returned, if this node no longer holds it (another node took the monitor
    /// over). The other nodes hear of the new state at commit.
    pub async fn apply_fenced_transition(
        &self,
        monitor_id: i64,
        to: MonitorStatus,
        at_ms: i64,
        cause: Option<&str>,
        lease: Option<crate::cluster::Lease>,
    ) -> StoreResult<Option<Option<i64>>> {
        let txn = self.write.begin().await?;
        let shards = lease.iter().map(|l| l.shard).collect();
        let held = crate::cluster::held(self, &txn, &shards).await?;
        if !crate::cluster::allowed(lease, held.as_ref()) {
            return Ok(None);
        }
        let Some(monitor) = monitors::Entity::find_by_id(monitor_id).one(&txn).await? else {
            // Deleted meanwhile: nothing to record.
            return Ok(Some(None));
        };
        if !monitor.enabled {
            // Paused meanwhile: the pause decides the status.
            return Ok(Some(None));
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
        if let Some(node) = self.node() {
            let status = to.as_str().to_owned();
            crate::peers::send(&txn, node, &PeerEvent::State { monitor_id, status }).await?;
        }
        txn.commit().await?;
        Ok(Some(incident))
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

    /// A monitor's periods left out of uptime (paused, or in maintenance; merged where
    /// they overlap) and its incident periods, those that end after `since_ms`, as
    /// `(start, end)`; open ones end at `now_ms`.
    pub async fn periods(
        &self,
        id: i64,
        since_ms: i64,
        now_ms: i64,
    ) -> StoreResult<(Vec<(i64, i64)>, Vec<(i64, i64)>)> {
        let pauses: Vec<(i64, i64)> = pauses::Entity::find()
            .filter(pauses::Column::MonitorId.eq(id))
            .filter(
                Condition::any()
                    .add(pauses::Column::EndedAt.is_null())
                    .add(pauses::Column::EndedAt.gt(since_ms)),
            )
            .order_by_asc(pauses::Column::StartedAt)
            .all(&self.read)
            .await?
            .into_iter()
            .map(|p| (p.started_at, p.ended_at.unwrap_or(now_ms)))
            .chain(
                self.maintenance_periods(Some(id), since_ms, now_ms)
                    .await?
                    .into_iter()
                    .map(|(_, s, e)| (s, e)),
            )
            .collect();
        let pauses = crate::stats::union(pauses);
        let incidents: Vec<(i64, i64)> = incidents::Entity::find()
            .filter(incidents::Column::MonitorId.eq(id))
            .filter(
                Condition::any()
                    .add(incidents::Column::ResolvedAt.is_null())
                    .add(incidents::Column::ResolvedAt.gt(since_ms)),
            )
            .all(&self.read)
            .await?
            .into_iter()
            .map(|i| (i.started_at, i.resolved_at.unwrap_or(now_ms)))
            .collect();

        Ok((pauses, incidents))
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

    /// Open, unacknowledged incidents of enabled monitors that want reminders, with their
    /// monitors.
    pub async fn incidents_wanting_reminders(
        &self,
    ) -> StoreResult<Vec<(incidents::Model, monitors::Model)>> {
        let open = incidents::Entity::find()
            .filter(incidents::Column::ResolvedAt.is_null())
            .filter(incidents::Column::AcknowledgedAt.is_null())
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
}

/// Opens (`paused`) or closes a monitor's pause period.
pub(crate) async fn record_pause<C: sea_orm::ConnectionTrait>(
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

pub(crate) async fn open_incident_in<C: sea_orm::ConnectionTrait>(
    conn: &C,
    monitor_id: i64,
) -> StoreResult<Option<incidents::Model>> {
    Ok(incidents::Entity::find()
        .filter(incidents::Column::MonitorId.eq(monitor_id))
        .filter(incidents::Column::ResolvedAt.is_null())
        .one(conn)
        .await?)
}
