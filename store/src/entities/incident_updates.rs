//! The `incident_updates` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incident_updates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub incident_id: i64,
    /// `investigating`, `identified`, `monitoring` or `resolved`.
    pub state: String,
    /// Markdown, as written.
    pub message: String,
    /// Who wrote it: the user's name, or `token <name>`.
    pub author: String,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
