//! Notification channels and their links to monitors; a test message goes through the
//! notifier's own path.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use flatline_actors::notifier::send_test;
use flatline_actors::EngineMetrics;
use flatline_store::clock::now_ms;
use flatline_store::{Resource, Store, StoredChannel};
use flatline_types::{
    validate_channel_name, validate_key, validate_key_change, CreateChannel, PatchChannel,
    TestOutcome,
};

use super::monitors;
use crate::error::{ApiError, ApiResult};

/// Creates, changes, tests, links and deletes channels.
pub struct ChannelService {
    store: Store,
    metrics: Arc<EngineMetrics>,
    /// Longest a test message may take (the notifier's own attempt timeout).
    timeout: Duration,
}

impl ChannelService {
    /// A service over `store`, counting test messages in `metrics`.
    pub fn new(store: Store, metrics: Arc<EngineMetrics>, timeout: Duration) -> Self {
        Self {
            store,
            metrics,
            timeout,
        }
    }

    /// The stored channel `id`, or a 404.
    pub async fn get(&self, id: i64) -> ApiResult<StoredChannel> {
        self.store
            .get_channel(id)
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// Every channel, by id.
    pub async fn list(&self) -> ApiResult<Vec<StoredChannel>> {
        Ok(self.store.list_channels().await?)
    }

    /// Validates and stores a new channel. With `default`, monitors created from now on get
    /// it; with `apply_to_existing` too, every existing monitor is linked to it at once.
    pub async fn create(&self, body: CreateChannel) -> ApiResult<StoredChannel> {
        let name = validate_channel_name(&body.name)?;
        let key = body.key.map(|k| validate_key("key", &k)).transpose()?;
        body.config.validate()?;
        let link_all = body.default && body.apply_to_existing;
        let channel = match key {
            None => {
                self.store
                    .insert_channel(&name, &body.config, body.default, link_all, now_ms())
                    .await?
            }
            Some(key) => {
                let batch = self.store.batch().await?;
                let mut channel = batch
                    .insert_channel(&name, &body.config, body.default, link_all, now_ms())
                    .await?;
                batch
                    .mark(Resource::Channel, channel.id, Some(&key), None)
                    .await?;
                batch.commit().await?;
                channel.key = Some(key);
                channel
            }
        };
        tracing::info!(
            channel_id = channel.id,
            channel_type = channel.config.kind(),
            "notification channel created"
        );
        Ok(channel)
    }

    /// Applies a partial change; secrets left out or sent back masked keep their value.
    pub async fn update(&self, id: i64, patch: PatchChannel) -> ApiResult<StoredChannel> {
        let current = self.get(id).await?;
        let name = match &patch.name {
            Some(n) => validate_channel_name(n)?,
            None => current.name.clone(),
        };
        let config = match patch.config {
            Some(config) => current.config.merge_patch(config)?,
            None => current.config.clone(),
        };
        let is_default = patch.default.unwrap_or(current.is_default);
        if let Some(key) = validate_key_change("key", patch.key)? {
            self.store
                .set_key(Resource::Channel, id, key.as_deref())
                .await?;
        }
        let updated = self
            .store
            .update_channel(id, &name, &config, is_default, now_ms())
            .await?
            .ok_or_else(|| not_found(id))?;
        tracing::info!(channel_id = id, "notification channel updated");
        Ok(updated)
    }

    /// Deletes a channel with its links and delivery history.
    pub async fn delete(&self, id: i64) -> ApiResult<()> {
        if !self.store.delete_channel(id).await? {
            return Err(not_found(id));
        }
        tracing::info!(channel_id = id, "notification channel deleted");
        Ok(())
    }

    /// Sends a test message now, once, and reports how the channel answered.
    pub async fn test(&self, id: i64) -> ApiResult<TestOutcome> {
        let channel = self.get(id).await?;
        Ok(send_test(&self.store, &self.metrics, &channel, self.timeout).await?)
    }

    /// Links a channel to a monitor; whether the link is new. A missing channel is a
    /// validation error of `channel_id`.
    pub async fn link(&self, monitor_id: i64, channel_id: i64) -> ApiResult<(StoredChannel, bool)> {
        self.require_monitor(monitor_id).await?;
        let channel =
            self.store
                .get_channel(channel_id)
                .await?
                .ok_or_else(|| ApiError::Validation {
                    field: "channel_id".into(),
                    message: format!("notification channel {channel_id} does not exist"),
                })?;
        let created = self
            .store
            .link_channel(monitor_id, channel_id, now_ms())
            .await?;
        if created {
            tracing::info!(monitor_id, channel_id, "channel linked");
        }
        Ok((channel, created))
    }

    /// The channels linked to a monitor.
    pub async fn of_monitor(&self, monitor_id: i64) -> ApiResult<Vec<StoredChannel>> {
        self.require_monitor(monitor_id).await?;
        Ok(self.store.monitor_channels(monitor_id).await?)
    }

    /// Unlinks a channel from a monitor; a 404 if it was not linked.
    pub async fn unlink(&self, monitor_id: i64, channel_id: i64) -> ApiResult<()> {
        self.require_monitor(monitor_id).await?;
        if !self.store.unlink_channel(monitor_id, channel_id).await? {
            return Err(ApiError::NotFound {
                what: "link to notification channel",
                id: channel_id,
            });
        }
        tracing::info!(monitor_id, channel_id, "channel unlinked");
        Ok(())
    }

    /// The monitors linked to each channel, by channel id.
    pub async fn links(&self) -> ApiResult<HashMap<i64, Vec<i64>>> {
        Ok(self.store.channel_links().await?)
    }

    async fn require_monitor(&self, id: i64) -> ApiResult<()> {
        match self.store.get_monitor(id).await? {
            Some(_) => Ok(()),
            None => Err(monitors::not_found(id)),
        }
    }
}

/// The 404 for an unknown channel id.
fn not_found(id: i64) -> ApiError {
    ApiError::NotFound {
        what: "notification channel",
        id,
    }
}
