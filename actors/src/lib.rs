//! Flatline's monitor engine.
//!
//! A [`registry::Registry`] actor supervises one [`monitor::MonitorActor`] per enabled monitor,
//! spread over a few arbiters (threads). Monitor actors run their checks through the one seam of
//! [`checks`] (HTTP with awc today), hand every result to the [`writer::CheckWriter`] (batched inserts, so no monitor waits on the database)
//! and send [`messages::Transition`]s on real state changes to the
//! [`incident::IncidentActor`] and any other subscriber (notifications). Nothing here panics: a
//! failed check is data. [`maintenance`] tells the registry which monitors are in a
//! maintenance window.

pub mod board;
pub mod checks;
pub mod cluster;
pub mod engine;
pub mod incident;
pub mod maintenance;
pub mod messages;
pub mod metrics;
pub mod monitor;
pub mod notifier;
pub mod probes;
pub mod registry;
pub mod summary;
pub mod sweeper;
pub mod writer;

pub use board::{LiveStatus, StatusBoard};
pub use engine::{Engine, EngineConfig};
pub use metrics::EngineMetrics;
