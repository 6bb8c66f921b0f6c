//! Public status pages (their sections of monitors kept as JSON, since they are only ever
//! read and written whole) and the standalone notices written on them.
// async_trait signatures must match the trait exactly, hidden lifetimes included.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StatusPages {
    Table,
    Id,
    Slug,
    Title,
    Description,
    Sections,
    CustomDomain,
    ShowLatency,
    Visibility,
    PasswordHash,
    Footer,
    Theme,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StatusPageNotices {
    Table,
    Id,
    PageId,
    Title,
    Message,
    Level,
    CreatedAt,
    UpdatedAt,
    EndsAt,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StatusPages::Table)
                    .if_not_exists()
                    .col(big_pk_auto(StatusPages::Id))
                    .col(text(StatusPages::Slug).unique_key())
                    .col(text(StatusPages::Title))
                    .col(text(StatusPages::Description))
                    .col(text(StatusPages::Sections))
                    .col(text_null(StatusPages::CustomDomain).unique_key())
                    .col(boolean(StatusPages::ShowLatency))
                    .col(text(StatusPages::Visibility))
                    .col(text_null(StatusPages::PasswordHash))
                    .col(text(StatusPages::Footer))
                    .col(text(StatusPages::Theme))
                    .col(big_integer(StatusPages::CreatedAt))
                    .col(big_integer(StatusPages::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StatusPageNotices::Table)
                    .if_not_exists()
                    .col(big_pk_auto(StatusPageNotices::Id))
                    .col(big_integer(StatusPageNotices::PageId))
                    .col(text(StatusPageNotices::Title))
                    .col(text(StatusPageNotices::Message))
                    .col(text(StatusPageNotices::Level))
                    .col(big_integer(StatusPageNotices::CreatedAt))
                    .col(big_integer(StatusPageNotices::UpdatedAt))
                    .col(big_integer_null(StatusPageNotices::EndsAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StatusPageNotices::Table, StatusPageNotices::PageId)
                            .to(StatusPages::Table, StatusPages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_status_page_notices_page_id")
                    .table(StatusPageNotices::Table)
                    .col(StatusPageNotices::PageId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StatusPageNotices::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(StatusPages::Table).to_owned())
            .await
    }
}
