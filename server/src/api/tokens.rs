//! `/tokens`: API tokens for scripts, tools and Prometheus.

use actix_web::{delete, get, post, web, HttpResponse};
use flatline_store::auth::NewApiToken;
use flatline_store::clock::now_ms;
use flatline_types::{ApiToken, CreateToken, CreatedToken, ErrorBody};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::auth::secrets::new_api_token;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::state::{token_to_api, AppState};

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
    state: web::Data<AppState>,
    principal: Principal,
    body: ApiJson<CreateToken>,
) -> ApiResult<HttpResponse> {
    let now = now_ms();
    let name = body.0.validated_name()?;
    let expires_at_ms = body
        .0
        .expires_at
        .as_deref()
        .map(|e| parse_expiry(e, now))
        .transpose()?;
    let created = issue_token(&state.store, name, expires_at_ms, principal.user_id()).await?;
    tracing::info!(token_id = created.info.id, "API token created");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/tokens/{}", created.info.id)))
        .json(created))
}

/// Stores a new token; shared by the API and `flatline token create`.
pub async fn issue_token(
    store: &flatline_store::Store,
    name: String,
    expires_at_ms: Option<i64>,
    created_by: Option<i64>,
) -> ApiResult<CreatedToken> {
    let (token, prefix, token_hash) = new_api_token();
    let now = now_ms();
    let stored = store
        .insert_token(
            NewApiToken {
                name,
                prefix,
                token_hash,
                created_by,
                expires_at_ms,
            },
            now,
        )
        .await?;
    Ok(CreatedToken {
        token,
        info: token_to_api(&stored, now),
    })
}

/// An RFC 3339 time in the future, as UTC milliseconds.
pub fn parse_expiry(text: &str, now_ms: i64) -> ApiResult<i64> {
    let invalid = |message: &str| ApiError::Validation {
        field: "expires_at".into(),
        message: message.into(),
    };
    let t = OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|_| invalid("must be an RFC 3339 time, e.g. 2027-01-31T00:00:00Z"))?;
    let ms = i64::try_from(t.unix_timestamp_nanos() / 1_000_000)
        .map_err(|_| invalid("is out of range"))?;
    if ms <= now_ms {
        return Err(invalid("must be in the future"));
    }
    Ok(ms)
}

/// Every API token, newest first: name, prefix, dates. Never the token.
#[utoipa::path(
    tag = "tokens",
    responses((status = 200, description = "All tokens", body = [ApiToken]))
)]
#[get("/tokens")]
pub async fn list(state: web::Data<AppState>) -> ApiResult<web::Json<Vec<ApiToken>>> {
    let now = now_ms();
    Ok(web::Json(
        state
            .store
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
pub async fn delete(state: web::Data<AppState>, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    if !state.store.delete_token(id).await? {
        return Err(ApiError::NotFound { what: "token", id });
    }
    tracing::info!(token_id = id, "API token revoked");
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::parse_expiry;

    #[test]
    fn expiries_must_be_rfc3339_and_in_the_future() {
        let now = 1_764_000_000_000;
        assert_eq!(
            parse_expiry("2025-11-24T16:00:01Z", now).ok(),
            Some(1_764_000_001_000)
        );
        assert!(parse_expiry("2025-11-24T16:00:00Z", now).is_err());
        assert!(parse_expiry("tomorrow", now).is_err());
        assert!(parse_expiry("2025-11-25", now).is_err());
    }
}
