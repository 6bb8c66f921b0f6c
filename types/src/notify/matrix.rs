//! Matrix: a room, through a homeserver's client-server API with an access token.

use serde::{Deserialize, Serialize};

use super::fields::{
    field, http_url, mask, required, ChannelKind, ChannelType, ConfigField, FieldInput,
};
use crate::FieldError;

/// Matrix: `homeserver_url`, an `access_token` of the account that posts, the `room_id`
/// (`!abc:example.org`, from the room's settings) it has joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MatrixConfig {
    pub homeserver_url: String,
    pub access_token: String,
    pub room_id: String,
}

impl ChannelKind for MatrixConfig {
    const TYPE: ChannelType = ChannelType {
        kind: "matrix",
        label: "Matrix",
        fields: &[
            ConfigField::new(
                "homeserver_url",
                "Homeserver URL",
                FieldInput::Text,
                true,
                "https://matrix.example.org",
            ),
            ConfigField::new(
                "access_token",
                "Access token",
                FieldInput::Secret,
                true,
                "Of the account that posts",
            ),
            ConfigField::new(
                "room_id",
                "Room id",
                FieldInput::Text,
                true,
                "!abc:example.org (the room's settings, Advanced)",
            ),
        ],
        reminders: true,
    };

    fn validate(&self) -> Result<(), FieldError> {
        http_url("homeserver_url", &self.homeserver_url)?;
        required("access_token", &self.access_token)?;
        required("room_id", &self.room_id)?;
        if !self.room_id.starts_with('!')
            || !self.room_id.contains(':')
            || self.room_id.contains(char::is_whitespace)
        {
            return Err(field(
                "room_id",
                "must be a room id like !abc:example.org (not an alias)",
            ));
        }
        Ok(())
    }

    fn masked(&self) -> Self {
        let mut c = self.clone();
        mask(&mut c.access_token);
        c
    }
}
