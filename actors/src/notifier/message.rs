//! What each channel type is sent: the text of a notice and the request body in each
//! service's documented format. Pure functions, so the shapes are unit-tested.

use flatline_types::ChannelConfig;
use serde_json::{json, Value};

use crate::stats::label_url;
pub use flatline_store::clock::rfc3339;

/// What happened.
pub use flatline_types::NotificationEvent as Event;

/// Everything a message says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub event: Event,
    /// The outbox row: receivers can tell a retry of the same notice from a new one.
    pub delivery_id: i64,
    pub channel_name: String,
    pub monitor_id: Option<i64>,
    pub monitor_name: String,
    /// Without credentials, query or fragment.
    pub monitor_url: String,
    pub cause: Option<String>,
    /// UTC ms when the event happened.
    pub at_ms: i64,
    pub incident_id: Option<i64>,
    pub incident_started_ms: Option<i64>,
    pub incident_resolved_ms: Option<i64>,
}

impl Notice {
    /// A test notice for a channel.
    pub fn test(channel_name: &str, delivery_id: i64, at_ms: i64) -> Self {
        Self {
            event: Event::Test,
            delivery_id,
            channel_name: channel_name.to_owned(),
            monitor_id: None,
            monitor_name: "Flatline".to_owned(),
            monitor_url: String::new(),
            cause: None,
            at_ms,
            incident_id: None,
            incident_started_ms: None,
            incident_resolved_ms: None,
        }
    }

    /// The shown form of a monitor URL.
    pub fn shown_url(raw: &str) -> String {
        let url = label_url(raw);
        if url.is_empty() {
            raw.to_owned()
        } else {
            url
        }
    }

    /// How long the incident lasted (up) or has lasted so far (reminder).
    pub fn downtime_seconds(&self) -> Option<i64> {
        let start = self.incident_started_ms?;
        let end = self.incident_resolved_ms.unwrap_or(self.at_ms);
        Some((end - start).max(0) / 1000)
    }

    /// One line: what happened.
    pub fn title(&self) -> String {
        match self.event {
            Event::Down => format!("🔴 {} is down", self.monitor_name),
            Event::Up => format!("🟢 {} is up again", self.monitor_name),
            Event::Reminder => format!("🔴 {} is still down", self.monitor_name),
            Event::Test => "✅ Test notification from Flatline".to_owned(),
        }
    }

    /// The details, as (label, value) pairs.
    pub fn facts(&self) -> Vec<(&'static str, String)> {
        let mut facts = Vec::new();
        if self.event == Event::Test {
            facts.push((
                "Channel",
                format!("{} is set up correctly.", self.channel_name),
            ));
            return facts;
        }
        facts.push(("URL", self.monitor_url.clone()));
        if self.event.is_bad() {
            if let Some(cause) = &self.cause {
                facts.push(("Cause", cause.clone()));
            }
        }
        if let Some(d) = self
            .downtime_seconds()
            .filter(|_| self.event != Event::Down)
        {
            let label = if self.event == Event::Up {
                "Downtime"
            } else {
                "Down for"
            };
            facts.push((label, human_duration(d)));
        }
        let at_label = match self.event {
            Event::Up => "Up since",
            _ => "Down since",
        };
        let at = match self.event {
            Event::Reminder => self.incident_started_ms.unwrap_or(self.at_ms),
            _ => self.at_ms,
        };
        facts.push((at_label, rfc3339(at)));
        if let Some(id) = self.incident_id {
            facts.push(("Incident", format!("#{id}")));
        }
        facts
    }

    /// Title and facts as plain text lines.
    pub fn text(&self) -> String {
        let mut out = self.title();
        for (label, value) in self.facts() {
            out.push('\n');
            out.push_str(label);
            out.push_str(": ");
            out.push_str(&value);
        }
        out
    }
}

/// One HTTP request to make.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpCall {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl HttpCall {
    fn post(url: &str, body: Value) -> Self {
        Self {
            url: url.to_owned(),
            headers: Vec::new(),
            body,
        }
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// The HTTP requests that deliver `notice` on an HTTP channel, in order (empty for email).
pub fn http_calls(config: &ChannelConfig, notice: &Notice) -> Vec<HttpCall> {
    match config {
        ChannelConfig::Slack { url } => vec![HttpCall::post(url, slack(notice))],
        ChannelConfig::Discord { url } => vec![HttpCall::post(url, discord(notice))],
        ChannelConfig::Telegram { url, chat_id } => {
            vec![HttpCall::post(url, telegram(notice, chat_id))]
        }
        ChannelConfig::Webhook { url, headers } => {
            let mut call = HttpCall::post(url, webhook(notice))
                .header("X-Flatline-Event", notice.event.as_str())
                .header("X-Flatline-Delivery", &notice.delivery_id.to_string());
            for (name, value) in headers {
                call = call.header(name, value);
            }
            vec![call]
        }
        ChannelConfig::Ntfy {
            server_url,
            topic,
            token,
        } => {
            let call = HttpCall::post(server_url, ntfy(notice, topic));
            vec![match token {
                Some(t) => call.header("Authorization", &format!("Bearer {t}")),
                None => call,
            }]
        }
        ChannelConfig::Gotify { server_url, token } => {
            let url = format!("{}/message", server_url.trim_end_matches('/'));
            vec![HttpCall::post(&url, gotify(notice)).header("X-Gotify-Key", token)]
        }
        ChannelConfig::Teams { url } => vec![HttpCall::post(url, teams(notice))],
        ChannelConfig::Pagerduty { routing_key, url } => pagerduty(notice, routing_key)
            .into_iter()
            .map(|body| HttpCall::post(url, body))
            .collect(),
        ChannelConfig::Email { .. } => Vec::new(),
    }
}

fn colour(event: Event) -> u32 {
    match event {
        Event::Down | Event::Reminder => 0xE0_3E_3E,
        Event::Up => 0x2E_B8_6E,
        Event::Test => 0x3B_82_F6,
    }
}

/// Slack incoming webhook: `text` (the notification fallback) plus Block Kit blocks.
fn slack(n: &Notice) -> Value {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let details: Vec<String> = n
        .facts()
        .iter()
        .map(|(k, v)| format!("*{k}:* {}", esc(v)))
        .collect();
    json!({
        "text": esc(&n.title()),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": format!("*{}*", esc(&n.title()))}},
            {"type": "section", "text": {"type": "mrkdwn", "text": details.join("\n")}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "Flatline"}]},
        ],
    })
}

/// Discord webhook: one embed, coloured by event.
fn discord(n: &Notice) -> Value {
    let fields: Vec<Value> = n
        .facts()
        .into_iter()
        .map(|(k, v)| json!({"name": k, "value": v, "inline": k != "URL" && k != "Cause"}))
        .collect();
    json!({
        "username": "Flatline",
        "embeds": [{
            "title": n.title(),
            "color": colour(n.event),
            "fields": fields,
            "timestamp": rfc3339(n.at_ms),
            "footer": {"text": "Flatline"},
        }],
    })
}

/// Telegram `sendMessage` with HTML formatting.
fn telegram(n: &Notice, chat_id: &str) -> Value {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut text = format!("<b>{}</b>", esc(&n.title()));
    for (k, v) in n.facts() {
        text.push_str(&format!("\n<b>{k}:</b> {}", esc(&v)));
    }
    // Numeric ids go as numbers, `@channel` names as strings.
    let chat: Value = chat_id
        .parse::<i64>()
        .map_or_else(|_| json!(chat_id), |id| json!(id));
    json!({
        "chat_id": chat,
        "text": text,
        "parse_mode": "HTML",
        "disable_web_page_preview": true,
    })
}

/// The generic webhook's document (see the README).
pub fn webhook(n: &Notice) -> Value {
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
    json!({
        "event": n.event.as_str(),
        "delivery_id": n.delivery_id,
        "timestamp": rfc3339(n.at_ms),
        "monitor": monitor,
        "incident": incident,
        "title": n.title(),
        "message": n.text(),
    })
}

/// ntfy JSON publishing (to the server's root URL).
fn ntfy(n: &Notice, topic: &str) -> Value {
    let (priority, tag) = match n.event {
        Event::Down | Event::Reminder => (5, "red_circle"),
        Event::Up => (3, "green_circle"),
        Event::Test => (3, "white_check_mark"),
    };
    let title = n.title();
    let title = title
        .split_once(' ')
        .map_or(title.as_str(), |(_, rest)| rest)
        .to_owned();
    let message: Vec<String> = n.facts().iter().map(|(k, v)| format!("{k}: {v}")).collect();
    json!({
        "topic": topic,
        "title": title,
        "message": message.join("\n"),
        "priority": priority,
        "tags": [tag],
    })
}

/// Gotify `POST /message`.
fn gotify(n: &Notice) -> Value {
    let priority = match n.event {
        Event::Down | Event::Reminder => 8,
        Event::Up | Event::Test => 4,
    };
    let message: Vec<String> = n.facts().iter().map(|(k, v)| format!("{k}: {v}")).collect();
    json!({
        "title": n.title(),
        "message": message.join("\n"),
        "priority": priority,
    })
}

/// Teams workflow webhook: a message with one Adaptive Card.
fn teams(n: &Notice) -> Value {
    let style = match n.event {
        Event::Down | Event::Reminder => "Attention",
        Event::Up => "Good",
        Event::Test => "Accent",
    };
    let facts: Vec<Value> = n
        .facts()
        .into_iter()
        .map(|(k, v)| json!({"title": k, "value": v}))
        .collect();
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [
                    {"type": "TextBlock", "text": n.title(), "weight": "Bolder", "size": "Medium", "color": style, "wrap": true},
                    {"type": "FactSet", "facts": facts},
                ],
            },
        }],
    })
}

/// PagerDuty Events API v2: trigger on down, resolve on up, with one dedup key per
/// incident. A test triggers and at once resolves its own event.
fn pagerduty(n: &Notice, routing_key: &str) -> Vec<Value> {
    let dedup_key = match (n.monitor_id, n.incident_started_ms) {
        (Some(m), Some(started)) => format!("flatline-{m}-{started}"),
        (Some(m), None) => format!("flatline-{m}-{}", n.at_ms),
        (None, _) => format!("flatline-test-{}", n.delivery_id),
    };
    let trigger = || {
        let details: serde_json::Map<String, Value> = n
            .facts()
            .into_iter()
            .map(|(k, v)| (k.to_lowercase().replace(' ', "_"), json!(v)))
            .collect();
        json!({
            "routing_key": routing_key,
            "event_action": "trigger",
            "dedup_key": dedup_key,
            "client": "Flatline",
            "payload": {
                "summary": n.title(),
                "source": if n.monitor_url.is_empty() { "flatline" } else { n.monitor_url.as_str() },
                "severity": if n.event == Event::Test { "info" } else { "critical" },
                "timestamp": rfc3339(n.at_ms),
                "component": n.monitor_name,
                "custom_details": details,
            },
        })
    };
    let resolve =
        || json!({"routing_key": routing_key, "event_action": "resolve", "dedup_key": dedup_key});
    match n.event {
        Event::Down | Event::Reminder => vec![trigger()],
        Event::Up => vec![resolve()],
        Event::Test => vec![trigger(), resolve()],
    }
}

/// `2h 5m 3s`, `45s`.
pub fn human_duration(seconds: i64) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    );
    let mut parts = Vec::new();
    if d > 0 {
        parts.push(format!("{d}d"));
    }
    if h > 0 {
        parts.push(format!("{h}h"));
    }
    if m > 0 {
        parts.push(format!("{m}m"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(format!("{s}s"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn down() -> Notice {
        Notice {
            event: Event::Down,
            delivery_id: 7,
            channel_name: "ops".into(),
            monitor_id: Some(3),
            monitor_name: "API <prod>".into(),
            monitor_url: "https://api.example.com/health".into(),
            cause: Some("connection refused".into()),
            at_ms: 1_764_000_000_000,
            incident_id: Some(11),
            incident_started_ms: Some(1_764_000_000_000),
            incident_resolved_ms: None,
        }
    }

    #[test]
    fn times_and_durations_read_well() {
        assert_eq!(rfc3339(1_764_000_000_000), "2025-11-24T16:00:00Z");
        assert_eq!(rfc3339(1_764_000_000_123), "2025-11-24T16:00:00.123Z");
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(3725), "1h 2m 5s");
        assert_eq!(human_duration(90_000), "1d 1h");
    }

    #[test]
    fn each_type_follows_its_service_format() {
        let n = down();
        let slack = &http_calls(
            &ChannelConfig::Slack {
                url: "http://s/".into(),
            },
            &n,
        )[0];
        assert!(slack.body["text"]
            .as_str()
            .is_some_and(|t| t.contains("&lt;prod&gt;")));
        assert_eq!(slack.body["blocks"][0]["type"], "section");
        let discord = &http_calls(
            &ChannelConfig::Discord {
                url: "http://d/".into(),
            },
            &n,
        )[0];
        assert_eq!(discord.body["embeds"][0]["color"], 0xE03E3E);
        let telegram = &http_calls(
            &ChannelConfig::Telegram {
                url: "http://t/".into(),
                chat_id: "-100".into(),
            },
            &n,
        )[0];
        assert_eq!(telegram.body["chat_id"], -100);
        assert_eq!(telegram.body["parse_mode"], "HTML");
        let pd = |event| {
            let mut n = down();
            n.event = event;
            http_calls(
                &ChannelConfig::Pagerduty {
                    routing_key: "rk".into(),
                    url: "http://p/".into(),
                },
                &n,
            )
        };
        let (trigger, resolve) = (&pd(Event::Down)[0], &pd(Event::Up)[0]);
        assert_eq!(trigger.body["event_action"], "trigger");
        assert_eq!(resolve.body["event_action"], "resolve");
        assert_eq!(trigger.body["dedup_key"], resolve.body["dedup_key"]);
        let gotify = &http_calls(
            &ChannelConfig::Gotify {
                server_url: "http://g/".into(),
                token: "tk".into(),
            },
            &n,
        )[0];
        assert_eq!(gotify.url, "http://g/message");
        assert!(gotify
            .headers
            .contains(&("X-Gotify-Key".into(), "tk".into())));
    }

    #[test]
    fn recovery_reports_the_downtime() {
        let mut n = down();
        n.event = Event::Up;
        n.at_ms += 125_000;
        n.incident_resolved_ms = Some(n.at_ms);
        let doc = webhook(&n);
        assert_eq!(doc["event"], "up");
        assert_eq!(doc["incident"]["duration_seconds"], 125);
        assert!(n.text().contains("Downtime: 2m 5s"), "{}", n.text());
    }
}
