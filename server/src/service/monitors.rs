//! Monitors: stored and run together, so that the running set always equals what is stored.

use actix::Addr;
use flatline_actors::messages::{Remove, Upsert};
use flatline_actors::registry::Registry;
use flatline_store::clock::now_ms;
use flatline_store::{Store, StoredMonitor};
use flatline_types::{CreateMonitor, PatchMonitor};

use crate::error::{ApiError, ApiResult};

/// Creates, changes and deletes monitors in the store and in the engine at once.
pub struct MonitorService {
    store: Store,
    registry: Addr<Registry>,
}

impl MonitorService {
    /// A service over `store` and the engine's `registry`.
    pub fn new(store: Store, registry: Addr<Registry>) -> Self {
        Self { store, registry }
    }

    /// The stored monitor `id`, or a 404.
    pub async fn get(&self, id: i64) -> ApiResult<StoredMonitor> {
        self.store
            .get_monitor(id)
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// Validates and stores a new monitor, and starts checking it at once.
    pub async fn create(&self, body: CreateMonitor) -> ApiResult<StoredMonitor> {
        let spec = body.into_spec()?;
        let stored = self.store.insert_monitor(&spec, now_ms()).await?;
        self.run(&stored).await?;
        tracing::info!(monitor_id = stored.id, "monitor created");
        Ok(stored)
    }

    /// Applies a partial change (pausing, resuming) and checks the monitor at once.
    pub async fn update(&self, id: i64, patch: PatchMonitor) -> ApiResult<StoredMonitor> {
        let current = self.get(id).await?;
        let spec = patch.apply(&current.spec)?;
        let updated = self
            .store
            .update_monitor(id, &spec, now_ms())
            .await?
            .ok_or_else(|| not_found(id))?;
        self.run(&updated).await?;
        tracing::info!(monitor_id = id, enabled = spec.enabled, "monitor updated");
        Ok(updated)
    }

    /// Stops checking a monitor and deletes it with its checks, incidents and rollups.
    pub async fn delete(&self, id: i64) -> ApiResult<()> {
        let stored = self.get(id).await?;
        // Stop the actor first so no check of it is started after its data is gone.
        self.registry.send(Remove(id)).await?;
        if let Err(e) = self.store.delete_monitor(id).await {
            // Still stored, so it must still run: the running set follows what is stored.
            self.registry.do_send(Upsert {
                monitor: stored,
                check_now: true,
            });
            return Err(e.into());
        }
        tracing::info!(monitor_id = id, "monitor deleted");
        Ok(())
    }

    /// Makes the engine run `monitor` as stored, checking it at once.
    async fn run(&self, monitor: &StoredMonitor) -> ApiResult<()> {
        self.registry
            .send(Upsert {
                monitor: monitor.clone(),
                check_now: true,
            })
            .await?;
        Ok(())
    }
}

/// The 404 for an unknown monitor id.
pub fn not_found(id: i64) -> ApiError {
    ApiError::NotFound {
        what: "monitor",
        id,
    }
}
