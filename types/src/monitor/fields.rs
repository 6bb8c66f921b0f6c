//! Field checks that monitors and notification channels share: request headers and URLs,
//! and the shown form of a URL.

use super::limits;
use crate::FieldError;

fn is_header_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Checks one request header (monitors' and webhooks'); errors name `{prefix}.{name}`.
pub(crate) fn validate_header(prefix: &str, name: &str, value: &str) -> Result<(), FieldError> {
    if name.is_empty() || !name.bytes().all(is_header_name_byte) {
        return Err(FieldError::new(
            format!("{prefix}.{name}"),
            "is not a valid HTTP header name",
        ));
    }
    if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(FieldError::new(
            format!("{prefix}.{name}"),
            "value must not contain control characters",
        ));
    }
    Ok(())
}

/// Checks an `http`/`https` URL with a host (monitors' and channels'); errors name `field`.
pub(crate) fn validate_http_url(field: &str, raw: &str) -> Result<(), FieldError> {
    if raw.len() > limits::URL_MAX_BYTES {
        return Err(FieldError::new(
            field,
            format!("must be at most {} bytes", limits::URL_MAX_BYTES),
        ));
    }
    // The URL parser would drop line breaks and tabs silently: refuse them, as every other
    // control character.
    crate::refuse_control_characters(field, raw)?;
    let parsed = url::Url::parse(raw)
        .map_err(|e| FieldError::new(field, format!("is not a valid URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(FieldError::new(field, "must use http or https"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(FieldError::new(field, "must have a host"));
    }
    Ok(())
}

/// The URL as the `url` crate normalises it (percent-encoded, lower-case scheme and host, a
/// path of at least `/`), or `raw` as it is if it does not parse (validation then says why).
pub fn normalize_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(u) if !raw.chars().any(char::is_control) => u.to_string(),
        _ => raw.to_owned(),
    }
}

/// A monitor URL fit to show in metric labels and notifications: no credentials, query or
/// fragment, where tokens tend to live. Empty if it does not parse.
pub fn public_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) => {
            let _ = u.set_password(None);
            let _ = u.set_username("");
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => String::new(),
    }
}
