//! DingTalk: a robot's webhook, a Markdown message; signed (`timestamp` and `sign` in the
//! query) when the robot has a secret. DingTalk answers 200 to refusals, with an `errcode`.

use flatline_types::DingtalkConfig;
use serde_json::json;

use super::{hmac_base64, zero_code, HttpCall, Provider, Request};
use crate::notifier::notice::Notice;

impl Provider for DingtalkConfig {
    fn requests(&self, notice: &Notice) -> Vec<Request> {
        let facts: Vec<String> = notice
            .facts()
            .iter()
            .map(|(k, v)| format!("- **{k}:** {v}"))
            .collect();
        let body = json!({
            "msgtype": "markdown",
            "markdown": {
                "title": notice.title(),
                "text": format!("### {}\n\n{}", notice.title(), facts.join("\n")),
            },
        });
        vec![HttpCall::post(&signed_url(self, notice.sent_ms), body).into()]
    }

    fn accepted(&self, status: u16, body: &[u8]) -> bool {
        (200..300).contains(&status) && zero_code(body, "errcode")
    }
}

/// The webhook URL, with `&timestamp=…&sign=…` when there is a secret: the signature is
/// HMAC-SHA256 of `"{timestamp}\n{secret}"` under the secret, base64, URL-encoded.
fn signed_url(c: &DingtalkConfig, now_ms: i64) -> String {
    let Some(secret) = &c.secret else {
        return c.url.clone();
    };
    let sign = hmac_base64(secret.as_bytes(), format!("{now_ms}\n{secret}").as_bytes());
    let sign: String = url::form_urlencoded::byte_serialize(sign.as_bytes()).collect();
    let glue = if c.url.contains('?') { '&' } else { '?' };
    format!("{}{glue}timestamp={now_ms}&sign={sign}", c.url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_follows_dingtalks_recipe() {
        let c = DingtalkConfig {
            url: "http://d/robot/send?access_token=t".into(),
            secret: Some("SECabc".into()),
        };
        let url = signed_url(&c, 1_700_000_000_000);
        let expected = hmac_base64(b"SECabc", b"1700000000000\nSECabc");
        let encoded: String = url::form_urlencoded::byte_serialize(expected.as_bytes()).collect();
        assert_eq!(
            url,
            format!("http://d/robot/send?access_token=t&timestamp=1700000000000&sign={encoded}")
        );
        assert!(c.accepted(200, br#"{"errcode":0,"errmsg":"ok"}"#));
        assert!(!c.accepted(200, br#"{"errcode":310000,"errmsg":"sign not match"}"#));
    }
}
