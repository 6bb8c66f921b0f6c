//! Judging a check by its monitor's assertions. JSONPaths and regular expressions are compiled
//! once per configuration ([`Compiled::new`]), not per check.

use flatline_types::{compile_regex, Assertion, AssertionOp, AssertionSource};
use serde_json::Value;
use serde_json_path::JsonPath;

/// What a check saw, for assertions to look at.
#[derive(Debug, Default)]
pub struct Facts<'a> {
    pub status_code: Option<u16>,
    /// The body as read (up to the cap), when an assertion needs it.
    pub body: Option<&'a [u8]>,
    /// The body was longer than the cap and was cut.
    pub body_cut: bool,
    /// Response headers (lowercase names), when an assertion needs them.
    pub headers: Vec<(String, String)>,
    pub latency_ms: f64,
    /// Whole days until the leaf certificate expires, when there is one.
    pub certificate_days: Option<i64>,
}

enum Matcher {
    None,
    Path(JsonPath),
    Regex(regex::Regex),
    PathAndRegex(JsonPath, regex::Regex),
}

/// One assertion, ready to evaluate.
struct Prepared {
    assertion: Assertion,
    matcher: Matcher,
}

/// A monitor's assertions, compiled.
#[derive(Default)]
pub struct Compiled(Vec<Prepared>);

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|p| p.assertion.describe()))
            .finish()
    }
}

impl Compiled {
    /// Compiles validated assertions. One that no longer compiles (stored before a rule
    /// tightened) fails every check with the reason rather than being skipped.
    pub fn new(list: &[Assertion]) -> Self {
        Self(
            list.iter()
                .map(|a| {
                    let path = (a.source == AssertionSource::Json)
                        .then(|| a.path.as_deref().and_then(|p| JsonPath::parse(p).ok()))
                        .flatten();
                    let regex = (a.op == AssertionOp::Matches)
                        .then(|| {
                            a.value
                                .as_ref()
                                .and_then(Value::as_str)
                                .and_then(|p| compile_regex(p).ok())
                        })
                        .flatten();
                    let matcher = match (path, regex) {
                        (Some(p), Some(r)) => Matcher::PathAndRegex(p, r),
                        (Some(p), None) => Matcher::Path(p),
                        (None, Some(r)) => Matcher::Regex(r),
                        (None, None) => Matcher::None,
                    };
                    Prepared {
                        assertion: a.clone(),
                        matcher,
                    }
                })
                .collect(),
        )
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether some assertion reads the body.
    pub fn needs_body(&self) -> bool {
        self.0.iter().any(|p| {
            matches!(
                p.assertion.source,
                AssertionSource::Body | AssertionSource::Json
            )
        })
    }

    /// Whether some assertion reads the certificate.
    pub fn needs_certificate(&self) -> bool {
        self.0
            .iter()
            .any(|p| p.assertion.source == AssertionSource::CertificateDays)
    }

    /// Whether some assertion reads headers.
    pub fn needs_headers(&self) -> bool {
        self.0
            .iter()
            .any(|p| p.assertion.source == AssertionSource::Header)
    }

    /// The first assertion that does not hold, as a failure reason; `None` if all hold.
    pub fn check(&self, facts: &Facts<'_>) -> Option<String> {
        self.0.iter().find_map(|p| {
            p.evaluate(facts).err().map(|seen| {
                let mut reason = format!("{}: {seen}", p.assertion.describe());
                if facts.body_cut
                    && matches!(
                        p.assertion.source,
                        AssertionSource::Body | AssertionSource::Json
                    )
                {
                    reason.push_str(" (body cut at the 1 MiB read limit)");
                }
                reason
            })
        })
    }
}

/// How a value is shown in a reason: JSON strings quoted, numbers bare, long ones cut.
fn shown(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 120 {
        let cut: String = s.chars().take(117).collect();
        format!("{cut}…")
    } else {
        s
    }
}

fn text_shown(s: &str) -> String {
    shown(&Value::String(s.to_owned()))
}

impl Prepared {
    /// `Ok` if the assertion holds, else what was seen.
    fn evaluate(&self, facts: &Facts<'_>) -> Result<(), String> {
        let a = &self.assertion;
        let want = a.value.as_ref();
        match a.source {
            AssertionSource::StatusCode => {
                let code = facts.status_code.ok_or("no status code")?;
                compare_number(a.op, f64::from(code), want, || code.to_string())
            }
            AssertionSource::LatencyMs => compare_number(a.op, facts.latency_ms, want, || {
                format!("{:.0}", facts.latency_ms)
            }),
            AssertionSource::CertificateDays => {
                let days = facts.certificate_days.ok_or("no certificate")?;
                compare_number(a.op, days as f64, want, || days.to_string())
            }
            AssertionSource::Body => {
                let body = String::from_utf8_lossy(facts.body.unwrap_or_default());
                self.compare_text(a.op, &body, want, || {
                    format!("body of {} bytes", body.len())
                })
            }
            AssertionSource::Header => {
                let name = a.path.as_deref().unwrap_or_default().to_ascii_lowercase();
                let value = facts
                    .headers
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.as_str());
                match (a.op, value) {
                    (AssertionOp::Exists, Some(_)) | (AssertionOp::NotExists, None) => Ok(()),
                    (AssertionOp::Exists, None) => Err("no such header".into()),
                    (AssertionOp::NotExists, Some(v)) => Err(format!("got {}", text_shown(v))),
                    (_, None) => Err("no such header".into()),
                    (op, Some(v)) => self.compare_text(op, v, want, || text_shown(v)),
                }
            }
            AssertionSource::Json => self.evaluate_json(facts),
        }
    }

    fn evaluate_json(&self, facts: &Facts<'_>) -> Result<(), String> {
        let a = &self.assertion;
        let path = match &self.matcher {
            Matcher::Path(p) | Matcher::PathAndRegex(p, _) => p,
            _ => return Err("invalid JSONPath".into()),
        };
        let doc: Value = serde_json::from_slice(facts.body.unwrap_or_default())
            .map_err(|_| "body is not JSON".to_owned())?;
        let found = path.query(&doc).first().cloned();
        let want = a.value.as_ref();
        match (a.op, found) {
            (AssertionOp::Exists, Some(_)) | (AssertionOp::NotExists, None) => Ok(()),
            (AssertionOp::NotExists, Some(v)) => Err(format!("got {}", shown(&v))),
            (_, None) => Err("no match".into()),
            (AssertionOp::Eq, Some(v)) => {
                if json_equal(&v, want) {
                    Ok(())
                } else {
                    Err(format!("got {}", shown(&v)))
                }
            }
            (AssertionOp::Ne, Some(v)) => {
                if json_equal(&v, want) {
                    Err(format!("got {}", shown(&v)))
                } else {
                    Ok(())
                }
            }
            (
                op @ (AssertionOp::Lt | AssertionOp::Le | AssertionOp::Gt | AssertionOp::Ge),
                Some(v),
            ) => {
                let n = v
                    .as_f64()
                    .ok_or_else(|| format!("got {}, not a number", shown(&v)))?;
                compare_number(op, n, want, || shown(&v))
            }
            (op @ (AssertionOp::Contains | AssertionOp::NotContains), Some(v)) => {
                let holds = match (&v, want) {
                    (Value::Array(items), Some(w)) => items.iter().any(|i| json_equal(i, Some(w))),
                    (Value::String(s), Some(Value::String(w))) => s.contains(w.as_str()),
                    (other, Some(Value::String(w))) => other.to_string().contains(w.as_str()),
                    _ => false,
                };
                if holds == (op == AssertionOp::Contains) {
                    Ok(())
                } else {
                    Err(format!("got {}", shown(&v)))
                }
            }
            (AssertionOp::Matches, Some(v)) => {
                let text = match &v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                self.compare_text(AssertionOp::Matches, &text, want, || shown(&v))
            }
        }
    }

    fn compare_text(
        &self,
        op: AssertionOp,
        seen: &str,
        want: Option<&Value>,
        show: impl Fn() -> String,
    ) -> Result<(), String> {
        let w = want.and_then(Value::as_str).unwrap_or_default();
        let holds = match op {
            AssertionOp::Eq => seen == w,
            AssertionOp::Ne => seen != w,
            AssertionOp::Contains => seen.contains(w),
            AssertionOp::NotContains => !seen.contains(w),
            AssertionOp::Matches => match &self.matcher {
                Matcher::Regex(r) | Matcher::PathAndRegex(_, r) => r.is_match(seen),
                _ => return Err("invalid regular expression".into()),
            },
            _ => false,
        };
        if holds {
            return Ok(());
        }
        Err(match op {
            AssertionOp::Contains | AssertionOp::Matches if seen.len() > 120 => {
                format!("not found in {}", show())
            }
            AssertionOp::NotContains => format!("found in {}", show()),
            _ => format!("got {}", show()),
        })
    }
}

fn json_equal(seen: &Value, want: Option<&Value>) -> bool {
    match (seen, want) {
        // 200 and 200.0 are the same number.
        (Value::Number(a), Some(Value::Number(b))) => a.as_f64() == b.as_f64(),
        (a, Some(b)) => a == b,
        (_, None) => false,
    }
}

fn compare_number(
    op: AssertionOp,
    seen: f64,
    want: Option<&Value>,
    show: impl Fn() -> String,
) -> Result<(), String> {
    let w = want.and_then(Value::as_f64).ok_or("not a number")?;
    let holds = match op {
        AssertionOp::Eq => seen == w,
        AssertionOp::Ne => seen != w,
        AssertionOp::Lt => seen < w,
        AssertionOp::Le => seen <= w,
        AssertionOp::Gt => seen > w,
        AssertionOp::Ge => seen >= w,
        _ => false,
    };
    if holds {
        Ok(())
    } else {
        Err(format!("got {}", show()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assertion(json: &str) -> Compiled {
        let a: Assertion = serde_json::from_str(json).expect("assertion");
        a.validate(0, flatline_types::MonitorKind::Http)
            .expect("valid");
        Compiled::new(&[a])
    }

    fn facts(body: &'static str) -> Facts<'static> {
        Facts {
            status_code: Some(200),
            body: Some(body.as_bytes()),
            headers: vec![("content-type".into(), "application/json".into())],
            latency_ms: 42.0,
            certificate_days: Some(3),
            ..Default::default()
        }
    }

    #[test]
    fn each_source_and_op_holds_or_says_what_it_saw() {
        let body = r#"{"status":"degraded","n":5,"tags":["a","b"],"ok":true}"#;
        let cases: &[(&str, Option<&str>)] = &[
            (r#"{"source":"status_code","op":"eq","value":200}"#, None),
            (
                r#"{"source":"status_code","op":"ne","value":200}"#,
                Some("status_code ne 200: got 200"),
            ),
            (r#"{"source":"status_code","op":"lt","value":400}"#, None),
            (
                r#"{"source":"status_code","op":"ge","value":300}"#,
                Some("status_code ge 300: got 200"),
            ),
            (r#"{"source":"latency_ms","op":"le","value":42}"#, None),
            (
                r#"{"source":"latency_ms","op":"lt","value":10}"#,
                Some("latency_ms lt 10: got 42"),
            ),
            (r#"{"source":"certificate_days","op":"gt","value":2}"#, None),
            (
                r#"{"source":"certificate_days","op":"gt","value":7}"#,
                Some("certificate_days gt 7: got 3"),
            ),
            (
                r#"{"source":"body","op":"contains","value":"degraded"}"#,
                None,
            ),
            (
                r#"{"source":"body","op":"not_contains","value":"degraded"}"#,
                Some("body not_contains \"degraded\": found in body of 54 bytes"),
            ),
            (
                r#"{"source":"body","op":"matches","value":"\"n\":\\d+"}"#,
                None,
            ),
            (
                r#"{"source":"json","path":"$.status","op":"eq","value":"ok"}"#,
                Some("json $.status eq \"ok\": got \"degraded\""),
            ),
            (
                r#"{"source":"json","path":"$.n","op":"gt","value":4}"#,
                None,
            ),
            (
                r#"{"source":"json","path":"$.n","op":"eq","value":5.0}"#,
                None,
            ),
            (
                r#"{"source":"json","path":"$.n","op":"lt","value":5}"#,
                Some("json $.n lt 5: got 5"),
            ),
            (
                r#"{"source":"json","path":"$.tags","op":"contains","value":"b"}"#,
                None,
            ),
            (r#"{"source":"json","path":"$.ok","op":"exists"}"#, None),
            (
                r#"{"source":"json","path":"$.missing","op":"exists"}"#,
                Some("json $.missing exists: no match"),
            ),
            (
                r#"{"source":"json","path":"$.missing","op":"not_exists"}"#,
                None,
            ),
            (
                r#"{"source":"json","path":"$.missing","op":"eq","value":1}"#,
                Some("json $.missing eq 1: no match"),
            ),
            (
                r#"{"source":"json","path":"$.status","op":"matches","value":"^ok$"}"#,
                Some("json $.status matches \"^ok$\": got \"degraded\""),
            ),
            (
                r#"{"source":"header","path":"Content-Type","op":"contains","value":"json"}"#,
                None,
            ),
            (
                r#"{"source":"header","path":"content-type","op":"eq","value":"text/html"}"#,
                Some("header content-type eq \"text/html\": got \"application/json\""),
            ),
            (
                r#"{"source":"header","path":"x-missing","op":"exists"}"#,
                Some("header x-missing exists: no such header"),
            ),
            (
                r#"{"source":"header","path":"x-missing","op":"not_exists"}"#,
                None,
            ),
        ];
        for (json, expected) in cases {
            let got = assertion(json).check(&facts(body));
            assert_eq!(got.as_deref(), *expected, "{json}");
        }
    }

    #[test]
    fn a_cut_body_says_so_and_a_non_json_body_is_named() {
        let a = assertion(r#"{"source":"body","op":"contains","value":"end"}"#);
        let mut f = facts("start");
        f.body_cut = true;
        let reason = a.check(&f).expect("fails");
        assert!(
            reason.ends_with("(body cut at the 1 MiB read limit)"),
            "{reason}"
        );
        let a = assertion(r#"{"source":"json","path":"$.a","op":"exists"}"#);
        assert_eq!(
            a.check(&facts("<html>")).as_deref(),
            Some("json $.a exists: body is not JSON")
        );
    }
}
