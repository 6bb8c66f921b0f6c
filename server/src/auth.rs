//! The single authentication guard every `/api/v1` route sits behind.
//!
//! Authentication (OIDC, sessions, local accounts, API tokens) is its own piece of work; it
//! fills in [`require_auth`], and because every API route is registered inside the guarded
//! scope (see `api::scope`), no route can be added that escapes it. Until then the guard lets
//! every request through.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::Error;

/// Middleware on the `/api/v1` scope: decides whether a request may reach the API.
pub async fn require_auth(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    next.call(req).await
}
