//! Notification channels: where alerts go. One file per channel type holds its config (fields,
//! validation, masking, its description for the UI's forms); this file joins them into
//! [`ChannelConfig`], merges PATCHes, and lists the types.
//!
//! Adding a type: a file here with its config struct implementing [`ChannelKind`], and one
//! line in the `channel_types!` list below.

mod alertmanager;
mod api;
mod apprise;
mod dingtalk;
mod discord;
mod email;
mod feishu;
mod fields;
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

pub use alertmanager::{AlertmanagerConfig, ALERTMANAGER_OWN_LABELS};
pub use api::*;
pub use apprise::AppriseConfig;
pub use dingtalk::DingtalkConfig;
pub use discord::DiscordConfig;
pub use email::{EmailConfig, SmtpSecurity};
pub use feishu::FeishuConfig;
pub use fields::{mask_url, ChannelKind, ChannelType, ConfigField, FieldInput, MASK};
pub use googlechat::GooglechatConfig;
pub use gotify::GotifyConfig;
pub use homeassistant::HomeassistantConfig;
pub use matrix::MatrixConfig;
pub use mattermost::MattermostConfig;
pub use ntfy::{NtfyConfig, NTFY_URL};
pub use opsgenie::{OpsgenieConfig, OPSGENIE_URL};
pub use pagerduty::{PagerdutyConfig, PAGERDUTY_EVENTS_URL};
pub use pushover::{PushoverConfig, PUSHOVER_URL};
pub use rocketchat::RocketchatConfig;
pub use signal::SignalConfig;
pub use slack::SlackConfig;
pub use splunk_oncall::SplunkOncallConfig;
pub use teams::TeamsConfig;
pub use telegram::TelegramConfig;
pub use twilio::{TwilioConfig, TWILIO_URL};
pub use webhook::WebhookConfig;
pub use zulip::ZulipConfig;

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// Longest interval between reminders while a monitor stays down (a week), in minutes.
pub const RESEND_INTERVAL_MAX_MINUTES: u32 = 10_080;

/// Declares [`ChannelConfig`] and [`CHANNEL_TYPES`] from one list of `Variant(Config)`.
macro_rules! channel_types {
    ($($(#[$doc:meta])* $variant:ident($config:ty),)*) => {
        /// A channel's type and settings. `type` selects the variant.
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(tag = "type", rename_all = "lowercase")]
        pub enum ChannelConfig {
            $($(#[$doc])* $variant($config),)*
        }

        /// Every channel type, in the order the UI offers them.
        pub const CHANNEL_TYPES: &[ChannelType] = &[$(<$config as ChannelKind>::TYPE,)*];

        impl ChannelConfig {
            /// The type's description.
            pub fn channel_type(&self) -> &'static ChannelType {
                match self {
                    $(Self::$variant(_) => &<$config as ChannelKind>::TYPE,)*
                }
            }

            /// Checks every field; errors name it as `config.<field>`.
            pub fn validate(&self) -> Result<(), FieldError> {
                match self {
                    $(Self::$variant(c) => c.validate(),)*
                }
            }

            /// A copy fit to show: tokens, passwords and header values become `***`, and URLs
            /// that carry their secret in the path or query keep only their scheme, host and
            /// port.
            pub fn masked(&self) -> Self {
                match self {
                    $(Self::$variant(c) => Self::$variant(c.masked()),)*
                }
            }
        }
    };
}

channel_types! {
    /// Any HTTP endpoint: Flatline POSTs its documented JSON event document.
    Webhook(WebhookConfig),
    /// Slack incoming webhook.
    Slack(SlackConfig),
    /// Discord channel webhook.
    Discord(DiscordConfig),
    /// Telegram bot.
    Telegram(TelegramConfig),
    /// Microsoft Teams workflow webhook.
    Teams(TeamsConfig),
    /// ntfy topic.
    Ntfy(NtfyConfig),
    /// Gotify application.
    Gotify(GotifyConfig),
    /// PagerDuty Events API v2.
    Pagerduty(PagerdutyConfig),
    /// Email over SMTP.
    Email(EmailConfig),
    /// Pushover.
    Pushover(PushoverConfig),
    /// Matrix room.
    Matrix(MatrixConfig),
    /// Mattermost incoming webhook.
    Mattermost(MattermostConfig),
    /// Rocket.Chat incoming webhook.
    Rocketchat(RocketchatConfig),
    /// Google Chat space webhook.
    Googlechat(GooglechatConfig),
    /// Opsgenie Alert API.
    Opsgenie(OpsgenieConfig),
    /// Splunk On-Call (VictorOps) REST endpoint.
    #[serde(rename = "splunk_oncall")]
    SplunkOncall(SplunkOncallConfig),
    /// Prometheus Alertmanager.
    Alertmanager(AlertmanagerConfig),
    /// Signal, through a signal-cli REST API.
    Signal(SignalConfig),
    /// Apprise API (100+ services).
    Apprise(AppriseConfig),
    /// Home Assistant notify service.
    Homeassistant(HomeassistantConfig),
    /// Zulip stream.
    Zulip(ZulipConfig),
    /// Twilio SMS.
    Twilio(TwilioConfig),
    /// DingTalk robot.
    Dingtalk(DingtalkConfig),
    /// Feishu / Lark bot.
    Feishu(FeishuConfig),
}

impl ChannelConfig {
    /// The `type` name.
    pub fn kind(&self) -> &'static str {
        self.channel_type().kind
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

/// The type named `kind`, if there is one.
pub fn channel_type(kind: &str) -> Option<&'static ChannelType> {
    CHANNEL_TYPES.iter().find(|t| t.kind == kind)
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
            r#"{"type":"pushover","token":"t","user_key":"u"}"#,
            r#"{"type":"matrix","homeserver_url":"https://m.example","access_token":"t","room_id":"!r:m.example"}"#,
            r#"{"type":"mattermost","url":"https://mm.example/hooks/x"}"#,
            r#"{"type":"rocketchat","url":"https://rc.example/hooks/x/y"}"#,
            r#"{"type":"googlechat","url":"https://chat.googleapis.com/v1/spaces/A/messages?key=k&token=t"}"#,
            r#"{"type":"opsgenie","api_key":"k"}"#,
            r#"{"type":"splunk_oncall","url":"https://alert.victorops.com/integrations/generic/20131114/alert/k","routing_key":"team"}"#,
            r#"{"type":"alertmanager","url":"http://am:9093","labels":{"team":"web"}}"#,
            r#"{"type":"signal","url":"http://signal:8080","number":"+15551234567","recipients":["+15557654321"]}"#,
            r#"{"type":"apprise","url":"http://apprise:8000","urls":"mailto://u:p@example.com"}"#,
            r#"{"type":"homeassistant","url":"http://ha:8123","token":"t","service":"mobile_app_x"}"#,
            r#"{"type":"zulip","site":"https://z.example","bot_email":"b@z.example","api_key":"k","stream":"ops"}"#,
            r#"{"type":"twilio","account_sid":"AC0123456789abcdef0123456789abcdef","auth_token":"t","from":"+15551234567","to":["+15557654321"]}"#,
            r#"{"type":"dingtalk","url":"https://oapi.dingtalk.com/robot/send?access_token=t","secret":"SECx"}"#,
            r#"{"type":"feishu","url":"https://open.feishu.cn/open-apis/bot/v2/hook/x"}"#,
        ] {
            parse(json).validate().expect(json);
        }
        assert_eq!(
            parse(r#"{"type":"splunk_oncall","url":"https://s/x","routing_key":"r"}"#).kind(),
            "splunk_oncall"
        );
        assert_eq!(CHANNEL_TYPES.len(), 24);
        assert_eq!(
            parse(r#"{"type":"telegram","url":"http://t/x","chat_id":-100}"#),
            ChannelConfig::Telegram(TelegramConfig {
                url: "http://t/x".into(),
                chat_id: "-100".into()
            })
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
            ChannelConfig::Slack(SlackConfig {
                url: "https://hooks.slack.com/***".into()
            })
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
    fn the_new_types_mask_every_secret() {
        for (json, secrets) in [
            (
                r#"{"type":"pushover","token":"s1","user_key":"s2"}"#,
                &["s1", "s2"][..],
            ),
            (
                r#"{"type":"matrix","homeserver_url":"https://m.example","access_token":"s1","room_id":"!r:m"}"#,
                &["s1"],
            ),
            (r#"{"type":"opsgenie","api_key":"s1"}"#, &["s1"]),
            (
                r#"{"type":"apprise","url":"http://a","urls":"tgram://s1/s2"}"#,
                &["s1", "s2"],
            ),
            (
                r#"{"type":"homeassistant","url":"http://h","token":"s1","service":"x"}"#,
                &["s1"],
            ),
            (
                r#"{"type":"zulip","site":"https://z","bot_email":"b@z","api_key":"s1","stream":"o"}"#,
                &["s1"],
            ),
            (
                r#"{"type":"twilio","account_sid":"AC0123456789abcdef0123456789abcdef","auth_token":"s1","from":"+15551234567","to":["+15557654321"]}"#,
                &["s1"],
            ),
            (
                r#"{"type":"splunk_oncall","url":"https://s/alert/s1","routing_key":"r"}"#,
                &["s1"],
            ),
            (
                r#"{"type":"dingtalk","url":"https://d/robot/send?access_token=s1","secret":"s2"}"#,
                &["s1", "s2"],
            ),
            (
                r#"{"type":"feishu","url":"https://f/hook/s1","secret":"s2"}"#,
                &["s1", "s2"],
            ),
            (
                r#"{"type":"googlechat","url":"https://g/v1/spaces/A/messages?key=s1&token=s2"}"#,
                &["s1", "s2"],
            ),
        ] {
            let shown = serde_json::to_string(&parse(json).masked()).expect("json");
            for secret in secrets {
                assert!(!shown.contains(secret), "{json} shows {secret}: {shown}");
            }
        }
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
            ChannelConfig::Gotify(GotifyConfig {
                server_url: "http://h".into(),
                token: "secret".into()
            })
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
            ChannelConfig::Webhook(WebhookConfig {
                url: "http://h/x".into(),
                headers: [("A".into(), "1".into()), ("C".into(), "3".into())].into()
            })
        );
    }
}
