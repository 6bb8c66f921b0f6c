//! The `monitors` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "monitors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub url: String,
    pub method: String,
    /// JSON object of header name to value.
    pub headers: String,
    pub body: Option<String>,
    pub interval_seconds: i32,
    pub timeout_ms: i32,
    pub retries: i32,
    pub retry_interval_seconds: i32,
    /// JSON array of integers.
    pub expected_status_codes: String,
    pub follow_redirects: bool,
    pub verify_tls: bool,
    pub enabled: bool,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Stable name a configuration file matches it by; unique; `None`: no file touches it.
    pub key: Option<String>,
    /// What a file last set: JSON `{digest, refs}`; `None` unless applied from a file.
    pub applied: Option<String>,
    pub resend_interval_minutes: i32,
    /// `http`, `tcp`, `dns`, `ping` or `push`.
    pub kind: String,
    /// JSON of the kind's own settings; null for `http`, whose settings are the columns above.
    pub settings: Option<String>,
    /// JSON array of assertions.
    pub assertions: String,
    /// SHA-256 (hex) of a push monitor's token.
    pub push_token_hash: Option<String>,
    /// JSON array of days before a certificate's expiry that a warning is sent.
    pub certificate_expiry_days: String,
    /// JSON of the last certificate seen (`CertificateRecord`), or null.
    pub certificate: Option<String>,
    /// The random key in the monitor's badge URLs.
    pub badge_key: Option<String>,
    /// Whether its badges are served to anyone.
    pub public_badges: bool,
    /// JSON array of the locations it is checked from.
    pub locations: String,
    /// How many locations must see it down; null: a majority.
    pub confirm_locations: Option<i32>,
    /// Who hears of its incidents, and when (`None`: its linked channels, at once).
    pub escalation_policy_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
