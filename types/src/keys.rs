//! Resource keys: the stable names a configuration file matches monitors, channels, status
//! pages and maintenance windows by. Optional everywhere; unique per kind of resource.

use crate::FieldError;

/// Longest key, in characters.
pub const KEY_MAX_CHARS: usize = 64;

/// Checks a key: 1–64 of `a-z`, `0-9`, `-`, `_` and `.`, starting with a letter or digit.
pub fn validate_key(field: &str, key: &str) -> Result<String, FieldError> {
    let ok = !key.is_empty()
        && key.len() <= KEY_MAX_CHARS
        && key.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(key.to_owned())
    } else {
        Err(FieldError::new(
            field,
            format!(
                "must be 1–{KEY_MAX_CHARS} of a-z, 0-9, '-', '_' and '.', starting with a letter or digit"
            ),
        ))
    }
}

/// Checks an optional key (a `PATCH`'s `Some(None)` clears it).
pub fn validate_key_change(
    field: &str,
    key: Option<Option<String>>,
) -> Result<Option<Option<String>>, FieldError> {
    match key {
        Some(Some(k)) => Ok(Some(Some(validate_key(field, &k)?))),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        for good in ["api", "a", "prod-api_v2.eu", "0x"] {
            assert!(validate_key("key", good).is_ok(), "{good}");
        }
        let long = "a".repeat(65);
        for bad in ["", "Api", "-api", "a b", "é", long.as_str()] {
            assert_eq!(
                validate_key("key", bad).expect_err(bad).field,
                "key",
                "{bad}"
            );
        }
    }
}
