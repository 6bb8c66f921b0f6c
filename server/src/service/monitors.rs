//! Monitors: stored and run together, so that the running set always equals what is stored.

use actix::Addr;
use flatline_actors::messages::{PushReply, PushSignal, Pushed, Remove, Upsert};
use flatline_actors::registry::Registry;
use flatline_store::clock::now_ms;
use flatline_store::{Resource, Store, StoredMonitor};
use flatline_types::{
    validate_key, validate_key_change, CreateMonitor, MonitorSpec, PatchMonitor, Target,
};

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

    /// Validates and stores a new monitor, and starts checking it at once. A push monitor's
    /// token comes back beside it: it is stored only hashed, so this is its one showing.
    pub async fn create(
        &self,
        mut body: CreateMonitor,
    ) -> ApiResult<(StoredMonitor, Option<String>)> {
        let key = body
            .key
            .take()
            .map(|k| validate_key("key", &k))
            .transpose()?;
        let mut spec = body.into_spec()?;
        self.check_policy(&spec).await?;
        let token = issue_push_token(&mut spec, false);
        let stored = match key {
            None => self.store.insert_monitor(&spec, now_ms()).await?,
            Some(key) => {
                let batch = self.store.batch().await?;
                let mut stored = batch.insert_monitor(&spec, now_ms()).await?;
                batch
                    .mark(Resource::Monitor, stored.id, Some(&key), None)
                    .await?;
                batch.commit().await?;
                stored.key = Some(key);
                stored
            }
        };
        self.run(&stored).await?;
        tracing::info!(
            monitor_id = stored.id,
            kind = spec.kind().as_str(),
            "monitor created"
        );
        Ok((stored, token))
    }

    /// Applies a partial change (pausing, resuming, another kind) and checks the monitor at
    /// once. A monitor that became a push monitor gets a token, returned beside it.
    pub async fn update(
        &self,
        id: i64,
        mut patch: PatchMonitor,
    ) -> ApiResult<(StoredMonitor, Option<String>)> {
        let current = self.get(id).await?;
        let key = validate_key_change("key", patch.key.take())?;
        let mut spec = patch.apply(&current.spec)?;
        self.check_policy(&spec).await?;
        let token = issue_push_token(&mut spec, false);
        if let Some(key) = key.filter(|k| *k != current.key) {
            self.store
                .set_key(Resource::Monitor, id, key.as_deref())
                .await?;
        }
        let updated = self.store_and_run(id, &spec).await?;
        tracing::info!(monitor_id = id, enabled = spec.enabled, "monitor updated");
        Ok((updated, token))
    }

    /// A 422 if the monitor names an escalation policy that does not exist.
    async fn check_policy(&self, spec: &MonitorSpec) -> ApiResult<()> {
        if let Some(id) = spec.escalation_policy_id {
            if self.store.get_policy(id).await?.is_none() {
                return Err(flatline_types::FieldError::new(
                    "escalation_policy_id",
                    format!("no escalation policy has id {id}"),
                )
                .into());
            }
        }
        Ok(())
    }

    /// Hands a call of a push URL to the monitor whose token it holds.
    pub async fn push(&self, token: &str, signal: PushSignal) -> ApiResult<PushReply> {
        let token_hash = crate::auth::secrets::hash_secret(token);
        Ok(self.registry.send(Pushed { token_hash, signal }).await?)
    }

    /// Gives a push monitor a new token (the old URL stops working at once) and returns it.
    pub async fn rotate_push_token(&self, id: i64) -> ApiResult<(StoredMonitor, String)> {
        let mut spec = self.get(id).await?.spec;
        let Some(token) = issue_push_token(&mut spec, true) else {
            return Err(ApiError::Conflict(format!(
                "monitor {id} is a {} monitor: only push monitors have a push token",
                spec.kind().as_str()
            )));
        };
        let updated = self.store_and_run(id, &spec).await?;
        tracing::info!(monitor_id = id, "push token replaced");
        Ok((updated, token))
    }

    async fn store_and_run(&self, id: i64, spec: &MonitorSpec) -> ApiResult<StoredMonitor> {
        let updated = self
            .store
            .update_monitor(id, spec, now_ms())
            .await?
            .ok_or_else(|| not_found(id))?;
        self.run(&updated).await?;
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

/// Gives a push monitor without a token (or every one, with `replace`) a new random token:
/// 192 bits, base64url; only its hash and first characters are kept. `None` for other kinds
/// and for push monitors that keep theirs.
pub(crate) fn issue_push_token(spec: &mut MonitorSpec, replace: bool) -> Option<String> {
    let Target::Push(push) = &mut spec.target else {
        return None;
    };
    if !push.token_hash.is_empty() && !replace {
        return None;
    }
    let token = crate::auth::secrets::random_secret(24);
    push.token_hash = crate::auth::secrets::hash_secret(&token);
    push.token_hint = token.chars().take(4).collect();
    Some(token)
}

/// The 404 for an unknown monitor id.
pub fn not_found(id: i64) -> ApiError {
    ApiError::NotFound {
        what: "monitor",
        id,
    }
}
