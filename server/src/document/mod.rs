//! Configuration as code: one YAML (or JSON) document declares monitors, notification
//! channels and their links, status pages and maintenance windows, each by a stable `key`.
//! `source` reads the text with positions, `vars` resolves `${NAME}`, `model` types the
//! entries, `state` reads what is stored, `refs` checks references between resources, `plan`
//! (with `pages`) compares the two, entry by entry, and `export` writes what is stored back
//! as a document; `canonical` is the form all of them compare. The service
//! (`service::config`) applies a plan in one transaction; `cli` is `flatline apply/export`.

pub mod canonical;
pub mod cli;
pub mod export;
pub mod model;
pub mod pages;
pub mod plan;
pub mod refs;
pub mod source;
pub mod state;
pub mod vars;
