//! An apply's writes: every step of a plan in one `WriteBatch`, in document order, new
//! resources' ids known to the references after them, each resource marked with what the
//! file set.

use std::collections::HashMap;

use flatline_store::clock::now_ms;
use flatline_store::{Resource, StoredMonitor, WriteBatch};
use flatline_types::{PageMonitor, PageSection, PlanAction, PlannedChange, ResourceKind};

use super::ConfigService;
use crate::api::views::PUSH_PATH;
use crate::document::model::Ref;
use crate::document::plan::{Planned, State, Step};
use crate::error::{ApiError, ApiResult};

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
    /// Writes every step in one batch; returns the changes (with new ids and push URLs), the
    /// monitors the engine must run as now stored, and those only newly marked.
    pub(super) async fn write(
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
                        let token = crate::service::monitors::issue_push_token(&mut spec, false);
                        (batch.insert_monitor(&spec, now).await?, token)
                    }
                    Some(id) if changed => {
                        // Become a push monitor: it needs a token (one it had, it keeps).
                        let token = crate::service::monitors::issue_push_token(&mut spec, false);
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
