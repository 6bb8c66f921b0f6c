//! The `maintenance_windows` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "maintenance_windows")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// JSON of the checked `CreateMaintenance`.
    pub spec: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Stable name a configuration file matches it by; unique; `None`: no file touches it.
    pub key: Option<String>,
    /// What a file last set: JSON `{digest, refs}`; `None` unless applied from a file.
    pub applied: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
