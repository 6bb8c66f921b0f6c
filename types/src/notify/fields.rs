//! What every channel type shares: the trait a type's config implements, the description of
//! its fields (which the web UI builds its forms from), and the validation and masking helpers.

use crate::monitor::validate_http_url;
use crate::FieldError;

/// What a masked secret looks like in API answers.
pub const MASK: &str = "***";

/// How a config field is typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldInput {
    Text,
    /// Shown masked, kept when sent back masked.
    Secret,
    /// A whole number (a port, a priority).
    Number,
    /// Comma-separated values, sent as a JSON array.
    List,
    /// `Name: value` lines, sent as a JSON object.
    Headers,
    /// One of a few values, `(value, label)`; the first is the default.
    Choice(&'static [(&'static str, &'static str)]),
}

/// One field of a channel type's config, as a form shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigField {
    /// The JSON key.
    pub key: &'static str,
    pub label: &'static str,
    pub input: FieldInput,
    pub required: bool,
    /// A placeholder or a word on the default.
    pub hint: &'static str,
}

impl ConfigField {
    /// A field; `const` so a type's fields can be a `const` table.
    pub const fn new(
        key: &'static str,
        label: &'static str,
        input: FieldInput,
        required: bool,
        hint: &'static str,
    ) -> Self {
        Self {
            key,
            label,
            input,
            required,
            hint,
        }
    }
}

/// A channel type: its `type` name, how people call it, its fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelType {
    /// The `type` name in JSON.
    pub kind: &'static str,
    pub label: &'static str,
    pub fields: &'static [ConfigField],
    /// Whether it gets reminders while a monitor stays down (PagerDuty escalates by itself).
    pub reminders: bool,
}

/// What a channel type's config implements: one file per type in this folder.
pub trait ChannelKind: Sized {
    /// The type's description.
    const TYPE: ChannelType;
    /// Checks every field; errors name it as `config.<field>`.
    fn validate(&self) -> Result<(), FieldError>;
    /// A copy fit to show: secrets become `***`, and URLs that carry their secret in the path
    /// or query keep only their scheme, host and port.
    fn masked(&self) -> Self;
}

/// A failure of config field `name`.
pub(super) fn field(name: &str, message: &str) -> FieldError {
    FieldError::new(format!("config.{name}"), message)
}

/// A non-empty value of at most 2048 bytes.
pub(super) fn required(name: &str, value: &str) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        return Err(field(name, "must not be empty"));
    }
    if value.len() > 2048 {
        return Err(field(name, "must be at most 2048 bytes"));
    }
    crate::refuse_control_characters(&format!("config.{name}"), value)
}

/// An `http(s)` URL, checked like a monitor's.
pub(super) fn http_url(name: &str, raw: &str) -> Result<(), FieldError> {
    required(name, raw)?;
    validate_http_url(&format!("config.{name}"), raw)
}

/// `scheme://host[:port]`, with `/***` standing for any path or query.
pub fn mask_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(u) => {
            let mut out = format!("{}://{}", u.scheme(), u.host_str().unwrap_or(""));
            if let Some(port) = u.port() {
                out.push_str(&format!(":{port}"));
            }
            if u.path() != "/" || u.query().is_some() || !u.username().is_empty() {
                out.push('/');
                out.push_str(MASK);
            }
            out
        }
        Err(_) => MASK.to_owned(),
    }
}

/// A secret as shown.
pub(super) fn mask(secret: &mut String) {
    *secret = MASK.to_owned();
}

/// An optional value: when present, checked as [`required`].
pub(super) fn optional(name: &str, value: &Option<String>) -> Result<(), FieldError> {
    value.as_deref().map_or(Ok(()), |v| required(name, v))
}

/// A non-empty list of at most 50 values, each checked by `check` (errors name
/// `config.<name>[i]`).
pub(super) fn list(
    name: &str,
    values: &[String],
    check: impl Fn(&str) -> Result<(), &'static str>,
) -> Result<(), FieldError> {
    if values.is_empty() {
        return Err(field(name, "must list at least one"));
    }
    if values.len() > 50 {
        return Err(field(name, "must list at most 50"));
    }
    for (i, v) in values.iter().enumerate() {
        let item = format!("{name}[{i}]");
        required(&item, v)?;
        check(v).map_err(|m| field(&item, m))?;
    }
    Ok(())
}

/// An E.164 phone number: `+` and 8–15 digits.
pub(super) fn phone(value: &str) -> Result<(), &'static str> {
    let digits = value.strip_prefix('+').unwrap_or("");
    if (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err("must be a phone number in E.164 form, like +15551234567")
    }
}

/// A name of letters, digits, `_`, `-` and `.` (at most 128): what goes into a URL path.
pub(super) fn identifier(name: &str, value: &str) -> Result<(), FieldError> {
    required(name, value)?;
    if value.len() > 128
        || !value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(field(
            name,
            "must be 1–128 letters, digits, '_', '-' or '.'",
        ));
    }
    Ok(())
}

/// An optional secret as shown.
pub(super) fn mask_optional(secret: &mut Option<String>) {
    secret.iter_mut().for_each(mask);
}
