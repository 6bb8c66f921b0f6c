//! `GET /api/v1/cluster`: the nodes sharing the work, and which runs each monitor.

use serde::{Deserialize, Serialize};

/// One node, as it last announced itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClusterNode {
    /// `FLATLINE_NODE_ID`, or the host name with a random suffix.
    pub id: String,
    /// The address it listens on.
    pub address: String,
    /// Its Flatline version.
    pub version: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    /// RFC 3339 UTC (the database's clock).
    pub last_heartbeat: String,
    /// Heard from within the lease: it counts in the shares, and holds its monitors.
    pub alive: bool,
    /// The node answering this request.
    pub this_node: bool,
    /// Shards whose lease it holds.
    pub shards_owned: u32,
    /// Monitors in those shards.
    pub monitors_owned: u32,
}

/// Which node runs a monitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonitorPlacement {
    pub monitor_id: i64,
    /// Null while no live node holds its shard (for at most a lease after a node is lost).
    pub node: Option<String>,
}

/// The cluster as the answering node sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cluster {
    /// The node answering.
    pub node: String,
    /// Several nodes may share the work (PostgreSQL); false on SQLite, where one node runs
    /// everything.
    pub shared: bool,
    /// `FLATLINE_LEASE_SECONDS`.
    pub lease_seconds: u32,
    /// Shards the monitors are spread over (a monitor's shard is its id modulo this).
    pub shards: u32,
    /// Every node heard from in the last day, by id.
    pub nodes: Vec<ClusterNode>,
    /// Every monitor, by id.
    pub monitors: Vec<MonitorPlacement>,
}
