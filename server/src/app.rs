//! The actix-web application: API, OpenAPI + Swagger UI, health, embedded UI.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::{PathError, QueryPayloadError};
use actix_web::{get, web, App, HttpRequest, HttpResponse, Responder, ResponseError};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api;
use crate::error::ApiError;
use crate::json::MAX_BODY_BYTES;
use crate::state::AppState;

/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api-docs/openapi.json";

/// The OpenAPI document, collected from the registered routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    App::new()
        .into_utoipa_app()
        .openapi(api::ApiDoc::openapi())
        .service(api::scope())
        .service(api::auth_scope())
        .service(crate::metrics::metrics)
        .split_for_parts()
        .1
}

/// The whole application, for `HttpServer` and for in-process tests.
pub fn build(
    state: web::Data<AppState>,
    openapi: utoipa::openapi::OpenApi,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(state)
        .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .app_data(web::PathConfig::default().error_handler(|err, req| path_error(err, req).into()))
        .app_data(web::QueryConfig::default().error_handler(|err, _| query_error(err).into()))
        .wrap(actix_web::middleware::Compress::default())
        .service(health)
        .service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").url(OPENAPI_PATH, openapi))
        .service(api::scope())
        .service(api::auth_scope())
        .service(crate::metrics::metrics)
        .configure(crate::ui::configure)
}

fn path_error(err: PathError, req: &HttpRequest) -> ApiError {
    // A path segment that cannot be an id names nothing that exists.
    tracing::debug!(error = %err, path = req.path(), "unparsable path");
    ApiError::NoRoute {
        method: req.method().to_string(),
        path: req.path().to_owned(),
    }
}

fn query_error(err: QueryPayloadError) -> ApiError {
    let message = err.to_string();
    match message.split_once(':') {
        Some((_, detail)) => ApiError::BadRequest(format!("invalid query string:{detail}")),
        None => ApiError::BadRequest(format!("invalid query string: {message}")),
    }
}

/// 200 when the database answers, 503 otherwise. Never needs credentials.
#[get("/healthz")]
async fn health(state: web::Data<AppState>) -> impl Responder {
    match state.store.ping().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ok", "database": "ok"})),
        Err(e) => ApiError::from(e).error_response(),
    }
}
