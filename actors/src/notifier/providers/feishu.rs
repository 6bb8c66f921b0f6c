//! Feishu (Lark): a bot's webhook, an interactive card coloured by the event; signed
//! (`timestamp` and `sign` in the body) when the bot has a secret. Feishu answers 200 to
//! refusals, with a non-zero `code`.

use flatline_types::FeishuConfig;
use serde_json::{json, Value};

use super::{hmac_base64, zero_code, HttpCall, Provider, Request};
use crate::notifier::notice::{Event, Notice};

impl Provider for FeishuConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        let mut body = card(notice);
        if let Some(secret) = &self.secret {
            let timestamp = notice.sent_ms / 1000;
            body["timestamp"] = json!(timestamp.to_string());
            body["sign"] = json!(sign(secret, timestamp));
        }
        vec![HttpCall::post(&self.url, body).into()]
    }

    fn accepted(&self, status: u16, body: &[u8]) -> bool {
        (200..300).contains(&status) && zero_code(body, "code") && zero_code(body, "StatusCode")
    }
}

/// Feishu's recipe: HMAC-SHA256 under the key `"{timestamp}\n{secret}"` of an empty
/// message, base64.
fn sign(secret: &str, timestamp: i64) -> String {
    hmac_base64(format!("{timestamp}\n{secret}").as_bytes(), b"")
}

fn card(n: &Notice) -> Value {
    let template = match n.event {
        Event::Down | Event::Reminder => "red",
        Event::CertificateExpiring | Event::ProbeOffline => "orange",
        Event::Up | Event::ProbeOnline => "green",
        Event::Test | Event::MaintenanceStarted | Event::MaintenanceEnded => "blue",
    };
    let facts: Vec<String> = n
        .facts()
        .iter()
        .map(|(k, v)| format!("**{k}:** {v}"))
        .collect();
    json!({
        "msg_type": "interactive",
        "card": {
            "header": {"title": {"tag": "plain_text", "content": n.title()}, "template": template},
            "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": facts.join("\n")}}],
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notifier::notice::sample_down;
    use crate::notifier::providers::Body;

    #[test]
    fn signed_cards_carry_the_time_of_sending() {
        let c = FeishuConfig {
            url: "http://f/hook/x".into(),
            secret: Some("s3cret".into()),
        };
        let n = sample_down();
        let Request::Http(call) = c.requests(&n).remove(0) else {
            panic!("http")
        };
        let Body::Json(body) = call.body else {
            panic!("json")
        };
        assert_eq!(body["timestamp"], "1764000001");
        assert_eq!(body["sign"], sign("s3cret", 1_764_000_001));
        assert_eq!(body["card"]["header"]["template"], "red");
        assert!(c.accepted(200, br#"{"code":0,"msg":"success"}"#));
        assert!(!c.accepted(200, br#"{"code":19021,"msg":"sign match fail"}"#));
    }
}
