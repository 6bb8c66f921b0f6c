//! Push monitors' cron schedules: checked with a cron parser and the IANA time-zone database
//! where the `patterns` feature brings them (the server); the UI checks only the shape.

use crate::FieldError;

/// Longest cron expression, in bytes.
pub const CRON_MAX_BYTES: usize = 200;

/// Checks a cron expression (five fields, or six with seconds) and an IANA time zone.
pub fn validate_cron(expression: &str, timezone: &str) -> Result<(), FieldError> {
    if expression.trim().is_empty() || expression.len() > CRON_MAX_BYTES {
        return Err(FieldError::new(
            "cron",
            format!("must be a cron expression of at most {CRON_MAX_BYTES} bytes"),
        ));
    }
    if timezone.trim().is_empty() {
        return Err(FieldError::new("timezone", "must be an IANA time zone"));
    }
    #[cfg(feature = "patterns")]
    {
        parse_cron(expression)?;
        parse_timezone(timezone)?;
    }
    Ok(())
}

/// Parses a cron expression as push monitors use it.
#[cfg(feature = "patterns")]
pub fn parse_cron(expression: &str) -> Result<croner::Cron, FieldError> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Optional)
        .build()
        .parse(expression)
        .map_err(|e| FieldError::new("cron", format!("is not a valid cron expression ({e})")))
}

/// Parses an IANA time zone name such as `Europe/Berlin` or `UTC`.
#[cfg(feature = "patterns")]
pub fn parse_timezone(timezone: &str) -> Result<chrono_tz::Tz, FieldError> {
    timezone.parse::<chrono_tz::Tz>().map_err(|_| {
        FieldError::new(
            "timezone",
            "is not an IANA time zone (such as UTC or Europe/Berlin)",
        )
    })
}
