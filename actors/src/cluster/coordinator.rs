//! This node's part in the cluster, once per tick (a third of the lease): heartbeat, which
//! renews every lease it holds; read the leases (a shard it held and holds no more was taken
//! over while this node was frozen or cut off: its monitors stop here at once); then balance: with `n` nodes alive,
//! each should hold `ceil(SHARDS / n)` shards, so a node short of that claims free or
//! expired shards (a takeover raises the shard's epoch, fencing the old holder), and a node
//! over it stops the monitors of its excess shards, stores their last checks and gives the
//! shards back for the others to claim.

use std::collections::BTreeMap;
use std::time::Duration;

use actix::Addr;
use flatline_store::cluster::{shard_of, Lease, NodeRecord, SHARDS};
use flatline_store::{Store, StoreResult};
use std::sync::Arc;

use super::{ClusterConfig, ClusterView, Leadership};
use crate::messages::{Adopt, Flush, Release};
use crate::metrics::EngineMetrics;
use crate::registry::Registry;
use crate::writer::CheckWriter;

/// How long a node that stopped heartbeating stays listed.
const FORGET_AFTER_MS: i64 = 24 * 3_600_000;
/// How often the node in charge looks for nodes to forget.
const FORGET_EVERY: Duration = Duration::from_secs(300);

/// See the module documentation.
pub struct Coordinator {
    store: Store,
    config: ClusterConfig,
    metrics: Arc<EngineMetrics>,
    view: ClusterView,
    leader: Leadership,
    started_at_ms: i64,
    /// Shard → the epoch it is held at.
    held: BTreeMap<i32, i64>,
    /// When nodes long silent were last forgotten.
    forgot_at: Option<std::time::Instant>,
}

impl Coordinator {
    /// Announces this node and claims its first share; returns the coordinator and the
    /// leases the registry starts with.
    pub async fn join(
        store: Store,
        config: ClusterConfig,
        metrics: Arc<EngineMetrics>,
        leader: Leadership,
    ) -> StoreResult<(Self, Vec<Lease>)> {
        store.ensure_shards().await?;
        let view = ClusterView::single(&config.node_id);
        let started_at_ms = view.snapshot().started_at_ms;
        view.update(|s| {
            s.shared = true;
            s.lease_ms = config.lease_ms();
        });
        let mut coordinator = Self {
            store,
            config,
            metrics,
            view,
            leader,
            started_at_ms,
            held: BTreeMap::new(),
            forgot_at: None,
        };
        let alive = coordinator.look().await?;
        // Leases still held under this id (a restart with the same FLATLINE_NODE_ID) are
        // taken on at new epochs.
        let mut claimed = coordinator
            .store
            .rejoin(&coordinator.config.node_id)
            .await?;
        for lease in &claimed {
            coordinator.held.insert(lease.shard, lease.epoch);
        }
        claimed.extend(coordinator.claim(alive).await?);
        coordinator.leader.set(coordinator.held.contains_key(&0));
        coordinator.look().await?;
        tracing::info!(
            node = %coordinator.config.node_id,
            shards = claimed.len(),
            nodes = alive,
            "joined the cluster"
        );
        Ok((coordinator, claimed))
    }

    /// The view the API reads.
    pub fn view(&self) -> ClusterView {
        self.view.clone()
    }

    /// Runs the coordinator's loop on the current actix system until `stop` is notified,
    /// then leaves the cluster (its shards free at once for the others).
    pub fn run(
        mut self,
        registry: Addr<Registry>,
        writer: Addr<CheckWriter>,
        stop: Arc<tokio::sync::Notify>,
        left: tokio::sync::oneshot::Sender<()>,
    ) {
        actix_rt::spawn(async move {
            loop {
                tokio::select! {
                    () = actix_rt::time::sleep(self.config.tick()) => {}
                    () = stop.notified() => break,
                }
                if let Err(e) = self.tick(&registry, &writer).await {
                    tracing::warn!(node = %self.config.node_id, error = %e, "cluster coordination failed; retrying");
                }
            }
            if let Err(e) = self.store.leave_cluster(&self.config.node_id).await {
                tracing::warn!(error = %e, "leaving the cluster failed; the leases run out instead");
            } else {
                tracing::info!(node = %self.config.node_id, "left the cluster");
            }
            let _ = left.send(());
        });
    }

    async fn heartbeat(&self) -> StoreResult<i64> {
        self.store
            .heartbeat(&NodeRecord {
                id: self.config.node_id.clone(),
                address: Some(self.view.snapshot().address)
                    .filter(|a| !a.is_empty())
                    .unwrap_or_else(|| self.config.address.clone()),
                version: self.config.version.clone(),
                started_at_ms: self.started_at_ms,
                heartbeat_at_ms: 0,
            })
            .await
    }

    /// Reads the nodes and leases into the view; returns how many nodes are alive.
    async fn look(&mut self) -> StoreResult<usize> {
        let now = self.heartbeat().await?;
        let nodes = self.store.cluster_nodes().await?;
        let leases = self.store.cluster_leases().await?;
        let me = self.config.node_id.clone();
        let mut alive = 0;
        self.view.update(|s| {
            s.now_ms = now;
            s.nodes = nodes;
            s.leases = leases;
            alive = s
                .nodes
                .iter()
                .filter(|n| n.id == me || s.is_alive(n))
                .count();
        });
        self.metrics.cluster_nodes.set(alive as i64);
        self.metrics
            .cluster_shards_owned
            .set(self.held.len() as i64);
        Ok(alive.max(1))
    }

    /// Claims shards up to this node's fair share among `alive` nodes.
    async fn claim(&mut self, alive: usize) -> StoreResult<Vec<Lease>> {
        let want = fair_share(alive) as i64 - self.held.len() as i64;
        let claimed = self
            .store
            .claim_leases(&self.config.node_id, want, self.config.lease_ms())
            .await?;
        let mut leases = Vec::with_capacity(claimed.len());
        for c in claimed {
            if let Some(previous) = &c.previous {
                self.metrics.cluster_takeovers.inc();
                tracing::warn!(node = %self.config.node_id, shard = c.lease.shard, from = %previous, "took over a shard whose lease ran out");
            }
            self.held.insert(c.lease.shard, c.lease.epoch);
            leases.push(c.lease);
        }
        Ok(leases)
    }

    async fn tick(
        &mut self,
        registry: &Addr<Registry>,
        writer: &Addr<CheckWriter>,
    ) -> StoreResult<()> {
        // The heartbeat renews every lease held; then the leases say what is still held.
        let alive = self.look().await?;
        self.metrics.cluster_lease_renewals.inc();
        let me = self.config.node_id.clone();
        let now_held: std::collections::BTreeSet<Lease> = self
            .view
            .snapshot()
            .leases
            .iter()
            .filter(|l| l.owner.as_deref() == Some(me.as_str()))
            .map(|l| Lease {
                shard: l.shard,
                epoch: l.epoch,
            })
            .collect();
        let lost: Vec<i32> = self
            .held
            .iter()
            .filter(|(shard, epoch)| {
                !now_held.contains(&Lease {
                    shard: **shard,
                    epoch: **epoch,
                })
            })
            .map(|(shard, _)| *shard)
            .collect();
        if !lost.is_empty() {
            tracing::warn!(node = %self.config.node_id, shards = lost.len(), "shards were taken over while this node was away; stopping their monitors");
            let _ = registry.send(Release(lost.clone())).await;
            for shard in &lost {
                self.held.remove(shard);
            }
        }
        let share = fair_share(alive);
        if self.held.len() < share {
            let leases = self.claim(alive).await?;
            if !leases.is_empty() {
                let shards: std::collections::BTreeSet<i32> =
                    leases.iter().map(|l| l.shard).collect();
                let monitors = self
                    .store
                    .list_monitors()
                    .await?
                    .into_iter()
                    .filter(|m| shards.contains(&shard_of(m.id)))
                    .collect();
                let _ = registry.send(Adopt { leases, monitors }).await;
            }
        } else if self.held.len() > share {
            // The highest shards go: a joining node picks them up on its next tick.
            let excess: Vec<i32> = self
                .held
                .keys()
                .rev()
                .take(self.held.len() - share)
                .copied()
                .collect();
            let _ = registry.send(Release(excess.clone())).await;
            // Their last checks are stored under the leases still held.
            let _ = writer.send(Flush).await;
            self.store
                .release_leases(&self.config.node_id, &excess)
                .await?;
            for shard in &excess {
                self.held.remove(shard);
            }
            tracing::info!(node = %self.config.node_id, shards = excess.len(), nodes = alive, "gave shards back for the others");
        }
        let leader = self.held.contains_key(&0);
        if leader && !self.leader.is_leader() {
            tracing::info!(node = %self.config.node_id, "running the cluster's once-only jobs");
        }
        self.leader.set(leader);
        if leader && self.forgot_at.is_none_or(|at| at.elapsed() >= FORGET_EVERY) {
            self.forgot_at = Some(std::time::Instant::now());
            let now = self.view.snapshot().now_ms;
            self.store.forget_nodes(now - FORGET_AFTER_MS).await?;
        }
        self.metrics
            .cluster_shards_owned
            .set(self.held.len() as i64);
        Ok(())
    }
}

/// Shards each of `alive` nodes should hold: rounded up, so the shares cover every shard.
pub fn fair_share(alive: usize) -> usize {
    let shards = usize::try_from(SHARDS).unwrap_or(256);
    shards.div_ceil(alive.max(1))
}

/// How long the loop waits for a graceful stop.
pub const LEAVE_TIMEOUT: Duration = Duration::from_secs(5);
