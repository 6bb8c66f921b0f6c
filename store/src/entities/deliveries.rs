//! The `deliveries` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub channel_id: i64,
    pub monitor_id: Option<i64>,
    pub event: String,
    pub event_key: String,
    /// JSON of `crate::deliveries::EventPayload`.
    pub payload: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub sent_at: Option<i64>,
    /// The node sending it now, and until when its claim holds (a node dying mid-send
    /// hands the delivery on when the claim runs out).
    pub claimed_by: Option<String>,
    pub claimed_until: Option<i64>,
    /// An escalation step after the first (1 = the second step): held until due, and
    /// cancelled if the incident is acknowledged or resolved first.
    pub step: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
