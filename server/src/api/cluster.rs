//! `/cluster`: the nodes sharing the work and which runs each monitor, as this node sees it.

use actix_web::{get, web};
use flatline_actors::cluster::ClusterView;
use flatline_actors::StatusBoard;
use flatline_store::clock::rfc3339;
use flatline_store::cluster::SHARDS;
use flatline_types::{Cluster, ClusterNode, MonitorPlacement};

use crate::error::ApiResult;

/// The nodes (alive or heard from in the last day) with the shards and monitors each runs,
/// and the node running each monitor. Several nodes share the work on PostgreSQL; on SQLite
/// the one node runs everything (`shared: false`).
#[utoipa::path(
    tag = "cluster",
    responses((status = 200, description = "The cluster", body = Cluster))
)]
#[get("/cluster")]
pub async fn get(
    view: web::Data<ClusterView>,
    board: web::Data<StatusBoard>,
) -> ApiResult<web::Json<Cluster>> {
    let snapshot = view.snapshot();
    let mut ids = board.ids();
    ids.sort_unstable();
    let monitors: Vec<MonitorPlacement> = ids
        .into_iter()
        .map(|monitor_id| MonitorPlacement {
            monitor_id,
            node: snapshot.node_of(monitor_id),
        })
        .collect();
    let owned_by = |node: &str| {
        let shards = if snapshot.shared {
            snapshot.shards_of(node)
        } else {
            usize::try_from(SHARDS).unwrap_or_default()
        };
        let count = monitors
            .iter()
            .filter(|m| m.node.as_deref() == Some(node))
            .count();
        (
            u32::try_from(shards).unwrap_or(u32::MAX),
            u32::try_from(count).unwrap_or(u32::MAX),
        )
    };
    let nodes = if snapshot.shared {
        snapshot
            .nodes
            .iter()
            .map(|n| {
                let (shards_owned, monitors_owned) = owned_by(&n.id);
                ClusterNode {
                    id: n.id.clone(),
                    address: n.address.clone(),
                    version: n.version.clone(),
                    started_at: rfc3339(n.started_at_ms),
                    last_heartbeat: rfc3339(n.heartbeat_at_ms),
                    alive: snapshot.is_alive(n),
                    this_node: n.id == snapshot.me,
                    shards_owned,
                    monitors_owned,
                }
            })
            .collect()
    } else {
        let (shards_owned, monitors_owned) = owned_by(&snapshot.me);
        // Alone, it has no heartbeat: it is alive as long as it answers.
        vec![ClusterNode {
            id: snapshot.me.clone(),
            address: snapshot.address.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            started_at: rfc3339(snapshot.started_at_ms),
            last_heartbeat: rfc3339(flatline_store::clock::now_ms()),
            alive: true,
            this_node: true,
            shards_owned,
            monitors_owned,
        }]
    };
    Ok(web::Json(Cluster {
        node: snapshot.me.clone(),
        shared: snapshot.shared,
        lease_seconds: u32::try_from(snapshot.lease_ms / 1000).unwrap_or_default(),
        shards: u32::try_from(SHARDS).unwrap_or_default(),
        nodes,
        monitors,
    }))
}
