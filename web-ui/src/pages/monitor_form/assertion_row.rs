//! One assertion row of the form, as typed, and its translation to an [`Assertion`] (errors
//! name `assertions[i].<field>`).

use flatline_types::{Assertion, AssertionOp, AssertionSource};

/// One assertion row, as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct AssertionRow {
    pub(super) source: String,
    pub(super) path: String,
    pub(super) op: String,
    pub(super) value: String,
}

impl AssertionRow {
    pub(super) fn of(a: &Assertion) -> Self {
        Self {
            source: a.source.as_str().into(),
            path: a.path.clone().unwrap_or_default(),
            op: a.op.as_str().into(),
            value: match &a.value {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            },
        }
    }

    /// The row as an assertion: numbers for numeric sources, JSON for `json` eq/ne when the
    /// text is JSON, text otherwise.
    pub(super) fn to_assertion(&self, i: usize) -> Result<Assertion, (String, String)> {
        let source = AssertionSource::parse(&self.source).ok_or_else(|| {
            (
                format!("assertions[{i}].source"),
                "choose a source".to_owned(),
            )
        })?;
        let op = AssertionOp::parse(&self.op).ok_or_else(|| {
            (
                format!("assertions[{i}].op"),
                "choose an operator".to_owned(),
            )
        })?;
        let text = self.value.trim();
        let value = if matches!(op, AssertionOp::Exists | AssertionOp::NotExists) {
            None
        } else if matches!(
            source,
            AssertionSource::StatusCode
                | AssertionSource::LatencyMs
                | AssertionSource::CertificateDays
        ) || matches!(
            op,
            AssertionOp::Lt | AssertionOp::Le | AssertionOp::Gt | AssertionOp::Ge
        ) {
            Some(
                serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .filter(|v| v.is_number())
                    .ok_or_else(|| {
                        (
                            format!("assertions[{i}].value"),
                            "must be a number".to_owned(),
                        )
                    })?,
            )
        } else if source == AssertionSource::Json && matches!(op, AssertionOp::Eq | AssertionOp::Ne)
        {
            Some(
                serde_json::from_str(text)
                    .unwrap_or_else(|_| serde_json::Value::String(self.value.clone())),
            )
        } else {
            Some(serde_json::Value::String(self.value.clone()))
        };
        let path = self.path.trim();
        Ok(Assertion {
            source,
            op,
            value,
            path: (!path.is_empty()).then(|| path.to_owned()),
        })
    }
}
