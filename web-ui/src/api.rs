//! Calls to Flatline's REST API, with its error bodies turned into [`ApiError`].

use flatline_types::ErrorBody;
use gloo_net::http::{Request, RequestBuilder};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A failed call: the API's `{error, message, field}` and the HTTP status, or status 0 when
/// the server could not be reached.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    fn network(e: impl std::fmt::Display) -> Self {
        Self {
            status: 0,
            code: "unreachable".into(),
            message: format!("The Flatline server cannot be reached ({e})."),
            field: None,
        }
    }

    /// The form field an error is about: `headers.X-Token` and `to[1]` belong to `headers`
    /// and `to`; `config.url` to `url`.
    pub fn field_key(&self) -> Option<String> {
        let f = self.field.as_deref()?;
        let f = f.strip_prefix("config.").unwrap_or(f);
        let end = f.find(['.', '[']).unwrap_or(f.len());
        Some(f[..end].to_owned())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

thread_local! {
    static SESSION_LOST: std::cell::Cell<Option<RwSignal<bool>>> = const { std::cell::Cell::new(None) };
}

/// Registers the signal set when any call answers 401 (the session ended).
pub fn on_session_lost(signal: RwSignal<bool>) {
    SESSION_LOST.with(|s| s.set(Some(signal)));
}

async fn finish<T: DeserializeOwned>(req: Result<Request, gloo_net::Error>) -> ApiResult<T> {
    let resp = req
        .map_err(ApiError::network)?
        .send()
        .await
        .map_err(ApiError::network)?;
    let status = resp.status();
    let text = resp.text().await.map_err(ApiError::network)?;
    if (200..300).contains(&status) {
        let text = if text.is_empty() { "null" } else { &text };
        return serde_json::from_str(text).map_err(|e| ApiError {
            status,
            code: "bad_answer".into(),
            message: format!("Unexpected answer from the server: {e}"),
            field: None,
        });
    }
    if status == 401 {
        if let Some(s) = SESSION_LOST.with(|s| s.get()) {
            s.set(true);
        }
    }
    Err(match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => ApiError {
            status,
            code: body.error,
            message: body.message,
            field: body.field,
        },
        Err(_) => ApiError {
            status,
            code: format!("http_{status}"),
            message: if status >= 500 {
                format!("The server failed ({status}). Try again in a moment.")
            } else {
                format!("The server answered {status}.")
            },
            field: None,
        },
    })
}

/// `GET path`.
pub async fn get<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    finish(
        RequestBuilder::new(path)
            .method(gloo_net::http::Method::GET)
            .build(),
    )
    .await
}

/// `method path` with a JSON body.
pub async fn send<B: Serialize + ?Sized, T: DeserializeOwned>(
    method: gloo_net::http::Method,
    path: &str,
    body: &B,
) -> ApiResult<T> {
    finish(RequestBuilder::new(path).method(method).json(body)).await
}

/// `POST path` with a JSON body.
pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> ApiResult<T> {
    send(gloo_net::http::Method::POST, path, body).await
}

/// `PATCH path` with a JSON body.
pub async fn patch<B: Serialize + ?Sized, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> ApiResult<T> {
    send(gloo_net::http::Method::PATCH, path, body).await
}

/// `DELETE path`.
pub async fn delete(path: &str) -> ApiResult<()> {
    finish::<serde_json::Value>(
        RequestBuilder::new(path)
            .method(gloo_net::http::Method::DELETE)
            .build(),
    )
    .await
    .map(|_| ())
}

/// `POST path` without a body.
pub async fn post_empty<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    finish(
        RequestBuilder::new(path)
            .method(gloo_net::http::Method::POST)
            .build(),
    )
    .await
}

impl ApiError {
    /// A client-side validation failure, shaped like the API's 422.
    pub fn from_field(e: &flatline_types::FieldError) -> Self {
        Self {
            status: 422,
            code: "validation_failed".into(),
            message: e.message.clone(),
            field: Some(e.field.clone()),
        }
    }
}
