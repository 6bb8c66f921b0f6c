//! Rollups: per monitor and per minute, hour and day, check counts and a mergeable latency
//! histogram, so stats over 90 days never scan raw checks. And pauses: when each monitor was
//! paused, so uptime counts only monitored time. Times are UTC milliseconds.
// async_trait signatures must match the trait exactly, hidden lifetimes included.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Rollups {
    Table,
    MonitorId,
    BucketMs,
    BucketStart,
    Checks,
    Failed,
    LatencySumUs,
    Latency,
}

#[derive(DeriveIden)]
enum Pauses {
    Table,
    Id,
    MonitorId,
    StartedAt,
    EndedAt,
}

#[derive(DeriveIden)]
enum Monitors {
    Table,
    Id,
    Enabled,
    UpdatedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Rollups::Table)
                    .if_not_exists()
                    .col(big_integer(Rollups::MonitorId))
                    // 60000 (minute), 3600000 (hour) or 86400000 (day).
                    .col(big_integer(Rollups::BucketMs))
                    .col(big_integer(Rollups::BucketStart))
                    .col(big_integer(Rollups::Checks))
                    .col(big_integer(Rollups::Failed))
                    // Over successful checks, for exact averages.
                    .col(big_integer(Rollups::LatencySumUs))
                    // HDR histogram (V2 encoding) of successful checks' latency in µs.
                    .col(blob_null(Rollups::Latency))
                    .primary_key(
                        Index::create()
                            .col(Rollups::MonitorId)
                            .col(Rollups::BucketMs)
                            .col(Rollups::BucketStart),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Rollups::Table, Rollups::MonitorId)
                            .to(Monitors::Table, Monitors::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Serves the retention sweep of each tier.
        manager
            .create_index(
                Index::create()
                    .name("idx_rollups_bucket")
                    .table(Rollups::Table)
                    .col(Rollups::BucketMs)
                    .col(Rollups::BucketStart)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Pauses::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Pauses::Id))
                    .col(big_integer(Pauses::MonitorId))
                    .col(big_integer(Pauses::StartedAt))
                    .col(big_integer_null(Pauses::EndedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Pauses::Table, Pauses::MonitorId)
                            .to(Monitors::Table, Monitors::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_pauses_monitor_id")
                    .table(Pauses::Table)
                    .col(Pauses::MonitorId)
                    .col(Pauses::StartedAt)
                    .to_owned(),
            )
            .await?;
        // Monitors paused before this migration: paused since their last change.
        let insert = Query::insert()
            .into_table(Pauses::Table)
            .columns([Pauses::MonitorId, Pauses::StartedAt])
            .select_from(
                Query::select()
                    .columns([Monitors::Id, Monitors::UpdatedAt])
                    .from(Monitors::Table)
                    .and_where(Expr::col(Monitors::Enabled).eq(false))
                    .to_owned(),
            )
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .to_owned();
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Pauses::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Rollups::Table).to_owned())
            .await
    }
}
