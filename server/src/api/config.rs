//! `/config`: configuration as code. `POST /config/apply` takes a YAML or JSON document and
//! answers its plan (applied unless `dry_run`); `GET /config/export` writes what is stored
//! as a document (YAML or JSON, by `Accept`).

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use flatline_types::{ConfigPlan, ErrorBody};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::document::model::{DocError, Document};
use crate::document::source::{self, Spans};
use crate::error::{ApiError, ApiResult};
use crate::service::config::ConfigError;
use crate::service::ConfigService;

/// Largest document `POST /config/apply` reads (a few thousand monitors).
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplyQuery {
    /// Only plan: change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Delete keyed resources the document leaves out (resources without a key are never
    /// touched).
    #[serde(default)]
    pub prune: bool,
}

/// A document error as the API reports it: the field's path, and where it is in the text.
pub fn located(e: DocError, spans: &Spans) -> ApiError {
    let message = match spans.find(&e.path, e.at_key) {
        Some(at) => format!("line {}, column {}: {}", at.line, at.column, e.message),
        None => e.message,
    };
    ApiError::Validation {
        field: if e.path.is_empty() {
            "body".into()
        } else {
            e.path
        },
        message,
    }
}

/// Reads a document from text: its values, with `${NAME}` from its own `variables` (and
/// `fallback`), and where each value stood.
pub fn read(text: &str, fallback: &dyn Fn(&str) -> Option<String>) -> ApiResult<(Document, Spans)> {
    let (value, spans) = match source::parse(text) {
        Ok(parsed) => parsed,
        // JSON that YAML cannot read (a UTF-16 surrogate pair escaped as `\ud83d\ude00`)
        // is still JSON: read as such, without positions.
        Err(e) => match serde_json::from_str(text) {
            Ok(value) => (value, Spans::default()),
            Err(_) => {
                return Err(ApiError::BadRequest(format!(
                    "the document is not valid YAML or JSON: line {}, column {}: {}",
                    e.position.line, e.position.column, e.message
                )))
            }
        },
    };
    let doc = Document::from_value(value, fallback).map_err(|e| located(e, &spans))?;
    Ok((doc, spans))
}

/// Apply a configuration document (YAML or JSON): channels, monitors, status pages and
/// maintenance windows, matched by `key`, all in one transaction. `${NAME}` is taken from the
/// document's own `variables` mapping. Answers the plan: what was (or, with `dry_run`, would
/// be) created, updated, deleted (`prune`) or left unchanged.
#[utoipa::path(
    tag = "config",
    params(ApplyQuery),
    request_body(
        content((Object = "application/yaml"), (Object = "application/json")),
        description = "A configuration document: `notification_channels`, `monitors`, `status_pages`, `maintenance` (lists of entries with a `key`), `variables`"
    ),
    responses(
        (status = 200, description = "The plan, applied unless `dry_run`", body = ConfigPlan),
        (status = 400, description = "Empty, not YAML or JSON, or a bad query parameter", body = ErrorBody),
        (status = 409, description = "A slug, domain or key is taken by a resource the document does not manage; nothing was stored", body = ErrorBody),
        (status = 413, description = "The document is over 16 MiB", body = ErrorBody),
        (status = 422, description = "An entry is invalid; `field` names its path in the document (`monitors[2].interval_seconds`), the message its line and column; nothing was stored", body = ErrorBody),
    )
)]
#[post("/config/apply")]
pub async fn apply(
    config: web::Data<ConfigService>,
    query: web::Query<ApplyQuery>,
    mut payload: web::Payload,
) -> ApiResult<web::Json<ConfigPlan>> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("could not read the body: {e}")))?;
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err(ApiError::PayloadTooLarge(MAX_DOCUMENT_BYTES));
        }
        body.extend_from_slice(&chunk);
    }
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::BadRequest("the document is not UTF-8 text".into()))?;
    if text.trim().is_empty() {
        return Err(ApiError::BadRequest(
            "the body is empty: send a configuration document".into(),
        ));
    }
    let (doc, spans) = read(text, &|_| None)?;
    match config.apply(&doc, query.prune, query.dry_run).await {
        Ok(plan) => Ok(web::Json(plan)),
        Err(ConfigError::Document(mut e)) => {
            e.message = doc.redact(&e.message);
            Err(located(e, &spans))
        }
        Err(ConfigError::Api(e)) => Err(e),
    }
}

/// Every keyed channel, monitor, status page and maintenance window as a document that
/// `POST /config/apply` takes back: YAML when `Accept` asks for it, else JSON. Secrets are
/// written as `${NAME}` references, never in clear.
#[utoipa::path(
    tag = "config",
    responses(
        (status = 200, description = "The document", content(
            (Object = "application/json"),
            (String = "application/yaml"),
        )),
    )
)]
#[get("/config/export")]
pub async fn export(config: web::Data<ConfigService>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let doc = config.export().await?;
    let wants_yaml = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("yaml"));
    Ok(if wants_yaml {
        HttpResponse::Ok()
            .content_type("application/yaml")
            .body(crate::document::export::to_yaml(&doc))
    } else {
        HttpResponse::Ok().json(doc)
    })
}
