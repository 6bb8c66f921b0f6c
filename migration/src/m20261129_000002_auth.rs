//! Authentication: users (the owner), login sessions, API tokens, and instance settings such as
//! a generated JWT secret. Times are UTC milliseconds since the epoch.
// async_trait signatures must match the trait exactly, hidden lifetimes included.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Issuer,
    Subject,
    Username,
    Email,
    Name,
    PasswordHash,
    Role,
    CreatedAt,
    LastLoginAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    IdHash,
    UserId,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    Name,
    Prefix,
    TokenHash,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Users::Id))
                    // `local` for local accounts, else the OIDC issuer URL.
                    .col(text(Users::Issuer))
                    .col(text(Users::Subject))
                    .col(text(Users::Username))
                    .col(text_null(Users::Email))
                    .col(text_null(Users::Name))
                    .col(text_null(Users::PasswordHash))
                    .col(string_len(Users::Role, 16))
                    .col(big_integer(Users::CreatedAt))
                    .col(big_integer_null(Users::LastLoginAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_users_identity")
                    .table(Users::Table)
                    .col(Users::Issuer)
                    .col(Users::Subject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // One owner, enforced by the database: two first logins racing each other cannot both
        // become the owner.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS idx_users_one_owner \
                 ON users (role) WHERE role = 'owner'",
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Sessions::Id))
                    // SHA-256 of the session id carried (signed) in the cookie.
                    .col(string_len_uniq(Sessions::IdHash, 64))
                    .col(big_integer(Sessions::UserId))
                    .col(big_integer(Sessions::CreatedAt))
                    .col(big_integer(Sessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_expires_at")
                    .table(Sessions::Table)
                    .col(Sessions::ExpiresAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ApiTokens::Id))
                    .col(text(ApiTokens::Name))
                    // The first characters of the token, shown so a person can tell tokens apart.
                    .col(string_len(ApiTokens::Prefix, 32))
                    // SHA-256 (hex) of the whole token; the token itself is never stored.
                    .col(string_len_uniq(ApiTokens::TokenHash, 64))
                    // The user who created it; null when created from the command line.
                    .col(big_integer_null(ApiTokens::CreatedBy))
                    .col(big_integer(ApiTokens::CreatedAt))
                    .col(big_integer_null(ApiTokens::LastUsedAt))
                    .col(big_integer_null(ApiTokens::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiTokens::Table, ApiTokens::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Settings::Table)
                    .if_not_exists()
                    .col(string_len(Settings::Key, 64).primary_key())
                    .col(text(Settings::Value))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Settings::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
