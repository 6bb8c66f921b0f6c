//! Notification channels: where alerts go, per type, with validation and secret masking shared
//! by the server and the web UI.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::monitor::{validate_header, validate_http_url};
use crate::FieldError;

/// What a masked secret looks like in API answers.
pub const MASK: &str = "***";
/// PagerDuty's public Events API v2 endpoint.
pub const PAGERDUTY_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";
/// The public ntfy server.
pub const NTFY_URL: &str = "https://ntfy.sh";
/// Longest channel name, in characters.
pub const CHANNEL_NAME_MAX_CHARS: usize = 200;
/// Longest interval between reminders while a monitor stays down (a week), in minutes.
pub const RESEND_INTERVAL_MAX_MINUTES: u32 = 10_080;

/// How an email channel talks to its SMTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587); refused if the server lacks it.
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption (a relay on the same host or network only).
    None,
}

/// A channel's type and settings. `type` selects the variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum ChannelConfig {
    /// Slack incoming webhook (`https://hooks.slack.com/services/…`).
    Slack { url: String },
    /// Discord channel webhook (`https://discord.com/api/webhooks/…`).
    Discord { url: String },
    /// Telegram bot: `url` is the bot's sendMessage URL
    /// (`https://api.telegram.org/bot<token>/sendMessage`), `chat_id` a chat id or `@channel`.
    Telegram {
        url: String,
        #[serde(deserialize_with = "string_or_number")]
        chat_id: String,
    },
    /// Any HTTP endpoint: Flatline POSTs its documented JSON event document.
    Webhook {
        url: String,
        /// Extra request headers (their values are treated as secrets).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        headers: BTreeMap<String, String>,
    },
    /// ntfy: `server_url` (default `https://ntfy.sh`), `topic`, optional access `token`.
    Ntfy {
        #[serde(default = "ntfy_url")]
        server_url: String,
        topic: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
    },
    /// Gotify: `server_url` and an application `token`.
    Gotify { server_url: String, token: String },
    /// Microsoft Teams workflow webhook ("Post to a channel when a webhook request is received").
    Teams { url: String },
    /// PagerDuty Events API v2: triggers on down, resolves on up with the same dedup key.
    Pagerduty {
        routing_key: String,
        /// The Events API endpoint; default the public one.
        #[serde(default = "pagerduty_url")]
        url: String,
    },
    /// Email over SMTP.
    Email {
        host: String,
        /// Default 587 (`starttls`), 465 (`tls`) or 25 (`none`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        port: Option<u16>,
        #[serde(default)]
        security: SmtpSecurity,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        username: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        password: Option<String>,
        from: String,
        to: Vec<String>,
    },
}

fn ntfy_url() -> String {
    NTFY_URL.to_owned()
}

fn pagerduty_url() -> String {
    PAGERDUTY_EVENTS_URL.to_owned()
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(de: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(i64),
    }
    Ok(match Id::deserialize(de)? {
        Id::Text(s) => s,
        Id::Number(n) => n.to_string(),
    })
}

impl ChannelConfig {
    /// The `type` name.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Slack { .. } => "slack",
            Self::Discord { .. } => "discord",
            Self::Telegram { .. } => "telegram",
            Self::Webhook { .. } => "webhook",
            Self::Ntfy { .. } => "ntfy",
            Self::Gotify { .. } => "gotify",
            Self::Teams { .. } => "teams",
            Self::Pagerduty { .. } => "pagerduty",
            Self::Email { .. } => "email",
        }
    }

    /// Every `type` name.
    pub const KINDS: [&'static str; 9] = [
        "slack",
        "discord",
        "telegram",
        "webhook",
        "ntfy",
        "gotify",
        "teams",
        "pagerduty",
        "email",
    ];

    /// Checks every field; errors name it as `config.<field>`.
    pub fn validate(&self) -> Result<(), FieldError> {
        match self {
            Self::Slack { url } | Self::Discord { url } | Self::Teams { url } => {
                http_url("url", url)
            }
            Self::Telegram { url, chat_id } => {
                http_url("url", url)?;
                required("chat_id", chat_id)
            }
            Self::Webhook { url, headers } => {
                http_url("url", url)?;
                for (name, value) in headers {
                    validate_header("config.headers", name, value)?;
                }
                Ok(())
            }
            Self::Ntfy {
                server_url,
                topic,
                token,
            } => {
                http_url("server_url", server_url)?;
                required("topic", topic)?;
                if !topic
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    || topic.len() > 64
                {
                    return Err(field("topic", "must be 1–64 letters, digits, '-' or '_'"));
                }
                if let Some(token) = token {
                    required("token", token)?;
                }
                Ok(())
            }
            Self::Gotify { server_url, token } => {
                http_url("server_url", server_url)?;
                required("token", token)
            }
            Self::Pagerduty { routing_key, url } => {
                required("routing_key", routing_key)?;
                http_url("url", url)
            }
            Self::Email {
                host,
                port,
                username,
                password,
                from,
                to,
                ..
            } => {
                required("host", host)?;
                if host.contains(['/', ' ', ':']) && host.parse::<std::net::Ipv6Addr>().is_err() {
                    return Err(field(
                        "host",
                        "must be a host name or address, without a port",
                    ));
                }
                if *port == Some(0) {
                    return Err(field("port", "must be between 1 and 65535"));
                }
                if password.is_some() && username.is_none() {
                    return Err(field("username", "is required with a password"));
                }
                email_address("from", from)?;
                if to.is_empty() {
                    return Err(field("to", "must name at least one address"));
                }
                for (i, addr) in to.iter().enumerate() {
                    email_address(&format!("to[{i}]"), addr)?;
                }
                Ok(())
            }
        }
    }

    /// A copy fit to show: tokens, passwords and header values become `***`, and URLs that
    /// carry their secret in the path or query keep only their scheme, host and port.
    pub fn masked(&self) -> Self {
        let mut c = self.clone();
        match &mut c {
            Self::Slack { url } | Self::Discord { url } | Self::Teams { url } => {
                *url = mask_url(url);
            }
            Self::Telegram { url, .. } => *url = mask_url(url),
            Self::Webhook { url, headers } => {
                *url = mask_url(url);
                headers.values_mut().for_each(|v| *v = MASK.to_owned());
            }
            Self::Ntfy { token, .. } => {
                if let Some(t) = token {
                    *t = MASK.to_owned();
                }
            }
            Self::Gotify { token, .. } => *token = MASK.to_owned(),
            Self::Pagerduty { routing_key, .. } => *routing_key = MASK.to_owned(),
            Self::Email { password, .. } => {
                if let Some(p) = password {
                    *p = MASK.to_owned();
                }
            }
        }
        c
    }

    /// Applies a partial config (a JSON object) from a PATCH. With the same `type` (or none),
    /// absent fields keep their stored value, and so do fields sent back exactly as masked, so
    /// a client can round-trip what it was shown. A new `type` needs a whole config.
    pub fn merge_patch(&self, patch: serde_json::Value) -> Result<Self, FieldError> {
        let serde_json::Value::Object(patch) = patch else {
            return Err(FieldError::new("config", "must be a JSON object"));
        };
        let same_type = patch
            .get("type")
            .is_none_or(|t| t.as_str() == Some(self.kind()));
        let merged = if same_type {
            let stored = serde_json::to_value(self).unwrap_or_default();
            let masked = serde_json::to_value(self.masked()).unwrap_or_default();
            let mut merged = stored.as_object().cloned().unwrap_or_default();
            for (key, value) in patch {
                if masked.get(&key) == Some(&value) && stored.get(&key) != Some(&value) {
                    continue;
                }
                if let (Some(serde_json::Value::Object(old)), serde_json::Value::Object(new)) =
                    (stored.get(&key), &value)
                {
                    // Header maps: a header sent back as `***` keeps its stored value.
                    let mut map = new.clone();
                    for (h, v) in map.iter_mut() {
                        if v.as_str() == Some(MASK) {
                            if let Some(old) = old.get(h) {
                                *v = old.clone();
                            }
                        }
                    }
                    merged.insert(key, serde_json::Value::Object(map));
                    continue;
                }
                merged.insert(key, value);
            }
            serde_json::Value::Object(merged)
        } else {
            serde_json::Value::Object(patch)
        };
        let config: Self =
            serde_json::from_value(merged).map_err(|e| FieldError::new("config", e.to_string()))?;
        config.validate()?;
        Ok(config)
    }
}

fn field(name: &str, message: &str) -> FieldError {
    FieldError::new(format!("config.{name}"), message)
}

fn required(name: &str, value: &str) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        return Err(field(name, "must not be empty"));
    }
    if value.len() > 2048 {
        return Err(field(name, "must be at most 2048 bytes"));
    }
    Ok(())
}

fn http_url(name: &str, raw: &str) -> Result<(), FieldError> {
    required(name, raw)?;
    validate_http_url(&format!("config.{name}"), raw)
}

/// A plain `local@domain` address, or `Name <local@domain>`.
fn email_address(name: &str, raw: &str) -> Result<(), FieldError> {
    let addr = match (raw.find('<'), raw.rfind('>')) {
        (Some(open), Some(close)) if open < close && close == raw.trim_end().len() - 1 => {
            &raw[open + 1..close]
        }
        _ => raw.trim(),
    };
    let valid = addr.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.is_empty()
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !addr.contains(char::is_whitespace)
            && !domain.contains('@')
    });
    if valid {
        Ok(())
    } else {
        Err(field(name, "is not an email address"))
    }
}

/// `scheme://host[:port]`, with `/***` standing for any path or query.
pub fn mask_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(u) => {
            let mut out = format!("{}://{}", u.scheme(), u.host_str().unwrap_or(""));
            if let Some(port) = u.port() {
                out.push_str(&format!(":{port}"));
            }
            if u.path() != "/" || u.query().is_some() || !u.username().is_empty() {
                out.push('/');
                out.push_str(MASK);
            }
            out
        }
        Err(_) => MASK.to_owned(),
    }
}

/// The body of `POST /api/v1/notification-channels`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateChannel {
    pub name: String,
    pub config: ChannelConfig,
    /// Linked to every monitor created from now on. Default false.
    #[serde(default)]
    pub default: bool,
    /// With `default`: link it to every existing monitor too. Default false.
    #[serde(default)]
    pub apply_to_existing: bool,
}

/// The body of `PATCH /api/v1/notification-channels/{id}`: absent fields keep their value.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PatchChannel {
    #[serde(default)]
    pub name: Option<String>,
    /// Some fields of the config; with the same `type`, absent or still-masked secrets keep
    /// their stored value.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub config: Option<serde_json::Value>,
    #[serde(default)]
    pub default: Option<bool>,
}

/// Checks a channel name; returns it trimmed.
pub fn validate_channel_name(name: &str) -> Result<String, FieldError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(FieldError::new("name", "must not be empty"));
    }
    if name.chars().count() > CHANNEL_NAME_MAX_CHARS {
        return Err(FieldError::new(
            "name",
            format!("must be at most {CHANNEL_NAME_MAX_CHARS} characters"),
        ));
    }
    Ok(name.to_owned())
}

/// A notification channel as the API returns it: secrets masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationChannel {
    pub id: i64,
    pub name: String,
    /// Secrets masked (`***`).
    pub config: ChannelConfig,
    /// New monitors get this channel.
    pub default: bool,
    /// Monitors linked to it.
    pub monitor_ids: Vec<i64>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
}

/// The body of `POST /api/v1/monitors/{id}/notifications`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LinkChannel {
    pub channel_id: i64,
}

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum NotificationEvent {
    /// The monitor went down (an incident opened).
    Down,
    /// It recovered (the incident was resolved).
    Up,
    /// It is still down (repeated every `resend_interval_minutes`).
    Reminder,
    /// A test message sent from the channel's page or `POST …/test`.
    Test,
}

impl NotificationEvent {
    /// The name stored in the outbox and sent in webhooks.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Down => "down",
            Self::Up => "up",
            Self::Reminder => "reminder",
            Self::Test => "test",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "down" => Self::Down,
            "up" => Self::Up,
            "reminder" => Self::Reminder,
            "test" => Self::Test,
            _ => return None,
        })
    }

    /// Whether it reports a monitor that is down.
    pub fn is_bad(self) -> bool {
        matches!(self, Self::Down | Self::Reminder)
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Waiting for its first attempt or for a retry.
    Pending,
    /// A test message being sent right now (the delivery loop never picks it up).
    Sending,
    /// The channel accepted it.
    Sent,
    /// Given up after the last attempt.
    Failed,
}

impl DeliveryStatus {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "sending" => Self::Sending,
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// One notification on its way to (or delivered to) one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub id: i64,
    pub channel_id: i64,
    pub monitor_id: Option<i64>,
    pub event: NotificationEvent,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// RFC 3339 UTC: when the event was queued.
    pub created_at: String,
    /// RFC 3339 UTC: the last attempt, or the queueing.
    pub updated_at: String,
    /// RFC 3339 UTC: when the channel accepted it.
    pub sent_at: Option<String>,
    /// RFC 3339 UTC: the next attempt, while pending.
    pub next_attempt_at: Option<String>,
}

/// The outcome of `POST /api/v1/notification-channels/{id}/test`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestOutcome {
    /// Whether the channel accepted the message.
    pub ok: bool,
    /// The HTTP status the channel answered, for HTTP channels.
    pub status_code: Option<u16>,
    /// Why it failed.
    pub error: Option<String>,
    /// How long the attempt took.
    pub duration_ms: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> ChannelConfig {
        serde_json::from_str(json).expect(json)
    }

    #[test]
    fn seed_shapes_parse_and_validate() {
        for json in [
            r#"{"type":"slack","url":"https://hooks.slack.com/services/T/B/x"}"#,
            r#"{"type":"discord","url":"https://discord.com/api/webhooks/1/x"}"#,
            r#"{"type":"telegram","url":"https://api.telegram.org/bot1:x/sendMessage","chat_id":-100}"#,
            r#"{"type":"webhook","url":"http://127.0.0.1:9/hook"}"#,
            r#"{"type":"ntfy","topic":"alerts"}"#,
            r#"{"type":"gotify","server_url":"http://g","token":"t"}"#,
            r#"{"type":"teams","url":"https://x.logic.azure.com/workflows/1"}"#,
            r#"{"type":"pagerduty","routing_key":"k"}"#,
            r#"{"type":"email","host":"smtp.example.com","from":"a@b.c","to":["Ops <o@b.c>"]}"#,
        ] {
            parse(json).validate().expect(json);
        }
        assert_eq!(
            parse(r#"{"type":"telegram","url":"http://t/x","chat_id":-100}"#),
            ChannelConfig::Telegram {
                url: "http://t/x".into(),
                chat_id: "-100".into()
            }
        );
    }

    #[test]
    fn errors_name_the_config_field() {
        for (json, name) in [
            (r#"{"type":"slack","url":"ftp://x/"}"#, "config.url"),
            (
                r#"{"type":"telegram","url":"http://t/","chat_id":" "}"#,
                "config.chat_id",
            ),
            (r#"{"type":"ntfy","topic":"a b"}"#, "config.topic"),
            (
                r#"{"type":"gotify","server_url":"http://g","token":""}"#,
                "config.token",
            ),
            (
                r#"{"type":"email","host":"h","from":"nope","to":["a@b"]}"#,
                "config.from",
            ),
            (
                r#"{"type":"email","host":"h","from":"a@b","to":[]}"#,
                "config.to",
            ),
            (
                r#"{"type":"email","host":"h","from":"a@b","to":["x"]}"#,
                "config.to[0]",
            ),
            (
                r#"{"type":"webhook","url":"http://h/","headers":{"a b":"c"}}"#,
                "config.headers.a b",
            ),
        ] {
            assert_eq!(parse(json).validate().expect_err(json).field, name);
        }
    }

    #[test]
    fn secrets_are_masked() {
        let c = parse(r#"{"type":"slack","url":"https://hooks.slack.com/services/T/B/secret"}"#);
        assert_eq!(
            c.masked(),
            ChannelConfig::Slack {
                url: "https://hooks.slack.com/***".into()
            }
        );
        let c = parse(
            r#"{"type":"webhook","url":"http://127.0.0.1:8080/?token=s","headers":{"X-Key":"s"}}"#,
        );
        let shown = serde_json::to_string(&c.masked()).expect("json");
        assert!(!shown.contains("token=s"), "{shown}");
        assert!(shown.contains("127.0.0.1:8080/***") && shown.contains(r#""X-Key":"***""#));
        let c = parse(
            r#"{"type":"email","host":"h","from":"a@b","to":["c@d"],"username":"u","password":"pw"}"#,
        );
        assert!(!serde_json::to_string(&c.masked())
            .expect("json")
            .contains("pw"));
    }

    #[test]
    fn patches_keep_absent_and_masked_secrets() {
        let c = parse(r#"{"type":"gotify","server_url":"http://g","token":"secret"}"#);
        let shown = serde_json::to_value(c.masked()).expect("json");
        assert_eq!(c.merge_patch(shown).expect("round trip"), c);
        let moved = c
            .merge_patch(serde_json::json!({"server_url": "http://h"}))
            .expect("partial");
        assert_eq!(
            moved,
            ChannelConfig::Gotify {
                server_url: "http://h".into(),
                token: "secret".into()
            }
        );
        let err = c
            .merge_patch(serde_json::json!({"type": "slack"}))
            .expect_err("a new type needs its fields");
        assert_eq!(err.field, "config");
        let w = parse(r#"{"type":"webhook","url":"http://h/x","headers":{"A":"1","B":"2"}}"#);
        let patched = w
            .merge_patch(serde_json::json!({"headers": {"A": "***", "C": "3"}}))
            .expect("headers");
        assert_eq!(
            patched,
            ChannelConfig::Webhook {
                url: "http://h/x".into(),
                headers: [("A".into(), "1".into()), ("C".into(), "3".into())].into()
            }
        );
    }
}
