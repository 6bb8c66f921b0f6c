//! Telegram: a bot's sendMessage URL and a chat.

use serde::{Deserialize, Serialize};

use super::fields::{
    http_url, mask_url, required, ChannelKind, ChannelType, ConfigField, FieldInput,
};
use crate::FieldError;

/// Telegram bot: `url` is the bot's sendMessage URL
/// (`https://api.telegram.org/bot<token>/sendMessage`), `chat_id` a chat id or `@channel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TelegramConfig {
    pub url: String,
    /// A chat id (a number, as a number or a string) or `@channelname`.
    #[serde(deserialize_with = "string_or_number")]
    #[cfg_attr(feature = "openapi", schema(schema_with = chat_id_schema))]
    pub chat_id: String,
}

impl ChannelKind for TelegramConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "telegram",
        label: "Telegram",
        fields: &[
            ConfigField::new(
                "url",
                "Bot sendMessage URL",
                FieldInput::Secret,
                true,
                "https://api.telegram.org/bot<token>/sendMessage",
            ),
            ConfigField::new(
                "chat_id",
                "Chat id",
                FieldInput::Text,
                true,
                "A number, or @channelname",
            ),
        ],
        reminders: true,
    };

    fn validate(&self) -> Result<(), FieldError> {
        http_url("url", &self.url)?;
        required("chat_id", &self.chat_id)
    }

    fn masked(&self) -> Self {
        Self {
            url: mask_url(&self.url),
            chat_id: self.chat_id.clone(),
        }
    }
}

#[cfg(feature = "openapi")]
fn chat_id_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Integer]))
        .build()
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
