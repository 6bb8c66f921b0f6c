//! Several nodes on one PostgreSQL. The [`coordinator`] keeps this node's heartbeat and shard
//! leases, claims its fair share and gives back the rest, and tells the registry which
//! monitors to run; the [`listen`]er brings what other nodes did (checks, states, changes)
//! onto this node's board, so that every node answers for every monitor. On SQLite there is
//! one node, which runs everything.
//!
//! The design and its guarantees are in the README ("Several nodes").

pub mod coordinator;
pub mod listen;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use flatline_store::cluster::{shard_of, LeaseRecord, NodeRecord};
use parking_lot::RwLock;

/// Who this node is, and how long its leases last.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// `FLATLINE_NODE_ID`: unique among the nodes.
    pub node_id: String,
    /// Where this node serves (shown to operators).
    pub address: String,
    /// Flatline's version.
    pub version: String,
    /// `FLATLINE_LEASE_SECONDS`: a node silent this long loses its monitors to the others.
    pub lease: Duration,
}

impl ClusterConfig {
    /// How often leases are renewed and shares balanced: a third of the lease, so that two
    /// renewals may fail before a lease runs out.
    pub fn tick(&self) -> Duration {
        (self.lease / 3).max(Duration::from_millis(200))
    }

    fn lease_ms(&self) -> i64 {
        i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX)
    }
}

/// What this node knows of the cluster, for the API and `/metrics`.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// This node.
    pub me: String,
    /// Where it listens, once it does (announced with its heartbeat).
    pub address: String,
    /// When this node started (UTC ms).
    pub started_at_ms: i64,
    /// Several nodes may run (PostgreSQL).
    pub shared: bool,
    pub lease_ms: i64,
    /// The database's clock at the last look.
    pub now_ms: i64,
    pub nodes: Vec<NodeRecord>,
    /// Each shard's lease, by shard (empty on SQLite).
    pub leases: Vec<LeaseRecord>,
}

impl Snapshot {
    /// The node running monitor `id` (the one holding its shard's lease), if any.
    pub fn node_of(&self, monitor_id: i64) -> Option<String> {
        if !self.shared {
            return Some(self.me.clone());
        }
        let shard = usize::try_from(shard_of(monitor_id)).ok()?;
        let owner = self.leases.get(shard)?.owner.as_deref()?;
        self.nodes
            .iter()
            .find(|n| n.id == owner && (n.id == self.me || self.is_alive(n)))
            .map(|n| n.id.clone())
    }

    /// How many shards `node` holds.
    pub fn shards_of(&self, node: &str) -> usize {
        self.leases
            .iter()
            .filter(|l| l.owner.as_deref() == Some(node))
            .count()
    }

    /// Whether a node's heartbeat is recent enough for it to count.
    pub fn is_alive(&self, node: &NodeRecord) -> bool {
        node.heartbeat_at_ms >= self.now_ms - self.lease_ms
    }
}

/// Shared, cheap to clone: the latest [`Snapshot`].
#[derive(Clone, Debug, Default)]
pub struct ClusterView(Arc<RwLock<Snapshot>>);

impl ClusterView {
    /// A view of a node alone (SQLite).
    pub fn single(me: &str) -> Self {
        Self(Arc::new(RwLock::new(Snapshot {
            me: me.to_owned(),
            started_at_ms: flatline_store::clock::now_ms(),
            ..Default::default()
        })))
    }

    /// A copy of the latest snapshot.
    pub fn snapshot(&self) -> Snapshot {
        self.0.read().clone()
    }

    /// The node running monitor `id`.
    pub fn node_of(&self, monitor_id: i64) -> Option<String> {
        self.0.read().node_of(monitor_id)
    }

    /// Where this node listens (known once it is bound; announced with the next heartbeat).
    pub fn set_address(&self, address: &str) {
        self.update(|s| s.address = address.to_owned());
    }

    fn update(&self, f: impl FnOnce(&mut Snapshot)) {
        f(&mut self.0.write());
    }
}

/// Whether this node runs the jobs that must run once per cluster (reminders, outbox
/// reconciliation and sweeps, maintenance periods, retention sweeps): the holder of shard
/// 0's lease. Always true alone. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Leadership(Arc<AtomicBool>);

impl Leadership {
    /// A node alone: always in charge.
    pub fn alone() -> Self {
        Self(Arc::new(AtomicBool::new(true)))
    }

    /// A node of a cluster, in charge once it holds shard 0.
    pub fn shared() -> Self {
        Self(Arc::new(AtomicBool::new(false)))
    }

    /// Whether this node runs the once-per-cluster jobs now.
    pub fn is_leader(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn set(&self, leader: bool) {
        self.0.store(leader, Ordering::Relaxed);
    }
}
