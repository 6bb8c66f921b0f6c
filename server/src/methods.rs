//! Which methods each route answers, read from the OpenAPI document (every route is in it), so
//! that a wrong method gets `405 Method Not Allowed` with `Allow`, and `OPTIONS` gets `Allow`,
//! instead of a 404 or the web UI. A `HEAD` is answered as the `GET` it mirrors, without body.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::HttpResponse;
use flatline_types::ErrorBody;

use crate::openapi::METHODS;

/// The routes: each path template's segments (`None` for a `{parameter}`) and its methods.
pub struct Methods {
    routes: Vec<(Vec<Option<String>>, Vec<&'static str>)>,
}

impl Methods {
    /// The table of `doc`'s paths.
    pub fn from_document(doc: &serde_json::Value) -> Self {
        let mut routes = Vec::new();
        if let Some(paths) = doc["paths"].as_object() {
            for (path, item) in paths {
                let segments = path
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect();
                let methods = METHODS
                    .into_iter()
                    .filter(|m| item.get(*m).is_some())
                    .collect();
                routes.push((segments, methods));
            }
        }
        Self { routes }
    }

    /// The `Allow` value for `path`: its methods (with `HEAD` beside `GET`, and `OPTIONS`), or
    /// `None` when no route has this path.
    pub fn allow(&self, path: &str) -> Option<String> {
        let segments: Vec<&str> = path.split('/').collect();
        let mut allowed: Vec<&str> = Vec::new();
        for (template, methods) in &self.routes {
            let fits = template.len() == segments.len()
                && template.iter().zip(&segments).all(|(t, s)| match t {
                    Some(literal) => literal == s,
                    None => !s.is_empty(),
                });
            if fits {
                allowed.extend(methods);
            }
        }
        if allowed.is_empty() {
            return None;
        }
        if allowed.contains(&"get") {
            allowed.push("head");
        }
        allowed.push("options");
        let upper: Vec<String> = METHODS
            .into_iter()
            .filter(|m| allowed.contains(m))
            .map(str::to_uppercase)
            .collect();
        Some(upper.join(", "))
    }
}

/// The answer for a method the path does not take: 204 with `Allow` to `OPTIONS`, else 405.
pub fn refuse(method: &Method, path: &str, allow: &str) -> HttpResponse {
    if method == Method::OPTIONS {
        return HttpResponse::NoContent()
            .insert_header((header::ALLOW, allow.to_owned()))
            .finish();
    }
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, allow.to_owned()))
        .json(ErrorBody {
            error: "method_not_allowed".into(),
            message: format!("{method} is not allowed on {path}; allowed: {allow}"),
            field: None,
        })
}

/// Middleware: a `HEAD` is routed as a `GET`; actix-web's HTTP/1 codec remembers the request
/// was a `HEAD` and sends the headers only.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_lists_the_methods_of_the_matching_route() {
        let methods = Methods::from_document(&crate::openapi::document());
        assert_eq!(
            methods.allow("/api/v1/monitors/7").as_deref(),
            Some("GET, DELETE, OPTIONS, HEAD, PATCH")
        );
        assert_eq!(
            methods.allow("/auth/local/login").as_deref(),
            Some("POST, OPTIONS")
        );
        assert_eq!(methods.allow("/api/v1/monitors/7/nothing"), None);
        assert_eq!(methods.allow("/api/v1/monitors//checks"), None);
        assert_eq!(methods.allow("/dashboard"), None);
    }
}
