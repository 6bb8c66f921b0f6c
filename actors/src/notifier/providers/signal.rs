//! Signal: signal-cli REST API's `POST /v2/send`.

use flatline_types::SignalConfig;
use serde_json::json;

use super::{join, HttpCall, Provider, Request};
use crate::notifier::notice::Notice;

impl Provider for SignalConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        let body = json!({
            "message": notice.text(),
            "number": self.number,
            "recipients": self.recipients,
        });
        vec![HttpCall::post(&join(&self.url, "v2/send"), body).into()]
    }
}
