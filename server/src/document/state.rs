//! What is stored, as a plan compares it: every monitor, channel (and their links), status
//! page and maintenance window, each keyed one in its document form; and what an apply
//! records on a resource.

use std::collections::{BTreeMap, HashMap};

use flatline_store::{
    Resource, Store, StoreResult, StoredChannel, StoredMaintenance, StoredMonitor, StoredPage,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::canonical;
use super::model::{PageMonitorRef, Ref, SectionRef};

/// What is stored, as a plan needs it.
pub struct State {
    pub monitors: Vec<StoredMonitor>,
    pub channels: Vec<StoredChannel>,
    /// Monitor id → its linked channel ids.
    pub links: HashMap<i64, Vec<i64>>,
    pub pages: Vec<StoredPage>,
    pub maintenance: Vec<StoredMaintenance>,
    /// The escalation policies' ids (monitors refer to them by id).
    pub policies: std::collections::BTreeSet<i64>,
    /// Positions in `monitors` and `channels`, by key and by id (plans look up thousands).
    index: Index,
}

#[derive(Default)]
struct Index {
    monitor_keys: HashMap<String, usize>,
    monitor_ids: HashMap<i64, usize>,
    channel_keys: HashMap<String, usize>,
    channel_ids: HashMap<i64, usize>,
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
        let (monitors, channels) = (store.list_monitors().await?, store.list_channels().await?);
        let mut index = Index::default();
        for (i, m) in monitors.iter().enumerate() {
            index.monitor_ids.insert(m.id, i);
            if let Some(k) = &m.key {
                index.monitor_keys.insert(k.clone(), i);
            }
        }
        for (i, c) in channels.iter().enumerate() {
            index.channel_ids.insert(c.id, i);
            if let Some(k) = &c.key {
                index.channel_keys.insert(k.clone(), i);
            }
        }
        Ok(Self {
            monitors,
            channels,
            links,
            pages: store.list_pages().await?,
            maintenance: store.list_maintenance().await?,
            policies: store.list_policies().await?.iter().map(|p| p.id).collect(),
            index,
        })
    }

    pub fn monitor_by_key(&self, key: &str) -> Option<&StoredMonitor> {
        self.index.monitor_keys.get(key).map(|&i| &self.monitors[i])
    }

    pub fn monitor_by_id(&self, id: i64) -> Option<&StoredMonitor> {
        self.index.monitor_ids.get(&id).map(|&i| &self.monitors[i])
    }

    pub fn channel_by_key(&self, key: &str) -> Option<&StoredChannel> {
        self.index.channel_keys.get(key).map(|&i| &self.channels[i])
    }

    pub fn channel_by_id(&self, id: i64) -> Option<&StoredChannel> {
        self.index.channel_ids.get(&id).map(|&i| &self.channels[i])
    }

    /// What an apply last recorded on a stored resource.
    pub fn recorded(&self, resource: Resource, id: i64) -> Option<&str> {
        match resource {
            Resource::Monitor => self.monitor_by_id(id)?.applied.as_deref(),
            Resource::Channel => self.channel_by_id(id)?.applied.as_deref(),
            Resource::Page => self.pages.iter().find(|p| p.id == id)?.applied.as_deref(),
            Resource::Maintenance => self
                .maintenance
                .iter()
                .find(|w| w.id == id)?
                .applied
                .as_deref(),
        }
    }

    pub fn monitor_ref(&self, id: i64) -> Ref {
        self.monitor_by_id(id)
            .and_then(|m| m.key.clone())
            .map_or(Ref::Id(id), Ref::Key)
    }

    pub fn channel_ref(&self, id: i64) -> Ref {
        self.channel_by_id(id)
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
                    .map(|m| PageMonitorRef {
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

pub(super) fn sorted(mut refs: Vec<Ref>) -> Vec<Ref> {
    refs.sort();
    refs.dedup();
    refs
}
