//! Home Assistant: `POST /api/services/notify/{service}` with a bearer token.

use flatline_types::HomeassistantConfig;
use serde_json::json;

use super::{fact_lines, join, HttpCall, Provider, Request};
use crate::notifier::notice::Notice;

impl Provider for HomeassistantConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        let url = join(
            &self.url,
            &format!("api/services/notify/{}", self.service_name()),
        );
        let mut body = json!({"title": notice.title(), "message": fact_lines(notice)});
        // The companion apps open this on a tap.
        if let Some(url) = &notice.page_url {
            body["data"] = json!({"url": url, "clickAction": url});
        }
        vec![HttpCall::post(&url, body)
            .header("Authorization", &format!("Bearer {}", self.token))
            .into()]
    }
}
