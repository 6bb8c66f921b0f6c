//! Incident updates: what the people handling an incident tell its readers
//! (investigating → identified → monitoring → resolved), in Markdown.
// async_trait signatures must match the trait exactly, hidden lifetimes included.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IncidentUpdates {
    Table,
    Id,
    IncidentId,
    State,
    Message,
    Author,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Incidents {
    Table,
    Id,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IncidentUpdates::Table)
                    .if_not_exists()
                    .col(big_pk_auto(IncidentUpdates::Id))
                    .col(big_integer(IncidentUpdates::IncidentId))
                    .col(text(IncidentUpdates::State))
                    .col(text(IncidentUpdates::Message))
                    .col(text(IncidentUpdates::Author))
                    .col(big_integer(IncidentUpdates::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(IncidentUpdates::Table, IncidentUpdates::IncidentId)
                            .to(Incidents::Table, Incidents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_incident_updates_incident_id")
                    .table(IncidentUpdates::Table)
                    .col(IncidentUpdates::IncidentId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IncidentUpdates::Table).to_owned())
            .await
    }
}
