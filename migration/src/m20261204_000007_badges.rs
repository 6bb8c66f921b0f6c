//! Badges: each monitor gets a random `badge_key` for its public badge URLs (never its id),
//! and `public_badges` says whether they are served.
// async_trait signatures must match the trait exactly, hidden lifetimes included.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Monitors {
    Table,
    BadgeKey,
    PublicBadges,
}

const INDEX: &str = "monitors_badge_key";

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        let columns = [
            text_null(Monitors::BadgeKey).to_owned(),
            boolean(Monitors::PublicBadges).default(false).to_owned(),
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
        // Monitors that exist already get a random key each (20 hex digits); new ones get
        // theirs from the store.
        let fill = match manager.get_database_backend() {
            DbBackend::Postgres => {
                "UPDATE monitors SET badge_key = substr(md5(random()::text || id::text || clock_timestamp()::text), 1, 20) WHERE badge_key IS NULL"
            }
            _ => "UPDATE monitors SET badge_key = lower(hex(randomblob(10))) WHERE badge_key IS NULL",
        };
        manager.get_connection().execute_unprepared(fill).await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Monitors::Table)
                    .col(Monitors::BadgeKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Monitors::Table).to_owned())
            .await?;
        for column in [Monitors::PublicBadges, Monitors::BadgeKey] {
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
