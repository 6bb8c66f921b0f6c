//! ntfy: a topic on a server (the public one by default), with an optional access token.

use serde::{Deserialize, Serialize};

use super::fields::{
    field, http_url, mask, required, ChannelKind, ChannelType, ConfigField, FieldInput,
};
use crate::FieldError;

/// The public ntfy server.
pub const NTFY_URL: &str = "https://ntfy.sh";

/// ntfy: `server_url` (default `https://ntfy.sh`), `topic`, optional access `token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NtfyConfig {
    #[serde(default = "ntfy_url")]
    pub server_url: String,
    pub topic: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

fn ntfy_url() -> String {
    NTFY_URL.to_owned()
}

impl ChannelKind for NtfyConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "ntfy",
        label: "ntfy",
        fields: &[
            ConfigField::new(
                "server_url",
                "Server URL",
                FieldInput::Text,
                false,
                "Empty: https://ntfy.sh",
            ),
            ConfigField::new("topic", "Topic", FieldInput::Text, true, ""),
            ConfigField::new(
                "token",
                "Access token",
                FieldInput::Secret,
                false,
                "Optional",
            ),
        ],
        reminders: true,
    };

    fn validate(&self) -> Result<(), FieldError> {
        http_url("server_url", &self.server_url)?;
        required("topic", &self.topic)?;
        if !self
            .topic
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            || self.topic.len() > 64
        {
            return Err(field("topic", "must be 1–64 letters, digits, '-' or '_'"));
        }
        if let Some(token) = &self.token {
            required("token", token)?;
        }
        Ok(())
    }

    fn masked(&self) -> Self {
        let mut c = self.clone();
        c.token.iter_mut().for_each(mask);
        c
    }
}
