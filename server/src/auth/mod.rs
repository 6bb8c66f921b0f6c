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

use std::future::Future;
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use flatline_actors::clock::now_ms;
use flatline_actors::store::auth::{ApiToken, User};

use crate::error::ApiError;
use crate::state::AppState;

/// Why a request was refused a sign-in or access.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("authentication required: sign in, or send `Authorization: Bearer <token>`")]
    Missing,
    #[error("the API token is invalid, expired or revoked")]
    BadToken,
    #[error("the session is invalid or has expired: sign in again")]
    BadSession,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("too many sign-in attempts: try again in {0} s")]
    Throttled(u64),
    #[error(
        "cross-origin request refused: a cookie alone never authorizes a change from another site"
    )]
    CrossOrigin,
    #[error("{0}")]
    NotOwner(String),
    #[error("local accounts are off because OIDC is configured: sign in at /auth/login")]
    LocalDisabled,
    #[error("OIDC is not configured: sign in with the local account (POST /auth/local/login)")]
    OidcDisabled,
    #[error("{0}")]
    LoginState(String),
    #[error("sign-in failed: {0}")]
    LoginFailed(String),
    #[error("the identity provider cannot be reached: {0}")]
    ProviderUnavailable(String),
}

impl AuthError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "unauthorized",
            Self::BadToken => "invalid_token",
            Self::BadSession => "invalid_session",
            Self::BadCredentials => "invalid_credentials",
            Self::Throttled(_) => "too_many_requests",
            Self::CrossOrigin => "cross_origin_rejected",
            Self::NotOwner(_) => "not_owner",
            Self::LocalDisabled => "local_login_disabled",
            Self::OidcDisabled => "oidc_disabled",
            Self::LoginState(_) => "invalid_login_state",
            Self::LoginFailed(_) => "login_failed",
            Self::ProviderUnavailable(_) => "identity_provider_unavailable",
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Missing | Self::BadToken | Self::BadSession | Self::BadCredentials => {
                StatusCode::UNAUTHORIZED
            }
            Self::LoginFailed(_) => StatusCode::UNAUTHORIZED,
            Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::CrossOrigin | Self::NotOwner(_) | Self::LocalDisabled => StatusCode::FORBIDDEN,
            Self::OidcDisabled => StatusCode::NOT_FOUND,
            Self::LoginState(_) => StatusCode::BAD_REQUEST,
            Self::ProviderUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// Who made a request.
#[derive(Clone, Debug)]
pub enum Principal {
    /// A browser session (cookie).
    Session { user: User },
    /// An API token (bearer).
    Token { token: ApiToken },
}

impl Principal {
    /// The signed-in user's id; `None` for API tokens.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Self::Session { user, .. } => Some(user.id),
            Self::Token { .. } => None,
        }
    }
}

/// Everything authentication needs at run time.
pub struct Auth {
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

/// Decides who `req` is from, or why it is refused. A bearer token, when present, is the only
/// credential looked at (so a bad token is never rescued by a cookie).
pub async fn authenticate(state: &AppState, req: &HttpRequest) -> Result<Principal, ApiError> {
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
        return token_principal(state, token).await;
    }
    let Some(cookie) = req.cookie(session::SESSION_COOKIE) else {
        return Err(AuthError::Missing.into());
    };
    let claims = state
        .auth
        .keys
        .verify_session(cookie.value())
        .ok_or(AuthError::BadSession)?;
    let user = state
        .store
        .session(&secrets::hash_secret(&claims.sid), now_ms())
        .await?
        .filter(|u| u.id.to_string() == claims.sub)
        .ok_or(AuthError::BadSession)?;
    if is_unsafe(req.method()) && !same_origin(req, &state.auth.trusted_origins) {
        return Err(AuthError::CrossOrigin.into());
    }
    Ok(Principal::Session { user })
}

async fn token_principal(state: &AppState, token: &str) -> Result<Principal, ApiError> {
    if !token.starts_with(flatline_types::TOKEN_PREFIX) {
        return Err(AuthError::BadToken.into());
    }
    let now = now_ms();
    let token = state
        .store
        .token_by_hash(&secrets::hash_secret(token))
        .await?
        .filter(|t| t.expires_at.is_none_or(|e| e > now))
        .ok_or(AuthError::BadToken)?;
    // "Last used" to the minute is enough, and spares a write on every request.
    if token.last_used_at.is_none_or(|t| now - t >= 60_000) {
        let store = state.store.clone();
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
    let principal = match req.app_data::<web::Data<AppState>>() {
        Some(state) => authenticate(state, req.request()).await?,
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
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or(AuthError::Missing)?;
            authenticate(state, &req).await
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

/// Builds authentication at start-up: the JWT secret (generated and stored if unset), OIDC
/// settings (discovery happens later, so an unreachable provider never stops Flatline), and,
/// without OIDC, the local `admin` account.
pub async fn setup(
    config: &crate::config::AuthConfig,
    store: &flatline_actors::Store,
) -> Result<Auth, String> {
    let secret = jwt_secret(config, store).await?;
    let oidc = oidc_settings(config)?;
    let redirect = config
        .oauth_redirect_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok());
    let cookie_secure = config
        .secure_cookies
        .unwrap_or_else(|| redirect.as_ref().is_some_and(|u| u.scheme() == "https"));
    let trusted_origins = redirect
        .map(|u| u.origin().ascii_serialization())
        .into_iter()
        .collect();
    match &oidc {
        None => {
            let password = config.admin_password.as_ref().map(|s| s.expose());
            local::bootstrap_admin(store, password).await?;
        }
        Some(o) => {
            tracing::info!(issuer = %o.issuer.as_str(), client_id = %o.client_id.as_str(),
                "sign-in with OIDC; local accounts are off");
            let owner = store.owner().await.map_err(|e| e.to_string())?;
            if let Some(owner) = owner.filter(|o| o.issuer == local::LOCAL_ISSUER) {
                tracing::warn!(owner = %owner.username,
                    "OIDC is configured but the owner is the local account, so every OIDC \
                     sign-in will be refused: run `flatline owner reset` to let the next OIDC \
                     sign-in claim Flatline");
            }
        }
    }
    Ok(Auth {
        keys: session::Keys::new(secret.as_bytes())?,
        cookie_secure,
        oidc: oidc.map(oidc::Oidc::new),
        throttle: local::Throttle::default(),
        trusted_origins,
    })
}

/// The settings key of a generated JWT secret.
const JWT_SECRET_SETTING: &str = "jwt_secret";

async fn jwt_secret(
    config: &crate::config::AuthConfig,
    store: &flatline_actors::Store,
) -> Result<String, String> {
    if let Some(s) = &config.jwt_secret {
        if s.expose().len() < 32 {
            return Err(
                "JWT_SECRET must be at least 32 bytes (e.g. the output of `openssl rand -base64 48`)"
                    .into(),
            );
        }
        return Ok(s.expose().to_owned());
    }
    let db = |e: flatline_actors::StoreError| format!("cannot read or store the JWT secret: {e}");
    if let Some(stored) = store.setting(JWT_SECRET_SETTING).await.map_err(db)? {
        return Ok(stored);
    }
    let stored = store
        .setting_or_insert(JWT_SECRET_SETTING, &secrets::random_secret(48))
        .await
        .map_err(db)?;
    tracing::info!(
        "JWT_SECRET is not set: generated a random one and stored it in the database, \
         so sessions survive restarts"
    );
    Ok(stored)
}

fn oidc_settings(config: &crate::config::AuthConfig) -> Result<Option<oidc::OidcSettings>, String> {
    use openidconnect::{ClientId, ClientSecret, IssuerUrl, RedirectUrl};
    let c = config;
    let any = c.oauth_issuer_url.is_some()
        || c.oauth_client_id.is_some()
        || c.oauth_client_secret.is_some()
        || c.oauth_redirect_url.is_some();
    if !any {
        return Ok(None);
    }
    let missing: Vec<&str> = [
        ("OAUTH_ISSUER_URL", c.oauth_issuer_url.is_none()),
        ("OAUTH_CLIENT_ID", c.oauth_client_id.is_none()),
        ("OAUTH_REDIRECT_URL", c.oauth_redirect_url.is_none()),
    ]
    .into_iter()
    .filter_map(|(name, absent)| absent.then_some(name))
    .collect();
    if !missing.is_empty() {
        return Err(format!(
            "OIDC is half configured: set {} too (or unset every OAUTH_* variable for local accounts)",
            missing.join(", ")
        ));
    }
    let issuer = c.oauth_issuer_url.clone().unwrap_or_default();
    let issuer = IssuerUrl::new(issuer.clone())
        .map_err(|e| format!("OAUTH_ISSUER_URL {issuer:?} is not a URL: {e}"))?;
    let redirect = c.oauth_redirect_url.clone().unwrap_or_default();
    let redirect_url = RedirectUrl::new(redirect.clone())
        .map_err(|e| format!("OAUTH_REDIRECT_URL {redirect:?} is not a URL: {e}"))?;
    if !redirect_url.url().path().ends_with("/auth/callback") {
        tracing::warn!(redirect_url = %redirect,
            "OAUTH_REDIRECT_URL does not end in /auth/callback, where Flatline receives sign-ins");
    }
    let provider_name = c.oauth_provider_name.clone().unwrap_or_else(|| {
        issuer
            .url()
            .host_str()
            .unwrap_or("your identity provider")
            .to_owned()
    });
    Ok(Some(oidc::OidcSettings {
        issuer,
        client_id: ClientId::new(c.oauth_client_id.clone().unwrap_or_default()),
        client_secret: c
            .oauth_client_secret
            .as_ref()
            .map(|s| ClientSecret::new(s.expose().to_owned())),
        redirect_url,
        scopes: c
            .oauth_scopes
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        provider_name,
        token_auth_method: c.oauth_token_auth_method.clone(),
    }))
}
