//! Feishu (Lark): a group bot's webhook, signed when the bot has a signing secret.

use serde::{Deserialize, Serialize};

use super::fields::{
    http_url, mask_optional, mask_url, optional, ChannelKind, ChannelType, ConfigField, FieldInput,
};
use crate::FieldError;

/// Feishu bot: the webhook `url` and, when the bot's
/// security setting has signature verification, its `secret`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FeishuConfig {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl ChannelKind for FeishuConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "feishu",
        label: "Feishu / Lark",
        fields: &[
            ConfigField::new(
                "url",
                "Webhook URL",
                FieldInput::Secret,
                true,
                "https://open.feishu.cn/open-apis/bot/v2/hook/…",
            ),
            ConfigField::new(
                "secret",
                "Signing secret",
                FieldInput::Secret,
                false,
                "When the bot verifies signatures",
            ),
        ],
        reminders: true,
    };

    fn validate(&self) -> Result<(), FieldError> {
        http_url("url", &self.url)?;
        optional("secret", &self.secret)
    }

    fn masked(&self) -> Self {
        let mut c = self.clone();
        c.url = mask_url(&self.url);
        mask_optional(&mut c.secret);
        c
    }
}
