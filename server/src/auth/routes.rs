//! `/auth`: sign-in (OIDC and local), sign-out, and who is signed in.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse, ResponseError};
use flatline_store::auth::{NewUser, StoredUser};
use flatline_store::clock::now_ms;
use flatline_types::{AuthConfig, ErrorBody, LocalLogin, Me};
use serde::Deserialize;
use utoipa::IntoParams;

use super::local::{self, ADMIN, LOCAL_ISSUER};
use super::oidc::Identity;
use super::secrets::{hash_secret, random_secret};
use super::session::{
    removal_cookie, session_cookie, SessionClaims, FLOW_COOKIE, SESSION_COOKIE, SESSION_DAYS,
};
use super::Auth;
use super::{same_origin, AuthError, Principal};
use crate::api::views::{token_to_api, user_to_api};
use crate::error::{ApiError, ApiResult};
use crate::json::ApiJson;

/// How this Flatline signs people in (for the login page). Public.
#[utoipa::path(
    tag = "auth",
    security(()),
    responses((status = 200, description = "Sign-in options", body = AuthConfig))
)]
#[get("/config")]
pub async fn config(auth: web::Data<Auth>) -> ApiResult<web::Json<AuthConfig>> {
    let first_login_pending = if auth.local_login() {
        auth.store
            .user_by_identity(LOCAL_ISSUER, ADMIN)
            .await?
            .is_some_and(|u| u.last_login_at.is_none())
    } else {
        false
    };
    Ok(web::Json(AuthConfig {
        mode: if auth.oidc.is_some() { "oidc" } else { "local" }.into(),
        provider_name: auth.oidc.as_ref().map(|o| o.settings.provider_name.clone()),
        login_url: auth.oidc.as_ref().map(|_| "/auth/login".into()),
        local_login: auth.local_login(),
        first_login_pending,
    }))
}

/// Query of `GET /auth/login`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct LoginQuery {
    /// Where to go once signed in: a path on this Flatline (default `/`).
    return_to: Option<String>,
}

/// Starts an OIDC sign-in: redirects to the provider (state, nonce, PKCE S256). Public.
#[utoipa::path(
    tag = "auth",
    security(()),
    params(LoginQuery),
    responses(
        (status = 302, description = "To the identity provider"),
        (status = 404, description = "OIDC is not configured", body = ErrorBody),
        (status = 503, description = "The provider cannot be reached", body = ErrorBody),
    )
)]
#[get("/login")]
pub async fn login(
    auth: web::Data<Auth>,
    query: web::Query<LoginQuery>,
) -> ApiResult<HttpResponse> {
    let oidc = auth.oidc.as_ref().ok_or(AuthError::OidcDisabled)?;
    let return_to = local_path(query.into_inner().return_to);
    let (url, flow) = oidc.begin(return_to, now_s()).await?;
    let cookie = auth
        .keys
        .flow_cookie(&flow, auth.cookie_secure)
        .ok_or_else(|| AuthError::LoginFailed("cannot encode the sign-in state".into()))?;
    Ok(HttpResponse::Found()
        .insert_header((header::LOCATION, url))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(cookie)
        .finish())
}

/// Query of `GET /auth/callback`, as the provider sends it.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    /// The issuer (RFC 9207), when the provider sends it.
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Where the provider sends the browser back. Checks `state` (and `iss`), exchanges the code,
/// verifies the ID token; the first identity ever to sign in becomes the owner. Public.
#[utoipa::path(
    tag = "auth",
    security(()),
    params(CallbackQuery),
    responses(
        (status = 303, description = "Signed in: session cookie set, on to `return_to`"),
        (status = 404, description = "OIDC is not configured", body = ErrorBody),
        (status = 400, description = "No sign-in in progress, or state/issuer mismatch", body = ErrorBody),
        (status = 401, description = "The provider or the ID token was refused", body = ErrorBody),
        (status = 403, description = "Another identity owns this Flatline", body = ErrorBody),
    )
)]
#[get("/callback")]
pub async fn callback(
    req: HttpRequest,
    auth: web::Data<Auth>,
    query: web::Query<CallbackQuery>,
) -> ApiResult<HttpResponse> {
    let oidc = auth.oidc.as_ref().ok_or(AuthError::OidcDisabled)?;
    let q = query.into_inner();
    // The flow cookie is single-use: whatever happens next, it is gone.
    let clear_flow = removal_cookie(FLOW_COOKIE, "/auth", auth.cookie_secure);
    let result = async {
        let flow = req
            .cookie(FLOW_COOKIE)
            .and_then(|c| auth.keys.open_flow(c, now_s()))
            .ok_or_else(|| {
                AuthError::LoginState(
                    "no sign-in in progress in this browser (it expired after 10 minutes, \
                     or was already used): start again at /auth/login"
                        .into(),
                )
            })?;
        if !constant_time_eq(q.state.as_deref().unwrap_or_default(), &flow.state) {
            return Err(AuthError::LoginState(
                "the state parameter does not match this browser's sign-in".into(),
            )
            .into());
        }
        if let Some(iss) = &q.iss {
            if !oidc.issuer_matches(iss) {
                return Err(AuthError::LoginState(format!(
                    "the response names the issuer {iss}, not the configured provider"
                ))
                .into());
            }
        }
        if let Some(error) = &q.error {
            let detail = q.error_description.as_deref().unwrap_or_default();
            return Err(
                AuthError::LoginFailed(format!("the provider answered {error} {detail}")).into(),
            );
        }
        let code = q
            .code
            .clone()
            .ok_or_else(|| AuthError::LoginState("the response has no code".into()))?;
        let return_to = flow.return_to.clone();
        let identity = oidc.finish(flow, code).await?;
        let cookie = claim_or_match(&auth, identity).await?;
        Ok::<_, ApiError>((cookie, return_to))
    }
    .await;
    let (cookie, return_to) = match result {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "OIDC sign-in refused");
            let mut res = e.error_response();
            let _ = res.add_cookie(&clear_flow);
            return Ok(res);
        }
    };
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, return_to))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(clear_flow)
        .cookie(cookie)
        .finish())
}

/// Signs in the user with this identity; at the very first sign-in, as the new owner.
/// Returns the session cookie.
async fn claim_or_match(
    auth: &Auth,
    id: Identity,
) -> ApiResult<actix_web::cookie::Cookie<'static>> {
    let store = &auth.store;
    if let Some(mut user) = store.user_by_identity(&id.issuer, &id.subject).await? {
        tracing::info!(user_id = user.id, "signed in with OIDC");
        return sign_in(auth, &mut user, id.email, id.name).await;
    }
    let username = id
        .email
        .clone()
        .or_else(|| id.preferred_username.clone())
        .unwrap_or_else(|| id.subject.clone());
    let new = NewUser {
        issuer: id.issuer.clone(),
        subject: id.subject.clone(),
        username: username.clone(),
        email: id.email.clone(),
        name: id.name.clone(),
        password_hash: None,
    };
    match store.create_owner(new, now_ms()).await? {
        Some(mut user) => {
            tracing::info!(user_id = user.id, username = %username, "first sign-in: this identity now owns Flatline");
            sign_in(auth, &mut user, None, None).await
        }
        None => {
            tracing::warn!(issuer = %id.issuer, subject = %id.subject, username = %username,
                "sign-in refused: Flatline already has an owner");
            Err(AuthError::NotOwner(
                "this Flatline already has an owner, and only the owner can sign in".into(),
            )
            .into())
        }
    }
}

/// Signs `user` in: records the login (with the profile the provider sent this time, if
/// any), stores a new session and returns its cookie.
async fn sign_in(
    auth: &Auth,
    user: &mut StoredUser,
    email: Option<String>,
    name: Option<String>,
) -> ApiResult<actix_web::cookie::Cookie<'static>> {
    let now = now_ms();
    auth.store.record_login(user.id, email, name, now).await?;
    user.last_login_at = Some(now);
    let sid = random_secret(32);
    let expires = now + SESSION_DAYS * 86_400_000;
    auth.store
        .insert_session(&hash_secret(&sid), user.id, now, expires)
        .await?;
    let jwt = auth
        .keys
        .sign_session(&SessionClaims {
            sub: user.id.to_string(),
            sid,
            iat: now / 1000,
            exp: expires / 1000,
        })
        .ok_or_else(|| AuthError::LoginFailed("cannot sign the session".into()))?;
    Ok(session_cookie(jwt, auth.cookie_secure))
}

/// Signs in with the local account (local mode only). Attempts are throttled per username
/// and address, per address and per username (see `local::Throttle`). Public.
#[utoipa::path(
    tag = "auth",
    security(()),
    request_body = LocalLogin,
    responses(
        (status = 200, description = "Signed in: session cookie set", body = Me),
        (status = 401, description = "Wrong username or password", body = ErrorBody),
        (status = 403, description = "OIDC is configured; local accounts are off", body = ErrorBody),
        (status = 429, description = "Too many attempts; see Retry-After", body = ErrorBody),
    )
)]
#[post("/local/login")]
pub async fn local_login(
    req: HttpRequest,
    auth: web::Data<Auth>,
    body: ApiJson<LocalLogin>,
) -> ApiResult<HttpResponse> {
    if !auth.local_login() {
        return Err(AuthError::LocalDisabled.into());
    }
    // Login CSRF: another site must not sign a visitor in to this Flatline.
    if !same_origin(&req, &auth.trusted_origins) {
        return Err(AuthError::CrossOrigin.into());
    }
    let LocalLogin { username, password } = body.0;
    let username = username.trim().to_lowercase();
    let client = req
        .peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default();
    auth.throttle.attempt(&username, &client)?;
    let user = auth.store.user_by_identity(LOCAL_ISSUER, &username).await?;
    // A missing user costs the same hashing time as a wrong password.
    let stored = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_owned());
    let ok = local::blocking(move || local::verify_password(&password, &stored))
        .await
        .map_err(AuthError::LoginFailed)?;
    let mut user = match user {
        Some(u) if ok => u,
        _ => {
            tracing::warn!(username = %username, client = %client, "local sign-in refused");
            return Err(AuthError::BadCredentials.into());
        }
    };
    tracing::info!(user_id = user.id, "signed in with the local account");
    let cookie = sign_in(&auth, &mut user, None, None).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(cookie)
        .json(Me {
            via: "session".into(),
            user: Some(user_to_api(&user)),
            token: None,
        }))
}

/// An argon2id hash of a random password, for timing-equal refusals of unknown usernames.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2tO0uCuZ6XfydGUBwXjdzHjXFXdw9sJ8xpXKpSsyYnA";

/// Signs out: ends the session and clears the cookie. Always 204.
#[utoipa::path(
    tag = "auth",
    security(()),
    responses(
        (status = 204, description = "Signed out"),
        (status = 403, description = "Cross-origin request refused", body = ErrorBody),
    )
)]
#[post("/logout")]
pub async fn logout(req: HttpRequest, auth: web::Data<Auth>) -> ApiResult<HttpResponse> {
    if let Some(claims) = req
        .cookie(SESSION_COOKIE)
        .and_then(|c| auth.keys.verify_session(c.value()))
    {
        if !same_origin(&req, &auth.trusted_origins) {
            return Err(AuthError::CrossOrigin.into());
        }
        auth.store.delete_session(&hash_secret(&claims.sid)).await?;
    }
    Ok(HttpResponse::NoContent()
        .cookie(removal_cookie(SESSION_COOKIE, "/", auth.cookie_secure))
        .finish())
}

/// Who the credentials belong to.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "The signed-in user or token", body = Me),
        (status = 401, description = "No valid credentials", body = ErrorBody),
    )
)]
#[get("/me")]
pub async fn me(auth: web::Data<Auth>, principal: Principal) -> ApiResult<web::Json<Me>> {
    Ok(web::Json(match principal {
        Principal::Session { user } => Me {
            via: "session".into(),
            user: Some(user_to_api(&user)),
            token: None,
        },
        Principal::Token { token } => Me {
            via: "token".into(),
            user: auth.store.owner().await?.as_ref().map(user_to_api),
            token: Some(token_to_api(&token, now_ms())),
        },
    }))
}

/// A path on this server to return to after sign-in; anything else (absolute URLs,
/// `//host`, backslash tricks) becomes `/`, so sign-in is never an open redirect.
fn local_path(p: Option<String>) -> String {
    match p {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && !p.chars().any(char::is_control) =>
        {
            p
        }
        _ => "/".into(),
    }
}

fn now_s() -> i64 {
    now_ms() / 1000
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    // Compare digests: equal length, and no early exit on the secret's content.
    hash_secret(a) == hash_secret(b) && !b.is_empty()
}

#[cfg(test)]
mod tests {
    use super::{local_path, DUMMY_HASH};

    #[test]
    fn return_paths_never_leave_the_site() {
        let p = |s: &str| local_path(Some(s.into()));
        assert_eq!(p("/monitors/5?tab=checks"), "/monitors/5?tab=checks");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/a\nb",
        ] {
            assert_eq!(p(bad), "/", "{bad}");
        }
        assert_eq!(local_path(None), "/");
    }

    #[test]
    fn the_dummy_hash_is_a_valid_hash_of_nothing_guessable() {
        assert!(argon2::password_hash::PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!crate::auth::local::verify_password("", DUMMY_HASH));
        assert!(!crate::auth::local::verify_password("admin", DUMMY_HASH));
    }
}
