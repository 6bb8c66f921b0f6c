//! A client of Flatline's HTTP API for tests: raw requests with the instance's token, and
//! typed helpers that send and return the API's own shapes from `flatline_types`.

use std::time::Duration;

use flatline_types::{CreateChannel, CreateMonitor, LinkChannel, Monitor, NotificationChannel};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// An answer: status, headers, and the body parsed as JSON (a JSON string if it is not JSON,
/// Null if empty).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: awc::http::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The value of the cookie `name` set by this answer (`Some("")` when it is cleared).
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok())
            .filter_map(|c| c.split(';').next())
            .filter_map(|pair| pair.split_once('='))
            .find(|(n, _)| n.trim() == name)
            .map(|(_, v)| v.trim().to_owned())
    }
}

/// Where a Flatline answers, and the API token the kit's requests send.
pub struct ApiClient {
    pub base_url: String,
    /// The API token requests send; `None` for anonymous instances.
    pub token: Option<String>,
    client: awc::Client,
}

impl ApiClient {
    /// A client of the Flatline at `base_url`.
    pub fn new(base_url: String, token: Option<String>) -> Self {
        Self {
            base_url,
            token,
            client: awc::Client::builder()
                .timeout(Duration::from_secs(30))
                .disable_redirects()
                .finish(),
        }
    }

    /// The same client, connecting from another loopback address (`127.0.0.2`, …): to the
    /// server, another client machine.
    pub fn from_address(&self, local: std::net::IpAddr) -> Self {
        Self {
            base_url: self.base_url.clone(),
            token: self.token.clone(),
            client: awc::Client::builder()
                .connector(awc::Connector::new().local_address(local))
                .timeout(Duration::from_secs(30))
                .disable_redirects()
                .finish(),
        }
    }

    /// Creates `n` HTTP monitors, `{prefix}{i}` checking `{base_url}{i}` every `interval`
    /// seconds; their ids, in order.
    pub async fn create_monitors(
        &self,
        prefix: &str,
        base_url: &str,
        n: usize,
        interval: u32,
    ) -> Vec<i64> {
        let mut ids = Vec::with_capacity(n);
        for i in 0..n {
            let m = self
                .create_monitor(serde_json::json!({"name": format!("{prefix}{i}"), "url": format!("{base_url}{i}"), "interval_seconds": interval}))
                .await;
            ids.push(m["id"].as_i64().expect("monitor id"));
        }
        ids
    }

    /// Sends `method path` with the given headers and body and no credentials but those.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Answer {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
        let attempt = || {
            let mut req = self.client.request(method.clone(), self.url(path));
            for (name, value) in headers {
                req = req.insert_header((*name, *value));
            }
            match body {
                Some(b) => req
                    .insert_header(("Content-Type", "application/json"))
                    .send_body(b.to_owned()),
                None => req.send(),
            }
        };
        let mut sent = attempt().await;
        // A pooled keep-alive connection the server closed just as it was reused answers
        // nothing (awc: "connector has been disconnected"): a GET is sent again, once.
        if matches!(
            sent,
            Err(awc::error::SendRequestError::Connect(
                awc::error::ConnectError::Disconnected
            ))
        ) && method.is_safe()
        {
            sent = attempt().await;
        }
        let mut res = sent.unwrap_or_else(|e| panic!("request to {path}: {e}"));
        let bytes = res.body().limit(64 * 1024 * 1024).await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Answer {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body,
        }
    }

    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Sends a request with the instance's API token and an optional JSON body; returns
    /// status and parsed body (Null if empty).
    pub async fn request(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = auth
            .as_deref()
            .map(|a| ("Authorization", a))
            .into_iter()
            .collect();
        let answer = self.send(method, path, &headers, body).await;
        (answer.status, answer.body)
    }

    /// GET, expecting 200.
    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.request("GET", path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// POST JSON.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.request("POST", path, Some(&body.to_string())).await
    }

    /// PATCH JSON.
    pub async fn patch(&self, path: &str, body: &Value) -> (u16, Value) {
        self.request("PATCH", path, Some(&body.to_string())).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> u16 {
        self.request("DELETE", path, None).await.0
    }

    /// Creates a monitor, expecting 201; returns it.
    pub async fn create_monitor(&self, body: Value) -> Value {
        let (status, monitor) = self.post("/api/v1/monitors", &body).await;
        assert_eq!(status, 201, "create monitor: {monitor}");
        monitor
    }

    /// A monitor's checks, newest first (up to 1000).
    pub async fn checks(&self, id: i64) -> Vec<Value> {
        let v = self
            .get(&format!("/api/v1/monitors/{id}/checks?limit=1000"))
            .await;
        v.as_array().cloned().unwrap_or_default()
    }

    /// A monitor's incidents.
    pub async fn incidents(&self, id: i64) -> Vec<Value> {
        let v = self.get(&format!("/api/v1/monitors/{id}/incidents")).await;
        v.as_array().cloned().unwrap_or_default()
    }

    /// A monitor's status.
    pub async fn status(&self, id: i64) -> String {
        let m = self.get(&format!("/api/v1/monitors/{id}")).await;
        m["status"].as_str().unwrap_or_default().to_owned()
    }

    /// Polls until monitor `id` has `status`, or panics after `timeout`.
    pub async fn wait_for_status(&self, id: i64, status: &str, timeout: Duration) {
        let what = format!("monitor {id} {status}");
        crate::eventually(&what, timeout, || async {
            (self.status(id).await == status).then_some(())
        })
        .await;
    }

    /// Polls until monitor `id` has a stored check and returns the newest.
    pub async fn newest_check(&self, id: i64, timeout: Duration) -> Value {
        let what = format!("a stored check of monitor {id}");
        crate::eventually(&what, timeout, || async {
            self.checks(id).await.into_iter().next()
        })
        .await
    }

    /// Sends `method path` with a JSON body and decodes the answer as `T`, expecting
    /// `status`.
    pub async fn typed<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&impl serde::Serialize>,
        status: u16,
    ) -> T {
        let body = body.map(|b| serde_json::to_string(b).expect("encode"));
        let (got, value) = self.request(method, path, body.as_deref()).await;
        assert_eq!(got, status, "{method} {path}: {value}");
        serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("{method} {path}: not the API's shape ({e}): {value}"))
    }

    /// Creates a monitor through the API, expecting 201.
    pub async fn add_monitor(&self, monitor: &CreateMonitor) -> Monitor {
        self.typed("POST", "/api/v1/monitors", Some(monitor), 201)
            .await
    }

    /// One monitor, expecting 200.
    pub async fn monitor(&self, id: i64) -> Monitor {
        self.typed("GET", &format!("/api/v1/monitors/{id}"), None::<&()>, 200)
            .await
    }

    /// Creates a notification channel, expecting 201.
    pub async fn add_channel(&self, channel: &CreateChannel) -> NotificationChannel {
        self.typed("POST", "/api/v1/notification-channels", Some(channel), 201)
            .await
    }

    /// A webhook channel named `hook` posting to `url`, linked to `monitor_id`; its id.
    pub async fn webhook_to(&self, monitor_id: i64, url: &str) -> i64 {
        let (status, channel) = self
            .post(
                "/api/v1/notification-channels",
                &serde_json::json!({"name": "hook", "config": {"type": "webhook", "url": url}}),
            )
            .await;
        assert_eq!(status, 201, "{channel}");
        let id = channel["id"].as_i64().expect("channel id");
        self.link_channel(monitor_id, id).await;
        id
    }

    /// Links a channel to a monitor, expecting 201 (newly linked).
    pub async fn link_channel(&self, monitor_id: i64, channel_id: i64) -> NotificationChannel {
        self.typed(
            "POST",
            &format!("/api/v1/monitors/{monitor_id}/notifications"),
            Some(&LinkChannel { channel_id }),
            201,
        )
        .await
    }
}
