//! A client of the live stream (`/api/v1/stats/stream`) that records every event.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;

/// One event of the stream.
#[derive(Clone, Debug)]
pub struct LiveEvent {
    pub name: String,
    pub data: Value,
    pub at: Instant,
}

/// A connected stream; events are read in the background into `events`.
pub struct LiveClient {
    events: Rc<RefCell<Vec<LiveEvent>>>,
    comments: Rc<RefCell<usize>>,
}

impl LiveClient {
    /// Connects to `url` with `token` (through `client`, which must allow enough connections).
    pub async fn connect(client: &awc::Client, url: &str, token: &str) -> Self {
        let res = client
            .get(url)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("Accept", "text/event-stream"))
            .send()
            .await
            .expect("connect to the live stream");
        assert_eq!(res.status().as_u16(), 200);
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        let events = Rc::new(RefCell::new(Vec::new()));
        let comments = Rc::new(RefCell::new(0));
        let (sink, count) = (events.clone(), comments.clone());
        actix_rt::spawn(async move {
            let mut res = res;
            let mut buf = String::new();
            while let Some(Ok(chunk)) = res.next().await {
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buf.find("\n\n") {
                    let block: String = buf.drain(..end + 2).collect();
                    let (mut name, mut data) = (String::new(), String::new());
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("event: ") {
                            name = v.to_owned();
                        } else if let Some(v) = line.strip_prefix("data: ") {
                            data.push_str(v);
                        } else if line.starts_with(':') {
                            *count.borrow_mut() += 1;
                        }
                    }
                    if !name.is_empty() {
                        sink.borrow_mut().push(LiveEvent {
                            name,
                            data: serde_json::from_str(&data).unwrap_or(Value::Null),
                            at: Instant::now(),
                        });
                    }
                }
            }
        });
        Self { events, comments }
    }

    /// Every event so far.
    pub fn events(&self) -> Vec<LiveEvent> {
        self.events.borrow().clone()
    }

    /// Keep-alive comments so far.
    pub fn comments(&self) -> usize {
        *self.comments.borrow()
    }

    /// Waits until an event satisfies `pred`.
    pub async fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&LiveEvent) -> bool,
    ) -> LiveEvent {
        crate::eventually(what, timeout, || async {
            self.events.borrow().iter().find(|e| pred(e)).cloned()
        })
        .await
    }
}

/// An awc client without a cap on connections, for many concurrent streams.
pub fn many_streams_client() -> awc::Client {
    awc::Client::builder()
        .connector(awc::Connector::new().limit(0))
        .timeout(Duration::from_secs(3600))
        .finish()
}
