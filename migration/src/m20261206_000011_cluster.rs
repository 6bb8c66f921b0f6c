//! Several nodes on one PostgreSQL: the nodes that announce themselves (a heartbeat each: a
//! node's leases hold while it is fresh), the shard leases that say which node runs which
//! monitors (with a fencing epoch that every claim raises), and a claim on each delivery so
//! that one node sends it and a node dying mid-send hands it on.
//! `location` is `local` for the nodes themselves; remote probes lease their own location's.
// async_trait signatures must match the trait exactly, hidden lifetimes included.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ClusterNodes {
    Table,
    Id,
    Address,
    Version,
    StartedAt,
    HeartbeatAt,
}

#[derive(DeriveIden)]
enum ClusterLeases {
    Table,
    Location,
    Shard,
    Owner,
    Epoch,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    ClaimedBy,
    ClaimedUntil,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ClusterNodes::Table)
                    .if_not_exists()
                    .col(text(ClusterNodes::Id).primary_key())
                    .col(text(ClusterNodes::Address))
                    .col(text(ClusterNodes::Version))
                    .col(big_integer(ClusterNodes::StartedAt))
                    .col(big_integer(ClusterNodes::HeartbeatAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ClusterLeases::Table)
                    .if_not_exists()
                    .col(text(ClusterLeases::Location))
                    .col(integer(ClusterLeases::Shard))
                    .col(text_null(ClusterLeases::Owner))
                    .col(big_integer(ClusterLeases::Epoch).default(0))
                    .primary_key(
                        Index::create()
                            .col(ClusterLeases::Location)
                            .col(ClusterLeases::Shard),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Deliveries::Table)
                    .add_column(text_null(Deliveries::ClaimedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Deliveries::Table)
                    .add_column(big_integer_null(Deliveries::ClaimedUntil))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Deliveries::ClaimedUntil, Deliveries::ClaimedBy] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Deliveries::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(ClusterLeases::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ClusterNodes::Table).to_owned())
            .await
    }
}
