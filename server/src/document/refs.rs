//! References between the resources of a document (a monitor's channels, a page's and a
//! window's monitors), checked and normalized against the document and what is stored: an
//! id of a keyed resource becomes its key; one that names nothing, or a resource `prune`
//! deletes, is an error at its path.

use std::collections::{HashMap, HashSet};

use super::model::{DocError, Document, Ref};
use super::state::State;

/// The keys a document declares, and what is stored.
pub struct Refs<'a> {
    pub doc: &'a Document,
    pub state: &'a State,
    pub prune: bool,
    pub file_channels: HashSet<&'a str>,
    pub file_monitors: HashSet<&'a str>,
    /// Each monitor of the document by key: its position.
    new_monitors: HashMap<&'a str, usize>,
}

impl<'a> Refs<'a> {
    pub fn new(doc: &'a Document, state: &'a State, prune: bool) -> Self {
        Self {
            doc,
            state,
            prune,
            file_channels: doc.channels.iter().map(|c| c.key.as_str()).collect(),
            file_monitors: doc.monitors.iter().map(|m| m.key.as_str()).collect(),
            new_monitors: doc
                .monitors
                .iter()
                .enumerate()
                .map(|(i, m)| (m.key.as_str(), i))
                .collect(),
        }
    }

    /// Whether a stored resource with `key` is deleted by prune (keyed, not in the document).
    pub fn pruned(&self, key: &Option<String>, in_file: &HashSet<&str>) -> bool {
        self.prune && key.as_deref().is_some_and(|k| !in_file.contains(k))
    }

    /// A reference to a notification channel, at `path`.
    pub fn channel(&self, r: &Ref, path: String) -> Result<Ref, DocError> {
        let state = self.state;
        let found = match r {
            Ref::Key(k) if self.file_channels.contains(k.as_str()) => return Ok(r.clone()),
            Ref::Key(k) => state.channel_by_key(k),
            Ref::Id(id) => state.channel_by_id(*id),
        };
        match found {
            None => Err(DocError::new(
                path,
                "no notification channel has this key or id",
            )),
            Some(c) if self.pruned(&c.key, &self.file_channels) => Err(DocError::new(
                path,
                "names a channel that prune deletes (it is not in the document)",
            )),
            Some(c) => Ok(state.channel_ref(c.id)),
        }
    }

    /// A reference to a monitor, at `path`.
    pub fn monitor(&self, r: &Ref, path: String) -> Result<Ref, DocError> {
        let state = self.state;
        let found = match r {
            Ref::Key(k) if self.file_monitors.contains(k.as_str()) => return Ok(r.clone()),
            Ref::Key(k) => state.monitor_by_key(k),
            Ref::Id(id) => state.monitor_by_id(*id),
        };
        match found {
            None => Err(DocError::new(path, "no monitor has this key or id")),
            Some(m) if self.pruned(&m.key, &self.file_monitors) => Err(DocError::new(
                path,
                "names a monitor that prune deletes (it is not in the document)",
            )),
            Some(m) => Ok(state.monitor_ref(m.id)),
        }
    }

    /// An id to check a page or window with before the monitors it names exist: the stored
    /// id, or a negative stand-in for one the document creates.
    pub fn placeholder(&self, r: &Ref) -> i64 {
        match r {
            Ref::Id(id) => *id,
            Ref::Key(k) => self
                .state
                .monitor_by_key(k)
                .map(|m| m.id)
                .or_else(|| self.new_monitors.get(k.as_str()).map(|&i| -(i as i64) - 1))
                .unwrap_or(0),
        }
    }
}
