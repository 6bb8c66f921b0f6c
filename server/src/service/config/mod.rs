//! Configuration as code: a document planned against what is stored and applied in one
//! transaction (all or nothing), then the engine, maintenance and status pages told; and
//! what is stored exported back as a document. Applies run one at a time per node; the
//! batch of writes itself is `write.rs`.

mod write;

use actix::Addr;
use actix_web::web;
use flatline_actors::maintenance::MaintenanceHandle;
use flatline_actors::messages::{Remove, Upsert};
use flatline_actors::registry::Registry;
use flatline_store::clock::now_ms;
use flatline_store::{Resource, Store, StoredMonitor};
use flatline_types::{ConfigPlan, PlannedChange};
use serde_json::Value;

use crate::document::export::export;
use crate::document::model::{DocError, Document};
use crate::document::plan::{plan, State, Step};
use crate::error::{ApiError, ApiResult};
use crate::pages::StatusPages;

/// Why an apply did not happen.
#[derive(Debug)]
pub enum ConfigError {
    /// The document is wrong at a path.
    Document(DocError),
    /// Storing it failed (a unique slug taken, the database gone, …); nothing was stored.
    Api(ApiError),
}

impl From<ApiError> for ConfigError {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl From<flatline_store::StoreError> for ConfigError {
    fn from(e: flatline_store::StoreError) -> Self {
        Self::Api(e.into())
    }
}

/// Plans, applies and exports configuration documents.
pub struct ConfigService {
    store: Store,
    registry: Addr<Registry>,
    maintenance: MaintenanceHandle,
    pages: web::Data<StatusPages>,
    one_at_a_time: tokio::sync::Mutex<()>,
}

impl ConfigService {
    pub fn new(
        store: Store,
        registry: Addr<Registry>,
        maintenance: MaintenanceHandle,
        pages: web::Data<StatusPages>,
    ) -> Self {
        Self {
            store,
            registry,
            maintenance,
            pages,
            one_at_a_time: tokio::sync::Mutex::new(()),
        }
    }

    /// What is stored, as a document.
    pub async fn export(&self) -> ApiResult<Value> {
        Ok(export(&State::load(&self.store).await?))
    }

    /// Plans `doc` and, unless `dry_run`, applies it: every change in one transaction.
    pub async fn apply(
        &self,
        doc: &Document,
        prune: bool,
        dry_run: bool,
    ) -> Result<ConfigPlan, ConfigError> {
        let _one = self.one_at_a_time.lock().await;
        match self.apply_once(doc, prune, dry_run).await {
            // Another node applied the same file at the same moment (nodes starting with one
            // FLATLINE_CONFIG): plan again against what it stored.
            Err(ConfigError::Api(ApiError::Taken("key"))) => {
                self.apply_once(doc, prune, dry_run).await
            }
            other => other,
        }
    }

    async fn apply_once(
        &self,
        doc: &Document,
        prune: bool,
        dry_run: bool,
    ) -> Result<ConfigPlan, ConfigError> {
        let started = std::time::Instant::now();
        let state = State::load(&self.store).await?;
        let planned = plan(doc, &state, prune, now_ms())
            .await
            .map_err(ConfigError::Document)?;
        if dry_run {
            let changes: Vec<PlannedChange> = planned.into_iter().map(|p| p.change).collect();
            return Ok(ConfigPlan {
                applied: false,
                summary: ConfigPlan::summarize(&changes),
                changes,
            });
        }
        let removed: Vec<StoredMonitor> = planned
            .iter()
            .filter_map(|p| match p.step {
                Some(Step::Delete {
                    resource: Resource::Monitor,
                    id,
                }) => state.monitor_by_id(id).cloned(),
                _ => None,
            })
            .collect();
        // Stopped first, so no check of theirs lands after their rows are gone.
        for m in &removed {
            self.registry
                .send(Remove(m.id))
                .await
                .map_err(ApiError::from)?;
        }
        let planned_ms = started.elapsed().as_millis();
        let outcome = self.write(planned, &state).await;
        let written_ms = started.elapsed().as_millis();
        let (changes, run, relabeled) = match outcome {
            Ok(done) => done,
            Err(e) => {
                // Still stored, so they run again.
                for m in removed {
                    self.registry.do_send(Upsert {
                        monitor: m,
                        check_now: false,
                    });
                }
                return Err(e.into());
            }
        };
        // Queued without a round trip each; the registry takes its mail in order, so once
        // the last one is answered, every monitor runs as stored.
        let mut upserts: Vec<Upsert> = run
            .into_iter()
            .map(|monitor| Upsert {
                monitor,
                check_now: true,
            })
            .chain(relabeled.into_iter().map(|monitor| Upsert {
                monitor,
                check_now: false,
            }))
            .collect();
        if let Some(last) = upserts.pop() {
            for upsert in upserts {
                self.registry.do_send(upsert);
            }
            self.registry.send(last).await.map_err(ApiError::from)?;
        }
        let summary = ConfigPlan::summarize(&changes);
        if summary.create + summary.update + summary.delete > 0 {
            self.maintenance.changed();
            self.pages.reload().await.map_err(ApiError::from)?;
        }
        tracing::info!(
            created = summary.create,
            updated = summary.update,
            deleted = summary.delete,
            unchanged = summary.unchanged,
            planned_ms,
            written_ms,
            total_ms = started.elapsed().as_millis(),
            "configuration applied"
        );
        Ok(ConfigPlan {
            applied: true,
            summary,
            changes,
        })
    }
}
