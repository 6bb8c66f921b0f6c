//! Types shared by the Flatline server and its web UI: the JSON shapes of the REST API and
//! the validation rules for monitor configuration. Everything here compiles to wasm32.

mod auth;
mod cluster;
mod config_plan;
mod escalation;
mod incidents;
mod keys;
mod maintenance;
mod monitor;
mod notify;
mod pages;
mod probes;
mod stats;

pub use auth::*;
pub use cluster::*;
pub use config_plan::*;
pub use escalation::*;
pub use incidents::*;
pub use keys::*;
pub use maintenance::*;
pub use monitor::*;
pub use notify::*;
pub use pages::*;
pub use probes::*;
pub use stats::*;

use serde::{Deserialize, Serialize};

/// The body of every error answer: a stable machine-readable code and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable code, e.g. `validation_failed`, `not_found`, `malformed_json`.
    pub error: String,
    /// What went wrong, for people.
    pub message: String,
    /// The request field the error is about, when there is one (e.g. `interval_seconds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// A validation failure that names the offending field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `headers.X-Token` or `expected_status_codes[2]`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// A failure for `field` with a human-readable `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// Refuses control characters (NUL, line breaks, tabs, escapes …) in a one-line text field.
pub fn refuse_control_characters(field: &str, value: &str) -> Result<(), FieldError> {
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// White space as Rust's `str::trim` knows it (Unicode `White_Space`), spelled so that
/// ECMAScript, Python and Rust regular expressions read it alike.
const WHITE_SPACE: &str = r" \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// Control characters (`char::is_control`, Unicode `Cc`); they include the other white space.
const CONTROL: &str = r"\x00-\x1F\x7F-\x9F";

/// What [`validate_name`] accepts, as a regular expression (for the OpenAPI document): any
/// white space around 1 to `max_chars` characters that are no control characters and neither
/// start nor end with white space.
pub fn name_pattern(max_chars: usize) -> String {
    text_pattern(max_chars, false)
}

/// What [`validate_text`] accepts, as a regular expression: as [`name_pattern`], with line
/// breaks and tabs inside the text when `multiline`.
pub fn text_pattern(max_chars: usize, multiline: bool) -> String {
    let edge = format!("[^{WHITE_SPACE}{CONTROL}]");
    let ws = format!("[\\t\\n\\x0B\\x0C\\r\\x85{WHITE_SPACE}]*");
    let inner_control = if multiline {
        r"\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F"
    } else {
        CONTROL
    };
    let inner = max_chars.saturating_sub(2);
    format!("^{ws}{edge}(?:[^{inner_control}]{{0,{inner}}}{edge})?{ws}$")
}

/// Checks a name (of a monitor, channel or token): not blank, at most `max_chars`, one line
/// without control characters. Returns it trimmed.
pub fn validate_name(field: &str, raw: &str, max_chars: usize) -> Result<String, FieldError> {
    validate_text(field, raw, max_chars, false)
}

/// Checks a text: not blank, at most `max_chars` once trimmed, without control characters
/// (but for line breaks and tabs when `multiline`). Returns it trimmed.
pub fn validate_text(
    field: &str,
    raw: &str,
    max_chars: usize,
    multiline: bool,
) -> Result<String, FieldError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if text.chars().count() > max_chars {
        return Err(FieldError::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    if multiline {
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Err(FieldError::new(
                field,
                "must not contain control characters other than line breaks and tabs",
            ));
        }
    } else {
        refuse_control_characters(field, text)?;
    }
    Ok(text.to_owned())
}

/// Reads a field that may be absent (`None`), `null` (`Some(None)`) or a value, for patches.
pub(crate) fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string of up to five characters over an alphabet of the hard cases: the pattern
    /// the OpenAPI document states and `validate_text` agree on each, one line or several.
    #[test]
    fn the_text_patterns_are_what_validate_text_accepts() {
        let alphabet = [
            'a', ' ', '\t', '\n', '\u{85}', '\u{95}', '\u{a0}', '\u{feff}', 'é',
        ];
        let one_line = regex::Regex::new(&name_pattern(3)).expect("the pattern compiles");
        let lines = regex::Regex::new(&text_pattern(3, true)).expect("the pattern compiles");
        let mut strings = vec![String::new()];
        let mut checked = 0;
        for _ in 0..5 {
            let mut longer = Vec::new();
            for s in &strings {
                for c in alphabet {
                    let t = format!("{s}{c}");
                    assert_eq!(
                        one_line.is_match(&t),
                        validate_name("name", &t, 3).is_ok(),
                        "{t:?}"
                    );
                    assert_eq!(
                        lines.is_match(&t),
                        validate_text("message", &t, 3, true).is_ok(),
                        "{t:?} (multiline)"
                    );
                    checked += 1;
                    longer.push(t);
                }
            }
            strings = longer;
        }
        assert!(checked > 60_000);
    }
}
