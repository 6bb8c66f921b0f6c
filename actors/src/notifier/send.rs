//! Delivering one notice: the requests its channel's provider makes, HTTP through awc and
//! email through lettre. Never fails loudly: the outcome says whether to retry and when.
//! Errors never quote a channel's URL, since that is where webhook tokens live.

use std::time::{Duration, Instant};

use flatline_types::{ChannelConfig, SmtpSecurity};
use futures_util::StreamExt;
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::notice::Notice;
use super::providers::{provider, Body, HttpCall, Mail, Method, Provider, Request};
use crate::checks::http::describe_send_error;

/// How one delivery attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The channel accepted the notice.
    Sent { status: Option<u16> },
    /// It did not; `retry_after` is the channel's own wish (HTTP 429 or 503 `Retry-After`).
    Failed {
        error: String,
        status: Option<u16>,
        retry_after: Option<Duration>,
    },
}

/// Builds the HTTP client notifications go out with: no redirects (a webhook answering
/// with one is misconfigured) and `timeout` for the whole exchange.
pub fn client(timeout: Duration) -> awc::Client {
    let connector = awc::Connector::new()
        .timeout(timeout)
        .handshake_timeout(timeout);
    awc::Client::builder()
        .connector(connector)
        .timeout(timeout)
        .disable_redirects()
        .add_default_header((
            awc::http::header::USER_AGENT,
            concat!("Flatline/", env!("CARGO_PKG_VERSION")),
        ))
        .finish()
}

/// Sends `notice` to a channel once, within `timeout` per request.
pub async fn deliver(
    client: &awc::Client,
    config: &ChannelConfig,
    notice: &Notice,
    timeout: Duration,
) -> Outcome {
    let provider = provider(config);
    let mut last = Outcome::Sent { status: None };
    for request in provider.requests(notice) {
        last = match &request {
            Request::Http(call) => post(client, provider, call, timeout).await,
            Request::Email(mail) => email(mail, timeout).await,
        };
        if !matches!(last, Outcome::Sent { .. }) {
            break;
        }
    }
    last
}

async fn post(
    client: &awc::Client,
    provider: &dyn Provider,
    call: &HttpCall,
    timeout: Duration,
) -> Outcome {
    let timeout_ms = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
    let exchange = async {
        let mut req = match call.method {
            Method::Post => client.post(call.url.as_str()),
            Method::Put => client.put(call.url.as_str()),
        };
        for (name, value) in &call.headers {
            req = req.insert_header((name.as_str(), value.as_str()));
        }
        let sent = match &call.body {
            Body::Json(body) => req.send_json(body).await,
            Body::Form(fields) => req.send_form(fields).await,
        };
        let mut res = sent.map_err(|e| describe_send_error(&e, timeout_ms))?;
        // A little of the body says why a channel refused (Slack's `invalid_token`,
        // Telegram's `description`).
        let mut body = Vec::new();
        while body.len() < 1024 {
            match res.next().await {
                Some(Ok(chunk)) => body.extend_from_slice(&chunk),
                _ => break,
            }
        }
        let retry_after = res
            .headers()
            .get(awc::http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        Ok::<_, String>((res.status(), body, retry_after))
    };
    match actix_rt::time::timeout(timeout, exchange).await {
        Err(_) => Outcome::Failed {
            error: format!("timeout after {timeout_ms} ms"),
            status: None,
            retry_after: None,
        },
        Ok(Err(error)) => Outcome::Failed {
            error,
            status: None,
            retry_after: None,
        },
        Ok(Ok((status, body, _))) if provider.accepted(status.as_u16(), &body) => Outcome::Sent {
            status: Some(status.as_u16()),
        },
        Ok(Ok((status, body, retry_after))) => {
            let text: String = String::from_utf8_lossy(&body)
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect();
            let error = if text.trim().is_empty() {
                format!("HTTP {}", status.as_u16())
            } else {
                format!("HTTP {}: {}", status.as_u16(), text.trim())
            };
            Outcome::Failed {
                error,
                status: Some(status.as_u16()),
                retry_after: retry_after
                    .filter(|_| status.as_u16() == 429 || status.as_u16() == 503),
            }
        }
    }
}

async fn email(mail: &Mail, timeout: Duration) -> Outcome {
    match send_email(mail, timeout).await {
        Ok(()) => Outcome::Sent { status: None },
        Err(error) => Outcome::Failed {
            error,
            status: None,
            retry_after: None,
        },
    }
}

async fn send_email(mail: &Mail, timeout: Duration) -> Result<(), String> {
    let config = &mail.config;
    let from: Mailbox = config
        .from
        .parse()
        .map_err(|e| format!("from address: {e}"))?;
    let mut builder = Message::builder()
        .from(from)
        .subject(mail.subject.as_str())
        .header(ContentType::TEXT_PLAIN);
    for addr in &config.to {
        builder = builder.to(addr
            .parse()
            .map_err(|e| format!("to address {addr}: {e}"))?);
    }
    let message = builder
        .body(mail.text.clone())
        .map_err(|e| format!("cannot build the message: {e}"))?;
    let host = config.host.as_str();
    let transport = match config.security {
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
        SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
        SmtpSecurity::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            host,
        )),
    }
    .map_err(|e| format!("smtp: {e}"))?;
    let mut transport = transport
        .port(config.port.unwrap_or(config.security.default_port()))
        .timeout(Some(timeout));
    if let Some(user) = &config.username {
        transport = transport.credentials(Credentials::new(
            user.clone(),
            config.password.clone().unwrap_or_default(),
        ));
    }
    let started = Instant::now();
    let sent = actix_rt::time::timeout(timeout, transport.build().send(message)).await;
    match sent {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!("smtp: {e}")),
        Err(_) => Err(format!(
            "timeout after {} ms",
            started.elapsed().as_millis()
        )),
    }
}
