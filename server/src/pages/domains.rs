//! Custom domains: `/`, `/status.json`, `/feed.atom` and `/unlock` of a page's domain (its
//! `Host`, port aside) are that page's, rewritten before routing; links then root at `/`.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Uri;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest};

use super::StatusPages;

/// Marks a request that came to `/` of a page's custom domain.
#[derive(Clone, Copy)]
struct OnDomain;

/// App middleware: `/`, `/status.json`, `/feed.atom` and `/unlock` on a page's custom domain
/// are that page's.
pub async fn custom_domains(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let suffix = match req.path() {
        "/" => Some(""),
        "/status.json" => Some("/status.json"),
        "/feed.atom" => Some("/feed.atom"),
        "/unlock" => Some("/unlock"),
        _ => None,
    };
    if let (Some(suffix), Some(pages)) = (suffix, req.app_data::<web::Data<StatusPages>>()) {
        let host = host_of(req.connection_info().host());
        if let Some(slug) = pages.slug_for_domain(&host) {
            let path = match req.query_string() {
                "" => format!("/status/{slug}{suffix}"),
                q => format!("/status/{slug}{suffix}?{q}"),
            };
            if let Ok(uri) = path.parse::<Uri>() {
                req.match_info_mut().get_mut().update(&uri);
                req.head_mut().uri = uri;
                req.extensions_mut().insert(OnDomain);
            }
        }
    }
    next.call(req).await
}

/// A `Host` value without its port, lower-cased.
fn host_of(host: &str) -> String {
    let bare = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    bare.trim_end_matches('.').to_ascii_lowercase()
}

/// Where the page's links are rooted: `/status/<slug>`, or `` on its custom domain.
pub fn base(req: &HttpRequest, slug: &str) -> String {
    if req.extensions().get::<OnDomain>().is_some() {
        String::new()
    } else {
        format!("/status/{slug}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_lose_their_port() {
        assert_eq!(host_of("Status.Example.com:8080"), "status.example.com");
        assert_eq!(host_of("status.example.com."), "status.example.com");
        assert_eq!(host_of("[::1]:80"), "[::1]");
        assert_eq!(host_of("a.b"), "a.b");
    }
}
