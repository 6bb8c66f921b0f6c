//! `/escalation-policies`: who hears of a monitor's incident, and when.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use flatline_store::clock::now_ms;
use flatline_store::Store;
use flatline_types::{
    CreateEscalationPolicy, ErrorBody, EscalationPolicy, EscalationStep, FieldError,
    PatchEscalationPolicy,
};

use super::views::policy_to_api;
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;

fn no_policy(id: i64) -> ApiError {
    ApiError::NotFound {
        what: "escalation policy",
        id,
    }
}

/// A 422 naming the first step channel that does not exist.
async fn check_channels(store: &Store, steps: &[EscalationStep]) -> ApiResult<()> {
    let known: std::collections::BTreeSet<i64> =
        store.list_channels().await?.iter().map(|c| c.id).collect();
    for (i, step) in steps.iter().enumerate() {
        for (j, c) in step.channels.iter().enumerate() {
            if !known.contains(c) {
                return Err(FieldError::new(
                    format!("steps[{i}].channels[{j}]"),
                    format!("no notification channel has id {c}"),
                )
                .into());
            }
        }
    }
    Ok(())
}

async fn shown(store: &Store, p: &flatline_store::StoredPolicy) -> ApiResult<EscalationPolicy> {
    Ok(policy_to_api(p, store.policy_monitors(p.id).await?))
}

/// Create a policy: step 1's channels hear of a down at once, each later step's when its
/// `after_seconds` have passed and the incident is still open and unacknowledged. Attach it
/// to monitors with their `escalation_policy_id`.
#[utoipa::path(
    tag = "escalation",
    request_body = CreateEscalationPolicy,
    responses((status = 201, description = "Created", body = EscalationPolicy))
)]
#[post("/escalation-policies")]
pub async fn create(
    store: web::Data<Store>,
    body: ApiJson<CreateEscalationPolicy>,
) -> ApiResult<HttpResponse> {
    let body = body.0.validated()?;
    check_channels(&store, &body.steps).await?;
    let stored = store
        .insert_policy(&body.name, &body.steps, now_ms())
        .await?;
    tracing::info!(
        policy_id = stored.id,
        steps = stored.steps.len(),
        "escalation policy created"
    );
    Ok(HttpResponse::Created().json(shown(&store, &stored).await?))
}

/// Every policy, oldest first.
#[utoipa::path(
    tag = "escalation",
    responses((status = 200, description = "Every policy", body = [EscalationPolicy]))
)]
#[get("/escalation-policies")]
pub async fn list(store: web::Data<Store>) -> ApiResult<web::Json<Vec<EscalationPolicy>>> {
    let mut out = Vec::new();
    for p in store.list_policies().await? {
        out.push(shown(&store, &p).await?);
    }
    Ok(web::Json(out))
}

/// One policy, with the monitors that use it.
#[utoipa::path(
    tag = "escalation",
    params(("id" = i64, Path, description = "Policy id")),
    responses(
        (status = 200, description = "The policy", body = EscalationPolicy),
        (status = 404, description = "No such policy", body = ErrorBody),
    )
)]
#[get("/escalation-policies/{id}")]
pub async fn get(
    store: web::Data<Store>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<EscalationPolicy>> {
    let id = id.into_inner();
    let p = store.get_policy(id).await?.ok_or_else(|| no_policy(id))?;
    Ok(web::Json(shown(&store, &p).await?))
}

/// Change a policy's name or steps (`steps` replaces them all). Incidents open now keep
/// the steps they were queued with.
#[utoipa::path(
    tag = "escalation",
    params(("id" = i64, Path, description = "Policy id")),
    request_body = PatchEscalationPolicy,
    responses(
        (status = 200, description = "Changed", body = EscalationPolicy),
        (status = 404, description = "No such policy", body = ErrorBody),
    )
)]
#[patch("/escalation-policies/{id}")]
pub async fn patch(
    store: web::Data<Store>,
    id: web::Path<i64>,
    body: ApiJson<PatchEscalationPolicy>,
) -> ApiResult<web::Json<EscalationPolicy>> {
    let id = id.into_inner();
    let current = store.get_policy(id).await?.ok_or_else(|| no_policy(id))?;
    let body = CreateEscalationPolicy {
        name: body.0.name.unwrap_or(current.name),
        steps: body.0.steps.unwrap_or(current.steps),
    }
    .validated()?;
    check_channels(&store, &body.steps).await?;
    let stored = store
        .update_policy(id, &body.name, &body.steps, now_ms())
        .await?
        .ok_or_else(|| no_policy(id))?;
    tracing::info!(policy_id = id, "escalation policy updated");
    Ok(web::Json(shown(&store, &stored).await?))
}

/// Delete a policy no monitor uses (409 names the monitors that do).
#[utoipa::path(
    tag = "escalation",
    params(("id" = i64, Path, description = "Policy id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such policy", body = ErrorBody),
        (status = 409, description = "Monitors use it", body = ErrorBody),
    )
)]
#[delete("/escalation-policies/{id}")]
pub async fn delete(store: web::Data<Store>, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    if !store.delete_policy(id).await? {
        return Err(no_policy(id));
    }
    tracing::info!(policy_id = id, "escalation policy deleted");
    Ok(HttpResponse::NoContent().finish())
}
