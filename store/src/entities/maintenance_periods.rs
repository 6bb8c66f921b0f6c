//! The `maintenance_periods` table: when a monitor was in maintenance.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "maintenance_periods")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub window_id: i64,
    pub monitor_id: i64,
    pub started_at: i64,
    /// `None` while it lasts.
    pub ended_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
