//! The `status_pages` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "status_pages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    /// Markdown.
    pub description: String,
    /// JSON: `[{name, monitors: [{monitor_id, display_name?}]}]`.
    pub sections: String,
    #[sea_orm(unique)]
    pub custom_domain: Option<String>,
    pub show_latency: bool,
    /// `public`, `password` or `private`.
    pub visibility: String,
    /// Argon2id PHC string.
    pub password_hash: Option<String>,
    /// Markdown.
    pub footer: String,
    /// `auto`, `light` or `dark`.
    pub theme: String,
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
