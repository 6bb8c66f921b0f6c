//! Create and edit a monitor: the kind first, then that kind's fields and the assertions as
//! rows, with the shared validation run before sending and the API's own errors shown at the
//! field they name. A new push monitor's URL is shown once, with `curl` and crontab lines.

use std::collections::{BTreeMap, BTreeSet};

use flatline_types::{
    limits, Assertion, AssertionOp, AssertionSource, CreateMonitor, DnsRecordType, DnsTransport,
    HttpMethod, Monitor, MonitorKind, NotificationChannel, PatchMonitor,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::{self, ClientError};
use crate::ui::{local_error, show_error, FieldErrors, TextField};

/// One assertion row, as typed.
#[derive(Clone, Debug, Default, PartialEq)]
struct AssertionRow {
    source: String,
    path: String,
    op: String,
    value: String,
}

impl AssertionRow {
    fn of(a: &Assertion) -> Self {
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
    fn to_assertion(&self, i: usize) -> Result<Assertion, (String, String)> {
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

/// The form's values, as typed.
#[derive(Clone, Copy)]
struct Fields {
    kind: RwSignal<MonitorKind>,
    host: RwSignal<String>,
    port: RwSignal<String>,
    tls: RwSignal<bool>,
    dns_record_type: RwSignal<String>,
    dns_server: RwSignal<String>,
    dns_transport: RwSignal<String>,
    dns_expected: RwSignal<String>,
    ping_count: RwSignal<String>,
    cron: RwSignal<String>,
    timezone: RwSignal<String>,
    grace: RwSignal<String>,
    assertions: RwSignal<Vec<AssertionRow>>,
    name: RwSignal<String>,
    url: RwSignal<String>,
    method: RwSignal<String>,
    headers: RwSignal<String>,
    body: RwSignal<String>,
    interval: RwSignal<String>,
    timeout: RwSignal<String>,
    retries: RwSignal<String>,
    retry_interval: RwSignal<String>,
    codes: RwSignal<String>,
    follow_redirects: RwSignal<bool>,
    verify_tls: RwSignal<bool>,
    enabled: RwSignal<bool>,
    resend: RwSignal<String>,
    channels: RwSignal<BTreeSet<i64>>,
}

impl Fields {
    fn new() -> Self {
        Self {
            kind: RwSignal::new(MonitorKind::Http),
            host: RwSignal::new(String::new()),
            port: RwSignal::new(String::new()),
            tls: RwSignal::new(false),
            dns_record_type: RwSignal::new("A".into()),
            dns_server: RwSignal::new(String::new()),
            dns_transport: RwSignal::new("udp".into()),
            dns_expected: RwSignal::new(String::new()),
            ping_count: RwSignal::new("1".into()),
            cron: RwSignal::new(String::new()),
            timezone: RwSignal::new("UTC".into()),
            grace: RwSignal::new(limits::DEFAULT_GRACE_SECONDS.to_string()),
            assertions: RwSignal::new(Vec::new()),
            name: RwSignal::new(String::new()),
            url: RwSignal::new("https://".into()),
            method: RwSignal::new("GET".into()),
            headers: RwSignal::new(String::new()),
            body: RwSignal::new(String::new()),
            interval: RwSignal::new(limits::DEFAULT_INTERVAL_SECONDS.to_string()),
            timeout: RwSignal::new(String::new()),
            retries: RwSignal::new("0".into()),
            retry_interval: RwSignal::new(String::new()),
            codes: RwSignal::new(String::new()),
            follow_redirects: RwSignal::new(true),
            verify_tls: RwSignal::new(true),
            enabled: RwSignal::new(true),
            resend: RwSignal::new("0".into()),
            channels: RwSignal::new(BTreeSet::new()),
        }
    }

    fn fill(&self, m: &Monitor) {
        self.kind.set(m.kind);
        self.name.set(m.name.clone());
        self.url.set(m.url.clone().unwrap_or_default());
        self.method
            .set(m.method.unwrap_or_default().as_str().into());
        self.headers.set(
            m.headers
                .iter()
                .flatten()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        self.body.set(m.body.clone().flatten().unwrap_or_default());
        self.interval.set(m.interval_seconds.to_string());
        self.timeout.set(m.timeout_ms.to_string());
        self.retries.set(m.retries.to_string());
        self.retry_interval
            .set(m.retry_interval_seconds.to_string());
        self.codes.set(
            m.expected_status_codes
                .iter()
                .flatten()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        );
        self.follow_redirects
            .set(m.follow_redirects.unwrap_or(true));
        self.verify_tls.set(m.verify_tls.unwrap_or(true));
        self.enabled.set(m.enabled);
        self.resend.set(m.resend_interval_minutes.to_string());
        self.host.set(m.host.clone().unwrap_or_default());
        self.port
            .set(m.port.map(|p| p.to_string()).unwrap_or_default());
        self.tls.set(m.tls.unwrap_or(false));
        self.dns_record_type
            .set(m.dns_record_type.unwrap_or_default().as_str().into());
        self.dns_server
            .set(m.dns_server.clone().unwrap_or_default());
        self.dns_transport.set(
            match m.dns_transport.unwrap_or_default() {
                DnsTransport::Udp => "udp",
                DnsTransport::Tcp => "tcp",
            }
            .into(),
        );
        self.dns_expected
            .set(m.dns_expected.clone().unwrap_or_default().join("\n"));
        self.ping_count.set(m.ping_count.unwrap_or(1).to_string());
        self.cron.set(m.cron.clone().unwrap_or_default());
        self.timezone
            .set(m.timezone.clone().unwrap_or_else(|| "UTC".into()));
        self.grace.set(
            m.grace_seconds
                .unwrap_or(limits::DEFAULT_GRACE_SECONDS)
                .to_string(),
        );
        self.assertions
            .set(m.assertions.iter().map(AssertionRow::of).collect());
    }

    /// Parses the typed values into a create request, or the error of the first bad field.
    fn to_create(self) -> Result<CreateMonitor, (String, String)> {
        let num = |field: &str, s: RwSignal<String>| -> Result<Option<u32>, (String, String)> {
            let v = s.get_untracked();
            let v = v.trim();
            if v.is_empty() {
                return Ok(None);
            }
            v.parse::<u32>()
                .map(Some)
                .map_err(|_| (field.to_owned(), "must be a whole number".to_owned()))
        };
        let mut headers = BTreeMap::new();
        for line in self.headers.get_untracked().lines() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let Some((k, v)) = line.split_once(':') else {
                return Err((
                    "headers".into(),
                    format!("\"{line}\": write one header per line as Name: value"),
                ));
            };
            headers.insert(k.trim().to_owned(), v.trim().to_owned());
        }
        let mut codes = Vec::new();
        for c in self
            .codes
            .get_untracked()
            .split([',', ' '])
            .filter(|c| !c.is_empty())
        {
            codes.push(c.parse::<u16>().map_err(|_| {
                (
                    "expected_status_codes".to_owned(),
                    format!("\"{c}\" is not a status code"),
                )
            })?);
        }
        let body = self.body.get_untracked();
        let kind = self.kind.get_untracked();
        let text = |s: RwSignal<String>| {
            Some(s.get_untracked().trim().to_owned()).filter(|v| !v.is_empty())
        };
        let mut assertions = Vec::new();
        for (i, row) in self.assertions.get_untracked().iter().enumerate() {
            assertions.push(row.to_assertion(i)?);
        }
        let mut c = CreateMonitor {
            name: self.name.get_untracked(),
            kind: Some(kind),
            interval_seconds: num("interval_seconds", self.interval)?,
            enabled: Some(self.enabled.get_untracked()),
            resend_interval_minutes: num("resend_interval_minutes", self.resend)?,
            assertions: Some(assertions),
            ..Default::default()
        };
        if kind != MonitorKind::Push {
            c.timeout_ms = num("timeout_ms", self.timeout)?;
            c.retries = num("retries", self.retries)?;
            c.retry_interval_seconds = num("retry_interval_seconds", self.retry_interval)?;
        }
        let small = |field: &str, s: RwSignal<String>| -> Result<Option<u32>, (String, String)> {
            num(field, s)
        };
        match kind {
            MonitorKind::Http => {
                c.url = Some(self.url.get_untracked());
                c.method = HttpMethod::parse(&self.method.get_untracked());
                c.headers = Some(headers);
                c.body = (!body.is_empty()).then_some(body);
                c.expected_status_codes = Some(codes);
                c.follow_redirects = Some(self.follow_redirects.get_untracked());
                c.verify_tls = Some(self.verify_tls.get_untracked());
            }
            MonitorKind::Tcp => {
                c.host = text(self.host);
                c.port = small("port", self.port)?
                    .map(|p| {
                        u16::try_from(p).map_err(|_| {
                            ("port".to_owned(), "must be between 1 and 65535".to_owned())
                        })
                    })
                    .transpose()?;
                c.tls = Some(self.tls.get_untracked());
                c.verify_tls = Some(self.verify_tls.get_untracked());
            }
            MonitorKind::Dns => {
                c.host = text(self.host);
                c.dns_record_type = DnsRecordType::parse(&self.dns_record_type.get_untracked());
                c.dns_server = text(self.dns_server);
                c.dns_transport = Some(if self.dns_transport.get_untracked() == "tcp" {
                    DnsTransport::Tcp
                } else {
                    DnsTransport::Udp
                });
                c.dns_expected = Some(
                    self.dns_expected
                        .get_untracked()
                        .split(['\n', ','])
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(str::to_owned)
                        .collect(),
                );
            }
            MonitorKind::Ping => {
                c.host = text(self.host);
                c.ping_count = small("ping_count", self.ping_count)?
                    .map(|n| {
                        u8::try_from(n).map_err(|_| {
                            (
                                "ping_count".to_owned(),
                                "must be between 1 and 10".to_owned(),
                            )
                        })
                    })
                    .transpose()?;
            }
            MonitorKind::Push => {
                c.grace_seconds = num("grace_seconds", self.grace)?;
                if let Some(cron) = text(self.cron) {
                    c.cron = Some(cron);
                    c.timezone = text(self.timezone);
                    c.interval_seconds = None;
                }
            }
        }
        Ok(c)
    }
}

/// The patch that makes a monitor what the form says: every field of its kind.
fn to_patch(c: CreateMonitor) -> PatchMonitor {
    PatchMonitor {
        name: Some(c.name),
        kind: c.kind,
        url: c.url,
        method: c.method,
        headers: c.headers,
        body: c
            .kind
            .is_none_or(|k| k == MonitorKind::Http)
            .then_some(c.body),
        interval_seconds: c.interval_seconds,
        timeout_ms: c.timeout_ms,
        retries: c.retries,
        retry_interval_seconds: c.retry_interval_seconds,
        expected_status_codes: c.expected_status_codes,
        follow_redirects: c.follow_redirects,
        verify_tls: c.verify_tls,
        enabled: c.enabled,
        resend_interval_minutes: c.resend_interval_minutes,
        host: c.host,
        port: c.port,
        tls: c.tls,
        dns_record_type: c.dns_record_type,
        dns_server: c.dns_server,
        dns_transport: c.dns_transport,
        dns_expected: c.dns_expected,
        ping_count: c.ping_count,
        cron: c.cron,
        timezone: c.timezone,
        grace_seconds: c.grace_seconds,
        assertions: c.assertions,
    }
}

/// A push monitor's URL in full, with lines ready to paste: shown once, after creating it or
/// replacing its token.
#[component]
pub fn PushUrlPanel(push_url: String) -> impl IntoView {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let url = format!("{origin}{push_url}");
    let curl = format!("curl -fsS -m 10 --retry 5 -o /dev/null {url}");
    let cron =
        format!("*/5 * * * * /path/to/job.sh && curl -fsS -m 10 --retry 5 -o /dev/null {url}");
    let fail = format!("curl -fsS -m 10 --retry 5 --data-raw \"$error\" {url}/fail");
    let copy = {
        let url = url.clone();
        move |_| {
            if let Some(w) = web_sys::window() {
                let _ = w.navigator().clipboard().write_text(&url);
            }
        }
    };
    view! {
        <div class="panel push-url" role="region" aria-label="Push URL">
            <h2>"Push URL"</h2>
            <p class="muted small">"Shown in full only now: it is stored hashed. Keep it with the job; get a new one from the monitor's page if it is lost."</p>
            <div class="copy-row"><code id="push-url">{url.clone()}</code><button type="button" id="copy-push-url" on:click=copy>"Copy"</button></div>
            <p class="small">"After each successful run:"</p>
            <pre class="mono small" id="push-curl">{curl}</pre>
            <p class="small">"In a crontab:"</p>
            <pre class="mono small">{cron}</pre>
            <p class="small">"To report a failure with a message (append "<code>"/start"</code>" to the URL before a run to measure its duration):"</p>
            <pre class="mono small">{fail}</pre>
        </div>
    }
}

#[component]
pub fn NewMonitor() -> impl IntoView {
    let fields = Fields::new();
    let channels = RwSignal::new(None::<Result<Vec<NotificationChannel>, ClientError>>);
    let defaults = RwSignal::new(BTreeSet::new());
    leptos::task::spawn_local(async move {
        let list = api::get::<Vec<NotificationChannel>>("/api/v1/notification-channels").await;
        if let Ok(l) = &list {
            let d: BTreeSet<i64> = l.iter().filter(|c| c.default).map(|c| c.id).collect();
            fields.channels.set(d.clone());
            defaults.set(d);
        }
        channels.set(Some(list));
    });
    let navigate = use_navigate();
    let created_push = RwSignal::new(None::<(i64, String)>);
    let submit =
        move |errors: FieldErrors, error: RwSignal<Option<ClientError>>, busy: RwSignal<bool>| {
            let create = match fields.to_create() {
                Ok(c) => c,
                Err(e) => return errors.set(Some(e)),
            };
            if let Err(e) = create.clone().into_spec() {
                return errors.set(Some(local_error(e)));
            }
            errors.set(None);
            busy.set(true);
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                match api::post::<_, Monitor>("/api/v1/monitors", &create).await {
                    Ok(m) => {
                        // Defaults were linked by the server with the monitor.
                        let linked = api::sync_links(
                            &defaults.get_untracked(),
                            &fields.channels.get_untracked(),
                            |c| (m.id, c),
                        )
                        .await;
                        match (linked, m.push_url) {
                            (Ok(()), Some(url)) => created_push.set(Some((m.id, url))),
                            (Ok(()), None) => {
                                navigate(&format!("/monitors/{}", m.id), Default::default())
                            }
                            (Err(e), _) => error.set(Some(e)),
                        }
                    }
                    Err(e) => show_error(errors, error, e),
                }
                busy.set(false);
            });
        };
    view! {
        <h1>"New monitor"</h1>
        {move || match created_push.get() {
            Some((id, url)) => view! {
                <PushUrlPanel push_url=url/>
                <div class="actions"><a class="button primary" id="go-to-monitor" href=format!("/monitors/{id}")>"Go to the monitor"</a></div>
            }.into_any(),
            None => view! {
                <MonitorFormView fields=fields channels=channels submit=submit.clone() submit_label="Create monitor" cancel_href="/".into()/>
            }.into_any(),
        }}
    }
}

#[component]
pub fn EditMonitor() -> impl IntoView {
    let params = use_params_map();
    let id = params
        .get_untracked()
        .get("id")
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(-1);
    let fields = Fields::new();
    let current = RwSignal::new(None::<Result<Monitor, ClientError>>);
    let channels = RwSignal::new(None::<Result<Vec<NotificationChannel>, ClientError>>);
    let linked = RwSignal::new(BTreeSet::new());
    leptos::task::spawn_local(async move {
        let m = api::get::<Monitor>(&format!("/api/v1/monitors/{id}")).await;
        if let Ok(m) = &m {
            fields.fill(m);
        }
        let links =
            api::get::<Vec<NotificationChannel>>(&format!("/api/v1/monitors/{id}/notifications"))
                .await;
        if let Ok(l) = &links {
            let set: BTreeSet<i64> = l.iter().map(|c| c.id).collect();
            fields.channels.set(set.clone());
            linked.set(set);
        }
        channels.set(Some(
            api::get::<Vec<NotificationChannel>>("/api/v1/notification-channels").await,
        ));
        current.set(Some(m));
    });
    let navigate = use_navigate();
    let submit =
        move |errors: FieldErrors, error: RwSignal<Option<ClientError>>, busy: RwSignal<bool>| {
            let Some(Ok(m)) = current.get_untracked() else {
                return;
            };
            let patch = match fields.to_create() {
                Ok(c) => to_patch(c),
                Err(e) => return errors.set(Some(e)),
            };
            let current = match m.to_create().into_spec() {
                Ok(spec) => spec,
                Err(e) => return errors.set(Some(local_error(e))),
            };
            if let Err(e) = patch.clone().apply(&current) {
                return errors.set(Some(local_error(e)));
            }
            errors.set(None);
            busy.set(true);
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                match api::patch::<_, Monitor>(&format!("/api/v1/monitors/{id}"), &patch).await {
                    Ok(_) => match api::sync_links(
                        &linked.get_untracked(),
                        &fields.channels.get_untracked(),
                        |c| (id, c),
                    )
                    .await
                    {
                        Ok(()) => navigate(&format!("/monitors/{id}"), Default::default()),
                        Err(e) => error.set(Some(e)),
                    },
                    Err(e) => show_error(errors, error, e),
                }
                busy.set(false);
            });
        };
    view! {
        <h1>"Edit monitor"</h1>
        {move || match current.get() {
            None => view! { <p class="muted">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <div class="error-box" role="alert">{e.message}</div> }.into_any(),
            Some(Ok(_)) => view! {
                <MonitorFormView fields=fields channels=channels submit=submit.clone() submit_label="Save changes" cancel_href=format!("/monitors/{id}")/>
            }.into_any(),
        }}
    }
}

#[component]
fn MonitorFormView<F>(
    fields: Fields,
    channels: RwSignal<Option<Result<Vec<NotificationChannel>, ClientError>>>,
    submit: F,
    submit_label: &'static str,
    cancel_href: String,
) -> impl IntoView
where
    F: Fn(FieldErrors, RwSignal<Option<ClientError>>, RwSignal<bool>) + Clone + 'static,
{
    let errors: FieldErrors = RwSignal::new(None);
    let error = RwSignal::new(None::<ClientError>);
    let busy = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        submit(errors, error, busy);
    };
    let f = fields;
    let method_error = move || errors.get().filter(|(k, _)| k == "method").map(|(_, m)| m);
    let is = move |k: MonitorKind| f.kind.get() == k;
    let kind_value = RwSignal::new(f.kind.get_untracked().as_str().to_owned());
    Effect::new(move |_| {
        if let Some(k) = MonitorKind::parse(&kind_value.get()) {
            f.kind.set(k);
        }
    });
    view! {
        <form class="panel" on:submit=on_submit aria-label="Monitor" novalidate>
            <div class="grid2">
                <div class="field">
                    <label for="f-kind">"Kind"</label>
                    <select id="f-kind" bind:value=kind_value>
                        {MonitorKind::ALL.into_iter().map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()}
                    </select>
                </div>
                <TextField id="name" label="Name" value=f.name errors=errors required=true placeholder="Public website"/>
            </div>
            <Show when=move || is(MonitorKind::Http)>
                <div class="grid2">
                    <TextField id="url" label="URL" value=f.url errors=errors required=true kind="url" placeholder="https://example.com/health"/>
                    <div class="field">
                        <label for="f-method">"Method"</label>
                        <select id="f-method" bind:value=f.method>
                            {["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].into_iter().map(|m| view! { <option value=m>{m}</option> }).collect_view()}
                        </select>
                        {move || method_error().map(|m| view! { <span class="err" role="alert">{m}</span> })}
                    </div>
                </div>
            </Show>
            <Show when=move || is(MonitorKind::Tcp) || is(MonitorKind::Dns) || is(MonitorKind::Ping)>
                <div class="grid2">
                    <TextField id="host" label="Host (for DNS: the name to resolve)" value=f.host errors=errors required=true placeholder="db.internal or 10.0.0.5"/>
                    <Show when=move || is(MonitorKind::Tcp)>
                        <TextField id="port" label="Port" value=f.port errors=errors required=true kind="number" hint="1–65535"/>
                    </Show>
                    <Show when=move || is(MonitorKind::Ping)>
                        <TextField id="ping_count" label="Echo requests per check" value=f.ping_count errors=errors kind="number" hint="1–10; up if any is answered"/>
                    </Show>
                </div>
            </Show>
            <Show when=move || is(MonitorKind::Tcp)>
                <label class="check"><input type="checkbox" id="f-tls" bind:checked=f.tls/>"TLS handshake after connecting (with SNI)"</label>
            </Show>
            <Show when=move || is(MonitorKind::Dns)>
                <div class="grid2">
                    <div class="field">
                        <label for="f-dns_record_type">"Record type"</label>
                        <select id="f-dns_record_type" bind:value=f.dns_record_type>
                            {DnsRecordType::ALL.into_iter().map(|t| view! { <option value=t.as_str()>{t.as_str()}</option> }).collect_view()}
                        </select>
                    </div>
                    <TextField id="dns_server" label="DNS server" value=f.dns_server errors=errors placeholder="1.1.1.1 or 10.0.0.2:5353" hint="Empty: the system resolver"/>
                    <div class="field">
                        <label for="f-dns_transport">"Transport"</label>
                        <select id="f-dns_transport" bind:value=f.dns_transport>
                            <option value="udp">"UDP"</option>
                            <option value="tcp">"TCP"</option>
                        </select>
                    </div>
                    <TextField id="dns_expected" label="Expected answers" value=f.dns_expected errors=errors multiline=true hint="One per line; all must be among the answers. Empty: any answer"/>
                </div>
            </Show>
            <Show when=move || is(MonitorKind::Push)>
                <div class="grid2">
                    <TextField id="cron" label="Cron schedule" value=f.cron errors=errors placeholder="0 3 * * *" hint="Empty: expect a ping every interval below"/>
                    <TextField id="timezone" label="Time zone" value=f.timezone errors=errors hint="IANA name, for the cron schedule"/>
                    <TextField id="grace_seconds" label="Grace (seconds)" value=f.grace errors=errors kind="number" hint="How late a ping may be"/>
                </div>
            </Show>
            <div class="grid2">
                <TextField id="interval_seconds" label="Interval (seconds)" value=f.interval errors=errors kind="number"
                    hint=format!("{}–{} s between checks; for push, between expected pings (unused with cron)", limits::INTERVAL_SECONDS.0, limits::INTERVAL_SECONDS.1)/>
                <Show when=move || !is(MonitorKind::Push)>
                    <TextField id="timeout_ms" label="Timeout (ms)" value=f.timeout errors=errors kind="number"
                        hint="Empty: 10 000 ms, or 80 % of a shorter interval. Must be below the interval."/>
                    <TextField id="retries" label="Retries before down" value=f.retries errors=errors kind="number"
                        hint=format!("0–{}: failed checks tolerated before an incident opens", limits::MAX_RETRIES)/>
                    <TextField id="retry_interval_seconds" label="Retry every (seconds)" value=f.retry_interval errors=errors kind="number"
                        hint="Empty: the check interval"/>
                </Show>
                <Show when=move || is(MonitorKind::Http)>
                    <TextField id="expected_status_codes" label="Expected status codes" value=f.codes errors=errors
                        placeholder="e.g. 200, 204" hint="Empty: any 2xx"/>
                </Show>
                <TextField id="resend_interval_minutes" label="Remind every (minutes) while down" value=f.resend errors=errors kind="number"
                    hint="0: notify only when it goes down and comes back"/>
            </div>
            <Show when=move || is(MonitorKind::Http)>
                <fieldset>
                    <legend>"Request"</legend>
                    <TextField id="headers" label="Headers" value=f.headers errors=errors multiline=true placeholder="Authorization: Bearer …" hint="One per line, Name: value"/>
                    <TextField id="body" label="Body" value=f.body errors=errors multiline=true hint="Sent as-is (set a Content-Type header)"/>
                    <label class="check"><input type="checkbox" id="f-follow_redirects" bind:checked=f.follow_redirects/>"Follow redirects (up to 10)"</label>
                </fieldset>
            </Show>
            <Show when=move || is(MonitorKind::Http) || (is(MonitorKind::Tcp) && f.tls.get())>
                <label class="check"><input type="checkbox" id="f-verify_tls" bind:checked=f.verify_tls/>"Verify TLS certificates"</label>
            </Show>
            <AssertionRows rows=f.assertions errors=errors kind=f.kind/>
            <label class="check"><input type="checkbox" id="f-enabled" bind:checked=f.enabled/>"Active (unchecked: paused)"</label>
            <fieldset>
                <legend>"Notify"</legend>
                {move || match channels.get() {
                    None => view! { <p class="muted">"Loading channels…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="err">{e.message}</p> }.into_any(),
                    Some(Ok(l)) if l.is_empty() => view! {
                        <p class="muted small">"No notification channels yet. "<a href="/channels">"Add one"</a>" to be alerted."</p>
                    }.into_any(),
                    Some(Ok(l)) => view! {
                        <div class="links">
                            {l.into_iter().map(|c| {
                                let cid = c.id;
                                view! {
                                    <label class="check">
                                        <input type="checkbox" name="channel" value=cid
                                            prop:checked=move || f.channels.with(|s| s.contains(&cid))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                f.channels.update(|s| { if on { s.insert(cid); } else { s.remove(&cid); } });
                                            }/>
                                        {format!("{} ({})", c.name, c.config.kind())}
                                    </label>
                                }
                            }).collect_view()}
                        </div>
                    }.into_any(),
                }}
            </fieldset>
            {move || error.get().map(|e| view! { <div class="error-box" role="alert">{e.message}</div> })}
            {move || errors.get().map(|(f, m)| view! { <p class="err sr-only" role="alert">{format!("{f}: {m}")}</p> })}
            <div class="actions">
                <button class="primary" type="submit" id="save" disabled=move || busy.get()>{submit_label}</button>
                <a class="button" href=cancel_href>"Cancel"</a>
            </div>
        </form>
    }
}

/// The assertions, edited as rows of source, path, operator and value.
#[component]
fn AssertionRows(
    rows: RwSignal<Vec<AssertionRow>>,
    errors: FieldErrors,
    kind: RwSignal<MonitorKind>,
) -> impl IntoView {
    let add = move |_| {
        rows.update(|r| {
            r.push(AssertionRow {
                source: "status_code".into(),
                op: "eq".into(),
                value: "200".into(),
                ..Default::default()
            })
        })
    };
    let row_error = move |i: usize| {
        errors
            .get()
            .filter(|(f, _)| f.starts_with(&format!("assertions[{i}]")))
            .map(|(f, m)| format!("{f}: {m}"))
    };
    view! {
        <fieldset>
            <legend>"Assertions"</legend>
            <p class="muted small">"All must hold for a check to count as up. Path: a JSONPath such as $.status for json, the header name for header."</p>
            {move || rows.get().into_iter().enumerate().map(|(i, row)| {
                let set = move |edit: fn(&mut AssertionRow, String), v: String| rows.update(|r| if let Some(x) = r.get_mut(i) { edit(x, v) });
                view! {
                    <div class="assertion-row" data-row=i>
                        <select aria-label="Source" class="a-source" prop:value=row.source.clone()
                            on:change=move |ev| set(|x, v| x.source = v, event_target_value(&ev))>
                            {AssertionSource::ALL.into_iter().filter(|s| s.applies_to(kind.get_untracked())).map(|s| view! { <option value=s.as_str()>{s.as_str()}</option> }).collect_view()}
                        </select>
                        <input aria-label="Path" class="a-path" placeholder="$.status" prop:value=row.path.clone()
                            on:input=move |ev| set(|x, v| x.path = v, event_target_value(&ev))/>
                        <select aria-label="Operator" class="a-op" prop:value=row.op.clone()
                            on:change=move |ev| set(|x, v| x.op = v, event_target_value(&ev))>
                            {AssertionOp::ALL.into_iter().map(|o| view! { <option value=o.as_str()>{o.as_str()}</option> }).collect_view()}
                        </select>
                        <input aria-label="Value" class="a-value" prop:value=row.value.clone()
                            on:input=move |ev| set(|x, v| x.value = v, event_target_value(&ev))/>
                        <button type="button" class="a-remove" aria-label="Remove assertion"
                            on:click=move |_| rows.update(|r| { if i < r.len() { r.remove(i); } })>"✕"</button>
                        {move || row_error(i).map(|m| view! { <span class="err" role="alert">{m}</span> })}
                    </div>
                }
            }).collect_view()}
            <button type="button" id="add-assertion" on:click=add>"Add assertion"</button>
        </fieldset>
    }
}
