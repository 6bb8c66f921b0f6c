//! Pushover: an application token and a user (or group) key.

use serde::{Deserialize, Serialize};

use super::fields::{
    field, http_url, mask, required, ChannelKind, ChannelType, ConfigField, FieldInput,
};
use crate::FieldError;

/// Pushover's message API.
pub const PUSHOVER_URL: &str = "https://api.pushover.net/1/messages.json";

/// Pushover: `token` (the application's API token), `user_key` (a user or group key),
/// `priority` (-2 to 2; 2 repeats until acknowledged in the app), an optional `sound`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushoverConfig {
    pub token: String,
    pub user_key: String,
    /// -2 (no alert) to 2 (emergency: repeated every minute for an hour until acknowledged);
    /// down and reminders use it, other events at most 0.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = -2, maximum = 2))]
    pub priority: i8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sound: Option<String>,
    /// The API's URL; default Pushover's own.
    #[serde(default = "pushover_url")]
    pub url: String,
}

fn pushover_url() -> String {
    PUSHOVER_URL.to_owned()
}

impl ChannelKind for PushoverConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "pushover",
        label: "Pushover",
        fields: &[
            ConfigField::new(
                "token",
                "API token",
                FieldInput::Secret,
                true,
                "The application's token",
            ),
            ConfigField::new(
                "user_key",
                "User key",
                FieldInput::Secret,
                true,
                "A user or group key",
            ),
            ConfigField::new(
                "priority",
                "Priority",
                FieldInput::Number,
                false,
                "-2 to 2; 2 repeats until acknowledged (default 0)",
            ),
            ConfigField::new(
                "sound",
                "Sound",
                FieldInput::Text,
                false,
                "Optional, e.g. siren",
            ),
            ConfigField::new(
                "url",
                "API URL",
                FieldInput::Text,
                false,
                "Empty: Pushover's own",
            ),
        ],
        reminders: true,
    };

    fn validate(&self) -> Result<(), FieldError> {
        required("token", &self.token)?;
        required("user_key", &self.user_key)?;
        if !(-2..=2).contains(&self.priority) {
            return Err(field("priority", "must be between -2 and 2"));
        }
        if let Some(sound) = &self.sound {
            if sound.is_empty()
                || sound.len() > 32
                || !sound.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(field(
                    "sound",
                    "must be a sound's name: 1–32 letters, digits or '_'",
                ));
            }
        }
        http_url("url", &self.url)
    }

    fn masked(&self) -> Self {
        let mut c = self.clone();
        mask(&mut c.token);
        mask(&mut c.user_key);
        c
    }
}
