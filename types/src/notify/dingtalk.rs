//! DingTalk: a group robot's webhook, signed when the robot has a signing secret.

use serde::{Deserialize, Serialize};

use super::fields::{
    http_url, mask_optional, mask_url, optional, ChannelKind, ChannelType, ConfigField, FieldInput,
};
use crate::FieldError;

/// DingTalk robot: the webhook `url` (with its `access_token`) and, when the robot's
/// security setting is "sign", its `secret` (`SEC…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DingtalkConfig {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl ChannelKind for DingtalkConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "dingtalk",
        label: "DingTalk",
        fields: &[
            ConfigField::new(
                "url",
                "Webhook URL",
                FieldInput::Secret,
                true,
                "https://oapi.dingtalk.com/robot/send?access_token=…",
            ),
            ConfigField::new(
                "secret",
                "Signing secret",
                FieldInput::Secret,
                false,
                "SEC…, when the robot signs",
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
