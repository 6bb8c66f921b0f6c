//! sea-orm entities, one file per table of the `migration` crate's schema.

pub mod api_tokens;
pub mod checks;
pub mod deliveries;
pub mod escalation_policies;
pub mod incident_updates;
pub mod incidents;
pub mod maintenance_periods;
pub mod maintenance_windows;
pub mod monitor_channels;
pub mod monitors;
pub mod notification_channels;
pub mod pauses;
pub mod probes;
pub mod rollups;
pub mod sessions;
pub mod settings;
pub mod status_page_notices;
pub mod status_pages;
pub mod users;
