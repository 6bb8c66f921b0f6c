//! Remote probes: where each monitor is checked from (`locations`, with `confirm_locations`
//! of them needed to call it down), where each check ran (`location`; a probe's result is
//! identified by the probe's own start time, `probe_at`, so that a batch sent twice is stored
//! once), tokens scoped to a probe's location, and each location's probe as last heard.
// async_trait signatures must match the trait exactly, hidden lifetimes included.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Monitors {
    Table,
    Locations,
    ConfirmLocations,
}

#[derive(DeriveIden)]
enum Checks {
    Table,
    Location,
    ProbeAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Location,
}

#[derive(DeriveIden)]
enum Probes {
    Table,
    Location,
    ProbeId,
    Version,
    Address,
    ConnectedAt,
    LastSeenAt,
    SkewMs,
    LagMs,
    Buffered,
    ChecksPerMinute,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns: [(DynIden, ColumnDef); 5] = [
            (
                Monitors::Table.into_iden(),
                text(Monitors::Locations).default("[\"local\"]").to_owned(),
            ),
            (
                Monitors::Table.into_iden(),
                integer_null(Monitors::ConfirmLocations).to_owned(),
            ),
            (
                Checks::Table.into_iden(),
                text(Checks::Location).default("local").to_owned(),
            ),
            (
                Checks::Table.into_iden(),
                big_integer_null(Checks::ProbeAt).to_owned(),
            ),
            (
                ApiTokens::Table.into_iden(),
                text_null(ApiTokens::Location).to_owned(),
            ),
        ];
        for (table, mut column) in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        // Partial (probe results only), so local checks pay nothing for it; both backends
        // take this statement as it is.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS checks_probe_identity \
                 ON checks (monitor_id, location, probe_at) WHERE probe_at IS NOT NULL",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Probes::Table)
                    .if_not_exists()
                    .col(text(Probes::Location).primary_key())
                    .col(text(Probes::ProbeId))
                    .col(text(Probes::Version))
                    .col(text(Probes::Address))
                    .col(big_integer(Probes::ConnectedAt))
                    .col(big_integer(Probes::LastSeenAt))
                    .col(big_integer(Probes::SkewMs).default(0))
                    .col(big_integer(Probes::LagMs).default(0))
                    .col(big_integer(Probes::Buffered).default(0))
                    .col(big_integer(Probes::ChecksPerMinute).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Probes::Table).to_owned())
            .await?;
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS checks_probe_identity")
            .await?;
        let columns: [(DynIden, DynIden); 5] = [
            (
                ApiTokens::Table.into_iden(),
                ApiTokens::Location.into_iden(),
            ),
            (Checks::Table.into_iden(), Checks::ProbeAt.into_iden()),
            (Checks::Table.into_iden(), Checks::Location.into_iden()),
            (
                Monitors::Table.into_iden(),
                Monitors::ConfirmLocations.into_iden(),
            ),
            (Monitors::Table.into_iden(), Monitors::Locations.into_iden()),
        ];
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
