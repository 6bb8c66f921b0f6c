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
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|err| {
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
    })?;
    de.end().map_err(|e| malformed(&e))?;
    Ok(value)
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
