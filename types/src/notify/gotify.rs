//! Gotify: a server and an application token.

use serde::{Deserialize, Serialize};

use super::fields::{http_url, mask, required, ChannelKind, ChannelType, ConfigField, FieldInput};
use crate::FieldError;

/// Gotify: `server_url` and an application `token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GotifyConfig {
    pub server_url: String,
    pub token: String,
}

impl ChannelKind for GotifyConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "gotify",
        label: "Gotify",
        fields: &[
            ConfigField::new("server_url", "Server URL", FieldInput::Text, true, ""),
            ConfigField::new("token", "Application token", FieldInput::Secret, true, ""),
        ],
        reminders: true,
    };

    fn validate(&self) -> Result<(), FieldError> {
        http_url("server_url", &self.server_url)?;
        required("token", &self.token)
    }

    fn masked(&self) -> Self {
        let mut c = self.clone();
        mask(&mut c.token);
        c
    }
}
