//! Maintenance windows (their configuration kept as JSON, read and written whole) and the
//! periods each monitor actually spent in maintenance, which uptime leaves out. Periods
//! outlive their window: deleting a window does not rewrite history.
// async_trait signatures must match the trait exactly, hidden lifetimes included.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MaintenanceWindows {
    Table,
    Id,
    Spec,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MaintenancePeriods {
    Table,
    Id,
    WindowId,
    MonitorId,
    StartedAt,
    EndedAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MaintenanceWindows::Table)
                    .if_not_exists()
                    .col(big_pk_auto(MaintenanceWindows::Id))
                    .col(text(MaintenanceWindows::Spec))
                    .col(big_integer(MaintenanceWindows::CreatedAt))
                    .col(big_integer(MaintenanceWindows::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MaintenancePeriods::Table)
                    .if_not_exists()
                    .col(big_pk_auto(MaintenancePeriods::Id))
                    .col(big_integer(MaintenancePeriods::WindowId))
                    .col(big_integer(MaintenancePeriods::MonitorId))
                    .col(big_integer(MaintenancePeriods::StartedAt))
                    .col(big_integer_null(MaintenancePeriods::EndedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_maintenance_periods_monitor_id")
                    .table(MaintenancePeriods::Table)
                    .col(MaintenancePeriods::MonitorId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MaintenancePeriods::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(MaintenanceWindows::Table).to_owned())
            .await
    }
}
