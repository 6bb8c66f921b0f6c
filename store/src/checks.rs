//! Check results: stored in batches (with their rollups, in the same transaction), paged,
//! counted and swept past retention.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

use crate::entities::checks;
use crate::stats::{bucket_start, HOUR};
use crate::{is_foreign_key_violation, Store, StoreResult};

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
    /// The lease the check ran under (several nodes): stored only if it still holds.
    pub lease: Option<crate::cluster::Lease>,
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

impl Store {
    /// Stores a batch of checks and returns them with their ids. Checks of monitors deleted
    /// meanwhile are dropped, and so are checks run under a lease this node no longer holds
    /// (another node took the shard over); the rest of the batch is kept. With several
    /// nodes, the others hear of the stored range at commit.
    pub async fn insert_checks(&self, rows: &[CheckRecord]) -> StoreResult<Vec<checks::Model>> {
        Ok(self.insert_fenced_checks(rows).await?.0)
    }

    /// [`Store::insert_checks`], also saying how many checks were dropped because their
    /// lease no longer held.
    pub async fn insert_fenced_checks(
        &self,
        rows: &[CheckRecord],
    ) -> StoreResult<(Vec<checks::Model>, usize)> {
        let txn = self.write.begin().await?;
        let shards = rows
            .iter()
            .filter_map(|r| r.lease.map(|l| l.shard))
            .collect();
        let held = crate::cluster::held(self, &txn, &shards).await?;
        let kept: Vec<CheckRecord>;
        let offered = rows.len();
        let rows = if held.is_some() {
            kept = rows
                .iter()
                .filter(|r| crate::cluster::allowed(r.lease, held.as_ref()))
                .cloned()
                .collect();
            &kept[..]
        } else {
            rows
        };
        let fenced = offered - rows.len();
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
        self.finish_insert(txn, &stored).await?;
        Ok((stored, fenced))
    }

    /// Folds checks just inserted in `txn` into the rollups, tells the other nodes, and
    /// commits.
    pub(crate) async fn finish_insert(
        &self,
        txn: sea_orm::DatabaseTransaction,
        stored: &[checks::Model],
    ) -> StoreResult<()> {
        crate::rollups::apply(&txn, stored).await?;
        if let (Some(node), Some(first), Some(last)) = (self.node(), stored.first(), stored.last())
        {
            crate::peers::announce_checks(&txn, node, first.id, last.id).await?;
        }
        txn.commit().await?;
        // Checks that landed in an hour already over change closed buckets.
        let hour0 = bucket_start(crate::clock::now_ms(), HOUR);
        let late: std::collections::BTreeSet<i64> = stored
            .iter()
            .filter(|c| c.checked_at < hour0)
            .map(|c| c.monitor_id)
            .collect();
        if !late.is_empty() {
            self.closed.invalidate(late);
        }
        Ok(())
    }

    /// The newest `limit` checks of every monitor, newest first. One query on PostgreSQL (a
    /// `LATERAL` join, each monitor's part read from its index), so that a node starting
    /// with 10,000 monitors does not wait on 10,000 round trips; on SQLite, where a query
    /// costs no round trip, one query per monitor.
    pub async fn latest_checks(
        &self,
        limit: u64,
    ) -> StoreResult<std::collections::HashMap<i64, Vec<checks::Model>>> {
        let mut by_monitor: std::collections::HashMap<i64, Vec<checks::Model>> =
            std::collections::HashMap::new();
        if self.is_shared() {
            let rows = checks::Entity::find()
                .from_raw_sql(sea_orm::Statement::from_sql_and_values(
                    sea_orm::DbBackend::Postgres,
                    "SELECT c.* FROM monitors m CROSS JOIN LATERAL \
                     (SELECT * FROM checks WHERE checks.monitor_id = m.id \
                      ORDER BY checks.id DESC LIMIT $1) c ORDER BY c.monitor_id, c.id DESC",
                    vec![i64::try_from(limit).unwrap_or(i64::MAX).into()],
                ))
                .all(&self.read)
                .await?;
            for row in rows {
                by_monitor.entry(row.monitor_id).or_default().push(row);
            }
        } else {
            for id in crate::entities::monitors::Entity::find()
                .select_only()
                .column(crate::entities::monitors::Column::Id)
                .into_tuple::<i64>()
                .all(&self.read)
                .await?
            {
                by_monitor.insert(id, self.list_checks(id, limit, None).await?);
            }
        }
        Ok(by_monitor)
    }

    /// The checks with ids in `first..=last` (stored by another node), oldest first.
    pub async fn checks_between(&self, first: i64, last: i64) -> StoreResult<Vec<checks::Model>> {
        Ok(checks::Entity::find()
            .filter(checks::Column::Id.between(first, last))
            .order_by_asc(checks::Column::Id)
            .all(&self.read)
            .await?)
    }

    /// A monitor's checks, newest first, older than check id `before` when given.
    pub async fn list_checks(
        &self,
        monitor_id: i64,
        limit: u64,
        before: Option<i64>,
    ) -> StoreResult<Vec<checks::Model>> {
        self.checks_page(monitor_id, None, limit, before).await
    }

    /// A monitor's checks from one location, newest first, older than check id `before`
    /// when given.
    pub async fn list_checks_at(
        &self,
        monitor_id: i64,
        location: &str,
        limit: u64,
        before: Option<i64>,
    ) -> StoreResult<Vec<checks::Model>> {
        self.checks_page(monitor_id, Some(location), limit, before)
            .await
    }

    async fn checks_page(
        &self,
        monitor_id: i64,
        location: Option<&str>,
        limit: u64,
        before: Option<i64>,
    ) -> StoreResult<Vec<checks::Model>> {
        let mut q = checks::Entity::find().filter(checks::Column::MonitorId.eq(monitor_id));
        if let Some(location) = location {
            q = q.filter(checks::Column::Location.eq(location));
        }
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
}
