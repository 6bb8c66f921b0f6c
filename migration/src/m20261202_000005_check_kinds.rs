//! Check kinds: a monitor's `kind`, the settings of kinds other than HTTP (whose settings keep
//! the columns they had), its assertions, and the hash of a push monitor's token.
// async_trait signatures must match the trait exactly, hidden lifetimes included.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Monitors {
    Table,
    Kind,
    Settings,
    Assertions,
    PushTokenHash,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        let columns = [
            string_len(Monitors::Kind, 16).default("http").to_owned(),
            // JSON: the kind's own settings (tcp, dns, ping, push); null for http.
            text_null(Monitors::Settings).to_owned(),
            // JSON array of assertions.
            text(Monitors::Assertions).default("[]").to_owned(),
            string_len_null(Monitors::PushTokenHash, 64).to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Monitors::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        // Push URLs are looked up by the hash of their token.
        manager
            .create_index(
                Index::create()
                    .name("idx_monitors_push_token_hash")
                    .table(Monitors::Table)
                    .col(Monitors::PushTokenHash)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_monitors_push_token_hash")
                    .table(Monitors::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Monitors::PushTokenHash,
            Monitors::Assertions,
            Monitors::Settings,
            Monitors::Kind,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Monitors::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
