//! Twilio: SMS through the Messages API, one message per recipient.

use serde::{Deserialize, Serialize};

use super::fields::{
    field, http_url, list, mask, phone, required, ChannelKind, ChannelType, ConfigField, FieldInput,
};
use crate::FieldError;

/// Twilio's REST API.
pub const TWILIO_URL: &str = "https://api.twilio.com";

/// Twilio SMS: `account_sid` (`AC…`), `auth_token`, the sending number `from` and the `to`
/// numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TwilioConfig {
    pub account_sid: String,
    pub auth_token: String,
    pub from: String,
    pub to: Vec<String>,
    /// The API's URL; default Twilio's own.
    #[serde(default = "twilio_url")]
    pub url: String,
}

fn twilio_url() -> String {
    TWILIO_URL.to_owned()
}

impl ChannelKind for TwilioConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "twilio",
        label: "Twilio (SMS)",
        fields: &[
            ConfigField::new("account_sid", "Account SID", FieldInput::Text, true, "AC…"),
            ConfigField::new("auth_token", "Auth token", FieldInput::Secret, true, ""),
            ConfigField::new(
                "from",
                "From",
                FieldInput::Text,
                true,
                "A Twilio number, +15551234567",
            ),
            ConfigField::new(
                "to",
                "To",
                FieldInput::List,
                true,
                "Numbers, comma-separated",
            ),
            ConfigField::new(
                "url",
                "API URL",
                FieldInput::Text,
                false,
                "Empty: https://api.twilio.com",
            ),
        ],
        reminders: true,
    };

    fn validate(&self) -> Result<(), FieldError> {
        required("account_sid", &self.account_sid)?;
        if !self.account_sid.starts_with("AC")
            || self.account_sid.len() != 34
            || !self.account_sid[2..].chars().all(|c| c.is_ascii_hexdigit())
        {
            return Err(field("account_sid", "must be AC and 32 hexadecimal digits"));
        }
        required("auth_token", &self.auth_token)?;
        phone(&self.from).map_err(|m| field("from", m))?;
        list("to", &self.to, phone)?;
        http_url("url", &self.url)
    }

    fn masked(&self) -> Self {
        let mut c = self.clone();
        mask(&mut c.auth_token);
        c
    }
}
