//! Comparing a document with what is stored: for each declared resource, create, update
//! (with the fields that change) or unchanged; with `prune`, delete for each keyed resource
//! the document leaves out. Every entry is checked as the API would check it; references
//! (to monitors, to channels) must name a resource the document or the database has.

use std::collections::{BTreeMap, HashSet};

use flatline_store::Resource;
use flatline_types::{
    validate_channel_name, ChannelConfig, CreateMaintenance, FieldError, MonitorSpec, PlanAction,
    PlannedChange, ResourceKind, StatusPageSpec,
};
use serde_json::Value;

use super::canonical;
use super::model::{DocError, Document, Ref, SectionRef};
use super::refs::Refs;
use super::state::sorted;
pub use super::state::{Applied, State};

/// One write an apply makes.
#[derive(Debug, Clone)]
pub enum Step {
    Channel {
        id: Option<i64>,
        name: String,
        config: ChannelConfig,
        default: bool,
    },
    Monitor {
        id: Option<i64>,
        spec: Box<MonitorSpec>,
        /// `None`: the links stay as they are (or the defaults, for a new monitor).
        links: Option<Vec<Ref>>,
        /// Whether the spec itself changes (not only its links or marks).
        changed: bool,
    },
    Page {
        id: Option<i64>,
        spec: Box<StatusPageSpec>,
        sections: Vec<SectionRef>,
        /// A password to hash and store.
        password: Option<String>,
    },
    Maintenance {
        id: Option<i64>,
        spec: Box<CreateMaintenance>,
        monitors: Vec<Ref>,
    },
    Delete {
        resource: Resource,
        id: i64,
    },
}

/// A step, the change it makes, and what to record on the resource.
#[derive(Debug, Clone)]
pub struct Planned {
    pub change: PlannedChange,
    /// `None`: nothing to write.
    pub step: Option<Step>,
    pub applied: Option<Applied>,
}

pub(super) fn at(path: &str) -> impl Fn(FieldError) -> DocError + '_ {
    move |e| {
        let field = e.field.replace("monitor_id", "monitor");
        DocError::new(format!("{path}.{field}"), e.message)
    }
}

/// Compares `doc` with `state`. With `prune`, keyed resources the document leaves out are
/// deleted. `now_ms` dates windows the document creates.
pub async fn plan(
    doc: &Document,
    state: &State,
    prune: bool,
    now_ms: i64,
) -> Result<Vec<Planned>, DocError> {
    let mut out = Vec::new();
    let refs = Refs::new(doc, state, prune);
    let (file_channels, file_monitors) = (&refs.file_channels, &refs.file_monitors);
    for c in &doc.channels {
        let name = validate_channel_name(&c.name).map_err(at(&c.path))?;
        c.config.validate().map_err(at(&c.path))?;
        let form = canonical::channel(&c.key, &name, &c.config, c.default);
        let current = state.channel_by_key(&c.key);
        let before = current.map(|s| canonical::channel(&c.key, &s.name, &s.config, s.is_default));
        out.push(decide(
            ResourceKind::NotificationChannel,
            &c.key,
            current.map(|s| (s.id, s.applied.as_deref())),
            before,
            form,
            doc.refs_of(&c.path),
            Step::Channel {
                id: current.map(|s| s.id),
                name,
                config: c.config.clone(),
                default: c.default,
            },
        ));
    }

    // The channels every new monitor gets: the default ones, once the document is applied.
    let defaults: Vec<Ref> = sorted(
        state
            .channels
            .iter()
            .filter(|s| !refs.pruned(&s.key, file_channels))
            .filter(|s| {
                match s
                    .key
                    .as_deref()
                    .and_then(|k| doc.channels.iter().find(|c| c.key == k))
                {
                    Some(c) => c.default,
                    None => s.is_default,
                }
            })
            .map(|s| state.channel_ref(s.id))
            .chain(
                doc.channels
                    .iter()
                    .filter(|c| c.default)
                    .map(|c| Ref::Key(c.key.clone())),
            )
            .collect(),
    );
    for m in &doc.monitors {
        let mut spec = m.body.clone().into_spec().map_err(at(&m.path))?;
        if let Some(id) = spec
            .escalation_policy_id
            .filter(|id| !state.policies.contains(id))
        {
            return Err(DocError::new(
                format!("{}.escalation_policy_id", m.path),
                format!("no escalation policy has id {id}"),
            ));
        }
        let current = state.monitor_by_key(&m.key);
        if let Some(s) = current {
            spec.keep_push_token(&s.spec);
        }
        let declared = m
            .links
            .as_ref()
            .map(|links| {
                links
                    .iter()
                    .enumerate()
                    .map(|(i, r)| refs.channel(r, format!("{}.notification_channels[{i}]", m.path)))
                    .collect::<Result<Vec<_>, _>>()
                    .map(sorted)
            })
            .transpose()?;
        let links = match (&declared, current) {
            (Some(l), _) => l.clone(),
            (None, None) => defaults.clone(),
            // Links the document leaves alone stay, but for channels prune deletes.
            (None, Some(s)) => sorted(
                state
                    .links
                    .get(&s.id)
                    .into_iter()
                    .flatten()
                    .filter(|&&c| {
                        !state
                            .channels
                            .iter()
                            .any(|ch| ch.id == c && refs.pruned(&ch.key, file_channels))
                    })
                    .map(|&c| state.channel_ref(c))
                    .collect(),
            ),
        };
        let form = canonical::monitor(&m.key, &spec, &links);
        let before = current.map(|s| state.monitor_form(&m.key, s));
        let changed = current.is_none_or(|s| s.spec != spec);
        out.push(decide(
            ResourceKind::Monitor,
            &m.key,
            current.map(|s| (s.id, s.applied.as_deref())),
            before,
            form,
            doc.refs_of(&m.path),
            Step::Monitor {
                id: current.map(|s| s.id),
                spec: Box::new(spec),
                links: declared.or_else(|| current.is_some().then_some(links)),
                changed,
            },
        ));
    }

    super::pages::plan_pages_and_windows(doc, state, &refs, now_ms, &mut out).await?;

    if prune {
        let file_pages: HashSet<&str> = doc.pages.iter().map(|p| p.key.as_str()).collect();
        let file_windows: HashSet<&str> = doc.maintenance.iter().map(|w| w.key.as_str()).collect();
        let deletes = state
            .maintenance
            .iter()
            .filter(|w| refs.pruned(&w.key, &file_windows))
            .map(|w| {
                (
                    ResourceKind::Maintenance,
                    Resource::Maintenance,
                    w.id,
                    w.key.clone(),
                )
            })
            .chain(
                state
                    .pages
                    .iter()
                    .filter(|p| refs.pruned(&p.key, &file_pages))
                    .map(|p| {
                        (
                            ResourceKind::StatusPage,
                            Resource::Page,
                            p.id,
                            p.key.clone(),
                        )
                    }),
            )
            .chain(
                state
                    .monitors
                    .iter()
                    .filter(|m| refs.pruned(&m.key, file_monitors))
                    .map(|m| {
                        (
                            ResourceKind::Monitor,
                            Resource::Monitor,
                            m.id,
                            m.key.clone(),
                        )
                    }),
            )
            .chain(
                state
                    .channels
                    .iter()
                    .filter(|c| refs.pruned(&c.key, file_channels))
                    .map(|c| {
                        (
                            ResourceKind::NotificationChannel,
                            Resource::Channel,
                            c.id,
                            c.key.clone(),
                        )
                    }),
            );
        for (kind, resource, id, key) in deletes {
            out.push(Planned {
                change: PlannedChange {
                    resource: kind,
                    key: key.unwrap_or_default(),
                    action: PlanAction::Delete,
                    id: Some(id),
                    changes: Vec::new(),
                    drifted: false,
                    push_url: None,
                },
                step: Some(Step::Delete { resource, id }),
                applied: None,
            });
        }
    }
    Ok(out)
}

/// Create, update or unchanged, from the stored form (`before`) and the declared one.
pub(super) fn decide(
    resource: ResourceKind,
    key: &str,
    current: Option<(i64, Option<&str>)>,
    before: Option<Value>,
    form: Value,
    refs: BTreeMap<String, String>,
    step: Step,
) -> Planned {
    let applied = Applied {
        digest: canonical::digest(&form),
        refs,
    };
    let (action, changes, drifted, step) = match (current, &before) {
        (None, _) | (_, None) => (PlanAction::Create, Vec::new(), false, Some(step)),
        (Some((_, recorded)), Some(before)) => {
            let recorded = Applied::parse(recorded);
            let drifted = recorded
                .as_ref()
                .is_some_and(|r| r.digest != canonical::digest(before));
            let changes = canonical::diff(before, &form);
            if changes.is_empty() {
                (PlanAction::Unchanged, changes, false, None)
            } else {
                (PlanAction::Update, changes, drifted, Some(step))
            }
        }
    };
    Planned {
        change: PlannedChange {
            resource,
            key: key.to_owned(),
            action,
            id: current.map(|(id, _)| id),
            changes,
            drifted,
            push_url: None,
        },
        step,
        applied: Some(applied),
    }
}
