//! Certificates: how many days ahead a monitor warns of its TLS certificate's expiry, and the
//! leaf certificate it last saw (with the warning already sent for it).
// async_trait signatures must match the trait exactly, hidden lifetimes included.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Monitors {
    Table,
    CertificateExpiryDays,
    Certificate,
}

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        let columns = [
            // JSON array of days, largest first; empty: no warnings.
            text(Monitors::CertificateExpiryDays)
                .default("[14,7,1]")
                .to_owned(),
            // JSON: the leaf certificate last seen, or null.
            text_null(Monitors::Certificate).to_owned(),
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
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Monitors::Certificate, Monitors::CertificateExpiryDays] {
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
