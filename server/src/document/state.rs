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

    /// What an apply last recorded on a stored resource.
    pub fn recorded(&self, resource: Resource, id: i64) -> Option<&str> {
        match resource {
            Resource::Monitor => self
                .monitors
                .iter()
                .find(|m| m.id == id)?
                .applied
                .as_deref(),
            Resource::Channel => self
                .channels
                .iter()
                .find(|c| c.id == id)?
                .applied
                .as_deref(),
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
