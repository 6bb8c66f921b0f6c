//! The web UI, compiled to WebAssembly by `build.rs` and embedded in the binary.

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "$OUT_DIR/ui"]
struct UiAssets;

/// Serves an embedded file, or `index.html` for any other path (client-side routes).
pub async fn serve(req: HttpRequest) -> HttpResponse {
    let path = req.path().trim_start_matches('/');
    if let Some(file) = (!path.is_empty()).then(|| UiAssets::get(path)).flatten() {
        return HttpResponse::Ok()
            .content_type(file.metadata.mimetype())
            .insert_header(CacheControl(vec![CacheDirective::NoCache]))
            .body(file.data.into_owned());
    }
    match UiAssets::get("index.html") {
        Some(index) => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header(CacheControl(vec![CacheDirective::NoCache]))
            .body(index.data.into_owned()),
        None => HttpResponse::NotFound().finish(),
    }
}

/// Registers the UI as the fallback for every GET outside `/api`, `/docs` and `/healthz`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.default_service(web::to(fallback));
}

async fn fallback(req: HttpRequest) -> HttpResponse {
    use actix_web::ResponseError;
    let path = req.path();
    if path.starts_with("/api/") || path == "/api" {
        return crate::error::ApiError::NoRoute {
            method: req.method().to_string(),
            path: path.to_owned(),
        }
        .error_response();
    }
    if req.method() != actix_web::http::Method::GET && req.method() != actix_web::http::Method::HEAD
    {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "GET, HEAD"))
            .json(flatline_types::ErrorBody {
                error: "method_not_allowed".into(),
                message: format!("{} is not allowed on {path}", req.method()),
                field: None,
            });
    }
    serve(req).await
}
