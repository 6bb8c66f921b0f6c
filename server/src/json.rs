//! The API's JSON body extractor: unlike `web::Json`, a value of the wrong type is a 422 that
//! names the field (`interval_seconds: invalid type: string "x", expected u32`), and a body
//! that is not JSON at all is a 400.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Largest JSON body the API accepts.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A JSON request body of type `T`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await.map_err(|e| {
                if e.as_response_error().status_code()
                    == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
                {
                    ApiError::PayloadTooLarge(MAX_BODY_BYTES)
                } else {
                    ApiError::BadRequest(format!("could not read the request body: {e}"))
                }
            })?;
            parse(&bytes).map(ApiJson)
        })
    }
}

/// Parses `bytes` as JSON into `T`, naming the offending field on a type error.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // serde reads a struct from an array too; the API takes objects only.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|&b| b != b'{') {
        return match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(_) => Err(ApiError::Validation {
                field: "body".into(),
                message: "must be a JSON object".into(),
            }),
            Err(e) => Err(malformed(&e)),
        };
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = serde_path_to_error::deserialize(&mut de);
    // JSON Schema counts `5.0` an integer; so does the API.
    if let Err(err) = &parsed {
        if err
            .inner()
            .to_string()
            .starts_with("invalid type: floating point")
        {
            if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(bytes) {
                whole_floats_to_integers(&mut value);
                return serde_path_to_error::deserialize(value).map_err(type_error);
            }
        }
    }
    let value: T = parsed.map_err(type_error)?;
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

/// Rewrites every number with no fractional part, within ±2^53, as an integer.
fn whole_floats_to_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() <= EXACT) {
                #[allow(clippy::cast_possible_truncation)]
                let whole = f as i64;
                *value = Value::from(whole);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_floats_to_integers),
        Value::Object(fields) => fields.values_mut().for_each(whole_floats_to_integers),
        _ => {}
    }
}

fn type_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = err.path().to_string();
    let inner = err.into_inner();
    match inner.classify() {
        serde_json::error::Category::Data => {
            let message = strip_position(&inner.to_string());
            let field = if path == "." || path.is_empty() {
                field_from_message(&message).unwrap_or_else(|| "body".to_owned())
            } else {
                path
            };
            ApiError::Validation { field, message }
        }
        _ => malformed(&inner),
    }
}

fn malformed(e: &serde_json::Error) -> ApiError {
    ApiError::MalformedJson(format!("request body is not valid JSON: {e}"))
}

/// serde's "unknown field `x`" and "missing field `x`" errors happen at the parent level;
/// the field is in the message.
fn field_from_message(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_owned())
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flatline_types::CreateMonitor;

    fn field_of(json: &str) -> (String, String) {
        match parse::<CreateMonitor>(json.as_bytes()) {
            Err(ApiError::Validation { field, message }) => (field, message),
            Err(other) => (other.code().to_owned(), other.to_string()),
            Ok(_) => ("ok".into(), String::new()),
        }
    }

    #[test]
    fn wrong_types_name_their_field() {
        assert_eq!(
            field_of(r#"{"name":"a","url":"u","interval_seconds":"x"}"#).0,
            "interval_seconds"
        );
        assert_eq!(
            field_of(r#"{"name":"a","url":"u","headers":{"a":1}}"#).0,
            "headers.a"
        );
        assert_eq!(
            field_of(r#"{"name":"a","url":"u","method":"FETCH"}"#).0,
            "method"
        );
        assert_eq!(field_of(r#"{"url":"u"}"#).0, "name");
        assert_eq!(field_of(r#"{"name":"a","url":"u","bogus":1}"#).0, "bogus");
        assert_eq!(
            field_of(r#"{"name":"a","url":"u","interval_seconds":2.5}"#).0,
            "interval_seconds"
        );
    }

    #[test]
    fn whole_numbers_written_as_floats_are_integers() {
        let m: CreateMonitor = parse(br#"{"name":"a","interval_seconds":30.0,"port":-0.0}"#)
            .map_err(|e| e.to_string())
            .expect("parses");
        assert_eq!(m.interval_seconds, Some(30));
        assert_eq!(m.port, Some(0));
    }

    #[test]
    fn broken_json_is_malformed() {
        assert_eq!(field_of(r#"{"name":"a","#).0, "malformed_json");
        assert_eq!(field_of("").0, "malformed_json");
        assert_eq!(
            field_of(r#"{"name":"a","url":"u"} trailing"#).0,
            "malformed_json"
        );
    }
}
