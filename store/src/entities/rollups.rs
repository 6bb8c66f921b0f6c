//! The `rollups` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rollups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub monitor_id: i64,
    /// 60000, 3600000 or 86400000.
    #[sea_orm(primary_key, auto_increment = false)]
    pub bucket_ms: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub bucket_start: i64,
    pub checks: i64,
    pub failed: i64,
    pub latency_sum_us: i64,
    /// HDR histogram (V2) of successful checks' latency in µs; None if none succeeded.
    pub latency: Option<Vec<u8>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
