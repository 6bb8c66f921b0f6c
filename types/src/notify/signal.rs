//! Signal: through a signal-cli REST API server (bbernhard/signal-cli-rest-api) registered
//! with a number.

use serde::{Deserialize, Serialize};

use super::fields::{
    field, http_url, list, phone, ChannelKind, ChannelType, ConfigField, FieldInput,
};
use crate::FieldError;

/// Signal: the signal-cli REST API's `url`, the registered `number` that sends, and the
/// `recipients` (phone numbers or `group.…` ids).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignalConfig {
    pub url: String,
    pub number: String,
    pub recipients: Vec<String>,
}

impl ChannelKind for SignalConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "signal",
        label: "Signal",
        fields: &[
            ConfigField::new(
                "url",
                "signal-cli REST API URL",
                FieldInput::Text,
                true,
                "http://signal-api:8080",
            ),
            ConfigField::new(
                "number",
                "Sending number",
                FieldInput::Text,
                true,
                "+15551234567, registered with the API",
            ),
            ConfigField::new(
                "recipients",
                "Recipients",
                FieldInput::List,
                true,
                "Numbers or group.… ids, comma-separated",
            ),
        ],
        reminders: true,
    };

    fn validate(&self) -> Result<(), FieldError> {
        http_url("url", &self.url)?;
        phone(&self.number).map_err(|m| field("number", m))?;
        list("recipients", &self.recipients, |r| {
            if r.starts_with("group.") && r.len() > 6 && !r.contains(char::is_whitespace) {
                Ok(())
            } else {
                phone(r).map_err(|_| "must be a phone number like +15551234567 or a group.… id")
            }
        })
    }

    fn masked(&self) -> Self {
        self.clone()
    }
}
