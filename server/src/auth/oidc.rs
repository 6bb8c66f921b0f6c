//! OpenID Connect sign-in (authorization code flow with PKCE) against any standard provider:
//! Google, Keycloak, Authentik, Dex, … The `openidconnect` crate does the protocol; awc is
//! its HTTP client.

use std::sync::RwLock;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreClientAuthMethod, CoreProviderMetadata,
    CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthType, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
    CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};

use super::session::{Flow, FLOW_MINUTES};
use super::AuthError;

/// Provider metadata (and its signing keys) older than this is fetched again.
const METADATA_MAX_AGE: Duration = Duration::from_secs(3600);

type ProviderClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// What the administrator configured.
#[derive(Clone, Debug)]
pub struct OidcSettings {
    pub issuer: IssuerUrl,
    pub client_id: ClientId,
    pub client_secret: Option<ClientSecret>,
    pub redirect_url: RedirectUrl,
    pub scopes: Vec<String>,
    pub provider_name: String,
    /// `client_secret_basic` or `client_secret_post`; `None` = as the provider prefers.
    pub token_auth_method: Option<String>,
}

/// Who signed in, as the provider vouches.
#[derive(Clone, Debug)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub preferred_username: Option<String>,
}

/// OIDC sign-in: settings plus the provider's discovered metadata.
pub struct Oidc {
    pub settings: OidcSettings,
    metadata: RwLock<Option<(CoreProviderMetadata, Instant)>>,
}

impl Oidc {
    /// Not yet discovered: call [`Oidc::metadata`] (start-up does, in the background).
    pub fn new(settings: OidcSettings) -> Self {
        Self {
            settings,
            metadata: RwLock::new(None),
        }
    }

    /// The provider's metadata: cached, fetched again once an hour or when `force`d. If the
    /// provider cannot be reached, a cached copy still serves.
    pub async fn metadata(&self, force: bool) -> Result<CoreProviderMetadata, AuthError> {
        let cached = self.metadata.read().ok().and_then(|m| m.clone());
        if let Some((md, at)) = &cached {
            if !force && at.elapsed() < METADATA_MAX_AGE {
                return Ok(md.clone());
            }
        }
        match CoreProviderMetadata::discover_async(self.settings.issuer.clone(), &send).await {
            Ok(md) => {
                if let Ok(mut slot) = self.metadata.write() {
                    *slot = Some((md.clone(), Instant::now()));
                }
                tracing::info!(issuer = %self.settings.issuer.as_str(), "OIDC provider discovered");
                Ok(md)
            }
            Err(e) => {
                let why = error_chain(&e);
                match cached {
                    Some((md, _)) => {
                        tracing::warn!(error = %why, "OIDC rediscovery failed; using the cached metadata");
                        Ok(md)
                    }
                    None => {
                        tracing::warn!(issuer = %self.settings.issuer.as_str(), error = %why,
                            "OIDC discovery failed; it is retried at the next sign-in");
                        Err(AuthError::ProviderUnavailable(why))
                    }
                }
            }
        }
    }

    fn client(&self, md: CoreProviderMetadata) -> ProviderClient {
        let post = match self.settings.token_auth_method.as_deref() {
            Some(m) => m == "client_secret_post",
            // The spec's default is basic; use post only if the provider says it lacks basic.
            None => md
                .token_endpoint_auth_methods_supported()
                .is_some_and(|methods| {
                    !methods.contains(&CoreClientAuthMethod::ClientSecretBasic)
                        && methods.contains(&CoreClientAuthMethod::ClientSecretPost)
                }),
        };
        CoreClient::from_provider_metadata(
            md,
            self.settings.client_id.clone(),
            self.settings.client_secret.clone(),
        )
        .set_redirect_uri(self.settings.redirect_url.clone())
        .set_auth_type(if post {
            AuthType::RequestBody
        } else {
            AuthType::BasicAuth
        })
    }

    /// Starts a sign-in: the provider URL to send the browser to, and the flow to keep in an
    /// encrypted cookie until it comes back.
    pub async fn begin(&self, return_to: String, now_s: i64) -> Result<(String, Flow), AuthError> {
        let client = self.client(self.metadata(false).await?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in self.settings.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let flow = Flow {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            return_to,
            expires_at: now_s + FLOW_MINUTES * 60,
        };
        Ok((url.to_string(), flow))
    }

    /// Whether the `iss` of an authorization response (RFC 9207) names our provider.
    pub fn issuer_matches(&self, iss: &str) -> bool {
        let ours = self.settings.issuer.as_str();
        iss == ours || iss.trim_end_matches('/') == ours.trim_end_matches('/')
    }

    /// Finishes a sign-in: exchanges the code (with the PKCE verifier), verifies the ID token
    /// (signature, issuer, audience, expiry, nonce, access-token hash) and reads the profile,
    /// from the userinfo endpoint when the ID token lacks it.
    pub async fn finish(&self, flow: Flow, code: String) -> Result<Identity, AuthError> {
        let failed = |what: &str, e: &dyn std::error::Error| {
            AuthError::LoginFailed(format!("{what}: {}", error_chain(e)))
        };
        let client = self.client(self.metadata(false).await?);
        let token = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| failed("no token endpoint", &e))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier))
            .request_async(&send)
            .await
            .map_err(|e| failed("the provider refused the code", &e))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| AuthError::LoginFailed("the provider sent no ID token".into()))?;
        let nonce = Nonce::new(flow.nonce);
        let first = id_token
            .claims(&client.id_token_verifier(), &nonce)
            .cloned();
        let (client, claims) = match first {
            Ok(c) => (client, c),
            Err(ClaimsVerificationError::SignatureVerification(_)) => {
                // The provider may have rotated its keys since discovery.
                let client = self.client(self.metadata(true).await?);
                let claims = id_token
                    .claims(&client.id_token_verifier(), &nonce)
                    .map_err(|e| failed("ID token rejected", &e))?
                    .clone();
                (client, claims)
            }
            Err(e) => return Err(failed("ID token rejected", &e)),
        };
        if let Some(expected) = claims.access_token_hash() {
            let verifier = client.id_token_verifier();
            let alg = id_token
                .signing_alg()
                .map_err(|e| failed("ID token rejected", &e))?;
            let key = id_token
                .signing_key(&verifier)
                .map_err(|e| failed("ID token rejected", &e))?;
            let actual = AccessTokenHash::from_token(token.access_token(), alg, key)
                .map_err(|e| failed("ID token rejected", &e))?;
            if actual != *expected {
                return Err(AuthError::LoginFailed(
                    "ID token rejected: its at_hash does not match the access token".into(),
                ));
            }
        }
        let mut identity = Identity {
            issuer: claims.issuer().as_str().to_owned(),
            subject: claims.subject().as_str().to_owned(),
            email: claims.email().map(|e| e.as_str().to_owned()),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned()),
            preferred_username: claims.preferred_username().map(|u| u.as_str().to_owned()),
        };
        if identity.email.is_none() && client.user_info_url().is_some() {
            let info: CoreUserInfoClaims = client
                .user_info(token.access_token().clone(), Some(claims.subject().clone()))
                .map_err(|e| failed("no userinfo endpoint", &e))?
                .request_async(&send)
                .await
                .map_err(|e| failed("userinfo request failed", &e))?;
            identity.email = info.email().map(|e| e.as_str().to_owned());
            identity.name = identity.name.or_else(|| {
                info.name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_owned())
            });
            identity.preferred_username = identity
                .preferred_username
                .or_else(|| info.preferred_username().map(|u| u.as_str().to_owned()));
        }
        Ok(identity)
    }
}

/// The error and its causes, one sentence.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = cause.source();
    }
    text
}

/// Why a request to the provider failed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

thread_local! {
    // awc clients are !Send: one per worker thread, reusing connections to the provider.
    static CLIENT: awc::Client = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        // Following redirects from a provider would open Flatline to SSRF.
        .disable_redirects()
        .add_default_header((
            awc::http::header::USER_AGENT,
            concat!("Flatline/", env!("CARGO_PKG_VERSION")),
        ))
        .finish();
}

/// openidconnect's HTTP requests, sent with awc.
async fn send(req: openidconnect::HttpRequest) -> Result<openidconnect::HttpResponse, HttpError> {
    use awc::http::header::{HeaderName, HeaderValue};
    let client = CLIENT.with(Clone::clone);
    let method = awc::http::Method::from_bytes(req.method().as_str().as_bytes())
        .map_err(|e| HttpError(e.to_string()))?;
    let mut request = client.request(method, req.uri().to_string());
    for (name, value) in req.headers() {
        let name = HeaderName::from_bytes(name.as_str().as_bytes());
        let value = HeaderValue::from_bytes(value.as_bytes());
        if let (Ok(name), Ok(value)) = (name, value) {
            request = request.append_header((name, value));
        }
    }
    let mut res = request
        .send_body(req.into_body())
        .await
        .map_err(|e| HttpError(format!("{e}")))?;
    let body = res
        .body()
        .limit(1 << 20)
        .await
        .map_err(|e| HttpError(format!("reading the answer: {e}")))?;
    let mut out = openidconnect::http::Response::builder().status(res.status().as_u16());
    for (name, value) in res.headers() {
        out = out.header(name.as_str(), value.as_bytes());
    }
    out.body(body.to_vec())
        .map_err(|e| HttpError(format!("bad answer: {e}")))
}
