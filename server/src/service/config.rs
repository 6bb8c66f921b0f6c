//! Configuration as code: a document planned against what is stored and applied in one
//! transaction (all or nothing), then the engine, maintenance and status pages told; and
//! what is stored exported back as a document. Applies run one at a time per node.

use std::collections::HashMap;

use actix::Addr;
use actix_web::web;
use flatline_actors::maintenance::MaintenanceHandle;
use flatline_actors::messages::{Remove, Upsert};
use flatline_actors::registry::Registry;
use flatline_store::clock::now_ms;
use flatline_store::{Resource, Store, StoredMonitor, WriteBatch};
use flatline_types::{
    ConfigPlan, PageMonitor, PageSection, PlanAction, PlannedChange, ResourceKind,
};
use serde_json::Value;

use crate::api::views::PUSH_PATH;
use crate::document::export::export;
use crate::document::model::{DocError, Document, Ref};
use crate::document::plan::{plan, Planned, State, Step};
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

/// Stored ids of resources by key, growing as an apply creates them.
#[derive(Default)]
struct Ids {
    channels: HashMap<String, i64>,
    monitors: HashMap<String, i64>,
}

impl Ids {
    fn channel(&self, r: &Ref) -> ApiResult<i64> {
        resolve(&self.channels, r)
    }
    fn monitor(&self, r: &Ref) -> ApiResult<i64> {
        resolve(&self.monitors, r)
    }
}

fn resolve(map: &HashMap<String, i64>, r: &Ref) -> ApiResult<i64> {
    match r {
        Ref::Id(id) => Ok(*id),
        Ref::Key(k) => map
            .get(k)
            .copied()
            .ok_or_else(|| ApiError::Internal(format!("key `{k}` was not created"))),
    }
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

    /// Writes every step in one batch; returns the changes (with new ids and push URLs), the
    /// monitors the engine must run as now stored, and those only newly marked.
    async fn write(
        &self,
        planned: Vec<Planned>,
        state: &State,
    ) -> ApiResult<(Vec<PlannedChange>, Vec<StoredMonitor>, Vec<StoredMonitor>)> {
        let now = now_ms();
        let mut ids = Ids::default();
        for c in &state.channels {
            if let Some(k) = &c.key {
                ids.channels.insert(k.clone(), c.id);
            }
        }
        for m in &state.monitors {
            if let Some(k) = &m.key {
                ids.monitors.insert(k.clone(), m.id);
            }
        }
        let batch = self.store.batch().await?;
        let mut changes = Vec::with_capacity(planned.len());
        let mut run = Vec::new();
        let mut relabeled = Vec::new();
        for Planned {
            mut change,
            step,
            applied,
        } in planned
        {
            let id = match step {
                None => change.id,
                Some(step) => self
                    .write_step(&batch, step, &change, &ids, now, &mut run)
                    .await
                    .map(|(id, push_url)| {
                        change.push_url = push_url;
                        id
                    })?,
            };
            if let (Some(id), Some(applied)) = (id, &applied) {
                let resource = match change.resource {
                    ResourceKind::NotificationChannel => {
                        ids.channels.insert(change.key.clone(), id);
                        Resource::Channel
                    }
                    ResourceKind::Monitor => {
                        ids.monitors.insert(change.key.clone(), id);
                        Resource::Monitor
                    }
                    ResourceKind::StatusPage => Resource::Page,
                    ResourceKind::Maintenance => Resource::Maintenance,
                };
                let record = serde_json::to_string(applied).unwrap_or_default();
                // An unchanged resource already marked so needs no write.
                if change.action != PlanAction::Unchanged
                    || state.recorded(resource, id) != Some(record.as_str())
                {
                    batch
                        .mark(resource, id, Some(&change.key), Some(&record))
                        .await?;
                }
                if resource == Resource::Monitor {
                    // The board shows the key and the mark too (`managed`).
                    let relabel = |m: &mut StoredMonitor| {
                        m.key = Some(change.key.clone());
                        m.applied = Some(record.clone());
                    };
                    if let Some(m) = run.iter_mut().find(|m| m.id == id) {
                        relabel(m);
                    } else if let Some(m) = state
                        .monitor_by_id(id)
                        .filter(|m| m.applied.as_deref() != Some(record.as_str()))
                    {
                        let mut m = m.clone();
                        relabel(&mut m);
                        relabeled.push(m);
                    }
                }
            }
            change.id = id;
            changes.push(change);
        }
        batch.commit().await?;
        Ok((changes, run, relabeled))
    }

    /// One step; the resource's id (none once deleted) and a new push monitor's URL.
    async fn write_step(
        &self,
        batch: &WriteBatch<'_>,
        step: Step,
        change: &PlannedChange,
        ids: &Ids,
        now: i64,
        run: &mut Vec<StoredMonitor>,
    ) -> ApiResult<(Option<i64>, Option<String>)> {
        let gone = |what| {
            ApiError::Conflict(format!(
                "{what} `{}` changed meanwhile; apply again",
                change.key
            ))
        };
        Ok(match step {
            Step::Channel {
                id,
                name,
                config,
                default,
            } => match id {
                None => (
                    Some(
                        batch
                            .insert_channel(&name, &config, default, false, now)
                            .await?
                            .id,
                    ),
                    None,
                ),
                Some(id) => {
                    batch
                        .update_channel(id, &name, &config, default, now)
                        .await?
                        .ok_or_else(|| gone("notification channel"))?;
                    (Some(id), None)
                }
            },
            Step::Monitor {
                id,
                mut spec,
                links,
                changed,
            } => {
                let (stored, token) = match id {
                    None => {
                        let token = super::monitors::issue_push_token(&mut spec, false);
                        (batch.insert_monitor(&spec, now).await?, token)
                    }
                    Some(id) if changed => {
                        // Become a push monitor: it needs a token (one it had, it keeps).
                        let token = super::monitors::issue_push_token(&mut spec, false);
                        (
                            batch
                                .update_monitor(id, &spec, now)
                                .await?
                                .ok_or_else(|| gone("monitor"))?,
                            token,
                        )
                    }
                    Some(id) => {
                        if let Some(links) = &links {
                            let channels = links
                                .iter()
                                .map(|r| ids.channel(r))
                                .collect::<ApiResult<Vec<_>>>()?;
                            batch.set_links(id, &channels, now).await?;
                        }
                        return Ok((Some(id), None));
                    }
                };
                if let Some(links) = &links {
                    let channels = links
                        .iter()
                        .map(|r| ids.channel(r))
                        .collect::<ApiResult<Vec<_>>>()?;
                    batch.set_links(stored.id, &channels, now).await?;
                }
                let id = stored.id;
                run.push(stored);
                (Some(id), token.map(|t| format!("{PUSH_PATH}/{t}")))
            }
            Step::Page {
                id,
                mut spec,
                sections,
                password,
            } => {
                spec.sections = sections
                    .iter()
                    .map(|s| {
                        Ok(PageSection {
                            name: s.name.clone(),
                            monitors: s
                                .monitors
                                .iter()
                                .map(|m| {
                                    Ok(PageMonitor {
                                        monitor_id: ids.monitor(&m.monitor)?,
                                        display_name: m.display_name.clone(),
                                    })
                                })
                                .collect::<ApiResult<Vec<_>>>()?,
                        })
                    })
                    .collect::<ApiResult<Vec<_>>>()?;
                let hash = crate::api::status_pages::hashed(password).await?;
                match id {
                    None => (Some(batch.insert_page(&spec, hash, now).await?.id), None),
                    Some(id) => {
                        batch
                            .update_page(id, &spec, hash, now)
                            .await?
                            .ok_or_else(|| gone("status page"))?;
                        (Some(id), None)
                    }
                }
            }
            Step::Maintenance {
                id,
                mut spec,
                monitors,
            } => {
                spec.monitors = monitors
                    .iter()
                    .map(|r| ids.monitor(r))
                    .collect::<ApiResult<Vec<_>>>()?;
                match id {
                    None => (Some(batch.insert_maintenance(&spec, now).await?.id), None),
                    Some(id) => {
                        batch
                            .update_maintenance(id, &spec, now)
                            .await?
                            .ok_or_else(|| gone("maintenance window"))?;
                        (Some(id), None)
                    }
                }
            }
            Step::Delete { resource, id } => {
                match resource {
                    Resource::Monitor => batch.delete_monitor(id).await?,
                    Resource::Channel => batch.delete_channel(id).await?,
                    Resource::Page => batch.delete_page(id).await?,
                    Resource::Maintenance => batch.delete_maintenance(id).await?,
                };
                debug_assert_eq!(change.action, PlanAction::Delete);
                (None, None)
            }
        })
    }
}
