//! The actix-web application: API, OpenAPI + Swagger UI, health, embedded UI.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::{PathError, QueryPayloadError};
use actix_web::{get, web, App, HttpRequest, HttpResponse, Responder, ResponseError};
use utoipa_swagger_ui::SwaggerUi;

use crate::api;
use crate::error::ApiError;
use crate::json::MAX_BODY_BYTES;
use crate::methods::{head_as_get, Methods};
use crate::openapi::OPENAPI_PATH;
use flatline_actors::{Engine, StatusBoard};
use flatline_store::Store;
use flatline_types::ErrorBody;

use crate::auth::Auth;
use crate::live::Hub;
use crate::metrics::ServerMetrics;
use crate::pages::domains::custom_domains;
use crate::pages::limit::PublicLimit;
use crate::pages::StatusPages;
use crate::service::{ChannelService, MonitorService};

/// What handlers are handed: narrow pieces, each its own `web::Data`, so a handler names only
/// what it uses and no server module needs another's state.
#[derive(Clone)]
pub struct AppData {
    pub store: web::Data<Store>,
    pub auth: web::Data<Auth>,
    pub board: web::Data<StatusBoard>,
    pub hub: web::Data<Hub>,
    pub metrics: web::Data<ServerMetrics>,
    pub monitors: web::Data<MonitorService>,
    pub channels: web::Data<ChannelService>,
    pub config: web::Data<crate::service::ConfigService>,
    pub pages: web::Data<StatusPages>,
    pub public_limit: web::Data<PublicLimit>,
    pub maintenance: web::Data<flatline_actors::maintenance::MaintenanceHandle>,
    pub cluster: web::Data<flatline_actors::cluster::ClusterView>,
    pub probes: web::Data<flatline_actors::probes::ProbeInbox>,
    pub probe_rates: web::Data<crate::api::probe::ProbeRates>,
    /// Links in notifications: acknowledgement links are checked with it.
    pub links: web::Data<flatline_actors::notifier::links::Links>,
}

impl AppData {
    /// The pieces over a running engine. `notification_timeout` bounds a test message;
    /// `public_rate_limit` is the requests per second per address of the public routes.
    pub async fn new(
        store: Store,
        engine: &Engine,
        auth: Auth,
        metrics: ServerMetrics,
        notification_timeout: std::time::Duration,
        public_rate_limit: u32,
        links: flatline_actors::notifier::links::Links,
    ) -> Result<Self, flatline_store::StoreError> {
        let hub = Hub::new(metrics.live_clients.clone(), metrics.live_dropped.clone());
        let pages = web::Data::new(StatusPages::load(store.clone(), engine.board.clone()).await?);
        Ok(Self {
            config: web::Data::new(crate::service::ConfigService::new(
                store.clone(),
                engine.registry.clone(),
                engine.maintenance.clone(),
                pages.clone(),
            )),
            pages,
            maintenance: web::Data::new(engine.maintenance.clone()),
            cluster: web::Data::new(engine.cluster.clone()),
            probes: web::Data::new(engine.probes.clone()),
            probe_rates: web::Data::new(Default::default()),
            links: web::Data::new(links),
            public_limit: web::Data::new(PublicLimit::new(public_rate_limit)),
            monitors: web::Data::new(MonitorService::new(store.clone(), engine.registry.clone())),
            channels: web::Data::new(ChannelService::new(
                store.clone(),
                engine.metrics.clone(),
                notification_timeout,
            )),
            store: web::Data::new(store),
            auth: web::Data::new(auth),
            board: web::Data::new(engine.board.clone()),
            hub: web::Data::new(hub),
            metrics: web::Data::new(metrics),
        })
    }
}

/// The whole application, for `HttpServer` and for in-process tests.
pub fn build(
    data: &AppData,
    openapi: serde_json::Value,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let methods = web::Data::new(Methods::from_document(&openapi));
    App::new()
        .app_data(methods)
        .app_data(data.store.clone())
        .app_data(data.auth.clone())
        .app_data(data.board.clone())
        .app_data(data.hub.clone())
        .app_data(data.metrics.clone())
        .app_data(data.monitors.clone())
        .app_data(data.channels.clone())
        .app_data(data.config.clone())
        .app_data(data.pages.clone())
        .app_data(data.public_limit.clone())
        .app_data(data.maintenance.clone())
        .app_data(data.cluster.clone())
        .app_data(data.probes.clone())
        .app_data(data.probe_rates.clone())
        .app_data(data.links.clone())
        .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .app_data(web::PathConfig::default().error_handler(|err, req| path_error(err, req).into()))
        .app_data(web::QueryConfig::default().error_handler(|err, _| query_error(err).into()))
        .wrap(actix_web::middleware::Compress::default())
        .wrap(actix_web::middleware::from_fn(head_as_get))
        .wrap(actix_web::middleware::from_fn(custom_domains))
        .service(health)
        .service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").external_url_unchecked(OPENAPI_PATH, openapi))
        .service(api::scope())
        .service(api::auth_scope())
        .service(crate::metrics::metrics)
        .service(crate::push::scope())
        .service(crate::ack::scope())
        .service(crate::badges::scope())
        .service(crate::pages::routes::scope())
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

/// Whether this Flatline is healthy: 200 when the database answers, 503 otherwise. Public.
#[utoipa::path(
    tag = "metrics",
    security(()),
    responses(
        (status = 200, description = "Healthy: `{\"status\": \"ok\", \"database\": \"ok\"}`", body = Object),
        (status = 503, description = "The database cannot be reached", body = ErrorBody),
    )
)]
#[get("/healthz")]
pub async fn health(store: web::Data<Store>) -> impl Responder {
    match store.ping().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ok", "database": "ok"})),
        Err(e) => ApiError::from(e).error_response(),
    }
}
