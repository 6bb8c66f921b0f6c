//! Matrix: `PUT …/rooms/{room}/send/m.room.message/{txn}` with the delivery's id as the
//! transaction id, so that a retried send is deduplicated by the homeserver.

use flatline_types::MatrixConfig;
use serde_json::{json, Value};

use super::{escape_html, join, segment, HttpCall, Provider, Request};
use crate::notifier::notice::Notice;

impl Provider for MatrixConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        let url = join(
            &self.homeserver_url,
            &format!(
                "_matrix/client/v3/rooms/{}/send/m.room.message/flatline-{}",
                segment(&self.room_id),
                notice.delivery_id
            ),
        );
        vec![HttpCall::put(&url, body(notice))
            .header("Authorization", &format!("Bearer {}", self.access_token))
            .into()]
    }
}

/// An `m.text` message: plain text, and HTML with the title in bold.
fn body(n: &Notice) -> Value {
    let facts: Vec<String> = n
        .facts()
        .iter()
        .map(|(k, v)| format!("{}: {}", escape_html(k), escape_html(v)))
        .collect();
    json!({
        "msgtype": "m.text",
        "body": n.text(),
        "format": "org.matrix.custom.html",
        "formatted_body": format!("<b>{}</b><br>{}", escape_html(&n.title()), facts.join("<br>")),
    })
}
