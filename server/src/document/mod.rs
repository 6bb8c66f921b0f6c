//! Configuration as code: one YAML (or JSON) document declares monitors, notification
//! channels and their links, status pages and maintenance windows, each by a stable `key`.
//! `source` reads the text with positions, `vars` resolves `${NAME}`, `model` types and checks
//! the entries, `plan` compares them with what is stored, `apply` writes a plan in one
//! transaction, and `export` writes what is stored back as a document.

pub mod canonical;
pub mod cli;
pub mod export;
pub mod model;
pub mod plan;
pub mod source;
pub mod vars;
