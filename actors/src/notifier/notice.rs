//! What a notification says, whatever the channel: its title, its facts and its text.

pub use flatline_store::clock::rfc3339;
use flatline_store::{CertificateNotice, MaintenanceNotice, ProbeNotice};
use flatline_types::public_url;

/// What happened.
pub use flatline_types::NotificationEvent as Event;

/// Everything a message says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub event: Event,
    /// The outbox row: receivers can tell a retry of the same notice from a new one.
    pub delivery_id: i64,
    pub channel_name: String,
    pub monitor_id: Option<i64>,
    pub monitor_name: String,
    /// Without credentials, query or fragment.
    pub monitor_url: String,
    pub cause: Option<String>,
    /// UTC ms when the event happened.
    pub at_ms: i64,
    pub incident_id: Option<i64>,
    pub incident_started_ms: Option<i64>,
    pub incident_resolved_ms: Option<i64>,
    /// `certificate_expiring`: the certificate and the threshold it crossed.
    pub certificate: Option<CertificateNotice>,
    /// `maintenance_started`/`maintenance_ended`: the window.
    pub maintenance: Option<MaintenanceNotice>,
    /// `probe_offline`/`probe_online`: the location's probe.
    pub probe: Option<ProbeNotice>,
    /// UTC ms when this attempt is made (for signatures that carry a time).
    pub sent_ms: i64,
    /// A signed link that acknowledges the incident: down and reminder notices of an open,
    /// unacknowledged incident, when Flatline's public URL is known.
    pub ack_url: Option<String>,
    /// The monitor's page in Flatline's dashboard.
    pub page_url: Option<String>,
    /// The monitor's kind (`http`, `tcp`, …), when known.
    pub monitor_kind: Option<String>,
}

impl Notice {
    /// A test notice for a channel.
    pub fn test(channel_name: &str, delivery_id: i64, at_ms: i64) -> Self {
        Self {
            event: Event::Test,
            delivery_id,
            channel_name: channel_name.to_owned(),
            monitor_id: None,
            monitor_name: "Flatline".to_owned(),
            monitor_url: String::new(),
            cause: None,
            at_ms,
            incident_id: None,
            incident_started_ms: None,
            incident_resolved_ms: None,
            certificate: None,
            maintenance: None,
            probe: None,
            sent_ms: at_ms,
            ack_url: None,
            page_url: None,
            monitor_kind: None,
        }
    }

    /// Whole days the certificate had left when the event happened.
    pub fn certificate_days_left(&self) -> Option<i64> {
        let c = self.certificate.as_ref()?;
        Some(flatline_store::certificates::days_left(
            c.not_after_ms,
            self.at_ms,
        ))
    }

    /// The shown form of a monitor URL.
    pub fn shown_url(raw: &str) -> String {
        let url = public_url(raw);
        if url.is_empty() {
            raw.to_owned()
        } else {
            url
        }
    }

    /// How long the incident lasted (up) or has lasted so far (reminder).
    pub fn downtime_seconds(&self) -> Option<i64> {
        let start = self.incident_started_ms?;
        let end = self.incident_resolved_ms.unwrap_or(self.at_ms);
        Some((end - start).max(0) / 1000)
    }

    /// One line: what happened.
    pub fn title(&self) -> String {
        match self.event {
            Event::Down => format!("🔴 {} is down", self.monitor_name),
            Event::Up => format!("🟢 {} is up again", self.monitor_name),
            Event::Reminder => format!("🔴 {} is still down", self.monitor_name),
            Event::Test => "✅ Test notification from Flatline".to_owned(),
            Event::CertificateExpiring => {
                let when = match self.certificate_days_left().unwrap_or(0) {
                    d if d < 0 => "has expired".to_owned(),
                    0 => "expires today".to_owned(),
                    1 => "expires in 1 day".to_owned(),
                    d => format!("expires in {d} days"),
                };
                format!("🟠 The TLS certificate of {} {when}", self.monitor_name)
            }
            Event::MaintenanceStarted => format!("🔧 {} is under maintenance", self.monitor_name),
            Event::MaintenanceEnded => {
                format!("🔧 Maintenance of {} is over", self.monitor_name)
            }
            Event::ProbeOffline => format!("📡 The probe of {} is offline", self.probe_location()),
            Event::ProbeOnline => {
                format!("📡 The probe of {} reports again", self.probe_location())
            }
        }
    }

    fn probe_location(&self) -> &str {
        self.probe
            .as_ref()
            .map_or("a location", |p| p.location.as_str())
    }

    /// The details, as (label, value) pairs.
    pub fn facts(&self) -> Vec<(&'static str, String)> {
        let mut facts = Vec::new();
        if self.event == Event::Test {
            facts.push((
                "Channel",
                format!("{} is set up correctly.", self.channel_name),
            ));
            return facts;
        }
        if let Some(p) = &self.probe {
            facts.push(("Location", p.location.clone()));
            facts.push(("Last heard", rfc3339(p.last_seen_ms)));
            facts.push(("Monitors checked from there", p.monitors.to_string()));
            if self.event == Event::ProbeOffline {
                facts.push((
                    "Meanwhile",
                    "its location counts as unknown: it opens and closes no incident".to_owned(),
                ));
            }
            return facts;
        }
        facts.push(("URL", self.monitor_url.clone()));
        if let (Event::CertificateExpiring, Some(c)) = (self.event, &self.certificate) {
            facts.push(("Certificate", c.subject.clone()));
            facts.push(("Issuer", c.issuer.clone()));
            facts.push(("Expires", rfc3339(c.not_after_ms)));
            facts.push((
                "Days left",
                self.certificate_days_left().unwrap_or(0).to_string(),
            ));
            facts.push((
                "Warning",
                format!("{} days before expiry", c.threshold_days),
            ));
            return facts;
        }
        if let Some(m) = &self.maintenance {
            facts.push(("Maintenance", m.title.clone()));
            facts.push(("From", rfc3339(m.starts_at_ms)));
            facts.push(("Until", rfc3339(m.ends_at_ms)));
            return facts;
        }
        if self.event.is_bad() {
            if let Some(cause) = &self.cause {
                facts.push(("Cause", cause.clone()));
            }
        }
        if let Some(d) = self
            .downtime_seconds()
            .filter(|_| self.event != Event::Down)
        {
            let label = if self.event == Event::Up {
                "Downtime"
            } else {
                "Down for"
            };
            facts.push((label, human_duration(d)));
        }
        let at_label = match self.event {
            Event::Up => "Up since",
            _ => "Down since",
        };
        let at = match self.event {
            Event::Reminder => self.incident_started_ms.unwrap_or(self.at_ms),
            _ => self.at_ms,
        };
        facts.push((at_label, rfc3339(at)));
        if let Some(id) = self.incident_id {
            facts.push(("Incident", format!("#{id}")));
        }
        if let Some(url) = &self.ack_url {
            facts.push(("Acknowledge", url.clone()));
        }
        if let Some(url) = &self.page_url {
            facts.push(("Details", url.clone()));
        }
        facts
    }

    /// Title and facts as plain text lines.
    pub fn text(&self) -> String {
        let mut out = self.title();
        for (label, value) in self.facts() {
            out.push('\n');
            out.push_str(label);
            out.push_str(": ");
            out.push_str(&value);
        }
        out
    }
}

/// `2h 5m 3s`, `45s`.
pub fn human_duration(seconds: i64) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    );
    let mut parts = Vec::new();
    if d > 0 {
        parts.push(format!("{d}d"));
    }
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 {
        parts.push(format!("{m}m"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s}s"));
    }
    parts.join(" ")
}

/// A down notice for unit tests of notices and providers.
#[cfg(test)]
pub(crate) fn sample_down() -> Notice {
    Notice {
        event: Event::Down,
        delivery_id: 7,
        channel_name: "ops".into(),
        monitor_id: Some(3),
        monitor_name: "API <prod>".into(),
        monitor_url: "https://api.example.com/health".into(),
        cause: Some("connection refused".into()),
        at_ms: 1_764_000_000_000,
        incident_id: Some(11),
        incident_started_ms: Some(1_764_000_000_000),
        incident_resolved_ms: None,
        certificate: None,
        maintenance: None,
        probe: None,
        sent_ms: 1_764_000_001_000,
        ack_url: Some("https://flatline.example.com/ack/abc".into()),
        page_url: Some("https://flatline.example.com/monitors/3".into()),
        monitor_kind: Some("http".into()),
    }
}

/// A `certificate_expiring` notice for unit tests: 3 days left, the 7-day threshold crossed.
#[cfg(test)]
pub(crate) fn sample_certificate() -> Notice {
    Notice {
        event: Event::CertificateExpiring,
        cause: None,
        incident_id: None,
        incident_started_ms: None,
        certificate: Some(CertificateNotice {
            subject: "CN=api.example.com".into(),
            issuer: "CN=Example CA".into(),
            not_after_ms: 1_764_000_000_000 + 3 * 86_400_000 + 3_600_000,
            threshold_days: 7,
            sha256: "ab".repeat(32),
        }),
        ..sample_down()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_durations_read_well() {
        assert_eq!(rfc3339(1_764_000_000_000), "2025-11-24T16:00:00Z");
        assert_eq!(rfc3339(1_764_000_000_123), "2025-11-24T16:00:00.123Z");
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(3725), "1h 2m 5s");
        assert_eq!(human_duration(90_000), "1d 1h");
    }

    #[test]
    fn a_maintenance_notice_names_the_window_and_its_times() {
        let n = Notice {
            event: Event::MaintenanceStarted,
            cause: None,
            incident_id: None,
            incident_started_ms: None,
            maintenance: Some(MaintenanceNotice {
                window_id: 2,
                title: "Database upgrade".into(),
                starts_at_ms: 1_764_000_000_000,
                ends_at_ms: 1_764_003_600_000,
            }),
            ..sample_down()
        };
        assert_eq!(n.title(), "🔧 API <prod> is under maintenance");
        let text = n.text();
        assert!(text.contains("Maintenance: Database upgrade"), "{text}");
        assert!(text.contains("Until: 2025-11-24T17:00:00Z"), "{text}");
        assert!(!text.contains("Down since"), "{text}");
        let ended = Notice {
            event: Event::MaintenanceEnded,
            ..n
        };
        assert_eq!(ended.title(), "🔧 Maintenance of API <prod> is over");
    }

    #[test]
    fn a_certificate_notice_says_when_it_expires() {
        let n = sample_certificate();
        assert_eq!(
            n.title(),
            "🟠 The TLS certificate of API <prod> expires in 3 days"
        );
        let text = n.text();
        assert!(text.contains("Certificate: CN=api.example.com"), "{text}");
        assert!(text.contains("Expires: 2025-11-27T17:00:00Z"), "{text}");
        assert!(text.contains("Days left: 3"), "{text}");
        assert!(text.contains("Warning: 7 days before expiry"), "{text}");
        assert!(!text.contains("Down since"), "{text}");
        let doc = crate::notifier::providers::webhook_document(&n);
        assert_eq!(doc["event"], "certificate_expiring");
        assert_eq!(doc["certificate"]["days_left"], 3);
        assert_eq!(doc["certificate"]["threshold_days"], 7);
        assert_eq!(doc["certificate"]["not_after"], "2025-11-27T17:00:00Z");
        assert!(doc["incident"].is_null());
    }

    #[test]
    fn recovery_reports_the_downtime() {
        let mut n = sample_down();
        n.event = Event::Up;
        n.at_ms += 125_000;
        n.incident_resolved_ms = Some(n.at_ms);
        let doc = crate::notifier::providers::webhook_document(&n);
        assert_eq!(doc["event"], "up");
        assert_eq!(doc["incident"]["duration_seconds"], 125);
        assert!(n.text().contains("Downtime: 2m 5s"), "{}", n.text());
    }
}
