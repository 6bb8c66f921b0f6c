//! The `checks` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "checks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub monitor_id: i64,
    pub checked_at: i64,
    pub up: bool,
    pub latency_us: i64,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    /// `local`, or the location of the remote probe that ran it.
    pub location: String,
    /// A probe's result: its start by the probe's own clock (its identity, with the monitor
    /// and location); null for local checks.
    pub probe_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
