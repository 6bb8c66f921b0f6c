//! `/status-pages`: public status pages (sections of monitors, description, custom domain,
//! who may read) and the standalone notices written on them. The public side is
//! `crate::pages`.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use flatline_actors::StatusBoard;
use flatline_store::clock::{now_ms, rfc3339};
use flatline_store::status_pages::NoticeChange;
use flatline_store::{Resource, Store, StoredNotice, StoredPage};
use flatline_types::{
    validate_key, validate_key_change, CreatePageNotice, CreateStatusPage, ErrorBody, PageNotice,
    PageSection, PatchPageNotice, PatchStatusPage, StatusPage,
};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::auth::local::{blocking, hash_password};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;
use crate::markdown::to_safe_html;
use crate::pages::StatusPages;

/// A page as its owner sees it (never its password).
pub fn page_to_api(p: &StoredPage) -> StatusPage {
    let s = &p.spec;
    StatusPage {
        id: p.id,
        key: p.key.clone(),
        managed: p.applied.is_some(),
        slug: s.slug.clone(),
        title: s.title.clone(),
        description: s.description.clone(),
        sections: s.sections.clone(),
        custom_domain: s.custom_domain.clone(),
        show_latency: s.show_latency,
        visibility: s.visibility,
        has_password: p.password_hash.is_some(),
        footer: s.footer.clone(),
        theme: s.theme,
        url: format!("/status/{}", s.slug),
        created_at: rfc3339(p.created_at_ms),
        updated_at: rfc3339(p.updated_at_ms),
    }
}

fn notice_to_api(n: &StoredNotice, now: i64) -> PageNotice {
    PageNotice {
        id: n.id,
        page_id: n.page_id,
        title: n.title.clone(),
        message: n.message.clone(),
        message_html: to_safe_html(&n.message),
        level: n.level,
        created_at: rfc3339(n.created_at_ms),
        updated_at: rfc3339(n.updated_at_ms),
        ends_at: n.ends_at_ms.map(rfc3339),
        active: n.active(now),
    }
}

fn no_page(id: i64) -> ApiError {
    ApiError::NotFound {
        what: "status page",
        id,
    }
}

/// Every monitor of the sections must exist.
fn check_monitors(board: &StatusBoard, sections: &[PageSection]) -> ApiResult<()> {
    for (i, section) in sections.iter().enumerate() {
        for (j, m) in section.monitors.iter().enumerate() {
            let mut exists = false;
            board.visit([m.monitor_id], |_, live| {
                exists = live.is_some_and(|l| l.monitor.is_some());
            });
            if !exists {
                return Err(ApiError::Validation {
                    field: format!("sections[{i}].monitors[{j}].monitor_id"),
                    message: format!("monitor {} does not exist", m.monitor_id),
                });
            }
        }
    }
    Ok(())
}

pub async fn hashed(password: Option<String>) -> ApiResult<Option<String>> {
    match password {
        None => Ok(None),
        Some(p) => blocking(move || hash_password(&p))
            .await
            .and_then(|r| r)
            .map(Some)
            .map_err(ApiError::Internal),
    }
}

/// Create a status page.
#[utoipa::path(
    tag = "status-pages",
    request_body = CreateStatusPage,
    responses(
        (status = 201, description = "Created", body = StatusPage),
        (status = 409, description = "The slug or custom domain is another page's; `field` names it", body = ErrorBody),
        (status = 422, description = "A field is invalid (or names a monitor that does not exist); `field` names it", body = ErrorBody),
    )
)]
#[post("/status-pages")]
pub async fn create(
    store: web::Data<Store>,
    board: web::Data<StatusBoard>,
    pages: web::Data<StatusPages>,
    body: ApiJson<CreateStatusPage>,
) -> ApiResult<HttpResponse> {
    let mut body = body.0;
    let key = body
        .key
        .take()
        .map(|k| validate_key("key", &k))
        .transpose()?;
    let (spec, password) = body.validate()?;
    check_monitors(&board, &spec.sections)?;
    let hash = hashed(password).await?;
    let page = match key {
        None => store.insert_page(&spec, hash, now_ms()).await?,
        Some(key) => {
            let batch = store.batch().await?;
            let mut page = batch.insert_page(&spec, hash, now_ms()).await?;
            batch
                .mark(Resource::Page, page.id, Some(&key), None)
                .await?;
            batch.commit().await?;
            page.key = Some(key);
            page
        }
    };
    pages.reload().await?;
    tracing::info!(page_id = page.id, slug = %page.spec.slug, "status page created");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/status-pages/{}", page.id)))
        .json(page_to_api(&page)))
}

/// Every status page, oldest first.
#[utoipa::path(
    tag = "status-pages",
    responses((status = 200, description = "All status pages", body = [StatusPage]))
)]
#[get("/status-pages")]
pub async fn list(store: web::Data<Store>) -> ApiResult<web::Json<Vec<StatusPage>>> {
    Ok(web::Json(
        store.list_pages().await?.iter().map(page_to_api).collect(),
    ))
}

/// One status page.
#[utoipa::path(
    tag = "status-pages",
    params(("id" = i64, Path, description = "Status page id")),
    responses(
        (status = 200, description = "The page", body = StatusPage),
        (status = 404, description = "No such page", body = ErrorBody),
    )
)]
#[get("/status-pages/{id}")]
pub async fn get(store: web::Data<Store>, id: web::Path<i64>) -> ApiResult<web::Json<StatusPage>> {
    let id = id.into_inner();
    let page = store.get_page(id).await?.ok_or_else(|| no_page(id))?;
    Ok(web::Json(page_to_api(&page)))
}

/// Change a status page: the fields given replace the page's.
#[utoipa::path(
    tag = "status-pages",
    params(("id" = i64, Path, description = "Status page id")),
    request_body = PatchStatusPage,
    responses(
        (status = 200, description = "Changed", body = StatusPage),
        (status = 404, description = "No such page", body = ErrorBody),
        (status = 409, description = "The slug or custom domain is another page's; `field` names it", body = ErrorBody),
        (status = 422, description = "A field is invalid; `field` names it", body = ErrorBody),
    )
)]
#[patch("/status-pages/{id}")]
pub async fn patch(
    store: web::Data<Store>,
    board: web::Data<StatusBoard>,
    pages: web::Data<StatusPages>,
    id: web::Path<i64>,
    body: ApiJson<PatchStatusPage>,
) -> ApiResult<web::Json<StatusPage>> {
    let id = id.into_inner();
    let current = store.get_page(id).await?.ok_or_else(|| no_page(id))?;
    let mut body = body.0;
    let key = validate_key_change("key", body.key.take())?;
    let (spec, password) = body.apply(&current.spec, current.password_hash.is_some())?;
    check_monitors(&board, &spec.sections)?;
    let hash = hashed(password).await?;
    if let Some(key) = key {
        store.set_key(Resource::Page, id, key.as_deref()).await?;
    }
    let page = store
        .update_page(id, &spec, hash, now_ms())
        .await?
        .ok_or_else(|| no_page(id))?;
    pages.reload().await?;
    Ok(web::Json(page_to_api(&page)))
}

/// Delete a status page and its notices.
#[utoipa::path(
    tag = "status-pages",
    params(("id" = i64, Path, description = "Status page id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such page", body = ErrorBody),
    )
)]
#[delete("/status-pages/{id}")]
pub async fn delete(
    store: web::Data<Store>,
    pages: web::Data<StatusPages>,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    if !store.delete_page(id).await? {
        return Err(no_page(id));
    }
    pages.reload().await?;
    tracing::info!(page_id = id, "status page deleted");
    Ok(HttpResponse::NoContent().finish())
}

/// An RFC 3339 time as UTC milliseconds.
fn parse_time(field: &str, text: &str) -> ApiResult<i64> {
    let invalid = |message: &str| ApiError::Validation {
        field: field.into(),
        message: message.into(),
    };
    let t = OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|_| invalid("must be an RFC 3339 time, e.g. 2027-01-31T00:00:00Z"))?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).map_err(|_| invalid("is out of range"))
}

/// A page's notices, newest first.
#[utoipa::path(
    tag = "status-pages",
    params(("id" = i64, Path, description = "Status page id")),
    responses(
        (status = 200, description = "Its notices, newest first", body = [PageNotice]),
        (status = 404, description = "No such page", body = ErrorBody),
    )
)]
#[get("/status-pages/{id}/notices")]
pub async fn list_notices(
    store: web::Data<Store>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<PageNotice>>> {
    let id = id.into_inner();
    store.get_page(id).await?.ok_or_else(|| no_page(id))?;
    let now = now_ms();
    Ok(web::Json(
        store
            .list_notices(id)
            .await?
            .iter()
            .map(|n| notice_to_api(n, now))
            .collect(),
    ))
}

/// Post a notice on a page: something its readers should know that is not a monitor's
/// incident. It shows at the top of the page until its `ends_at`, then in the history.
#[utoipa::path(
    tag = "status-pages",
    params(("id" = i64, Path, description = "Status page id")),
    request_body = CreatePageNotice,
    responses(
        (status = 201, description = "Posted", body = PageNotice),
        (status = 404, description = "No such page", body = ErrorBody),
        (status = 422, description = "A field is invalid; `field` names it", body = ErrorBody),
    )
)]
#[post("/status-pages/{id}/notices")]
pub async fn create_notice(
    store: web::Data<Store>,
    pages: web::Data<StatusPages>,
    id: web::Path<i64>,
    body: ApiJson<CreatePageNotice>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let text = body.0.validated_text()?;
    let ends_at = body
        .0
        .ends_at
        .as_deref()
        .map(|e| parse_time("ends_at", e))
        .transpose()?;
    let now = now_ms();
    let notice = store
        .insert_notice(id, &text.title, &text.message, body.0.level, ends_at, now)
        .await?
        .ok_or_else(|| no_page(id))?;
    pages.changed();
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/status-pages/{id}/notices/{}", notice.id),
        ))
        .json(notice_to_api(&notice, now)))
}

/// Change a notice: the fields given replace its own (`ends_at: null` removes the end).
#[utoipa::path(
    tag = "status-pages",
    params(
        ("id" = i64, Path, description = "Status page id"),
        ("notice_id" = i64, Path, description = "PageNotice id"),
    ),
    request_body = PatchPageNotice,
    responses(
        (status = 200, description = "Changed", body = PageNotice),
        (status = 404, description = "No such page or notice", body = ErrorBody),
        (status = 422, description = "A field is invalid; `field` names it", body = ErrorBody),
    )
)]
#[patch("/status-pages/{id}/notices/{notice_id}")]
pub async fn patch_notice(
    store: web::Data<Store>,
    pages: web::Data<StatusPages>,
    path: web::Path<(i64, i64)>,
    body: ApiJson<PatchPageNotice>,
) -> ApiResult<web::Json<PageNotice>> {
    let (id, notice_id) = path.into_inner();
    let (title, message) = body.0.validated_text()?;
    let ends_at_ms = match &body.0.ends_at {
        Some(Some(e)) => Some(Some(parse_time("ends_at", e)?)),
        Some(None) => Some(None),
        None => None,
    };
    let now = now_ms();
    let change = NoticeChange {
        title,
        message,
        level: body.0.level,
        ends_at_ms,
    };
    let notice = store
        .update_notice(id, notice_id, change, now)
        .await?
        .ok_or(ApiError::NotFound {
            what: "notice",
            id: notice_id,
        })?;
    pages.changed();
    Ok(web::Json(notice_to_api(&notice, now)))
}

/// Delete a notice.
#[utoipa::path(
    tag = "status-pages",
    params(
        ("id" = i64, Path, description = "Status page id"),
        ("notice_id" = i64, Path, description = "PageNotice id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such page or notice", body = ErrorBody),
    )
)]
#[delete("/status-pages/{id}/notices/{notice_id}")]
pub async fn delete_notice(
    store: web::Data<Store>,
    pages: web::Data<StatusPages>,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, notice_id) = path.into_inner();
    if !store.delete_notice(id, notice_id).await? {
        return Err(ApiError::NotFound {
            what: "notice",
            id: notice_id,
        });
    }
    pages.changed();
    Ok(HttpResponse::NoContent().finish())
}
