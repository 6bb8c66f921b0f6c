//! Assertions: conditions on a check's result that must all hold for it to count as up
//! (`{"source": "json", "path": "$.status", "op": "eq", "value": "ok"}`).
//!
//! The shape is checked everywhere; JSONPath and regular expressions are compiled where the
//! `patterns` feature brings their crates (the server), so a bad one is refused at creation.

use serde::{Deserialize, Serialize};

use super::MonitorKind;
use crate::FieldError;

/// Most assertions on one monitor.
pub const MAX_ASSERTIONS: usize = 20;
/// Longest path or value, in bytes.
pub const ASSERTION_TEXT_MAX_BYTES: usize = 4096;
/// Largest compiled regular expression, in bytes (the regex crate's own measure).
pub const REGEX_SIZE_LIMIT: usize = 256 * 1024;

/// What an assertion looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssertionSource {
    /// The HTTP status code.
    StatusCode,
    /// The response body as text (read up to the body cap).
    Body,
    /// A JSONPath (`path`) into the response body.
    Json,
    /// A response header (`path` is its name).
    Header,
    /// The check's latency in milliseconds.
    LatencyMs,
    /// Whole days until the leaf certificate expires.
    CertificateDays,
}

impl AssertionSource {
    /// Every source, in the order forms list them.
    pub const ALL: [Self; 6] = [
        Self::StatusCode,
        Self::Body,
        Self::Json,
        Self::Header,
        Self::LatencyMs,
        Self::CertificateDays,
    ];

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StatusCode => "status_code",
            Self::Body => "body",
            Self::Json => "json",
            Self::Header => "header",
            Self::LatencyMs => "latency_ms",
            Self::CertificateDays => "certificate_days",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether checks of `kind` have this source (TCP's certificate only with `tls`).
    pub fn applies_to(self, kind: MonitorKind) -> bool {
        match self {
            Self::LatencyMs => true,
            Self::StatusCode | Self::Body | Self::Json | Self::Header => kind == MonitorKind::Http,
            Self::CertificateDays => matches!(kind, MonitorKind::Http | MonitorKind::Tcp),
        }
    }

    fn numeric(self) -> bool {
        matches!(
            self,
            Self::StatusCode | Self::LatencyMs | Self::CertificateDays
        )
    }
}

/// How an assertion compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssertionOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    NotContains,
    /// A regular expression (the regex crate's syntax), size-limited.
    Matches,
    Exists,
    NotExists,
}

impl AssertionOp {
    /// Every operator, in the order forms list them.
    pub const ALL: [Self; 11] = [
        Self::Eq,
        Self::Ne,
        Self::Lt,
        Self::Le,
        Self::Gt,
        Self::Ge,
        Self::Contains,
        Self::NotContains,
        Self::Matches,
        Self::Exists,
        Self::NotExists,
    ];

    /// The snake_case name used in JSON and in failure reasons.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Lt => "lt",
            Self::Le => "le",
            Self::Gt => "gt",
            Self::Ge => "ge",
            Self::Contains => "contains",
            Self::NotContains => "not_contains",
            Self::Matches => "matches",
            Self::Exists => "exists",
            Self::NotExists => "not_exists",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    fn ordering(self) -> bool {
        matches!(self, Self::Lt | Self::Le | Self::Gt | Self::Ge)
    }

    fn presence(self) -> bool {
        matches!(self, Self::Exists | Self::NotExists)
    }
}

/// One condition on a check's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Assertion {
    pub source: AssertionSource,
    pub op: AssertionOp,
    /// What to compare with: a number for `status_code`, `latency_ms`, `certificate_days` and
    /// ordering ops; a string for `contains`/`matches`; any JSON value for `json` `eq`/`ne`.
    /// Absent for `exists`/`not_exists`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub value: Option<serde_json::Value>,
    /// The JSONPath for `json`, the header name for `header`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl Assertion {
    /// How failure reasons name it: `json $.status eq "ok"`, `status_code lt 400`.
    pub fn describe(&self) -> String {
        let mut s = self.source.as_str().to_owned();
        if let Some(path) = &self.path {
            s.push(' ');
            s.push_str(path);
        }
        s.push(' ');
        s.push_str(self.op.as_str());
        if let Some(value) = &self.value {
            s.push(' ');
            s.push_str(&value.to_string());
        }
        s
    }

    /// Checks the assertion for a monitor of `kind`; errors name `assertions[i].…`.
    pub fn validate(&self, i: usize, kind: MonitorKind) -> Result<(), FieldError> {
        let field = |name: &str| format!("assertions[{i}].{name}");
        if !self.source.applies_to(kind) {
            return Err(FieldError::new(
                field("source"),
                format!(
                    "{} does not apply to {} monitors",
                    self.source.as_str(),
                    kind.as_str()
                ),
            ));
        }
        let needs_path = matches!(self.source, AssertionSource::Json | AssertionSource::Header);
        match (&self.path, needs_path) {
            (None, true) => {
                return Err(FieldError::new(
                    field("path"),
                    match self.source {
                        AssertionSource::Json => "a JSONPath such as $.status is required",
                        _ => "the header name is required",
                    },
                ))
            }
            (Some(_), false) => {
                return Err(FieldError::new(
                    field("path"),
                    format!("does not apply to source {}", self.source.as_str()),
                ))
            }
            (Some(p), true) if p.is_empty() || p.len() > ASSERTION_TEXT_MAX_BYTES => {
                return Err(FieldError::new(
                    field("path"),
                    format!("must be 1–{ASSERTION_TEXT_MAX_BYTES} bytes"),
                ))
            }
            _ => {}
        }
        let op_error = || {
            FieldError::new(
                field("op"),
                format!(
                    "{} does not apply to source {}",
                    self.op.as_str(),
                    self.source.as_str()
                ),
            )
        };
        if self.source.numeric()
            && !matches!(
                self.op,
                AssertionOp::Eq
                    | AssertionOp::Ne
                    | AssertionOp::Lt
                    | AssertionOp::Le
                    | AssertionOp::Gt
                    | AssertionOp::Ge
            )
        {
            return Err(op_error());
        }
        if self.source == AssertionSource::Body && (self.op.ordering() || self.op.presence()) {
            return Err(op_error());
        }
        if self.source == AssertionSource::Header && self.op.ordering() {
            return Err(op_error());
        }
        match (&self.value, self.op.presence()) {
            (Some(_), true) => {
                return Err(FieldError::new(
                    field("value"),
                    format!("must be absent for {}", self.op.as_str()),
                ))
            }
            (None, false) => return Err(FieldError::new(field("value"), "is required")),
            _ => {}
        }
        if let Some(value) = &self.value {
            if value.to_string().len() > ASSERTION_TEXT_MAX_BYTES {
                return Err(FieldError::new(
                    field("value"),
                    format!("must be at most {ASSERTION_TEXT_MAX_BYTES} bytes"),
                ));
            }
            let number = value.is_number();
            let string = value.is_string();
            // JSON values compare with any JSON (`contains` looks into arrays); regular
            // expressions, bodies and headers are text.
            let fits = if self.source.numeric() || self.op.ordering() {
                number
            } else if self.source == AssertionSource::Json && self.op != AssertionOp::Matches {
                true
            } else {
                string
            };
            if !fits {
                let want = if self.source.numeric() || self.op.ordering() {
                    "a number"
                } else {
                    "a string"
                };
                return Err(FieldError::new(field("value"), format!("must be {want}")));
            }
        }
        #[cfg(feature = "patterns")]
        {
            if self.source == AssertionSource::Json {
                if let Some(path) = &self.path {
                    serde_json_path::JsonPath::parse(path).map_err(|e| {
                        FieldError::new(field("path"), format!("is not a valid JSONPath ({e})"))
                    })?;
                }
            }
            if self.op == AssertionOp::Matches {
                if let Some(pattern) = self.value.as_ref().and_then(|v| v.as_str()) {
                    compile_regex(pattern).map_err(|e| FieldError::new(field("value"), e))?;
                }
            }
        }
        Ok(())
    }
}

/// Compiles an assertion's regular expression within the size limit.
#[cfg(feature = "patterns")]
pub fn compile_regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => "regular expression is too large".to_owned(),
            other => format!(
                "is not a valid regular expression ({})",
                other.to_string().lines().last().unwrap_or("syntax error")
            ),
        })
}

/// Checks a monitor's assertions for its kind.
pub fn validate_assertions(list: &[Assertion], kind: MonitorKind) -> Result<(), FieldError> {
    if list.len() > MAX_ASSERTIONS {
        return Err(FieldError::new(
            "assertions",
            format!("at most {MAX_ASSERTIONS} assertions"),
        ));
    }
    for (i, a) in list.iter().enumerate() {
        a.validate(i, kind)?;
    }
    Ok(())
}
