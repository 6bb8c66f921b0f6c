//! Monitors, their checks and their incidents. Times are UTC milliseconds since the epoch.
// async_trait signatures must match the trait exactly, hidden lifetimes included.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Monitors {
    Table,
    Id,
    Name,
    Url,
    Method,
    Headers,
    Body,
    IntervalSeconds,
    TimeoutMs,
    Retries,
    RetryIntervalSeconds,
    ExpectedStatusCodes,
    FollowRedirects,
    VerifyTls,
    Enabled,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Checks {
    Table,
    Id,
    MonitorId,
    CheckedAt,
    Up,
    LatencyUs,
    StatusCode,
    Error,
}

#[derive(DeriveIden)]
enum Incidents {
    Table,
    Id,
    MonitorId,
    StartedAt,
    ResolvedAt,
    Cause,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Monitors::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Monitors::Id))
                    .col(string(Monitors::Name))
                    .col(text(Monitors::Url))
                    .col(string_len(Monitors::Method, 16))
                    .col(text(Monitors::Headers))
                    .col(text_null(Monitors::Body))
                    .col(integer(Monitors::IntervalSeconds))
                    .col(integer(Monitors::TimeoutMs))
                    .col(integer(Monitors::Retries))
                    .col(integer(Monitors::RetryIntervalSeconds))
                    .col(text(Monitors::ExpectedStatusCodes))
                    .col(boolean(Monitors::FollowRedirects))
                    .col(boolean(Monitors::VerifyTls))
                    .col(boolean(Monitors::Enabled))
                    .col(string_len(Monitors::Status, 16))
                    .col(big_integer(Monitors::CreatedAt))
                    .col(big_integer(Monitors::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Checks::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Checks::Id))
                    .col(big_integer(Checks::MonitorId))
                    .col(big_integer(Checks::CheckedAt))
                    .col(boolean(Checks::Up))
                    .col(big_integer(Checks::LatencyUs))
                    .col(integer_null(Checks::StatusCode))
                    .col(text_null(Checks::Error))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Checks::Table, Checks::MonitorId)
                            .to(Monitors::Table, Monitors::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Serves "newest checks of one monitor" and the `before` cursor.
        manager
            .create_index(
                Index::create()
                    .name("idx_checks_monitor_id_id")
                    .table(Checks::Table)
                    .col(Checks::MonitorId)
                    .col(Checks::Id)
                    .to_owned(),
            )
            .await?;
        // Serves the retention sweeper.
        manager
            .create_index(
                Index::create()
                    .name("idx_checks_checked_at")
                    .table(Checks::Table)
                    .col(Checks::CheckedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Incidents::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Incidents::Id))
                    .col(big_integer(Incidents::MonitorId))
                    .col(big_integer(Incidents::StartedAt))
                    .col(big_integer_null(Incidents::ResolvedAt))
                    .col(text(Incidents::Cause))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Incidents::Table, Incidents::MonitorId)
                            .to(Monitors::Table, Monitors::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_incidents_monitor_id_started_at")
                    .table(Incidents::Table)
                    .col(Incidents::MonitorId)
                    .col(Incidents::StartedAt)
                    .to_owned(),
            )
            .await?;
        // At most one open incident per monitor, enforced by the database itself: a duplicate
        // "down" (a restart, a retried message) can never open a second one. Partial indexes
        // are spelled the same on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS idx_incidents_one_open \
                 ON incidents (monitor_id) WHERE resolved_at IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Incidents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Checks::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Monitors::Table).to_owned())
            .await
    }
}
