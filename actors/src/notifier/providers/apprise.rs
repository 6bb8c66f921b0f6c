//! Apprise API: `POST /notify/{key}` (a stored configuration) or `POST /notify` with the
//! URLs (stateless), with a type Apprise maps to each service's own severity.

use flatline_types::AppriseConfig;
use serde_json::json;

use super::{join, segment, HttpCall, Provider, Request};
use crate::notifier::notice::{Event, Notice};

impl Provider for AppriseConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        let kind = match notice.event {
            Event::Down | Event::Reminder => "failure",
            Event::CertificateExpiring | Event::ProbeOffline => "warning",
            Event::Up | Event::ProbeOnline => "success",
            Event::Test | Event::MaintenanceStarted | Event::MaintenanceEnded => "info",
        };
        let mut body = json!({
            "title": notice.title(),
            "body": super::fact_lines(notice),
            "type": kind,
            "format": "text",
        });
        if let Some(tag) = &self.tag {
            body["tag"] = json!(tag);
        }
        let url = match (&self.config_key, &self.urls) {
            (Some(key), _) => join(&self.url, &format!("notify/{}", segment(key))),
            (None, urls) => {
                body["urls"] = json!(urls.clone().unwrap_or_default());
                join(&self.url, "notify/")
            }
        };
        vec![HttpCall::post(&url, body).into()]
    }
}
