//! The `status_page_notices` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "status_page_notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub page_id: i64,
    pub title: String,
    /// Markdown.
    pub message: String,
    /// `info`, `warning` or `critical`.
    pub level: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub ends_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
