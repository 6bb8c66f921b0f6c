//! Prometheus Alertmanager: `POST /api/v2/alerts`. A down fires `FlatlineDown` (labels
//! `alertname`, `monitor`, `monitor_id`, `kind`, `severity` and the channel's own), with
//! `endsAt` a week ahead so that Alertmanager's `resolve_timeout` does not resolve it
//! while the monitor is still down (reminders renew it); the up sends the same labels
//! with `endsAt` at the recovery, which resolves it.

use flatline_types::AlertmanagerConfig;
use serde_json::{json, Map, Value};

use super::{join, HttpCall, Provider, Request};
use crate::notifier::notice::{rfc3339, Event, Notice};

/// How long a firing alert lasts without a word from Flatline.
const FIRING_MS: i64 = 7 * 86_400_000;

impl Provider for AlertmanagerConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        match alert(self, notice) {
            Some(alert) => {
                vec![HttpCall::post(&join(&self.url, "api/v2/alerts"), json!([alert])).into()]
            }
            None => vec![],
        }
    }
}

fn alert(c: &AlertmanagerConfig, n: &Notice) -> Option<Value> {
    let (name, severity, starts, ends) = match n.event {
        Event::Down | Event::Reminder => {
            let starts = n.incident_started_ms.unwrap_or(n.at_ms);
            (
                "FlatlineDown",
                "critical",
                starts,
                n.sent_ms.max(n.at_ms) + FIRING_MS,
            )
        }
        Event::Up => (
            "FlatlineDown",
            "critical",
            n.incident_started_ms.unwrap_or(n.at_ms),
            n.at_ms,
        ),
        // Re-sent at each threshold; lasts a day past it.
        Event::CertificateExpiring => (
            "FlatlineCertificateExpiring",
            "warning",
            n.at_ms,
            n.at_ms + 86_400_000,
        ),
        Event::ProbeOffline => (
            "FlatlineProbeOffline",
            "warning",
            n.at_ms,
            n.at_ms + FIRING_MS,
        ),
        Event::ProbeOnline => {
            let since = n.probe.as_ref().map_or(n.at_ms, |p| p.last_seen_ms);
            ("FlatlineProbeOffline", "warning", since, n.at_ms)
        }
        // A test fires for five minutes; planned work is what Alertmanager's silences are for.
        Event::Test => ("FlatlineTest", "info", n.sent_ms, n.sent_ms + 300_000),
        Event::MaintenanceStarted | Event::MaintenanceEnded => return None,
    };
    let mut labels: Map<String, Value> = c
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    labels.insert("alertname".into(), json!(name));
    labels.insert("severity".into(), json!(severity));
    if let Some(p) = &n.probe {
        labels.insert("location".into(), json!(p.location));
    } else if let Some(id) = n.monitor_id {
        labels.insert("monitor".into(), json!(n.monitor_name));
        labels.insert("monitor_id".into(), json!(id.to_string()));
        if let Some(kind) = &n.monitor_kind {
            labels.insert("kind".into(), json!(kind));
        }
    }
    let mut alert = json!({
        "labels": labels,
        "annotations": {"summary": n.title(), "description": n.text()},
        "startsAt": rfc3339(starts),
        "endsAt": rfc3339(ends),
    });
    if let Some(url) = &n.page_url {
        alert["generatorURL"] = json!(url);
    }
    Some(alert)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notifier::notice::sample_down;

    #[test]
    fn down_fires_and_up_resolves_the_same_labels() {
        let c = AlertmanagerConfig {
            url: "http://am:9093".into(),
            labels: [("team".to_owned(), "web".to_owned())].into(),
        };
        let down = sample_down();
        let mut up = sample_down();
        up.event = Event::Up;
        up.at_ms += 60_000;
        let (firing, resolved) = (alert(&c, &down).expect("down"), alert(&c, &up).expect("up"));
        assert_eq!(firing["labels"], resolved["labels"]);
        assert_eq!(firing["labels"]["alertname"], "FlatlineDown");
        assert_eq!(firing["labels"]["team"], "web");
        assert_eq!(firing["labels"]["kind"], "http");
        assert_eq!(firing["startsAt"], resolved["startsAt"]);
        assert_eq!(resolved["endsAt"], rfc3339(up.at_ms));
        assert_eq!(
            firing["generatorURL"],
            "https://flatline.example.com/monitors/3"
        );
        assert!(firing["endsAt"].as_str() > resolved["endsAt"].as_str());
    }
}
