//! Flatline's schema, as sea-orm migrations. `Migrator::up` runs at every start-up.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_init;
mod m20261129_000002_auth;
mod m20261129_000003_rollups;
mod m20261129_000004_notifications;
mod m20261202_000005_check_kinds;
mod m20261203_000006_certificates;
mod m20261204_000007_badges;
mod m20261204_000008_incident_updates;
mod m20261205_000009_status_pages;
mod m20261205_000010_maintenance;
mod m20261206_000011_cluster;
mod m20261207_000012_probes;
mod m20261208_000013_config_keys;
mod m20261215_000014_escalation;

/// Every migration, oldest first.
pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_init::Migration),
            Box::new(m20261129_000002_auth::Migration),
            Box::new(m20261129_000003_rollups::Migration),
            Box::new(m20261129_000004_notifications::Migration),
            Box::new(m20261202_000005_check_kinds::Migration),
            Box::new(m20261203_000006_certificates::Migration),
            Box::new(m20261204_000007_badges::Migration),
            Box::new(m20261204_000008_incident_updates::Migration),
            Box::new(m20261205_000009_status_pages::Migration),
            Box::new(m20261205_000010_maintenance::Migration),
            Box::new(m20261206_000011_cluster::Migration),
            Box::new(m20261207_000012_probes::Migration),
            Box::new(m20261208_000013_config_keys::Migration),
            Box::new(m20261215_000014_escalation::Migration),
        ]
    }
}
