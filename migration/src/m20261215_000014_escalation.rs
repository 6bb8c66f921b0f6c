//! Acknowledgement and escalation: who acknowledged an incident, when and how; escalation
//! policies (steps of channels, each heard after its delay while the incident is open and
//! unacknowledged) attached to monitors; and the step a delivery belongs to, so that the
//! outbox holds a later step's deliveries until they are due (and cancels them when the
//! incident is acknowledged or resolved first).
// async_trait signatures must match the trait exactly, hidden lifetimes included.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Incidents {
    Table,
    AcknowledgedAt,
    AcknowledgedBy,
    AcknowledgedVia,
    AckNote,
}

#[derive(DeriveIden)]
enum EscalationPolicies {
    Table,
    Id,
    Name,
    Steps,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Monitors {
    Table,
    EscalationPolicyId,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Step,
    MonitorId,
    EventKey,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            big_integer_null(Incidents::AcknowledgedAt),
            text_null(Incidents::AcknowledgedBy),
            text_null(Incidents::AcknowledgedVia),
            text_null(Incidents::AckNote),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Incidents::Table)
                        .add_column(column.to_owned())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(EscalationPolicies::Table)
                    .if_not_exists()
                    .col(big_pk_auto(EscalationPolicies::Id))
                    .col(text(EscalationPolicies::Name))
                    .col(text(EscalationPolicies::Steps))
                    .col(big_integer(EscalationPolicies::CreatedAt))
                    .col(big_integer(EscalationPolicies::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Monitors::Table)
                    .add_column(big_integer_null(Monitors::EscalationPolicyId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Deliveries::Table)
                    .add_column(integer_null(Deliveries::Step))
                    .to_owned(),
            )
            .await?;
        // A policy's up and reminders look up the rows of one monitor's down.
        manager
            .create_index(
                Index::create()
                    .name("idx_deliveries_monitor_event")
                    .table(Deliveries::Table)
                    .col(Deliveries::MonitorId)
                    .col(Deliveries::EventKey)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_deliveries_monitor_event")
                    .table(Deliveries::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Deliveries::Table)
                    .drop_column(Deliveries::Step)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Monitors::Table)
                    .drop_column(Monitors::EscalationPolicyId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(EscalationPolicies::Table).to_owned())
            .await?;
        for column in [
            Incidents::AcknowledgedAt,
            Incidents::AcknowledgedBy,
            Incidents::AcknowledgedVia,
            Incidents::AckNote,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Incidents::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
