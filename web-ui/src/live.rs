//! The live state of every monitor, fed by the server's event stream
//! (`/api/v1/stats/stream`): one connection for the whole app, reconnected when it drops.

use std::collections::{BTreeMap, VecDeque};

use flatline_types::{
    Check, LiveMonitor, LiveUpdate, MonitorStatus, MonitorSummary, RecentCheck, RECENT_CHECKS,
};
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// One monitor as the dashboard shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub status: MonitorStatus,
    pub last_check: Option<Check>,
    pub stats: Option<MonitorSummary>,
    /// Latest checks, oldest first.
    pub recent: VecDeque<RecentCheck>,
}

impl Row {
    fn from_live(m: LiveMonitor) -> Self {
        let mut row = Self {
            id: m.id,
            name: m.name,
            url: m.url,
            status: m.status,
            last_check: None,
            stats: m.stats,
            recent: m.recent.into_iter().collect(),
        };
        row.set_last_check(m.last_check);
        row
    }

    fn apply(&mut self, m: LiveMonitor) {
        self.name = m.name;
        self.url = m.url;
        self.status = m.status;
        if m.stats.is_some() {
            self.stats = m.stats;
        }
        if !m.recent.is_empty() {
            self.recent = m.recent.into_iter().collect();
        }
        self.set_last_check(m.last_check);
    }

    fn set_last_check(&mut self, check: Option<Check>) {
        let Some(c) = check else { return };
        if self.recent.back().is_none_or(|b| b.id() < c.id) {
            if self.recent.len() >= RECENT_CHECKS {
                self.recent.pop_front();
            }
            self.recent.push_back(RecentCheck(
                c.id,
                crate::fmt::parse_ms(&c.checked_at),
                c.up,
                c.latency_ms,
                c.status_code,
                c.error.clone(),
            ));
        }
        self.last_check = Some(c);
    }
}

/// State of the stream connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conn {
    Connecting,
    Live,
    /// Lost; trying again.
    Reconnecting,
}

/// The app-wide live store (a context).
#[derive(Clone, Copy)]
pub struct Live {
    /// Every monitor by id. Changes when monitors come or go; a row's own changes are in its
    /// signal.
    pub rows: RwSignal<BTreeMap<i64, RwSignal<Row>>>,
    /// Bumped whenever any row changes (drives sorting and the summary line).
    pub version: RwSignal<u64>,
    /// Whether the first snapshot arrived.
    pub loaded: RwSignal<bool>,
    pub conn: RwSignal<Conn>,
    source: StoredValue<Option<Source>, LocalStorage>,
    attempt: StoredValue<u32>,
}

/// An open EventSource and the callbacks it holds.
struct Source {
    es: web_sys::EventSource,
    _callbacks: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

impl Drop for Source {
    fn drop(&mut self) {
        self.es.close();
    }
}

impl Live {
    pub fn new() -> Self {
        Self {
            rows: RwSignal::new(BTreeMap::new()),
            version: RwSignal::new(0),
            loaded: RwSignal::new(false),
            conn: RwSignal::new(Conn::Connecting),
            source: StoredValue::new_local(None),
            attempt: StoredValue::new(0),
        }
    }

    /// One monitor's row, if the stream knows it.
    pub fn row(&self, id: i64) -> Option<RwSignal<Row>> {
        self.rows.with_untracked(|m| m.get(&id).copied())
    }

    /// Opens the stream (again).
    pub fn connect(self) {
        self.source.set_value(None);
        let Ok(es) = web_sys::EventSource::new("/api/v1/stats/stream") else {
            self.retry_later();
            return;
        };
        let mut callbacks = Vec::new();
        let mut listen = |name: &str, f: Box<dyn FnMut(web_sys::Event)>| {
            let cb = Closure::wrap(f);
            let _ = es.add_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
            callbacks.push(cb);
        };
        let live = self;
        listen(
            "open",
            Box::new(move |_| {
                live.conn.set(Conn::Live);
                live.attempt.set_value(0);
            }),
        );
        listen(
            "snapshot",
            Box::new(move |ev| {
                if let Some(data) = event_data(&ev) {
                    live.apply_snapshot(&data);
                }
            }),
        );
        listen(
            "update",
            Box::new(move |ev| {
                if let Some(data) = event_data(&ev) {
                    live.apply_update(&data);
                }
            }),
        );
        let es_err = es.clone();
        listen(
            "error",
            Box::new(move |_| {
                live.conn.set(Conn::Reconnecting);
                // CONNECTING: the browser retries by itself. CLOSED: it gave up (the server
                // refused the stream, e.g. 401 after sign-out or a restart in progress).
                if es_err.ready_state() == web_sys::EventSource::CLOSED {
                    live.retry_later();
                }
            }),
        );
        self.source.set_value(Some(Source {
            es,
            _callbacks: callbacks,
        }));
    }

    /// Closes the stream (sign-out).
    pub fn disconnect(self) {
        self.source.set_value(None);
        self.conn.set(Conn::Connecting);
    }

    fn retry_later(self) {
        let attempt = self.attempt.get_value();
        self.attempt.set_value(attempt + 1);
        let delay = (1000u32 << attempt.min(5)).min(30_000);
        let live = self;
        set_timeout(
            move || {
                // Whether the session still holds; a 401 shows the sign-in page.
                leptos::task::spawn_local(async move {
                    match crate::api::get::<flatline_types::Me>("/auth/me").await {
                        Err(e) if e.status == 401 => live.disconnect(),
                        _ => live.connect(),
                    }
                });
            },
            std::time::Duration::from_millis(u64::from(delay)),
        );
    }

    fn apply_snapshot(self, data: &str) {
        let started = crate::perf::now();
        let Ok(list) = serde_json::from_str::<Vec<LiveMonitor>>(data) else {
            return;
        };
        let count = list.len();
        let mut old = self
            .rows
            .try_update_untracked(std::mem::take)
            .unwrap_or_default();
        let mut fresh = BTreeMap::new();
        for m in list {
            let id = m.id;
            let sig = match old.remove(&id) {
                Some(sig) => {
                    sig.update(|r| r.apply(m));
                    sig
                }
                None => RwSignal::new(Row::from_live(m)),
            };
            fresh.insert(id, sig);
        }
        for gone in old.into_values() {
            gone.dispose();
        }
        self.rows.set(fresh);
        self.version.update(|v| *v += 1);
        if !self.loaded.get_untracked() {
            self.loaded.set(true);
            crate::perf::first_snapshot(count);
        }
        crate::perf::applied(count, crate::perf::now() - started);
    }

    fn apply_update(self, data: &str) {
        let started = crate::perf::now();
        let Ok(update) = serde_json::from_str::<LiveUpdate>(data) else {
            return;
        };
        let count = update.monitors.len();
        let newest = update
            .monitors
            .iter()
            .filter_map(|m| m.last_check.as_ref())
            .map(|c| crate::fmt::parse_ms(&c.checked_at))
            .max();
        let mut added = Vec::new();
        for m in update.monitors {
            match self.row(m.id) {
                Some(sig) => sig.update(|r| r.apply(m)),
                None => added.push((m.id, RwSignal::new(Row::from_live(m)))),
            }
        }
        // The list itself changes only when monitors come or go.
        if !added.is_empty() || !update.removed.is_empty() {
            self.rows.update(|rows| {
                rows.extend(added);
                for id in &update.removed {
                    if let Some(sig) = rows.remove(id) {
                        sig.dispose();
                    }
                }
            });
        }
        self.version.update(|v| *v += 1);
        crate::perf::applied(count, crate::perf::now() - started);
        if let Some(newest) = newest {
            // Measured after the DOM work the update triggers has run (next frame).
            request_animation_frame(move || {
                crate::perf::lag((crate::fmt::now_ms() - newest) as f64);
            });
        }
    }
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

fn event_data(ev: &web_sys::Event) -> Option<String> {
    ev.dyn_ref::<web_sys::MessageEvent>()?.data().as_string()
}
