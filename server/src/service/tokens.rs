//! API tokens: issued, listed and revoked the same way by the API and by `flatline token`.

use flatline_store::auth::NewApiToken;
use flatline_store::auth::StoredToken;
use flatline_store::clock::now_ms;
use flatline_store::Store;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::auth::secrets::new_api_token;
use crate::error::{ApiError, ApiResult};

/// A token just issued: the secret, shown this once, and what is stored (its hash).
pub struct IssuedToken {
    pub token: String,
    pub stored: StoredToken,
}

/// Stores a new token and returns it, in the clear this once (only its hash is kept).
pub async fn issue(
    store: &Store,
    name: String,
    expires_at_ms: Option<i64>,
    created_by: Option<i64>,
    location: Option<String>,
) -> ApiResult<IssuedToken> {
    let (token, prefix, token_hash) = new_api_token();
    let now = now_ms();
    let stored = store
        .insert_token(
            NewApiToken {
                name,
                prefix,
                token_hash,
                created_by,
                expires_at_ms,
                location,
            },
            now,
        )
        .await?;
    tracing::info!(token_id = stored.id, "API token created");
    Ok(IssuedToken { token, stored })
}

/// Revokes a token at once; a 404 if there is none with that id.
pub async fn revoke(store: &Store, id: i64) -> ApiResult<()> {
    if !store.delete_token(id).await? {
        return Err(ApiError::NotFound { what: "token", id });
    }
    tracing::info!(token_id = id, "API token revoked");
    Ok(())
}

/// An RFC 3339 time in the future, as UTC milliseconds.
pub fn parse_expiry(text: &str, now_ms: i64) -> ApiResult<i64> {
    let invalid = |message: &str| ApiError::Validation {
        field: "expires_at".into(),
        message: message.into(),
    };
    let t = OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|_| invalid("must be an RFC 3339 time, e.g. 2027-01-31T00:00:00Z"))?;
    let ms = i64::try_from(t.unix_timestamp_nanos() / 1_000_000)
        .map_err(|_| invalid("is out of range"))?;
    if ms <= now_ms {
        return Err(invalid("must be in the future"));
    }
    Ok(ms)
}

#[cfg(test)]
mod tests {
    use super::parse_expiry;

    #[test]
    fn expiries_must_be_rfc3339_and_in_the_future() {
        let now = 1_764_000_000_000;
        assert_eq!(
            parse_expiry("2025-11-24T16:00:01Z", now).ok(),
            Some(1_764_000_001_000)
        );
        assert!(parse_expiry("2025-11-24T16:00:00Z", now).is_err());
        assert!(parse_expiry("tomorrow", now).is_err());
        assert!(parse_expiry("2025-11-25", now).is_err());
    }
}
