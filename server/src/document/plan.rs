//! Comparing a document with what is stored: for each declared resource, create, update
//! (with the fields that change) or unchanged; with `prune`, delete for each keyed resource
//! the document leaves out. Every entry is checked as the API would check it; references
//! (to monitors, to channels) must name a resource the document or the database has.

use std::collections::{BTreeMap, HashMap, HashSet};

use flatline_store::{
    Resource, Store, StoreResult, StoredChannel, StoredMaintenance, StoredMonitor, StoredPage,
};
use flatline_types::occurrences::Plan as Occurrences;
use flatline_types::{
    validate_channel_name, ChannelConfig, CreateMaintenance, FieldError, MonitorSpec, PageMonitor,
    PageSection, PlanAction, PlannedChange, ResourceKind, StatusPageSpec,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::canonical;
use super::model::{DocError, Document, Ref, SectionRef};

/// What is stored, as a plan needs it.
pub struct State {
    pub monitors: Vec<StoredMonitor>,
    pub channels: Vec<StoredChannel>,
    /// Monitor id → its linked channel ids.
    pub links: HashMap<i64, Vec<i64>>,
    pub pages: Vec<StoredPage>,
    pub maintenance: Vec<StoredMaintenance>,
}

/// What an apply records on a resource: the digest of its form, and the variables its
/// values came from (by field), so an export writes the same `${NAME}`s.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub digest: String,
    #[serde(default)]
    pub refs: BTreeMap<String, String>,
}

impl Applied {
    pub fn parse(raw: Option<&str>) -> Option<Self> {
        raw.and_then(|r| serde_json::from_str(r).ok())
    }
}

impl State {
    /// Reads everything a plan compares against.
    pub async fn load(store: &Store) -> StoreResult<Self> {
        let mut links: HashMap<i64, Vec<i64>> = HashMap::new();
        for (channel, monitors) in store.channel_links().await? {
            for m in monitors {
                links.entry(m).or_default().push(channel);
            }
        }
        for l in links.values_mut() {
            l.sort_unstable();
        }
        Ok(Self {
            monitors: store.list_monitors().await?,
            channels: store.list_channels().await?,
            links,
            pages: store.list_pages().await?,
            maintenance: store.list_maintenance().await?,
        })
    }

    pub fn monitor_ref(&self, id: i64) -> Ref {
        self.monitors
            .iter()
            .find(|m| m.id == id)
            .and_then(|m| m.key.clone())
            .map_or(Ref::Id(id), Ref::Key)
    }

    pub fn channel_ref(&self, id: i64) -> Ref {
        self.channels
            .iter()
            .find(|c| c.id == id)
            .and_then(|c| c.key.clone())
            .map_or(Ref::Id(id), Ref::Key)
    }

    /// A stored monitor's form.
    pub fn monitor_form(&self, key: &str, m: &StoredMonitor) -> Value {
        let links: Vec<Ref> = self
            .links
            .get(&m.id)
            .map(|ids| ids.iter().map(|&c| self.channel_ref(c)).collect())
            .unwrap_or_default();
        canonical::monitor(key, &m.spec, &sorted(links))
    }

    /// A stored page's form.
    pub fn page_form(&self, key: &str, p: &StoredPage) -> Value {
        let sections: Vec<SectionRef> = p
            .spec
            .sections
            .iter()
            .map(|s| SectionRef {
                name: s.name.clone(),
                monitors: s
                    .monitors
                    .iter()
                    .map(|m| super::model::PageMonitorRef {
                        monitor: self.monitor_ref(m.monitor_id),
                        display_name: m.display_name.clone(),
                    })
                    .collect(),
            })
            .collect();
        canonical::page(key, &p.spec, &sections)
    }

    /// A stored window's form.
    pub fn maintenance_form(&self, key: &str, w: &StoredMaintenance) -> Value {
        let monitors: Vec<Ref> = w
            .spec
            .monitors
            .iter()
            .map(|&m| self.monitor_ref(m))
            .collect();
        canonical::maintenance(key, &w.spec, &monitors)
    }
}

fn sorted(mut refs: Vec<Ref>) -> Vec<Ref> {
    refs.sort();
    refs.dedup();
    refs
}

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

fn at(path: &str) -> impl Fn(FieldError) -> DocError + '_ {
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
    let file_channels: HashSet<&str> = doc.channels.iter().map(|c| c.key.as_str()).collect();
    let file_monitors: HashSet<&str> = doc.monitors.iter().map(|m| m.key.as_str()).collect();
    let pruned = |key: &Option<String>, in_file: &HashSet<&str>| {
        prune && key.as_deref().is_some_and(|k| !in_file.contains(k))
    };
    // Normalizes a reference: an id of a keyed resource becomes its key; one that names
    // nothing (or something pruned) is an error at `path`.
    let channel_ref = |r: &Ref, path: String| -> Result<Ref, DocError> {
        let found = match r {
            Ref::Key(k) if file_channels.contains(k.as_str()) => return Ok(r.clone()),
            Ref::Key(k) => state.channels.iter().find(|c| c.key.as_deref() == Some(k)),
            Ref::Id(id) => state.channels.iter().find(|c| c.id == *id),
        };
        match found {
            None => Err(DocError::new(
                path,
                "no notification channel has this key or id",
            )),
            Some(c) if pruned(&c.key, &file_channels) => Err(DocError::new(
                path,
                "names a channel that prune deletes (it is not in the document)",
            )),
            Some(c) => Ok(state.channel_ref(c.id)),
        }
    };
    let monitor_ref = |r: &Ref, path: String| -> Result<Ref, DocError> {
        let found = match r {
            Ref::Key(k) if file_monitors.contains(k.as_str()) => return Ok(r.clone()),
            Ref::Key(k) => state.monitors.iter().find(|m| m.key.as_deref() == Some(k)),
            Ref::Id(id) => state.monitors.iter().find(|m| m.id == *id),
        };
        match found {
            None => Err(DocError::new(path, "no monitor has this key or id")),
            Some(m) if pruned(&m.key, &file_monitors) => Err(DocError::new(
                path,
                "names a monitor that prune deletes (it is not in the document)",
            )),
            Some(m) => Ok(state.monitor_ref(m.id)),
        }
    };
    // Ids to check pages and windows with before the monitors they name exist.
    let placeholder = |r: &Ref| -> i64 {
        match r {
            Ref::Id(id) => *id,
            Ref::Key(k) => state
                .monitors
                .iter()
                .find(|m| m.key.as_deref() == Some(k))
                .map(|m| m.id)
                .or_else(|| {
                    doc.monitors
                        .iter()
                        .position(|m| m.key == *k)
                        .map(|i| -(i as i64) - 1)
                })
                .unwrap_or(0),
        }
    };

    for c in &doc.channels {
        let name = validate_channel_name(&c.name).map_err(at(&c.path))?;
        c.config.validate().map_err(at(&c.path))?;
        let form = canonical::channel(&c.key, &name, &c.config, c.default);
        let current = state
            .channels
            .iter()
            .find(|s| s.key.as_deref() == Some(&c.key));
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
            .filter(|s| !pruned(&s.key, &file_channels))
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
        let current = state
            .monitors
            .iter()
            .find(|s| s.key.as_deref() == Some(&m.key));
        if let Some(s) = current {
            canonical::keep_push_token(&mut spec, &s.spec);
        }
        let declared = m
            .links
            .as_ref()
            .map(|links| {
                links
                    .iter()
                    .enumerate()
                    .map(|(i, r)| channel_ref(r, format!("{}.notification_channels[{i}]", m.path)))
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
                            .any(|ch| ch.id == c && pruned(&ch.key, &file_channels))
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

    for p in &doc.pages {
        let mut sections = Vec::with_capacity(p.sections.len());
        for (i, s) in p.sections.iter().enumerate() {
            let mut monitors = Vec::with_capacity(s.monitors.len());
            for (j, pm) in s.monitors.iter().enumerate() {
                let path = format!("{}.sections[{i}].monitors[{j}].monitor", p.path);
                monitors.push(super::model::PageMonitorRef {
                    monitor: monitor_ref(&pm.monitor, path)?,
                    display_name: pm.display_name.clone(),
                });
            }
            sections.push(SectionRef {
                name: s.name.clone(),
                monitors,
            });
        }
        let mut body = p.body.clone();
        body.key = None;
        body.sections = sections
            .iter()
            .map(|s| PageSection {
                name: s.name.clone(),
                monitors: s
                    .monitors
                    .iter()
                    .map(|m| PageMonitor {
                        monitor_id: placeholder(&m.monitor),
                        display_name: m.display_name.clone(),
                    })
                    .collect(),
            })
            .collect();
        let (spec, password) = body.validate().map_err(at(&p.path))?;
        // What the form holds is the checked text (trimmed names and all).
        let checked: Vec<SectionRef> = spec
            .sections
            .iter()
            .zip(&sections)
            .map(|(s, r)| SectionRef {
                name: s.name.clone(),
                monitors: s
                    .monitors
                    .iter()
                    .zip(&r.monitors)
                    .map(|(m, pr)| super::model::PageMonitorRef {
                        monitor: pr.monitor.clone(),
                        display_name: m.display_name.clone(),
                    })
                    .collect(),
            })
            .collect();
        let form = canonical::page(&p.key, &spec, &checked);
        let current = state
            .pages
            .iter()
            .find(|s| s.key.as_deref() == Some(&p.key));
        let before = current.map(|s| state.page_form(&p.key, s));
        // A password is compared with the stored hash, never stored or shown in clear.
        let new_password = match (&password, current) {
            (Some(pw), Some(s)) => {
                let (pw2, hash) = (pw.clone(), s.password_hash.clone().unwrap_or_default());
                let same = crate::auth::local::blocking(move || {
                    crate::auth::local::verify_password(&pw2, &hash)
                })
                .await
                .unwrap_or(false);
                (!same).then(|| pw.clone())
            }
            (pw, _) => pw.clone(),
        };
        let step = Step::Page {
            id: current.map(|s| s.id),
            spec: Box::new(spec),
            sections: checked,
            password: new_password.clone(),
        };
        let mut planned = decide(
            ResourceKind::StatusPage,
            &p.key,
            current.map(|s| (s.id, s.applied.as_deref())),
            before,
            form,
            doc.refs_of(&p.path),
            step.clone(),
        );
        if current.is_some() && new_password.is_some() {
            planned.change.action = PlanAction::Update;
            planned.change.changes.push(flatline_types::FieldChange {
                field: "password".into(),
                before: canonical::MASK.into(),
                after: canonical::MASK.into(),
            });
            planned.step = Some(step);
        }
        out.push(planned);
    }

    for w in &doc.maintenance {
        let monitors = w
            .monitors
            .iter()
            .enumerate()
            .map(|(i, r)| monitor_ref(r, format!("{}.monitors[{i}]", w.path)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut body = w.body.clone();
        body.key = None;
        body.monitors = monitors.iter().map(placeholder).collect();
        let spec = body.validated().map_err(at(&w.path))?;
        let current = state
            .maintenance
            .iter()
            .find(|s| s.key.as_deref() == Some(&w.key));
        Occurrences::of(&spec, current.map_or(now_ms, |s| s.created_at_ms)).map_err(at(&w.path))?;
        let form = canonical::maintenance(&w.key, &spec, &monitors);
        let before = current.map(|s| state.maintenance_form(&w.key, s));
        out.push(decide(
            ResourceKind::Maintenance,
            &w.key,
            current.map(|s| (s.id, s.applied.as_deref())),
            before,
            form,
            doc.refs_of(&w.path),
            Step::Maintenance {
                id: current.map(|s| s.id),
                spec: Box::new(spec),
                monitors,
            },
        ));
    }

    if prune {
        let file_pages: HashSet<&str> = doc.pages.iter().map(|p| p.key.as_str()).collect();
        let file_windows: HashSet<&str> = doc.maintenance.iter().map(|w| w.key.as_str()).collect();
        let deletes = state
            .maintenance
            .iter()
            .filter(|w| pruned(&w.key, &file_windows))
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
                    .filter(|p| pruned(&p.key, &file_pages))
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
                    .filter(|m| pruned(&m.key, &file_monitors))
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
                    .filter(|c| pruned(&c.key, &file_channels))
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
fn decide(
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
