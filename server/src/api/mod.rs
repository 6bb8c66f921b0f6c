//! The REST API under `/api/v1`. Every route is registered here, through utoipa-actix-web, so
//! a route cannot exist without its OpenAPI description.

mod channels;
mod checks;
mod cluster;
pub mod config;
mod escalation;
mod incidents;
mod links;
pub mod maintenance;
mod monitors;
pub mod probe;
mod probes;
mod stats;
pub mod status_pages;
mod tokens;
pub mod views;

use actix_web::middleware::from_fn;

use crate::auth;
use crate::error::{ApiError, ApiResult};

/// The type of a utoipa-actix-web scope of routes, as the functions that build one return it.
macro_rules! scope_of_routes {
    () => {
        utoipa_actix_web::scope::Scope<
            impl actix_web::dev::ServiceFactory<
                actix_web::dev::ServiceRequest,
                Config = (),
                Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
                Error = actix_web::Error,
                InitError = (),
            >,
        >
    };
}
pub(crate) use scope_of_routes;

/// Every `/api/v1` route, behind the authentication guard.
pub fn scope() -> scope_of_routes!() {
    utoipa_actix_web::scope::scope("/api/v1")
        .wrap(from_fn(auth::require_auth))
        .service(monitors::create)
        .service(monitors::list)
        .service(monitors::get)
        .service(monitors::patch)
        .service(monitors::delete)
        .service(monitors::rotate_push_token)
        .service(checks::list)
        .service(stats::get)
        .service(stats::latency)
        .service(stats::uptime_bars)
        .service(crate::live::stream)
        .service(incidents::list_for_monitor)
        .service(incidents::list_all)
        .service(incidents::get)
        .service(incidents::list_updates)
        .service(incidents::add_update)
        .service(incidents::delete_update)
        .service(incidents::acknowledge)
        .service(escalation::create)
        .service(escalation::list)
        .service(escalation::get)
        .service(escalation::patch)
        .service(escalation::delete)
        .service(tokens::create)
        .service(tokens::list)
        .service(tokens::delete)
        .service(channels::create)
        .service(channels::list)
        .service(channels::get)
        .service(channels::patch)
        .service(channels::delete)
        .service(channels::test)
        .service(channels::deliveries)
        .service(links::link)
        .service(links::list)
        .service(links::unlink)
        .service(maintenance::create)
        .service(maintenance::list)
        .service(maintenance::get)
        .service(maintenance::patch)
        .service(maintenance::delete)
        .service(status_pages::create)
        .service(status_pages::list)
        .service(status_pages::get)
        .service(status_pages::patch)
        .service(status_pages::delete)
        .service(status_pages::list_notices)
        .service(status_pages::create_notice)
        .service(status_pages::patch_notice)
        .service(status_pages::delete_notice)
        .service(config::apply)
        .service(config::export)
        .service(cluster::get)
        .service(probes::list)
        .service(probes::locations)
        .service(probe::stream)
        .service(probe::results)
}

/// `/auth`: sign-in and sign-out are public; `/auth/me` checks credentials itself.
pub fn auth_scope() -> scope_of_routes!() {
    utoipa_actix_web::scope::scope("/auth")
        .service(auth::routes::config)
        .service(auth::routes::login)
        .service(auth::routes::callback)
        .service(auth::routes::local_login)
        .service(auth::routes::logout)
        .service(auth::routes::me)
}

/// The schema of a string parameter that takes one of `values` (for `#[param(schema_with)]`).
pub fn string_enum(values: &[&str]) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(values.iter().copied()))
        .build()
}

/// Reads a `limit` parameter: default 100, 1 to 1000.
pub fn limit_param(limit: Option<u64>) -> ApiResult<u64> {
    match limit.unwrap_or(100) {
        l @ 1..=1000 => Ok(l),
        _ => Err(ApiError::Validation {
            field: "limit".into(),
            message: "must be between 1 and 1000".into(),
        }),
    }
}
