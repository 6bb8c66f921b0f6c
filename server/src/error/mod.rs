//! One error type for the whole API: every failure becomes `{"error", "message"}` JSON with
//! the right status. Handlers return `Result<_, ApiError>`; nothing else reaches the client.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use flatline_store::StoreError;
use flatline_types::{ErrorBody, FieldError};

mod auth;

pub use auth::AuthError;

/// Everything an API call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A field has a bad value (422).
    #[error("{field}: {message}")]
    Validation { field: String, message: String },
    /// The body is not JSON at all (400).
    #[error("{0}")]
    MalformedJson(String),
    /// A query parameter or path segment does not parse (400).
    #[error("{0}")]
    BadRequest(String),
    /// The body is larger than the API accepts (413).
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// No such resource (404).
    #[error("{what} {id} does not exist")]
    NotFound { what: &'static str, id: i64 },
    /// No such route (404).
    #[error("status page `{0}` does not exist")]
    NoPage(String),
    #[error("no route for {method} {path}")]
    NoRoute { method: String, path: String },
    /// The request is fine but does not fit the resource as it is now (409).
    #[error("{0}")]
    Conflict(String),
    /// The database could not be reached (503).
    #[error("{0} is already in use")]
    Taken(&'static str),
    #[error("storage unavailable: {0}")]
    Store(StoreError),
    /// Authentication refused the request (401, 403, 429, …).
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// A bug or an impossible state (500).
    #[error("internal error: {0}")]
    Internal(String),
    /// Too many requests of one kind just now, not an authentication matter (429).
    #[error("{0}")]
    RateLimited(String),
    /// The monitor engine did not answer (503).
    #[error("the monitor engine did not answer: {0}")]
    Engine(#[from] actix::MailboxError),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Taken(field) => Self::Taken(field),
            StoreError::InUse(why) => Self::Conflict(why),
            e => Self::Store(e),
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        Self::Validation {
            field: e.field,
            message: e.message,
        }
    }
}

impl ApiError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation { .. } => "validation_failed",
            Self::MalformedJson(_) => "malformed_json",
            Self::BadRequest(_) => "bad_request",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::NotFound { .. } | Self::NoRoute { .. } | Self::NoPage(_) => "not_found",
            Self::Conflict(_) | Self::Taken(_) => "conflict",
            Self::Store(StoreError::Corrupt(_)) | Self::Internal(_) => "internal",
            Self::Store(_) => "storage_unavailable",
            Self::Engine(_) => "engine_unavailable",
            Self::RateLimited(_) => "rate_limited",
            Self::Auth(e) => e.code(),
        }
    }

    fn field(&self) -> Option<String> {
        match self {
            Self::Validation { field, .. } => Some(field.clone()),
            Self::Taken(field) => Some((*field).to_owned()),
            _ => None,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::MalformedJson(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotFound { .. } | Self::NoRoute { .. } | Self::NoPage(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) | Self::Taken(_) => StatusCode::CONFLICT,
            Self::Store(StoreError::Corrupt(_)) | Self::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            Self::Store(_) | Self::Engine(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Auth(e) => e.status(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if self.status_code().is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut res = HttpResponse::build(self.status_code());
        match self {
            Self::Auth(AuthError::Throttled(seconds)) => {
                res.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            Self::RateLimited(_) => {
                res.insert_header((header::RETRY_AFTER, "1"));
            }
            Self::Auth(e) if e.status() == StatusCode::UNAUTHORIZED => {
                res.insert_header((header::WWW_AUTHENTICATE, r#"Bearer realm="flatline""#));
            }
            _ => {}
        }
        res.json(ErrorBody {
            error: self.code().to_owned(),
            message: self.to_string(),
            field: self.field(),
        })
    }
}

/// Result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;
