//! The service layer: the one place that changes what is stored *and* what runs. Handlers, the
//! CLI and the configuration applier (`config`) parse their input, call a service, and map what it
//! returns to views; none of them talks to the registry or builds deliveries by hand.

pub mod channels;
pub mod config;
pub mod monitors;
pub mod tokens;

pub use channels::ChannelService;
pub use config::ConfigService;
pub use monitors::MonitorService;
