//! Several nodes on one PostgreSQL: who is there (`cluster_nodes`, a heartbeat each), which
//! node runs which monitors (`cluster_leases`: a monitor belongs to a shard, a hash of its id;
//! a shard to the node holding its lease), and the fence on what a node writes for a monitor.
//!
//! A lease holds while its owner's heartbeat is fresher than the lease time: renewing every
//! lease a node holds is one write, its heartbeat, however many shards it holds. A shard
//! whose owner went silent may be claimed by another node. Every claim raises its `epoch`. A node stamps each check and transition with
//! the lease it ran under; the write checks, in its own transaction and holding the lease row
//! `FOR SHARE` (so no takeover can commit in between), that the node still holds that shard at
//! that epoch, and drops it otherwise. A node that froze past its lease and wakes up therefore
//! writes nothing for the shards taken from it, whatever it believes.
//!
//! Lease times are the database's clock, so nodes on machines whose clocks differ agree.
//! On SQLite none of this runs: one process owns the file.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

use crate::{Store, StoreResult};

/// Shards the monitors are spread over (`shard_of` depends on it being 256). More shards
/// than nodes by far, so a share moves in small steps; few enough that renewing all of a
/// node's leases is one short statement.
pub const SHARDS: i32 = 256;
/// The location of the nodes themselves (remote probes have locations of their own).
pub const LOCAL: &str = "local";

/// The shard a monitor belongs to: the top 8 bits of a multiplicative (Fibonacci) hash of
/// its id, so that consecutive ids land on shards far apart and any run of shards a node
/// holds has its fair share of the monitors.
pub fn shard_of(monitor_id: i64) -> i32 {
    let hash = (monitor_id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    i32::try_from(hash >> 56).unwrap_or(0)
}

/// A shard held at an epoch: what a node's writes for the shard's monitors are fenced by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Lease {
    pub shard: i32,
    pub epoch: i64,
}

/// A node as it announced itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRecord {
    pub id: String,
    pub address: String,
    pub version: String,
    pub started_at_ms: i64,
    pub heartbeat_at_ms: i64,
}

/// A shard's lease as stored (it holds while its owner's heartbeat is fresh).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseRecord {
    pub shard: i32,
    pub owner: Option<String>,
    pub epoch: i64,
}

/// A shard just claimed, and who held it before (a node gone silent: a takeover).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claimed {
    pub lease: Lease,
    pub previous: Option<String>,
}

/// The database's clock in UTC milliseconds, as SQL.
const DB_NOW: &str = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

fn leases_of(rows: Vec<sea_orm::QueryResult>) -> Result<Vec<Lease>, DbErr> {
    rows.into_iter()
        .map(|r| {
            Ok(Lease {
                shard: r.try_get_by_index(0)?,
                epoch: r.try_get_by_index(1)?,
            })
        })
        .collect()
}

impl Store {
    /// Whether several nodes may share this database (PostgreSQL).
    pub fn is_shared(&self) -> bool {
        self.write.get_database_backend() == DbBackend::Postgres
    }

    /// This store's writes are fenced by the leases of `node` from now on.
    pub fn fenced_by(mut self, node: &str) -> Self {
        self.node = Some(std::sync::Arc::from(node));
        self
    }

    /// The node whose leases fence this store's writes, if any.
    pub fn node(&self) -> Option<&str> {
        self.node.as_deref()
    }

    /// Creates the lease rows of every shard that has none yet.
    pub async fn ensure_shards(&self) -> StoreResult<()> {
        self.write
            .execute_raw(stmt(
                "INSERT INTO cluster_leases (location, shard, owner, epoch) \
                 SELECT $1, s, NULL, 0 FROM generate_series(0, $2 - 1) AS s \
                 ON CONFLICT DO NOTHING",
                vec![LOCAL.into(), SHARDS.into()],
            ))
            .await?;
        Ok(())
    }

    /// Announces `node`, or renews its heartbeat and with it every lease it holds; returns
    /// the database's time.
    pub async fn heartbeat(&self, node: &NodeRecord) -> StoreResult<i64> {
        let row = self
            .write
            .query_one_raw(stmt(
                &format!(
                    "INSERT INTO cluster_nodes (id, address, version, started_at, heartbeat_at) \
                     VALUES ($1, $2, $3, $4, {DB_NOW}) \
                     ON CONFLICT (id) DO UPDATE SET address = $2, version = $3, \
                     started_at = $4, heartbeat_at = {DB_NOW} RETURNING heartbeat_at"
                ),
                vec![
                    node.id.clone().into(),
                    node.address.clone().into(),
                    node.version.clone().into(),
                    node.started_at_ms.into(),
                ],
            ))
            .await?;
        Ok(row.map_or(Ok(0), |r| r.try_get_by_index(0))?)
    }

    /// Every node that announced itself, by id.
    pub async fn cluster_nodes(&self) -> StoreResult<Vec<NodeRecord>> {
        let rows = self
            .read
            .query_all_raw(stmt(
                "SELECT id, address, version, started_at, heartbeat_at FROM cluster_nodes ORDER BY id",
                vec![],
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                Ok(NodeRecord {
                    id: r.try_get_by_index(0)?,
                    address: r.try_get_by_index(1)?,
                    version: r.try_get_by_index(2)?,
                    started_at_ms: r.try_get_by_index(3)?,
                    heartbeat_at_ms: r.try_get_by_index(4)?,
                })
            })
            .collect::<Result<_, DbErr>>()?)
    }

    /// Every shard's lease, by shard.
    pub async fn cluster_leases(&self) -> StoreResult<Vec<LeaseRecord>> {
        let rows = self
            .read
            .query_all_raw(stmt(
                "SELECT shard, owner, epoch FROM cluster_leases \
                 WHERE location = $1 ORDER BY shard",
                vec![LOCAL.into()],
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                Ok(LeaseRecord {
                    shard: r.try_get_by_index(0)?,
                    owner: r.try_get_by_index(1)?,
                    epoch: r.try_get_by_index(2)?,
                })
            })
            .collect::<Result<_, DbErr>>()?)
    }

    /// The leases `node` holds now. One it held before and is missing was claimed by
    /// another node while this one was silent.
    pub async fn held_leases(&self, node: &str) -> StoreResult<Vec<Lease>> {
        let rows = self
            .write
            .query_all_raw(stmt(
                "SELECT shard, epoch FROM cluster_leases WHERE location = $1 AND owner = $2",
                vec![LOCAL.into(), node.into()],
            ))
            .await?;
        Ok(leases_of(rows)?)
    }

    /// A node (re)starting under an id that still holds leases (a restart with the same
    /// `FLATLINE_NODE_ID`): raises their epochs, fencing whatever the previous process of that
    /// id may still write, and returns them.
    pub async fn rejoin(&self, node: &str) -> StoreResult<Vec<Lease>> {
        let rows = self
            .write
            .query_all_raw(stmt(
                "UPDATE cluster_leases SET epoch = epoch + 1 WHERE location = $1 AND owner = $2 \
                 RETURNING shard, epoch",
                vec![LOCAL.into(), node.into()],
            ))
            .await?;
        Ok(leases_of(rows)?)
    }

    /// Claims up to `want` shards that no one holds, or whose owner's heartbeat is older
    /// than `lease_ms`, raising each one's epoch. Shards locked by another node's claim are
    /// skipped, not waited for.
    pub async fn claim_leases(
        &self,
        node: &str,
        want: i64,
        lease_ms: i64,
    ) -> StoreResult<Vec<Claimed>> {
        if want <= 0 {
            return Ok(Vec::new());
        }
        let rows = self
            .write
            .query_all_raw(stmt(
                &format!(
                    "WITH free AS (SELECT shard, owner FROM cluster_leases \
                       WHERE location = $1 AND (owner IS NULL OR owner NOT IN \
                         (SELECT id FROM cluster_nodes WHERE heartbeat_at >= {DB_NOW} - $4)) \
                       ORDER BY shard LIMIT $3 FOR UPDATE SKIP LOCKED) \
                     UPDATE cluster_leases l SET owner = $2, epoch = l.epoch + 1 \
                     FROM free WHERE l.location = $1 AND l.shard = free.shard \
                     RETURNING l.shard, l.epoch, free.owner"
                ),
                vec![LOCAL.into(), node.into(), want.into(), lease_ms.into()],
            ))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                Ok(Claimed {
                    lease: Lease {
                        shard: r.try_get_by_index(0)?,
                        epoch: r.try_get_by_index(1)?,
                    },
                    previous: r
                        .try_get_by_index::<Option<String>>(2)?
                        .filter(|p| p != node),
                })
            })
            .collect::<Result<_, DbErr>>()?)
    }

    /// Gives up `shards` (only those `node` still holds), so another node can claim them at
    /// once.
    pub async fn release_leases(&self, node: &str, shards: &[i32]) -> StoreResult<u64> {
        if shards.is_empty() {
            return Ok(0);
        }
        let (held, values) = held_by(node, shards.iter().copied());
        let done = self
            .write
            .execute_raw(stmt(
                &format!("UPDATE cluster_leases SET owner = NULL WHERE {held}"),
                values,
            ))
            .await?;
        Ok(done.rows_affected())
    }

    /// A node leaving for good (a clean shutdown): its leases are free at once, and it is no
    /// longer listed.
    pub async fn leave_cluster(&self, node: &str) -> StoreResult<()> {
        self.write
            .execute_raw(stmt(
                "UPDATE cluster_leases SET owner = NULL WHERE owner = $1",
                vec![node.into()],
            ))
            .await?;
        self.write
            .execute_raw(stmt(
                "DELETE FROM cluster_nodes WHERE id = $1",
                vec![node.into()],
            ))
            .await?;
        Ok(())
    }

    /// Forgets nodes not heard from since `before_ms` (database time) that hold no lease.
    pub async fn forget_nodes(&self, before_ms: i64) -> StoreResult<u64> {
        let done = self
            .write
            .execute_raw(stmt(
                "DELETE FROM cluster_nodes n WHERE heartbeat_at < $1 AND NOT EXISTS \
                 (SELECT 1 FROM cluster_leases l WHERE l.owner = n.id)",
                vec![before_ms.into()],
            ))
            .await?;
        Ok(done.rows_affected())
    }

    /// A listener for the notifications of other nodes (PostgreSQL only).
    pub async fn listener(&self) -> StoreResult<sea_orm::sqlx::postgres::PgListener> {
        let pool = self.write.get_postgres_connection_pool();
        Ok(sea_orm::sqlx::postgres::PgListener::connect_with(pool)
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?)
    }
}

/// The leases among `shards` that this store's node holds, locked `FOR SHARE` until the end
/// of the transaction `conn` is in: a write checked against them cannot race a takeover.
/// `None` when the store is not fenced (SQLite, or a tool).
pub(crate) async fn held<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    shards: &std::collections::BTreeSet<i32>,
) -> StoreResult<Option<std::collections::BTreeSet<Lease>>> {
    let Some(node) = store.node() else {
        return Ok(None);
    };
    if shards.is_empty() {
        return Ok(Some(Default::default()));
    }
    let (held, values) = held_by(node, shards.iter().copied());
    let rows = conn
        .query_all_raw(stmt(
            &format!("SELECT shard, epoch FROM cluster_leases WHERE {held} FOR SHARE"),
            values,
        ))
        .await?;
    Ok(Some(leases_of(rows)?.into_iter().collect()))
}

/// The condition "these `shards` of the local location, held by `node`", and its values.
fn held_by(node: &str, shards: impl Iterator<Item = i32>) -> (String, Vec<Value>) {
    let mut values: Vec<Value> = vec![LOCAL.into(), node.into()];
    values.extend(shards.map(Value::from));
    let list: Vec<String> = (3..=values.len()).map(|i| format!("${i}")).collect();
    (
        format!(
            "location = $1 AND owner = $2 AND shard IN ({})",
            list.join(", ")
        ),
        values,
    )
}

/// Whether a write stamped with `lease` may go ahead under the leases `held` (`None`: not
/// fenced, or a write not stamped).
pub(crate) fn allowed(
    lease: Option<Lease>,
    held: Option<&std::collections::BTreeSet<Lease>>,
) -> bool {
    match (lease, held) {
        (Some(lease), Some(held)) => held.contains(&lease),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::{shard_of, SHARDS};

    #[test]
    fn consecutive_monitors_spread_over_every_run_of_shards() {
        // 60 consecutive ids over three nodes holding a third of the shards each, in runs.
        let mut per_third = [0; 3];
        for id in 1..=60 {
            let shard = shard_of(id);
            assert!((0..SHARDS).contains(&shard));
            per_third[(shard * 3 / SHARDS) as usize] += 1;
        }
        assert!(
            per_third.iter().all(|n| (14..=26).contains(n)),
            "{per_third:?}"
        );
    }
}
