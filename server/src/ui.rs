//! The web UI, compiled to WebAssembly by `build.rs` and embedded in the binary.

use actix_web::http::header::{self, ContentEncoding};
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

use crate::methods::{refuse, Methods};

#[derive(RustEmbed)]
#[folder = "$OUT_DIR/ui"]
struct UiAssets;

/// The page's Content-Security-Policy, made by `build.rs` with the hash of its inline script.
const CSP: &str = include_str!(concat!(env!("OUT_DIR"), "/csp.txt"));

/// A year: hashed asset names change whenever their content does.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Serves an embedded file, precompressed when the client accepts it. Hashed assets are
/// cached for a year; `index.html` (for `/` and every client-side route: paths whose last
/// segment has no dot) must be revalidated. An unknown file name is a 404, so a stale
/// asset URL never gets HTML.
pub async fn serve(req: HttpRequest) -> HttpResponse {
    let path = req.path().trim_start_matches('/');
    let last = path.rsplit('/').next().unwrap_or_default();
    let (name, cache) = if path.is_empty() || !last.contains('.') {
        ("index.html", "no-cache")
    } else if path == "index.html" {
        (path, "no-cache")
    } else {
        (path, IMMUTABLE)
    };
    // The precompressed copies are served only under their base file's name.
    let base = match UiAssets::get(name) {
        Some(file) if !name.ends_with(".gz") && !name.ends_with(".br") => file,
        _ => {
            return HttpResponse::NotFound()
                .content_type("text/plain; charset=utf-8")
                .body("not found")
        }
    };
    use actix_web::HttpMessage;
    let encoding = req
        .get_header::<header::AcceptEncoding>()
        .and_then(|accept| {
            accept.negotiate(
                [
                    header::Encoding::brotli(),
                    header::Encoding::gzip(),
                    header::Encoding::identity(),
                ]
                .iter(),
            )
        })
        .unwrap_or_else(header::Encoding::identity);
    let (file, coding) = match encoding {
        header::Encoding::Known(ContentEncoding::Brotli) => {
            (UiAssets::get(&format!("{name}.br")), Some("br"))
        }
        header::Encoding::Known(ContentEncoding::Gzip) => {
            (UiAssets::get(&format!("{name}.gz")), Some("gzip"))
        }
        _ => (None, None),
    };
    let mime = base.metadata.mimetype();
    let (file, coding) = match file {
        Some(f) => (f, coding),
        None => (base.clone(), None),
    };
    let mut res = HttpResponse::Ok();
    res.content_type(
        if mime.starts_with("text/") || mime.ends_with("javascript") {
            format!("{mime}; charset=utf-8")
        } else {
            mime.to_owned()
        },
    )
    .insert_header((header::CACHE_CONTROL, cache))
    .insert_header((header::VARY, "Accept-Encoding"))
    .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if name == "index.html" {
        res.insert_header((header::CONTENT_SECURITY_POLICY, CSP))
            .insert_header((header::X_FRAME_OPTIONS, "DENY"))
            .insert_header((header::REFERRER_POLICY, "same-origin"));
    }
    // Setting Content-Encoding (identity included) keeps the Compress middleware away.
    res.insert_header((header::CONTENT_ENCODING, coding.unwrap_or("identity")));
    res.body(file.data.into_owned())
}

/// Registers the UI as the fallback for every GET outside `/api`, `/docs` and `/healthz`; a
/// path that is a route of the API (or of `/auth`, `/push`, …) but not for this method gets
/// 405 with `Allow` instead.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.default_service(web::to(fallback));
}

/// The methods every page of the UI takes.
const UI_METHODS: &str = "GET, HEAD, OPTIONS";

async fn fallback(req: HttpRequest, methods: web::Data<Methods>) -> HttpResponse {
    use actix_web::ResponseError;
    let path = req.path();
    if let Some(allow) = methods.allow(path) {
        return refuse(req.method(), path, &allow);
    }
    if path.starts_with("/api/") || path == "/api" {
        return crate::error::ApiError::NoRoute {
            method: req.method().to_string(),
            path: path.to_owned(),
        }
        .error_response();
    }
    // A HEAD has been made a GET by `methods::head_as_get`.
    if req.method() != actix_web::http::Method::GET {
        return refuse(req.method(), path, UI_METHODS);
    }
    serve(req).await
}
