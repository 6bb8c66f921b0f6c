//! Why authentication refused a request, with its status and stable code.

use actix_web::http::StatusCode;

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
    #[error("{0}")]
    OutOfScope(&'static str),
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
            Self::OutOfScope(_) => "out_of_scope",
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
            Self::CrossOrigin | Self::NotOwner(_) | Self::LocalDisabled | Self::OutOfScope(_) => {
                StatusCode::FORBIDDEN
            }
            Self::OidcDisabled => StatusCode::NOT_FOUND,
            Self::LoginState(_) => StatusCode::BAD_REQUEST,
            Self::ProviderUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}
