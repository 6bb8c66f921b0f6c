//! Notifications: channels, their links to monitors, and the delivery outbox. Plus each
//! monitor's reminder interval. Times are UTC milliseconds.
// async_trait signatures must match the trait exactly, hidden lifetimes included.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationChannels {
    Table,
    Id,
    Name,
    Kind,
    Config,
    IsDefault,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MonitorChannels {
    Table,
    MonitorId,
    ChannelId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Id,
    ChannelId,
    MonitorId,
    Event,
    EventKey,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    CreatedAt,
    UpdatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum Monitors {
    Table,
    Id,
    ResendIntervalMinutes,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Monitors::Table)
                    .add_column(integer(Monitors::ResendIntervalMinutes).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationChannels::Table)
                    .if_not_exists()
                    .col(big_pk_auto(NotificationChannels::Id))
                    .col(string(NotificationChannels::Name))
                    .col(string(NotificationChannels::Kind))
                    // JSON: the channel's config, secrets included (never shown in full).
                    .col(text(NotificationChannels::Config))
                    .col(boolean(NotificationChannels::IsDefault).default(false))
                    .col(big_integer(NotificationChannels::CreatedAt))
                    .col(big_integer(NotificationChannels::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MonitorChannels::Table)
                    .if_not_exists()
                    .col(big_integer(MonitorChannels::MonitorId))
                    .col(big_integer(MonitorChannels::ChannelId))
                    .col(big_integer(MonitorChannels::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(MonitorChannels::MonitorId)
                            .col(MonitorChannels::ChannelId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MonitorChannels::Table, MonitorChannels::MonitorId)
                            .to(Monitors::Table, Monitors::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MonitorChannels::Table, MonitorChannels::ChannelId)
                            .to(NotificationChannels::Table, NotificationChannels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_monitor_channels_channel")
                    .table(MonitorChannels::Table)
                    .col(MonitorChannels::ChannelId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Deliveries::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Deliveries::Id))
                    .col(big_integer(Deliveries::ChannelId))
                    // No foreign key: a deleted monitor's last alerts are still delivered.
                    .col(big_integer_null(Deliveries::MonitorId))
                    // down, up, reminder or test.
                    .col(string(Deliveries::Event))
                    // Unique per channel: the same event is never queued twice.
                    .col(string(Deliveries::EventKey))
                    // JSON: what the message says, captured when the event happened.
                    .col(text(Deliveries::Payload))
                    // pending, sent or failed.
                    .col(string(Deliveries::Status))
                    .col(integer(Deliveries::Attempts).default(0))
                    .col(big_integer(Deliveries::NextAttemptAt))
                    .col(text_null(Deliveries::LastError))
                    .col(big_integer(Deliveries::CreatedAt))
                    .col(big_integer(Deliveries::UpdatedAt))
                    .col(big_integer_null(Deliveries::SentAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Deliveries::Table, Deliveries::ChannelId)
                            .to(NotificationChannels::Table, NotificationChannels::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deliveries_event")
                    .table(Deliveries::Table)
                    .col(Deliveries::ChannelId)
                    .col(Deliveries::EventKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Serves the delivery loop's "what is due" query.
        manager
            .create_index(
                Index::create()
                    .name("idx_deliveries_due")
                    .table(Deliveries::Table)
                    .col(Deliveries::Status)
                    .col(Deliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        // Serves "an older delivery for this channel and monitor is still pending".
        manager
            .create_index(
                Index::create()
                    .name("idx_deliveries_order")
                    .table(Deliveries::Table)
                    .col(Deliveries::ChannelId)
                    .col(Deliveries::MonitorId)
                    .col(Deliveries::Status)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Deliveries::Table.into_iden(),
            MonitorChannels::Table.into_iden(),
            NotificationChannels::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Monitors::Table)
                    .drop_column(Monitors::ResendIntervalMinutes)
                    .to_owned(),
            )
            .await
    }
}
