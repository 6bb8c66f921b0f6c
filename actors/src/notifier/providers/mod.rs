//! Notification providers: one file per channel type, each saying what it sends for a notice
//! and how its answers are judged. Sending, retries, ordering and metrics are shared (see
//! `send` and the notifier); no provider does its own I/O, so every body is unit-tested.
//!
//! Adding a provider: its config in `flatline_types::notify`, one file here implementing
//! [`Provider`] for it, and its arm in [`provider`].

mod alertmanager;
mod apprise;
mod dingtalk;
mod discord;
mod email;
mod feishu;
mod googlechat;
mod gotify;
mod homeassistant;
mod matrix;
mod mattermost;
mod ntfy;
mod opsgenie;
mod pagerduty;
mod pushover;
mod rocketchat;
mod signal;
mod slack;
mod splunk_oncall;
mod teams;
mod telegram;
mod twilio;
mod webhook;
mod zulip;

use flatline_types::{ChannelConfig, EmailConfig};
use serde_json::Value;

use super::notice::{Event, Notice};

pub use webhook::document as webhook_document;

/// What a channel type sends, and how it judges the answers.
pub trait Provider {
    /// The requests that deliver `notice`, in order; the notice is delivered once every one
    /// of them was accepted.
    fn requests(&self, notice: &Notice) -> Vec<Request>;

    /// Whether an HTTP answer with `status` and (the start of) `body` means the request was
    /// accepted. Default: any 2xx. Services that answer 200 to a refusal (DingTalk, Feishu)
    /// look into the body.
    fn accepted(&self, status: u16, _body: &[u8]) -> bool {
        (200..300).contains(&status)
    }
}

/// The provider of a channel's type.
pub fn provider(config: &ChannelConfig) -> &dyn Provider {
    match config {
        ChannelConfig::Webhook(c) => c,
        ChannelConfig::Slack(c) => c,
        ChannelConfig::Discord(c) => c,
        ChannelConfig::Telegram(c) => c,
        ChannelConfig::Teams(c) => c,
        ChannelConfig::Ntfy(c) => c,
        ChannelConfig::Gotify(c) => c,
        ChannelConfig::Pagerduty(c) => c,
        ChannelConfig::Email(c) => c,
        ChannelConfig::Pushover(c) => c,
        ChannelConfig::Matrix(c) => c,
        ChannelConfig::Mattermost(c) => c,
        ChannelConfig::Rocketchat(c) => c,
        ChannelConfig::Googlechat(c) => c,
        ChannelConfig::Opsgenie(c) => c,
        ChannelConfig::SplunkOncall(c) => c,
        ChannelConfig::Alertmanager(c) => c,
        ChannelConfig::Signal(c) => c,
        ChannelConfig::Apprise(c) => c,
        ChannelConfig::Homeassistant(c) => c,
        ChannelConfig::Zulip(c) => c,
        ChannelConfig::Twilio(c) => c,
        ChannelConfig::Dingtalk(c) => c,
        ChannelConfig::Feishu(c) => c,
    }
}

/// One request a provider makes.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// A JSON `POST`.
    Http(HttpCall),
    /// An email over the config's SMTP server.
    Email(Mail),
}

/// One HTTP request: a `POST` (or a `PUT`) of a JSON or form body.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpCall {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

/// The HTTP methods providers use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Post,
    /// Matrix: an idempotent send under a transaction id.
    Put,
}

/// What a request carries.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    Json(Value),
    /// `application/x-www-form-urlencoded` (Twilio, Zulip).
    Form(Vec<(String, String)>),
}

impl HttpCall {
    /// A `POST` of JSON `body` to `url`.
    pub fn post(url: &str, body: Value) -> Self {
        Self {
            method: Method::Post,
            url: url.to_owned(),
            headers: Vec::new(),
            body: Body::Json(body),
        }
    }

    /// A `PUT` of JSON `body` to `url`.
    pub fn put(url: &str, body: Value) -> Self {
        Self {
            method: Method::Put,
            ..Self::post(url, body)
        }
    }

    /// A `POST` of a form to `url`.
    pub fn form(url: &str, fields: &[(&str, &str)]) -> Self {
        Self {
            method: Method::Post,
            url: url.to_owned(),
            headers: Vec::new(),
            body: Body::Form(
                fields
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
        }
    }

    /// The same call with one more header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The same call with HTTP Basic credentials.
    pub fn basic_auth(self, user: &str, password: &str) -> Self {
        use base64::Engine;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        self.header("Authorization", &format!("Basic {token}"))
    }

    /// The JSON body (`Null` for a form): what unit tests look at.
    pub fn json(&self) -> &Value {
        match &self.body {
            Body::Json(v) => v,
            Body::Form(_) => &Value::Null,
        }
    }

    /// A form field's value.
    pub fn form_field(&self, name: &str) -> Option<&str> {
        match &self.body {
            Body::Form(f) => f.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()),
            Body::Json(_) => None,
        }
    }
}

/// `url` with `path` appended: one `/` between them whatever either has.
fn join(url: &str, path: &str) -> String {
    format!(
        "{}/{}",
        url.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// A path segment percent-encoded (Matrix room ids carry `!` and `:`; Twilio's account id
/// goes into a path).
fn segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// One key per incident (or per certificate, or per test notice), the same in the down and
/// the up: what alerting services that open and close alerts (PagerDuty, Opsgenie, Splunk
/// On-Call, Alertmanager) identify the alert by.
fn incident_key(n: &Notice) -> String {
    match (n.monitor_id, n.incident_started_ms, &n.certificate) {
        // Every threshold of one certificate updates one alert.
        (Some(m), _, Some(c)) => format!(
            "flatline-{m}-certificate-{}",
            &c.sha256[..16.min(c.sha256.len())]
        ),
        (Some(m), Some(started), None) => format!("flatline-{m}-{started}"),
        (Some(m), None, None) => format!("flatline-{m}-{}", n.at_ms),
        (None, _, _) => format!("flatline-test-{}", n.delivery_id),
    }
}

/// `#RRGGBB`, as Mattermost's and Rocket.Chat's attachments want their colour.
fn hex_colour(event: Event) -> String {
    format!("#{:06X}", colour(event))
}

/// HMAC-SHA256 of `message` under `key`, base64: DingTalk's and Feishu's signatures.
fn hmac_base64(key: &[u8], message: &[u8]) -> String {
    use base64::Engine;
    use hmac::Mac;
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(message);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

impl From<HttpCall> for Request {
    fn from(call: HttpCall) -> Self {
        Self::Http(call)
    }
}

/// One plain-text email.
#[derive(Clone, Debug, PartialEq)]
pub struct Mail {
    pub config: EmailConfig,
    pub subject: String,
    pub text: String,
}

/// Red for bad news, amber for a warning, green for recovery, blue for a test or planned
/// work.
fn colour(event: Event) -> u32 {
    match event {
        Event::Down | Event::Reminder => 0xE0_3E_3E,
        Event::CertificateExpiring => 0xF5_9E_0B,
        Event::Up => 0x2E_B8_6E,
        Event::Test | Event::MaintenanceStarted | Event::MaintenanceEnded | Event::ProbeOnline => {
            0x3B_82_F6
        }
        Event::ProbeOffline => 0xF5_9E_0B,
    }
}

/// `&`, `<` and `>` escaped, as Slack's mrkdwn and Telegram's HTML want.
fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Mattermost's and Rocket.Chat's attachment (the Slack legacy format both read): coloured
/// by the event, the facts as fields, the title linking to the monitor's page.
fn attachment(n: &Notice) -> Value {
    let fields: Vec<Value> = n
        .facts()
        .into_iter()
        .map(|(k, v)| serde_json::json!({"short": v.chars().count() <= 40, "title": k, "value": v}))
        .collect();
    let mut a = serde_json::json!({
        "fallback": n.text(),
        "color": hex_colour(n.event),
        "title": n.title(),
        "fields": fields,
        "footer": "Flatline",
    });
    if let Some(url) = &n.page_url {
        a["title_link"] = serde_json::json!(url);
    }
    a
}

/// Whether a JSON answer's `field` is absent or 0 (answers that are not JSON count as 0).
fn zero_code(body: &[u8], field: &str) -> bool {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get(field).cloned())
        .is_none_or(|code| code.as_i64() == Some(0))
}

/// The facts as `Label: value` lines.
fn fact_lines(n: &Notice) -> String {
    let lines: Vec<String> = n.facts().iter().map(|(k, v)| format!("{k}: {v}")).collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use flatline_types::*;

    use super::*;
    use crate::notifier::notice::sample_down;

    /// The HTTP calls of a config's provider.
    fn calls(config: &ChannelConfig, n: &Notice) -> Vec<HttpCall> {
        provider(config)
            .requests(n)
            .into_iter()
            .map(|r| match r {
                Request::Http(call) => call,
                Request::Email(_) => panic!("an HTTP provider sent an email"),
            })
            .collect()
    }

    #[test]
    fn each_type_follows_its_service_format() {
        let n = sample_down();
        let slack = &calls(
            &ChannelConfig::Slack(SlackConfig {
                url: "http://s/".into(),
            }),
            &n,
        )[0];
        assert!(slack.json()["text"]
            .as_str()
            .is_some_and(|t| t.contains("&lt;prod&gt;")));
        assert_eq!(slack.json()["blocks"][0]["type"], "section");
        let discord = &calls(
            &ChannelConfig::Discord(DiscordConfig {
                url: "http://d/".into(),
            }),
            &n,
        )[0];
        assert_eq!(discord.json()["embeds"][0]["color"], 0xE03E3E);
        let telegram = &calls(
            &ChannelConfig::Telegram(TelegramConfig {
                url: "http://t/".into(),
                chat_id: "-100".into(),
            }),
            &n,
        )[0];
        assert_eq!(telegram.json()["chat_id"], -100);
        assert_eq!(telegram.json()["parse_mode"], "HTML");
        let pd = |event| {
            let mut n = sample_down();
            n.event = event;
            calls(
                &ChannelConfig::Pagerduty(PagerdutyConfig {
                    routing_key: "rk".into(),
                    url: "http://p/".into(),
                }),
                &n,
            )
        };
        let (trigger, resolve) = (&pd(Event::Down)[0], &pd(Event::Up)[0]);
        assert_eq!(trigger.json()["event_action"], "trigger");
        assert_eq!(resolve.json()["event_action"], "resolve");
        assert_eq!(trigger.json()["dedup_key"], resolve.json()["dedup_key"]);
        let gotify = &calls(
            &ChannelConfig::Gotify(GotifyConfig {
                server_url: "http://g/".into(),
                token: "tk".into(),
            }),
            &n,
        )[0];
        assert_eq!(gotify.url, "http://g/message");
        assert!(gotify
            .headers
            .contains(&("X-Gotify-Key".into(), "tk".into())));
    }

    #[test]
    fn email_is_a_provider_like_the_others() {
        let config = EmailConfig {
            host: "smtp.example.com".into(),
            port: None,
            security: SmtpSecurity::Starttls,
            username: None,
            password: None,
            from: "flatline@example.com".into(),
            to: vec!["ops@example.com".into()],
        };
        let requests = provider(&ChannelConfig::Email(config.clone())).requests(&sample_down());
        let [Request::Email(mail)] = requests.as_slice() else {
            panic!("one email: {requests:?}");
        };
        assert_eq!(mail.subject, "🔴 API <prod> is down");
        assert!(
            mail.text.contains("Cause: connection refused"),
            "{}",
            mail.text
        );
        assert_eq!(mail.config, config);
    }
}
