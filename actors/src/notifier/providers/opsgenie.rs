//! Opsgenie: the Alert API; an alert per incident (its alias), created on down and closed
//! on up.

use flatline_types::OpsgenieConfig;
use serde_json::{json, Value};

use super::{incident_key, join, segment, HttpCall, Provider, Request};
use crate::notifier::notice::{Event, Notice};

impl Provider for OpsgenieConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        let alias = incident_key(notice);
        let create = || {
            HttpCall::post(&join(&self.url, "v2/alerts"), create(self, notice, &alias))
                .header("Authorization", &format!("GenieKey {}", self.api_key))
                .into()
        };
        let close = || {
            let url = join(
                &self.url,
                &format!("v2/alerts/{}/close?identifierType=alias", segment(&alias)),
            );
            HttpCall::post(
                &url,
                json!({"source": "Flatline", "user": "Flatline", "note": notice.title()}),
            )
            .header("Authorization", &format!("GenieKey {}", self.api_key))
            .into()
        };
        match notice.event {
            Event::Down | Event::Reminder | Event::CertificateExpiring => vec![create()],
            Event::Up => vec![close()],
            Event::Test => vec![create(), close()],
            // Planned work and probes page no one.
            Event::MaintenanceStarted
            | Event::MaintenanceEnded
            | Event::ProbeOffline
            | Event::ProbeOnline => vec![],
        }
    }
}

fn create(c: &OpsgenieConfig, n: &Notice, alias: &str) -> Value {
    let details: serde_json::Map<String, Value> = n
        .facts()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), json!(v)))
        .collect();
    let priority = match n.event {
        Event::Test => "P5",
        Event::CertificateExpiring => "P3",
        _ => c.priority.as_str(),
    };
    // Opsgenie's limits: a message of 130 characters, a description of 15,000.
    let message: String = n.title().chars().take(130).collect();
    let description: String = n.text().chars().take(15_000).collect();
    json!({
        "message": message,
        "alias": alias,
        "description": description,
        "priority": priority,
        "source": "Flatline",
        "entity": n.monitor_name,
        "tags": c.tags,
        "details": details,
    })
}

/// Opsgenie answers 202 to what it queues.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::notifier::notice::sample_down;
    use crate::notifier::providers::{Body, Request};

    #[test]
    fn down_creates_and_up_closes_one_alias() {
        let c = OpsgenieConfig {
            api_key: "k".into(),
            priority: "P2".into(),
            tags: vec!["web".into()],
            url: "http://o/".into(),
        };
        let call = |event| {
            let mut n = sample_down();
            n.event = event;
            match c.requests(&n).remove(0) {
                Request::Http(call) => call,
                Request::Email(_) => panic!("email"),
            }
        };
        let (open, close) = (call(Event::Down), call(Event::Up));
        assert_eq!(open.url, "http://o/v2/alerts");
        let Body::Json(body) = &open.body else {
            panic!("json")
        };
        assert_eq!(body["priority"], "P2");
        assert_eq!(body["alias"], "flatline-3-1764000000000");
        assert_eq!(
            close.url,
            "http://o/v2/alerts/flatline-3-1764000000000/close?identifierType=alias"
        );
        assert!(open
            .headers
            .contains(&("Authorization".into(), "GenieKey k".into())));
    }
}
