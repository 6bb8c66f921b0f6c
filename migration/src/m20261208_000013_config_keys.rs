//! Configuration as code: a stable `key` per monitor, channel, status page and maintenance
//! window (unique per table; a file matches resources by it), and `applied`, what the file
//! last set (a digest of the resolved entry and the names of the variables its secrets came
//! from), so a later plan can tell an edit made outside the file.
// async_trait signatures must match the trait exactly, hidden lifetimes included.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Monitors {
    Table,
}

#[derive(DeriveIden)]
enum NotificationChannels {
    Table,
}

#[derive(DeriveIden)]
enum StatusPages {
    Table,
}

#[derive(DeriveIden)]
enum MaintenanceWindows {
    Table,
}

#[derive(DeriveIden)]
enum Column {
    Key,
    Applied,
}

fn tables() -> [(DynIden, &'static str); 4] {
    [
        (Monitors::Table.into_iden(), "monitors"),
        (
            NotificationChannels::Table.into_iden(),
            "notification_channels",
        ),
        (StatusPages::Table.into_iden(), "status_pages"),
        (MaintenanceWindows::Table.into_iden(), "maintenance_windows"),
    ]
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, name) in tables() {
            for column in [text_null(Column::Key), text_null(Column::Applied)] {
                manager
                    .alter_table(
                        Table::alter()
                            .table(table.clone())
                            .add_column(column.to_owned())
                            .to_owned(),
                    )
                    .await?;
            }
            // NULLs never collide, so resources without a key are unconstrained.
            manager
                .create_index(
                    Index::create()
                        .name(format!("idx_{name}_key"))
                        .table(table)
                        .col(Column::Key)
                        .unique()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, name) in tables() {
            manager
                .drop_index(
                    Index::drop()
                        .name(format!("idx_{name}_key"))
                        .table(table.clone())
                        .to_owned(),
                )
                .await?;
            for column in [Column::Key, Column::Applied] {
                manager
                    .alter_table(
                        Table::alter()
                            .table(table.clone())
                            .drop_column(column)
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}
