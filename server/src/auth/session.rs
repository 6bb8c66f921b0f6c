//! Session cookies (signed JWTs naming a stored session) and the short-lived, encrypted cookie
//! that carries an OIDC sign-in from `/auth/login` to `/auth/callback`.

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "flatline_session";
/// The OIDC sign-in cookie's name.
pub const FLOW_COOKIE: &str = "flatline_oidc";
/// How long a session lasts.
pub const SESSION_DAYS: i64 = 30;
/// How long a started OIDC sign-in may take.
pub const FLOW_MINUTES: i64 = 10;

/// The session JWT's claims.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The user's id.
    pub sub: String,
    /// The session id (random); the database holds its SHA-256.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

/// An OIDC sign-in in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flow {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Where to send the browser once signed in (a local path).
    pub return_to: String,
    /// UTC seconds after which the flow is void.
    pub expires_at: i64,
}

/// The keys derived from the JWT secret.
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Encrypts the sign-in cookie (AES-256-GCM, via the `cookie` crate).
    flow_key: Key,
}

impl Keys {
    /// Keys from the JWT secret (at least 32 bytes).
    pub fn new(secret: &[u8]) -> Result<Self, String> {
        let bad = |e: jsonwebtoken::errors::Error| format!("unusable JWT secret: {e}");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Ok(Self {
            encoding: EncodingKey::from_secret(secret).map_err(bad)?,
            decoding: DecodingKey::from_secret(secret).map_err(bad)?,
            validation,
            flow_key: Key::derive_from(secret),
        })
    }

    /// The cookie value that proves its bearer knew status page `page_id`'s password: an
    /// HMAC of the page and its password hash, so a new password voids old cookies.
    pub fn page_token(&self, page_id: i64, password_hash: &str) -> String {
        use base64::Engine;
        use hmac::Mac;
        let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(self.flow_key.signing())
        else {
            return String::new();
        };
        mac.update(format!("status-page:{page_id}:{password_hash}").as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// A key derived from the JWT secret for other signatures (notifications' links derive
    /// their own from it).
    pub fn derived_secret(&self) -> &[u8] {
        self.flow_key.signing()
    }

    /// A signed session JWT.
    pub fn sign_session(&self, claims: &SessionClaims) -> Option<String> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding).ok()
    }

    /// The claims of a session JWT whose signature and expiry hold (HS256 only: `none` and
    /// every other algorithm are refused).
    pub fn verify_session(&self, jwt: &str) -> Option<SessionClaims> {
        jsonwebtoken::decode::<SessionClaims>(jwt, &self.decoding, &self.validation)
            .ok()
            .map(|d| d.claims)
    }

    /// The encrypted sign-in cookie for `flow`.
    pub fn flow_cookie(&self, flow: &Flow, secure: bool) -> Option<Cookie<'static>> {
        let value = serde_json::to_string(flow).ok()?;
        let mut jar = CookieJar::new();
        jar.private_mut(&self.flow_key).add(
            Cookie::build(FLOW_COOKIE, value)
                .path("/auth")
                .http_only(true)
                // Lax: the provider's redirect back is a top-level GET navigation.
                .same_site(SameSite::Lax)
                .secure(secure)
                .max_age(CookieDuration::minutes(FLOW_MINUTES))
                .finish(),
        );
        jar.get(FLOW_COOKIE).cloned()
    }

    /// The sign-in carried by an encrypted cookie, if it decrypts and has not expired.
    pub fn open_flow(&self, cookie: Cookie<'static>, now_s: i64) -> Option<Flow> {
        let mut jar = CookieJar::new();
        jar.add_original(cookie);
        let plain = jar.private(&self.flow_key).get(FLOW_COOKIE)?;
        let flow: Flow = serde_json::from_str(plain.value()).ok()?;
        (flow.expires_at > now_s).then_some(flow)
    }
}

/// The session cookie carrying `jwt`.
pub fn session_cookie(jwt: String, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, jwt)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(CookieDuration::days(SESSION_DAYS))
        .finish()
}

/// A cookie that deletes `name` at `path`.
pub fn removal_cookie(name: &'static str, path: &'static str, secure: bool) -> Cookie<'static> {
    let mut c = Cookie::build(name, "")
        .path(path)
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish();
    c.make_removal();
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::new(b"0123456789abcdef0123456789abcdef-test").expect("keys")
    }

    fn claims(exp: i64) -> SessionClaims {
        SessionClaims {
            sub: "1".into(),
            sid: "s".into(),
            iat: 0,
            exp,
        }
    }

    #[test]
    fn sessions_verify_only_when_signed_by_us_and_unexpired() {
        let k = keys();
        let now = jsonwebtoken::get_current_timestamp() as i64;
        let jwt = k.sign_session(&claims(now + 60)).expect("sign");
        assert_eq!(k.verify_session(&jwt).map(|c| c.sid).as_deref(), Some("s"));
        // Expired.
        let old = k.sign_session(&claims(now - 1)).expect("sign");
        assert!(k.verify_session(&old).is_none());
        // Signed with another secret.
        let other = Keys::new(b"another-secret-another-secret-another").expect("keys");
        let foreign = other.sign_session(&claims(now + 60)).expect("sign");
        assert!(k.verify_session(&foreign).is_none());
        // Tampered payload.
        let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
        parts[1] = parts[1].chars().rev().collect();
        assert!(k.verify_session(&parts.join(".")).is_none());
        // Unsigned (`alg: none`).
        let header = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            br#"{"alg":"none","typ":"JWT"}"#,
        );
        let body = jwt.split('.').nth(1).unwrap_or_default();
        assert!(k.verify_session(&format!("{header}.{body}.")).is_none());
    }

    #[test]
    fn flow_cookies_are_encrypted_and_expire() {
        let k = keys();
        let flow = Flow {
            state: "state-123".into(),
            nonce: "nonce-456".into(),
            pkce_verifier: "verifier-789".into(),
            return_to: "/".into(),
            expires_at: 1_000,
        };
        let cookie = k.flow_cookie(&flow, false).expect("cookie");
        assert!(!cookie.value().contains("verifier-789"));
        assert!(!cookie.value().contains("nonce-456"));
        let opened = k.open_flow(cookie.clone(), 999).expect("opens");
        assert_eq!(opened.pkce_verifier, "verifier-789");
        assert!(k.open_flow(cookie.clone(), 1_000).is_none(), "expired");
        let other = Keys::new(b"another-secret-another-secret-another").expect("keys");
        assert!(other.open_flow(cookie, 999).is_none(), "other key");
    }
}
