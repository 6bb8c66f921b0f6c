//! What a public page shows, gathered: its monitors by display name with their state,
//! uptime and daily bars, its incidents with their updates, its notices. Nothing else of a
//! monitor (URL, host, error, incident cause) is ever read into it.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

use flatline_actors::StatusBoard;
use flatline_store::clock::{now_ms, rfc3339};
use flatline_store::entities::{incident_updates, incidents};
use flatline_store::{Store, StoreResult, StoredMonitor, StoredNotice, StoredPage};
use flatline_types::occurrences::Plan;
use flatline_types::{
    IncidentUpdateState, MonitorStatus, MonitorSummary, Occurrence, OverallState, PublicDay,
    PublicIncident, PublicIncidentUpdate, PublicMaintenance, PublicMonitor, PublicNotice,
    PublicSection, PublicStatusPage,
};
use futures_util::future::join_all;
use parking_lot::Mutex;

use crate::api::views::shown_status;
use crate::markdown::to_safe_html;

/// Days of bars and of history.
pub const DAYS: i64 = 90;
const DAY_MS: i64 = 86_400_000;
/// Most incidents a page lists.
const MAX_INCIDENTS: u64 = 200;
/// How long a monitor's bars are reused while its state stays the same.
const BARS_TTL: Duration = Duration::from_secs(60);

/// Monitors' daily bars, reused for a minute while the monitor's state holds.
#[derive(Default)]
pub struct BarsCache {
    map: Mutex<HashMap<i64, CachedBars>>,
}

/// When a monitor's bars were read, its state then, and the bars.
type CachedBars = (Instant, MonitorStatus, Arc<Vec<PublicDay>>);

impl BarsCache {
    async fn get(
        &self,
        store: &Store,
        monitor: &StoredMonitor,
        status: MonitorStatus,
        now: i64,
    ) -> StoreResult<Arc<Vec<PublicDay>>> {
        if let Some((at, s, bars)) = self.map.lock().get(&monitor.id) {
            if *s == status && at.elapsed() < BARS_TTL {
                return Ok(bars.clone());
            }
        }
        let bars: Arc<Vec<PublicDay>> = Arc::new(
            store
                .uptime_bars(monitor, DAYS, now)
                .await?
                .into_iter()
                .map(|b| PublicDay {
                    date: rfc3339(b.day_ms).chars().take(10).collect(),
                    uptime_pct: b.uptime_pct.map(floor2),
                    downtime_seconds: (b.downtime_ms / 1000) as f64,
                    maintenance_seconds: (b.maintenance_ms / 1000) as f64,
                })
                .collect(),
        );
        let mut map = self.map.lock();
        if map.len() > 100_000 {
            map.clear();
        }
        map.insert(monitor.id, (Instant::now(), status, bars.clone()));
        Ok(bars)
    }
}

/// A percentage to two decimals, never rounded up (99.999 is 99.99, not 100).
pub fn floor2(pct: f64) -> f64 {
    (pct * 100.0).floor() / 100.0
}

/// One monitor of the page, as the board knows it now.
struct Shown {
    monitor: Arc<StoredMonitor>,
    status: MonitorStatus,
    summary: Option<Arc<MonitorSummary>>,
}

/// Everything `page` shows, now.
pub async fn gather(
    store: &Store,
    board: &StatusBoard,
    bars: &BarsCache,
    page: &StoredPage,
) -> StoreResult<PublicStatusPage> {
    let now = now_ms();
    let spec = &page.spec;
    let ids: Vec<i64> = spec
        .sections
        .iter()
        .flat_map(|s| s.monitors.iter().map(|m| m.monitor_id))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut shown: HashMap<i64, Shown> = HashMap::new();
    board.visit(ids.iter().copied(), |id, live| {
        if let Some((live, monitor)) = live.and_then(|l| Some((l, l.monitor.clone()?))) {
            shown.insert(
                id,
                Shown {
                    status: shown_status(&monitor.spec, live),
                    summary: live.summary.clone(),
                    monitor,
                },
            );
        }
    });
    let present: Vec<&Shown> = ids.iter().filter_map(|id| shown.get(id)).collect();
    let day_bars = join_all(
        present
            .iter()
            .map(|s| bars.get(store, &s.monitor, s.status, now)),
    )
    .await;
    let mut bars_of: HashMap<i64, Arc<Vec<PublicDay>>> = HashMap::new();
    for (s, b) in present.iter().zip(day_bars) {
        bars_of.insert(s.monitor.id, b?);
    }

    // The name each monitor goes by on this page: its first display name.
    let mut names: HashMap<i64, String> = HashMap::new();
    let sections = spec
        .sections
        .iter()
        .map(|section| PublicSection {
            name: section.name.clone(),
            monitors: section
                .monitors
                .iter()
                .filter_map(|m| {
                    let s = shown.get(&m.monitor_id)?;
                    let name = m
                        .display_name
                        .clone()
                        .unwrap_or_else(|| s.monitor.spec.name.clone());
                    names.entry(m.monitor_id).or_insert_with(|| name.clone());
                    let summary = s.summary.as_deref();
                    Some(PublicMonitor {
                        name,
                        status: s.status,
                        uptime_24h: summary.and_then(|x| x.uptime_24h).map(floor2),
                        uptime_30d: summary.and_then(|x| x.uptime_30d).map(floor2),
                        uptime_90d: summary.and_then(|x| x.uptime_90d).map(floor2),
                        p99_24h_ms: summary
                            .and_then(|x| x.p99_24h_ms)
                            .filter(|_| spec.show_latency)
                            .map(|ms| (ms * 10.0).round() / 10.0),
                        days: bars_of
                            .get(&m.monitor_id)
                            .map(|b| b.to_vec())
                            .unwrap_or_default(),
                    })
                })
                .collect(),
        })
        .collect();

    let since = now - DAYS * DAY_MS;
    let present_ids: Vec<i64> = present.iter().map(|s| s.monitor.id).collect();
    let mut active_incidents = Vec::new();
    let mut past_incidents = Vec::new();
    for (incident, updates) in store
        .incidents_with_updates(&present_ids, since, MAX_INCIDENTS)
        .await?
    {
        let shown = public_incident(&incident, &updates, &names);
        if incident.resolved_at.is_none() {
            active_incidents.push(shown);
        } else {
            past_incidents.push(shown);
        }
    }
    let mut notices = Vec::new();
    let mut past_notices = Vec::new();
    for notice in store.list_notices(page.id).await? {
        if notice.active(now) {
            notices.push(public_notice(&notice));
        } else if notice.ends_at_ms.is_some_and(|e| e > since) {
            past_notices.push(public_notice(&notice));
        }
    }

    let mut maintenance = Vec::new();
    for w in store.list_maintenance().await? {
        if !(w.spec.all || w.spec.monitors.iter().any(|id| shown.contains_key(id))) {
            continue;
        }
        let Ok(plan) = Plan::of(&w.spec, w.created_at_ms) else {
            continue;
        };
        let occurrence = |(s, e): (i64, i64)| Occurrence {
            starts_at: rfc3339(s),
            ends_at: rfc3339(e),
        };
        let active = plan.active_at(now).map(occurrence);
        let upcoming: Vec<Occurrence> = plan.upcoming(now, 3).into_iter().map(occurrence).collect();
        if active.is_some() || !upcoming.is_empty() {
            maintenance.push(PublicMaintenance {
                title: w.spec.title.clone(),
                description_html: to_safe_html(&w.spec.description),
                active,
                upcoming,
            });
        }
    }
    maintenance.sort_by(|a, b| {
        let first = |m: &PublicMaintenance| {
            m.active
                .as_ref()
                .or(m.upcoming.first())
                .map(|o| o.starts_at.clone())
        };
        (a.active.is_none(), first(a)).cmp(&(b.active.is_none(), first(b)))
    });

    let mut data = PublicStatusPage {
        slug: spec.slug.clone(),
        title: spec.title.clone(),
        description_html: to_safe_html(&spec.description),
        footer_html: to_safe_html(&spec.footer),
        theme: spec.theme,
        overall: overall(present.iter().map(|s| s.status)),
        sections,
        notices,
        active_incidents,
        past_incidents,
        past_notices,
        maintenance,
        generated_at: String::new(),
        version: String::new(),
    };
    data.version = version(&data);
    data.generated_at = rfc3339(now);
    Ok(data)
}

/// The banner: operational while nothing watched is down; a major outage when everything
/// watched is; under maintenance while nothing is down and something is in maintenance.
pub fn overall(statuses: impl Iterator<Item = MonitorStatus>) -> OverallState {
    let (mut watched, mut down, mut maintenance) = (0, 0, 0);
    for s in statuses {
        match s {
            MonitorStatus::Maintenance => maintenance += 1,
            MonitorStatus::Down => {
                watched += 1;
                down += 1;
            }
            MonitorStatus::Up => watched += 1,
            MonitorStatus::Pending | MonitorStatus::Paused => {}
        }
    }
    match down {
        0 if maintenance > 0 => OverallState::UnderMaintenance,
        0 => OverallState::Operational,
        d if d == watched => OverallState::MajorOutage,
        _ => OverallState::PartialOutage,
    }
}

/// A hash of what the page shows (without the time it was gathered), as hex.
fn version(data: &PublicStatusPage) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(data)
        .unwrap_or_default()
        .hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

fn public_incident(
    incident: &incidents::Model,
    updates: &[incident_updates::Model],
    names: &HashMap<i64, String>,
) -> PublicIncident {
    PublicIncident {
        id: incident.id,
        monitor: names.get(&incident.monitor_id).cloned().unwrap_or_default(),
        started_at: rfc3339(incident.started_at),
        resolved_at: incident.resolved_at.map(rfc3339),
        updates: updates
            .iter()
            .filter_map(|u| {
                Some(PublicIncidentUpdate {
                    state: IncidentUpdateState::parse(&u.state)?,
                    message_html: to_safe_html(&u.message),
                    created_at: rfc3339(u.created_at),
                })
            })
            .collect(),
    }
}

fn public_notice(n: &StoredNotice) -> PublicNotice {
    PublicNotice {
        id: n.id,
        title: n.title.clone(),
        message_html: to_safe_html(&n.message),
        level: n.level,
        created_at: rfc3339(n.created_at_ms),
        updated_at: rfc3339(n.updated_at_ms),
        ends_at: n.ends_at_ms.map(rfc3339),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MonitorStatus::*;

    #[test]
    fn the_banner_reads_the_watched_monitors() {
        assert_eq!(overall([].into_iter()), OverallState::Operational);
        assert_eq!(overall([Up, Paused].into_iter()), OverallState::Operational);
        assert_eq!(overall([Up, Down].into_iter()), OverallState::PartialOutage);
        assert_eq!(
            overall([Down, Paused, Pending].into_iter()),
            OverallState::MajorOutage
        );
        assert_eq!(floor2(99.999), 99.99);
    }
}
