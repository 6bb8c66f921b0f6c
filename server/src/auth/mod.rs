//! Authentication: who may use Flatline.
//!
//! Credentials are a session cookie (a signed JWT naming a stored session, from an OIDC or a
//! local-account sign-in) or an API token (`Authorization: Bearer flt_…`). One function,
//! [`authenticate`], decides for every protected route: the `/api/v1` scope is wrapped in
//! [`require_auth`], and handlers outside it take a [`Principal`] argument.

pub mod local;
pub mod oidc;
pub mod routes;
pub mod secrets;
pub mod session;
mod setup;

pub use setup::setup;

use std::future::Future;
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use flatline_store::auth::{StoredToken, StoredUser};
use flatline_store::clock::now_ms;
use flatline_store::Store;

use crate::error::ApiError;
pub use crate::error::AuthError;

/// Who made a request.
#[derive(Clone, Debug)]
pub enum Principal {
    /// A browser session (cookie).
    Session { user: StoredUser },
    /// An API token (bearer).
    Token { token: StoredToken },
}

impl Principal {
    /// The signed-in user's id; `None` for API tokens.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Self::Session { user, .. } => Some(user.id),
            Self::Token { .. } => None,
        }
    }

    /// Who is acting, for records people read: the user's name (or username), or
    /// `token <name>`.
    /// The location of a probe token; `None` for the owner's credentials.
    pub fn probe_location(&self) -> Option<&str> {
        match self {
            Self::Token { token } => token.location.as_deref(),
            Self::Session { .. } => None,
        }
    }

    /// How an acknowledgement by this principal was made: `ui` for a signed-in person (the
    /// dashboard), `api` for a token.
    pub fn ack_via(&self) -> &'static str {
        match self {
            Self::Session { .. } => "ui",
            Self::Token { .. } => "api",
        }
    }

    pub fn author(&self) -> String {
        match self {
            Self::Session { user } => user.name.clone().unwrap_or_else(|| user.username.clone()),
            Self::Token { token } => format!("token {}", token.name),
        }
    }
}

/// Everything authentication needs at run time.
pub struct Auth {
    /// Where users, sessions and tokens are stored.
    pub store: Store,
    pub keys: session::Keys,
    /// Whether cookies carry `Secure`.
    pub cookie_secure: bool,
    /// OIDC sign-in, when configured.
    pub oidc: Option<oidc::Oidc>,
    /// Failed-login throttling for the local account.
    pub throttle: local::Throttle,
    /// Origins (besides the request's own host) whose cookie-authenticated writes are accepted.
    pub trusted_origins: Vec<String>,
}

impl Auth {
    /// Whether `POST /auth/local/login` is accepted: only without OIDC.
    pub fn local_login(&self) -> bool {
        self.oidc.is_none()
    }
}

/// Where a probe token may go (and only a probe token: see `api::probe`).
pub const PROBE_ROUTES: &str = "/api/v1/probe/";

/// Decides who `req` is from, or why it is refused. A bearer token, when present, is the only
/// credential looked at (so a bad token is never rescued by a cookie).
pub async fn authenticate(auth: &Auth, req: &HttpRequest) -> Result<Principal, ApiError> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or(AuthError::BadToken)?;
        let principal = token_principal(auth, token).await?;
        // A probe token opens the probe routes and nothing else; they open to nothing else.
        let probe_route = req.path().starts_with(PROBE_ROUTES);
        return match (&principal, probe_route) {
            (Principal::Token { token }, false) if token.location.is_some() => {
                Err(AuthError::OutOfScope(
                    "a probe token may only fetch its location's monitors and send their results",
                )
                .into())
            }
            _ => Ok(principal),
        };
    }
    let Some(cookie) = req.cookie(session::SESSION_COOKIE) else {
        return Err(AuthError::Missing.into());
    };
    let claims = auth
        .keys
        .verify_session(cookie.value())
        .ok_or(AuthError::BadSession)?;
    let user = auth
        .store
        .session(&secrets::hash_secret(&claims.sid), now_ms())
        .await?
        .filter(|u| u.id.to_string() == claims.sub)
        .ok_or(AuthError::BadSession)?;
    if is_unsafe(req.method()) && !same_origin(req, &auth.trusted_origins) {
        return Err(AuthError::CrossOrigin.into());
    }
    Ok(Principal::Session { user })
}

async fn token_principal(auth: &Auth, token: &str) -> Result<Principal, ApiError> {
    if !token.starts_with(flatline_types::TOKEN_PREFIX) {
        return Err(AuthError::BadToken.into());
    }
    let now = now_ms();
    let token = auth
        .store
        .token_by_hash(&secrets::hash_secret(token))
        .await?
        .filter(|t| t.expires_at.is_none_or(|e| e > now))
        .ok_or(AuthError::BadToken)?;
    // "Last used" to the minute is enough, and spares a write on every request.
    if token.last_used_at.is_none_or(|t| now - t >= 60_000) {
        let store = auth.store.clone();
        let id = token.id;
        actix_web::rt::spawn(async move {
            if let Err(e) = store.touch_token(id, now).await {
                tracing::warn!(token_id = id, error = %e, "cannot record token use");
            }
        });
    }
    Ok(Principal::Token { token })
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether a cookie-carrying request comes from Flatline's own pages. Browsers send
/// `Sec-Fetch-Site` (all current ones) or at least `Origin` on every cross-site write; a
/// request with neither is not a browser's cross-site request (curl, scripts).
pub fn same_origin(req: &HttpRequest, trusted: &[String]) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return true;
    };
    if trusted.iter().any(|t| t.eq_ignore_ascii_case(origin)) {
        return true;
    }
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest.trim_end_matches('/'));
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// Middleware on the `/api/v1` scope: only authenticated requests reach the API.
pub async fn require_auth(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let principal = match req.app_data::<web::Data<Auth>>() {
        Some(auth) => authenticate(auth, req.request()).await?,
        None => return Err(AuthError::Missing.into()),
    };
    req.extensions_mut().insert(principal);
    next.call(req).await
}

impl From<AuthError> for actix_web::Error {
    fn from(e: AuthError) -> Self {
        ApiError::from(e).into()
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Inside the guarded scope the guard has already decided.
        if let Some(p) = req.extensions().get::<Principal>() {
            let p = p.clone();
            return Box::pin(async move { Ok(p) });
        }
        let req = req.clone();
        Box::pin(async move {
            let auth = req
                .app_data::<web::Data<Auth>>()
                .ok_or(AuthError::Missing)?;
            authenticate(auth, &req).await
        })
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::same_origin;

    #[test]
    fn cookie_writes_are_accepted_only_from_the_same_origin() {
        let trusted = vec!["https://flatline.example.com".to_owned()];
        let req = |headers: &[(&str, &str)]| {
            let mut r = TestRequest::post().insert_header(("Host", "127.0.0.1:3000"));
            for h in headers {
                r = r.insert_header(*h);
            }
            r.to_http_request()
        };
        assert!(same_origin(&req(&[]), &trusted), "no browser headers");
        assert!(same_origin(
            &req(&[("Sec-Fetch-Site", "same-origin")]),
            &trusted
        ));
        assert!(!same_origin(
            &req(&[("Sec-Fetch-Site", "cross-site")]),
            &trusted
        ));
        assert!(!same_origin(
            &req(&[("Sec-Fetch-Site", "same-site")]),
            &trusted
        ));
        assert!(same_origin(
            &req(&[("Origin", "http://127.0.0.1:3000")]),
            &trusted
        ));
        assert!(!same_origin(
            &req(&[("Origin", "http://127.0.0.1:3001")]),
            &trusted
        ));
        assert!(!same_origin(&req(&[("Origin", "null")]), &trusted));
        assert!(same_origin(
            &req(&[("Origin", "https://flatline.example.com")]),
            &trusted
        ));
        assert!(!same_origin(
            &req(&[("Origin", "https://evil.example.com")]),
            &trusted
        ));
    }
}
