//! Notification providers: one file per channel type, each saying what it sends for a notice
//! and how its answers are judged. Sending, retries, ordering and metrics are shared (see
//! `send` and the notifier); no provider does its own I/O, so every body is unit-tested.
//!
//! Adding a provider: its config in `flatline_types::notify`, one file here implementing
//! [`Provider`] for it, and its arm in [`provider`].

mod discord;
mod email;
mod gotify;
mod ntfy;
mod pagerduty;
mod slack;
mod teams;
mod telegram;
mod webhook;

use flatline_types::{ChannelConfig, EmailConfig};
use serde_json::Value;

use super::notice::{Event, Notice};

pub use webhook::document as webhook_document;

/// What a channel type sends, and how it judges the answers.
pub trait Provider {
    /// The requests that deliver `notice`, in order; the notice is delivered once every one
    /// of them was accepted.
    fn requests(&self, notice: &Notice) -> Vec<Request>;

    /// Whether an HTTP answer with `status` means the request was accepted. Default: any 2xx.
    fn accepted(&self, status: u16) -> bool {
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

/// One HTTP `POST` of a JSON body.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpCall {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl HttpCall {
    /// A `POST` of `body` to `url`.
    pub fn post(url: &str, body: Value) -> Self {
        Self {
            url: url.to_owned(),
            headers: Vec::new(),
            body,
        }
    }

    /// The same call with one more header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
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
        assert!(slack.body["text"]
            .as_str()
            .is_some_and(|t| t.contains("&lt;prod&gt;")));
        assert_eq!(slack.body["blocks"][0]["type"], "section");
        let discord = &calls(
            &ChannelConfig::Discord(DiscordConfig {
                url: "http://d/".into(),
            }),
            &n,
        )[0];
        assert_eq!(discord.body["embeds"][0]["color"], 0xE03E3E);
        let telegram = &calls(
            &ChannelConfig::Telegram(TelegramConfig {
                url: "http://t/".into(),
                chat_id: "-100".into(),
            }),
            &n,
        )[0];
        assert_eq!(telegram.body["chat_id"], -100);
        assert_eq!(telegram.body["parse_mode"], "HTML");
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
        assert_eq!(trigger.body["event_action"], "trigger");
        assert_eq!(resolve.body["event_action"], "resolve");
        assert_eq!(trigger.body["dedup_key"], resolve.body["dedup_key"]);
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
