//! The Flatline server: the REST API under `/api/v1` with its OpenAPI document, sign-in under
//! `/auth`, the live stream, `/metrics`, public status pages and badges, the embedded web UI, and the service layer that keeps
//! what is stored and what runs in step; and `flatline probe`, the remote probe ([`probe`]). `main.rs` starts it; [`app::build`] assembles it,
//! for the binary and for in-process tests.

pub mod ack;
pub mod api;
pub mod app;
pub mod auth;
pub mod badges;
pub mod cli;
pub mod config;
pub mod document;
pub mod error;
pub mod json;
pub mod live;
pub mod logging;
pub mod markdown;
pub mod methods;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod probe;
pub mod push;
pub mod service;
pub mod signals;
pub mod startup;
pub mod ui;
