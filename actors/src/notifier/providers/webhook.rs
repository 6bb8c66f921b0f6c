//! The generic webhook: Flatline's own JSON event document (see the README), with headers
//! naming the event and the delivery.

use flatline_types::WebhookConfig;
use serde_json::{json, Value};

use super::{HttpCall, Provider, Request};
use crate::notifier::notice::{rfc3339, Notice};

impl Provider for WebhookConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        let mut call = HttpCall::post(&self.url, document(notice))
            .header("X-Flatline-Event", notice.event.as_str())
            .header("X-Flatline-Delivery", &notice.delivery_id.to_string());
        for (name, value) in &self.headers {
            call = call.header(name, value);
        }
        vec![call.into()]
    }
}

/// The generic webhook's document (see the README).
pub fn document(n: &Notice) -> Value {
    let monitor = n
        .monitor_id
        .map(|id| json!({"id": id, "name": n.monitor_name, "url": n.monitor_url}));
    let incident = n.incident_started_ms.map(|started| {
        json!({
            "id": n.incident_id,
            "started_at": rfc3339(started),
            "resolved_at": n.incident_resolved_ms.map(rfc3339),
            "cause": n.cause,
            "duration_seconds": n.downtime_seconds(),
        })
    });
    let certificate = n.certificate.as_ref().map(|c| {
        json!({
            "subject": c.subject,
            "issuer": c.issuer,
            "not_after": rfc3339(c.not_after_ms),
            "days_left": n.certificate_days_left(),
            "threshold_days": c.threshold_days,
            "sha256": c.sha256,
        })
    });
    let maintenance = n.maintenance.as_ref().map(|m| {
        json!({
            "window_id": m.window_id,
            "title": m.title,
            "starts_at": rfc3339(m.starts_at_ms),
            "ends_at": rfc3339(m.ends_at_ms),
        })
    });
    let probe = n.probe.as_ref().map(|p| {
        json!({
            "location": p.location,
            "last_seen": rfc3339(p.last_seen_ms),
            "monitors": p.monitors,
        })
    });
    json!({
        "event": n.event.as_str(),
        "delivery_id": n.delivery_id,
        "timestamp": rfc3339(n.at_ms),
        "monitor": monitor,
        "incident": incident,
        "certificate": certificate,
        "maintenance": maintenance,
        "probe": probe,
        "title": n.title(),
        "message": n.text(),
        "ack_url": n.ack_url,
        "monitor_url": n.page_url,
    })
}
