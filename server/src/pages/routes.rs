//! The public routes of status pages: `/status/<slug>` (HTML), `/status.json`, `/feed.atom`,
//! `/unlock` (a password page's form), the same at `/` of a page's custom domain, and the
//! per-address rate limit of every public route.

use std::sync::Arc;

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use flatline_store::StoredPage;
use flatline_types::{ErrorBody, PageVisibility, PublicStatusPage};

use super::domains::base;
use super::limit::rate_limit;
use super::{html, Built, Encoded, StatusPages};
use crate::api::scope_of_routes;
use crate::auth::local::{blocking, verify_password};
use crate::auth::{authenticate, Auth};
use crate::error::{ApiError, AuthError};

/// The public routes under `/status`, rate-limited per address.
pub fn scope() -> scope_of_routes!() {
    utoipa_actix_web::scope::scope("/status")
        .wrap(actix_web::middleware::from_fn(rate_limit))
        .service(show_page)
        .service(page_json)
        .service(page_feed)
        .service(unlock_page)
}

/// Whether the reader may see the page.
enum Access {
    Open,
    /// A password page whose password the reader has not given.
    Locked,
    /// A private page, to someone other than its owner: as if it did not exist.
    Hidden,
}

fn page_cookie_name(page_id: i64) -> String {
    format!("flatline_page_{page_id}")
}

async fn access(req: &HttpRequest, auth: &Auth, page: &StoredPage) -> Access {
    match page.spec.visibility {
        PageVisibility::Public => Access::Open,
        PageVisibility::Private => match authenticate(auth, req).await {
            Ok(_) => Access::Open,
            Err(_) => Access::Hidden,
        },
        PageVisibility::Password => {
            let unlocked = page.password_hash.as_deref().is_some_and(|hash| {
                req.cookie(&page_cookie_name(page.id))
                    .is_some_and(|c| c.value() == auth.keys.page_token(page.id, hash))
            });
            if unlocked || authenticate(auth, req).await.is_ok() {
                Access::Open
            } else {
                Access::Locked
            }
        }
    }
}

/// The page's own answer headers: no sniffing, no referrer, caches revalidate (and keep a
/// copy to themselves unless the page is public).
fn headers(res: &mut actix_web::HttpResponseBuilder, page: &StoredPage) {
    let cache = if page.spec.visibility == PageVisibility::Public {
        "public, max-age=0, must-revalidate"
    } else {
        "private, no-cache"
    };
    res.insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::VARY, "Accept-Encoding, Cookie"));
}

/// Serves an encoded body: 304 if the client has this version, else the best encoding it
/// takes.
fn serve(
    req: &HttpRequest,
    page: &StoredPage,
    body: &Encoded,
    etag: &str,
    content_type: &str,
) -> HttpResponse {
    let tag = format!("\"{etag}\"");
    let mut res = HttpResponse::Ok();
    headers(&mut res, page);
    res.insert_header((header::ETAG, tag.clone()));
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if matches {
        res.status(StatusCode::NOT_MODIFIED);
        return res.finish();
    }
    res.content_type(content_type);
    let accepts = |coding: &str| {
        req.headers()
            .get_all(header::ACCEPT_ENCODING)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|part| {
                let mut it = part.split(';');
                it.next()
                    .is_some_and(|c| c.trim().eq_ignore_ascii_case(coding))
                    && !it.any(|p| {
                        let p = p.trim().replace(' ', "");
                        p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
                    })
            })
    };
    if !body.brotli.is_empty() && accepts("br") {
        res.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("br")));
        res.body(body.brotli.clone())
    } else if !body.gzip.is_empty() && accepts("gzip") {
        res.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("gzip")));
        res.body(body.gzip.clone())
    } else {
        res.body(body.identity.clone())
    }
}

fn html_answer(status: StatusCode, markup: maud::Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, html::CSP.as_str()))
        .body(markup.into_string())
}

fn not_found_page() -> HttpResponse {
    html_answer(StatusCode::NOT_FOUND, html::not_found())
}

fn no_page(slug: &str) -> ApiError {
    ApiError::NoPage(slug.to_owned())
}

/// Finds the page and decides access; `Err` is the answer to give instead.
async fn readable(
    req: &HttpRequest,
    pages: &StatusPages,
    auth: &Auth,
    slug: &str,
) -> Result<(Arc<StoredPage>, Access), ()> {
    let page = pages.by_slug(slug).ok_or(())?;
    match access(req, auth, &page).await {
        Access::Hidden => Err(()),
        a => Ok((page, a)),
    }
}

/// The page built, for its data routes (JSON, feed): 404 when it does not exist or is
/// hidden, 401 while its password has not been given.
async fn page_data(
    req: &HttpRequest,
    pages: &StatusPages,
    auth: &Auth,
    slug: &str,
) -> Result<(Arc<StoredPage>, Arc<Built>), ApiError> {
    let (page, access) = readable(req, pages, auth, slug)
        .await
        .map_err(|()| no_page(slug))?;
    if let Access::Locked = access {
        return Err(AuthError::Missing.into());
    }
    let built = pages.built(&page).await?;
    Ok((page, built))
}

/// A status page: its overall state, its monitors with 90 days of uptime, incidents and
/// notices. Public pages for anyone; a password page shows its form until the password is
/// given; a private page only to its signed-in owner (404 to anyone else).
#[utoipa::path(
    tag = "status-pages",
    security(()),
    params(("slug" = String, Path, description = "The page's slug")),
    responses(
        (status = 200, description = "The page", content_type = "text/html", body = String),
        (status = 304, description = "Not changed since the `ETag` given in `If-None-Match`"),
        (status = 401, description = "A password page: the form that asks for its password", content_type = "text/html", body = String),
        (status = 404, description = "No such page (or a private one)", content_type = "text/html", body = String),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
    )
)]
#[get("/{slug}")]
pub async fn show_page(
    req: HttpRequest,
    pages: web::Data<StatusPages>,
    auth: web::Data<Auth>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let Ok((page, access)) = readable(&req, &pages, &auth, &slug).await else {
        return Ok(not_found_page());
    };
    let base = base(&req, &page.spec.slug);
    if let Access::Locked = access {
        let form = html::password_form(&page.spec.title, page.spec.theme, &base, false);
        return Ok(html_answer(StatusCode::UNAUTHORIZED, form));
    }
    let built = pages.built(&page).await?;
    let on_domain = base.is_empty();
    let etag = format!("{}-{}", built.data.version, u8::from(on_domain));
    let mut res = serve(
        &req,
        &page,
        built.html(on_domain),
        &etag,
        "text/html; charset=utf-8",
    );
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&html::CSP).unwrap_or(HeaderValue::from_static("default-src 'none'")),
    );
    Ok(res)
}

/// A status page's data as JSON: what the page shows, names and states only. Its
/// `version` (also the `ETag`) changes when anything shown changes.
#[utoipa::path(
    tag = "status-pages",
    security(()),
    params(("slug" = String, Path, description = "The page's slug")),
    responses(
        (status = 200, description = "The page's data", body = PublicStatusPage),
        (status = 304, description = "Not changed since the `ETag` given in `If-None-Match`"),
        (status = 401, description = "A password page whose password was not given", body = ErrorBody),
        (status = 404, description = "No such page (or a private one)", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
    )
)]
#[get("/{slug}/status.json")]
pub async fn page_json(
    req: HttpRequest,
    pages: web::Data<StatusPages>,
    auth: web::Data<Auth>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (page, built) = page_data(&req, &pages, &auth, &slug).await?;
    Ok(serve(
        &req,
        &page,
        &built.json,
        &built.data.version,
        "application/json",
    ))
}

/// A status page's incidents, their updates and its notices as an Atom feed.
#[utoipa::path(
    tag = "status-pages",
    security(()),
    params(("slug" = String, Path, description = "The page's slug")),
    responses(
        (status = 200, description = "The feed", content_type = "application/atom+xml", body = String),
        (status = 401, description = "A password page whose password was not given", body = ErrorBody),
        (status = 404, description = "No such page (or a private one)", body = ErrorBody),
        (status = 429, description = "Too many requests from this address", body = ErrorBody),
    )
)]
#[get("/{slug}/feed.atom")]
pub async fn page_feed(
    req: HttpRequest,
    pages: web::Data<StatusPages>,
    auth: web::Data<Auth>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (page, built) = page_data(&req, &pages, &auth, &slug).await?;
    let info = req.connection_info();
    let origin = format!("{}://{}", info.scheme(), info.host());
    let base = base(&req, &page.spec.slug);
    let page_url = format!("{origin}{}", if base.is_empty() { "/" } else { &base });
    let feed_url = format!("{origin}{base}/feed.atom");
    let body = super::feed::feed(&built.data, &page_url, &feed_url);
    let mut res = HttpResponse::Ok();
    headers(&mut res, &page);
    Ok(res
        .content_type("application/atom+xml; charset=utf-8")
        .body(body))
}

/// The password form's answer.
#[derive(Debug, utoipa::ToSchema)]
pub struct UnlockForm {
    /// The page's password.
    pub password: String,
}

/// Gives a password page's password (an HTML form post). Right: a cookie that opens the
/// page, and a redirect to it. Wrong: the form again. Attempts are limited per page and
/// address (5, then one every 12 s).
#[utoipa::path(
    tag = "status-pages",
    security(()),
    params(("slug" = String, Path, description = "The page's slug")),
    request_body(content = UnlockForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Right: the page's cookie is set; go to the page"),
        (status = 401, description = "Wrong or missing password: the form again", content_type = "text/html", body = String),
        (status = 404, description = "No such password page", content_type = "text/html", body = String),
        (status = 429, description = "Too many attempts from this address", body = ErrorBody),
    )
)]
#[post("/{slug}/unlock")]
pub async fn unlock_page(
    req: HttpRequest,
    pages: web::Data<StatusPages>,
    auth: web::Data<Auth>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let Some(page) = pages.by_slug(&slug) else {
        return Ok(not_found_page());
    };
    let Some(hash) = page
        .password_hash
        .clone()
        .filter(|_| page.spec.visibility == PageVisibility::Password)
    else {
        return Ok(not_found_page());
    };
    let address = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    auth.throttle
        .attempt(&format!("status-page:{}", page.id), &address)?;
    let password = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "password")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let base = base(&req, &page.spec.slug);
    let checked = hash.clone();
    let right = !password.is_empty()
        && blocking(move || verify_password(&password, &checked))
            .await
            .map_err(ApiError::Internal)?;
    if !right {
        let form = html::password_form(&page.spec.title, page.spec.theme, &base, true);
        return Ok(html_answer(StatusCode::UNAUTHORIZED, form));
    }
    let cookie = Cookie::build(
        page_cookie_name(page.id),
        auth.keys.page_token(page.id, &hash),
    )
    .path("/")
    .http_only(true)
    .secure(auth.cookie_secure)
    .same_site(SameSite::Lax)
    .max_age(CookieDuration::days(30))
    .finish();
    let to = if base.is_empty() {
        "/".to_owned()
    } else {
        base
    };
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(cookie)
        .finish())
}
