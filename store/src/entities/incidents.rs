//! The `incidents` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incidents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub monitor_id: i64,
    pub started_at: i64,
    pub resolved_at: Option<i64>,
    pub cause: String,
    /// UTC ms, who (a user's name, `token NAME`, or `link`), and how (`api`, `ui`, `link`).
    pub acknowledged_at: Option<i64>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_via: Option<String>,
    pub ack_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
