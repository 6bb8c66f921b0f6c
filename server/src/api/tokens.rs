//! `/tokens`: API tokens for scripts, tools and Prometheus.

use actix_web::{delete, get, post, web, HttpResponse};
use flatline_store::clock::now_ms;
use flatline_store::Store;
use flatline_types::{ApiToken, CreateToken, CreatedToken, ErrorBody};

use super::views::token_to_api;
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::json::ApiJson;
use crate::service::tokens;

/// Create an API token. The answer holds the token itself, this once; only its hash is stored.
#[utoipa::path(
    tag = "tokens",
    request_body = CreateToken,
    responses(
        (status = 201, description = "Created; `token` is shown only now", body = CreatedToken),
        (status = 422, description = "A field is invalid; `field` names it", body = ErrorBody),
    )
)]
#[post("/tokens")]
pub async fn create(
    store: web::Data<Store>,
    principal: Principal,
    body: ApiJson<CreateToken>,
) -> ApiResult<HttpResponse> {
    let name = body.0.validated_name()?;
    let location = body.0.validated_location()?;
    let expires_at_ms = body
        .0
        .expires_at
        .as_deref()
        .map(|e| tokens::parse_expiry(e, now_ms()))
        .transpose()?;
    let issued = tokens::issue(&store, name, expires_at_ms, principal.user_id(), location).await?;
    let created = CreatedToken {
        token: issued.token,
        info: token_to_api(&issued.stored, now_ms()),
    };
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/tokens/{}", created.info.id)))
        .json(created))
}

/// Every API token, newest first: name, prefix, dates. Never the token.
#[utoipa::path(
    tag = "tokens",
    responses((status = 200, description = "All tokens", body = [ApiToken]))
)]
#[get("/tokens")]
pub async fn list(store: web::Data<Store>) -> ApiResult<web::Json<Vec<ApiToken>>> {
    let now = now_ms();
    Ok(web::Json(
        store
            .list_tokens()
            .await?
            .iter()
            .map(|t| token_to_api(t, now))
            .collect(),
    ))
}

/// Revoke a token: it stops working at once.
#[utoipa::path(
    tag = "tokens",
    params(("id" = i64, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such token", body = ErrorBody),
    )
)]
#[delete("/tokens/{id}")]
pub async fn delete(store: web::Data<Store>, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    tokens::revoke(&store, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
