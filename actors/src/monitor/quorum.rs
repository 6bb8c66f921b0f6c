//! Monitors checked from several locations: each location's own state (after the monitor's
//! retries, from that location's checks alone), and the verdict that needs
//! `confirm_locations` of them to agree. A location whose probe is offline is unknown: it
//! counts neither as down nor as up.

use std::collections::{BTreeMap, HashSet};

use flatline_types::{MonitorSpec, MonitorStatus};

/// How one location sees the monitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceStatus {
    /// No check yet, or its probe is offline.
    Unknown,
    Up,
    /// Failing, within the monitor's retries.
    Pending,
    /// Failing beyond them.
    Down,
}

#[derive(Clone, Debug)]
struct Place {
    status: PlaceStatus,
    failures: u32,
    /// Start (UTC ms) of the newest check judged: older results change nothing.
    last_ms: i64,
    error: Option<String>,
    online: bool,
}

impl Place {
    fn new(online: bool) -> Self {
        Self {
            status: PlaceStatus::Unknown,
            failures: 0,
            last_ms: i64::MIN,
            error: None,
            online,
        }
    }

    /// What the monitor's state machine does with one check, for this location alone.
    fn judge(&mut self, at_ms: i64, error: Option<&str>, retries: u32) -> bool {
        if at_ms <= self.last_ms {
            return false;
        }
        self.last_ms = at_ms;
        let before = self.status;
        match error {
            None => {
                self.failures = 0;
                self.error = None;
                self.status = PlaceStatus::Up;
            }
            Some(e) => {
                self.failures = self.failures.saturating_add(1);
                self.error = Some(e.to_owned());
                if self.status != PlaceStatus::Down {
                    self.status = if self.failures > retries {
                        PlaceStatus::Down
                    } else {
                        PlaceStatus::Pending
                    };
                }
            }
        }
        self.status != before
    }

    fn seen(&self) -> PlaceStatus {
        if self.online {
            self.status
        } else {
            PlaceStatus::Unknown
        }
    }
}

/// The locations of one monitor, and their verdict.
#[derive(Clone, Debug)]
pub struct Quorum {
    confirm: u32,
    retries: u32,
    places: BTreeMap<String, Place>,
}

impl Quorum {
    /// The locations of `spec`; remote ones are online if in `online` (`local` always is).
    pub fn new(spec: &MonitorSpec, online: &HashSet<String>) -> Self {
        let mut q = Self {
            confirm: spec.confirm(),
            retries: spec.retries,
            places: BTreeMap::new(),
        };
        q.reconfigure(spec);
        for (l, p) in &mut q.places {
            p.online = l == flatline_types::LOCAL || online.contains(l);
        }
        q
    }

    /// Follows a changed configuration: locations kept keep what they saw; new ones start
    /// unknown (and online until the registry says otherwise: with no results they stay
    /// unknown anyway).
    pub fn reconfigure(&mut self, spec: &MonitorSpec) {
        self.confirm = spec.confirm();
        self.retries = spec.retries;
        self.places.retain(|l, _| spec.checked_from(l));
        for l in &spec.locations {
            self.places
                .entry(l.clone())
                .or_insert_with(|| Place::new(true));
        }
    }

    /// Judges one check from `location`; true if that location's state changed. A check
    /// older than one already judged there changes nothing.
    pub fn record(&mut self, location: &str, at_ms: i64, error: Option<&str>) -> bool {
        let retries = self.retries;
        self.places
            .get_mut(location)
            .is_some_and(|p| p.judge(at_ms, error, retries))
    }

    /// A location's state, as it saw the monitor (before a probe went offline).
    pub fn status_of(&self, location: &str) -> Option<PlaceStatus> {
        self.places.get(location).map(|p| p.status)
    }

    /// A location's probe came or went; true if this monitor is checked from there.
    pub fn set_online(&mut self, location: &str, online: bool) -> bool {
        match self.places.get_mut(location) {
            Some(p) if p.online != online => {
                p.online = online;
                if !online {
                    // Back online, it starts afresh: what it saw before is stale.
                    p.status = PlaceStatus::Unknown;
                    p.failures = 0;
                }
                true
            }
            _ => false,
        }
    }

    /// The monitor's state, given the one it is in: down when at least `confirm` locations
    /// see it down; up once so many see it up that `confirm` downs are out of reach even if
    /// every unknown location were down; otherwise it stays as it is (offline probes can
    /// neither open nor close an incident).
    pub fn verdict(&self, current: MonitorStatus) -> MonitorStatus {
        let count = |s: PlaceStatus| self.places.values().filter(|p| p.seen() == s).count() as u32;
        let total = self.places.len() as u32;
        if count(PlaceStatus::Down) >= self.confirm {
            MonitorStatus::Down
        } else if total - count(PlaceStatus::Up) < self.confirm {
            MonitorStatus::Up
        } else if current == MonitorStatus::Up
            && count(PlaceStatus::Down) + count(PlaceStatus::Pending) >= self.confirm
        {
            // Enough locations failing to go down if their retries run out.
            MonitorStatus::Pending
        } else {
            current
        }
    }

    /// What each location sees, for an incident's cause: `down from eu, us: connection
    /// refused; ap: up`.
    pub fn cause(&self) -> String {
        let mut down: Vec<(&str, Vec<&str>)> = Vec::new();
        let mut others = Vec::new();
        for (location, place) in &self.places {
            match place.seen() {
                PlaceStatus::Down | PlaceStatus::Pending => {
                    let error = place.error.as_deref().unwrap_or("failing");
                    match down.iter_mut().find(|(e, _)| *e == error) {
                        Some((_, ls)) => ls.push(location),
                        None => down.push((error, vec![location])),
                    }
                }
                PlaceStatus::Up => others.push(format!("{location}: up")),
                PlaceStatus::Unknown if !place.online => {
                    others.push(format!("{location}: unknown (probe offline)"))
                }
                PlaceStatus::Unknown => others.push(format!("{location}: no check yet")),
            }
        }
        let mut parts: Vec<String> = down
            .into_iter()
            .map(|(error, ls)| format!("{}: {error}", ls.join(", ")))
            .collect();
        if let Some(first) = parts.first_mut() {
            *first = format!("down from {first}");
        }
        parts.extend(others);
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use flatline_types::{CreateMonitor, MonitorStatus};

    use super::Quorum;

    fn quorum(locations: &[&str], confirm: Option<u32>, online: &[&str]) -> Quorum {
        let spec = CreateMonitor {
            name: "q".into(),
            url: Some("http://127.0.0.1:1/".into()),
            locations: Some(locations.iter().map(|l| l.to_string()).collect()),
            confirm_locations: confirm,
            ..Default::default()
        }
        .into_spec()
        .expect("spec");
        let online: HashSet<String> = online.iter().map(|l| l.to_string()).collect();
        Quorum::new(&spec, &online)
    }

    #[test]
    fn down_needs_confirm_locations_and_unknown_never_counts() {
        let mut q = quorum(&["eu", "us", "ap"], Some(2), &["eu", "us", "ap"]);
        use MonitorStatus::*;
        assert_eq!(q.verdict(Pending), Pending, "nothing seen yet");
        q.record("eu", 1, None);
        q.record("us", 1, None);
        assert_eq!(q.verdict(Pending), Up, "two up: two downs are out of reach");
        q.record("eu", 2, Some("connection refused"));
        assert_eq!(q.verdict(Up), Up, "one location down of the two needed");
        q.record("us", 2, Some("connection refused"));
        assert_eq!(q.verdict(Up), Down);
        assert_eq!(
            q.cause(),
            "down from eu, us: connection refused; ap: no check yet"
        );
        // A probe going offline neither resolves nor opens anything.
        q.set_online("us", false);
        assert_eq!(q.verdict(Down), Down);
        q.record("eu", 3, None);
        assert_eq!(q.verdict(Down), Down, "eu up, us unknown, ap unknown");
        q.record("ap", 3, None);
        assert_eq!(
            q.verdict(Down),
            Up,
            "eu and ap up: a second down is out of reach"
        );
    }

    #[test]
    fn old_results_change_nothing_and_retries_apply_per_location() {
        let mut q = quorum(&["local", "eu"], Some(1), &["eu"]);
        q.retries = 1;
        assert!(q.record("eu", 10, Some("timeout")));
        assert_eq!(q.verdict(MonitorStatus::Up), MonitorStatus::Pending);
        assert!(!q.record("eu", 5, None), "older than the last judged");
        assert!(q.record("eu", 11, Some("timeout")));
        assert_eq!(q.verdict(MonitorStatus::Up), MonitorStatus::Down);
    }
}
