//! Calls to Flatline's REST API, with its error bodies turned into [`ClientError`].

use std::collections::BTreeSet;

use flatline_types::{ErrorBody, LinkChannel};
use gloo_net::http::{Request, RequestBuilder};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A failed call: the API's `{error, message, field}` and the HTTP status, or status 0 when
/// the server could not be reached.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

impl ClientError {
    fn network(e: impl std::fmt::Display) -> Self {
        Self {
            status: 0,
            code: "unreachable".into(),
            message: format!("The Flatline server cannot be reached ({e})."),
            field: None,
        }
    }

    /// The form field an error is about (see [`field_key`]).
    pub fn field_key(&self) -> Option<String> {
        self.field.as_deref().map(field_key)
    }
}

/// The form field a validation error's `field` path belongs to: `headers.X-Token` and
/// `to[1]` to `headers` and `to`; `config.url` to `url`.
pub fn field_key(path: &str) -> String {
    let f = path.strip_prefix("config.").unwrap_or(path);
    let end = f.find(['.', '[']).unwrap_or(f.len());
    f[..end].to_owned()
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub type ClientResult<T> = Result<T, ClientError>;

thread_local! {
    static SESSION_LOST: std::cell::Cell<Option<RwSignal<bool>>> = const { std::cell::Cell::new(None) };
}

/// Registers the signal set when any call answers 401 (the session ended).
pub fn on_session_lost(signal: RwSignal<bool>) {
    SESSION_LOST.with(|s| s.set(Some(signal)));
}

async fn finish<T: DeserializeOwned>(req: Result<Request, gloo_net::Error>) -> ClientResult<T> {
    let resp = req
        .map_err(ClientError::network)?
        .send()
        .await
        .map_err(ClientError::network)?;
    let status = resp.status();
    let text = resp.text().await.map_err(ClientError::network)?;
    if (200..300).contains(&status) {
        let text = if text.is_empty() { "null" } else { &text };
        return serde_json::from_str(text).map_err(|e| ClientError {
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
        Ok(body) => ClientError {
            status,
            code: body.error,
            message: body.message,
            field: body.field,
        },
        Err(_) => ClientError {
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

/// `method path` without a body.
fn bare(method: gloo_net::http::Method, path: &str) -> Result<Request, gloo_net::Error> {
    RequestBuilder::new(path).method(method).build()
}

/// `GET path`.
pub async fn get<T: DeserializeOwned>(path: &str) -> ClientResult<T> {
    finish(bare(gloo_net::http::Method::GET, path)).await
}

/// `method path` with a JSON body.
pub async fn send<B: Serialize + ?Sized, T: DeserializeOwned>(
    method: gloo_net::http::Method,
    path: &str,
    body: &B,
) -> ClientResult<T> {
    finish(RequestBuilder::new(path).method(method).json(body)).await
}

/// `POST path` with a JSON body.
pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> ClientResult<T> {
    send(gloo_net::http::Method::POST, path, body).await
}

/// `PATCH path` with a JSON body.
pub async fn patch<B: Serialize + ?Sized, T: DeserializeOwned>(
    path: &str,
    body: &B,
) -> ClientResult<T> {
    send(gloo_net::http::Method::PATCH, path, body).await
}

/// `DELETE path`.
pub async fn delete(path: &str) -> ClientResult<()> {
    finish::<serde_json::Value>(bare(gloo_net::http::Method::DELETE, path))
        .await
        .map(|_| ())
}

/// `POST path` without a body.
pub async fn post_empty<T: DeserializeOwned>(path: &str) -> ClientResult<T> {
    finish(bare(gloo_net::http::Method::POST, path)).await
}

/// Links and unlinks monitors and channels so that exactly `want` of them are linked, `had`
/// being what is linked now; `pair` gives an element's `(monitor id, channel id)`.
pub async fn sync_links(
    had: &BTreeSet<i64>,
    want: &BTreeSet<i64>,
    pair: impl Fn(i64) -> (i64, i64),
) -> ClientResult<()> {
    for &x in want.difference(had) {
        let (monitor, channel) = pair(x);
        post::<_, serde_json::Value>(
            &format!("/api/v1/monitors/{monitor}/notifications"),
            &LinkChannel {
                channel_id: channel,
            },
        )
        .await?;
    }
    for &x in had.difference(want) {
        let (monitor, channel) = pair(x);
        delete(&format!(
            "/api/v1/monitors/{monitor}/notifications/{channel}"
        ))
        .await?;
    }
    Ok(())
}
