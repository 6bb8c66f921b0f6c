//! The `probes` table: each location's remote probe, as last heard.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "probes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub location: String,
    /// The probe process holding the location (random per start).
    pub probe_id: String,
    pub version: String,
    /// The address it connects from.
    pub address: String,
    pub connected_at: i64,
    pub last_seen_at: i64,
    /// Server clock minus probe clock, ms.
    pub skew_ms: i64,
    /// A check's start to its result reaching the server, ms (last batch's median).
    pub lag_ms: i64,
    /// Results it said it still held.
    pub buffered: i64,
    /// Results stored over the last minute.
    pub checks_per_minute: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
