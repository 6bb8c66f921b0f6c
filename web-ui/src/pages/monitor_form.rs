//! Create and edit a monitor: every field of the API, with the shared validation run before
//! sending and the API's own errors shown at the field they name.

use std::collections::{BTreeMap, BTreeSet};

use flatline_types::{
    limits, CreateMonitor, HttpMethod, Monitor, MonitorSpec, NotificationChannel, PatchMonitor,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::{self, ClientError};
use crate::ui::{local_error, show_error, FieldErrors, TextField};

/// The form's values, as typed.
#[derive(Clone, Copy)]
struct Fields {
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
        self.name.set(m.name.clone());
        self.url.set(m.url.clone());
        self.method.set(m.method.as_str().into());
        self.headers.set(
            m.headers
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        self.body.set(m.body.clone().unwrap_or_default());
        self.interval.set(m.interval_seconds.to_string());
        self.timeout.set(m.timeout_ms.to_string());
        self.retries.set(m.retries.to_string());
        self.retry_interval
            .set(m.retry_interval_seconds.to_string());
        self.codes.set(
            m.expected_status_codes
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        );
        self.follow_redirects.set(m.follow_redirects);
        self.verify_tls.set(m.verify_tls);
        self.enabled.set(m.enabled);
        self.resend.set(m.resend_interval_minutes.to_string());
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
        Ok(CreateMonitor {
            name: self.name.get_untracked(),
            url: self.url.get_untracked(),
            method: HttpMethod::parse(&self.method.get_untracked()),
            headers: Some(headers),
            body: (!body.is_empty()).then_some(body),
            interval_seconds: num("interval_seconds", self.interval)?,
            timeout_ms: num("timeout_ms", self.timeout)?,
            retries: num("retries", self.retries)?,
            retry_interval_seconds: num("retry_interval_seconds", self.retry_interval)?,
            expected_status_codes: Some(codes),
            follow_redirects: Some(self.follow_redirects.get_untracked()),
            verify_tls: Some(self.verify_tls.get_untracked()),
            enabled: Some(self.enabled.get_untracked()),
            resend_interval_minutes: num("resend_interval_minutes", self.resend)?,
        })
    }
}

fn spec_of(m: &Monitor) -> MonitorSpec {
    MonitorSpec {
        name: m.name.clone(),
        url: m.url.clone(),
        method: m.method,
        headers: m.headers.clone(),
        body: m.body.clone(),
        interval_seconds: m.interval_seconds,
        timeout_ms: m.timeout_ms,
        retries: m.retries,
        retry_interval_seconds: m.retry_interval_seconds,
        expected_status_codes: m.expected_status_codes.clone(),
        follow_redirects: m.follow_redirects,
        verify_tls: m.verify_tls,
        enabled: m.enabled,
        resend_interval_minutes: m.resend_interval_minutes,
    }
}

fn to_patch(c: CreateMonitor) -> PatchMonitor {
    PatchMonitor {
        name: Some(c.name),
        url: Some(c.url),
        method: c.method,
        headers: c.headers,
        body: Some(c.body),
        interval_seconds: c.interval_seconds,
        timeout_ms: c.timeout_ms,
        retries: c.retries,
        retry_interval_seconds: c.retry_interval_seconds,
        expected_status_codes: c.expected_status_codes,
        follow_redirects: c.follow_redirects,
        verify_tls: c.verify_tls,
        enabled: c.enabled,
        resend_interval_minutes: c.resend_interval_minutes,
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
                        match linked {
                            Ok(()) => navigate(&format!("/monitors/{}", m.id), Default::default()),
                            Err(e) => error.set(Some(e)),
                        }
                    }
                    Err(e) => show_error(errors, error, e),
                }
                busy.set(false);
            });
        };
    view! {
        <h1>"New monitor"</h1>
        <MonitorFormView fields=fields channels=channels submit=submit submit_label="Create monitor" cancel_href="/".into()/>
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
            if let Err(e) = patch.clone().apply(&spec_of(&m)) {
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
    view! {
        <form class="panel" on:submit=on_submit aria-label="Monitor" novalidate>
            <div class="grid2">
                <TextField id="name" label="Name" value=f.name errors=errors required=true placeholder="Public website"/>
                <TextField id="url" label="URL" value=f.url errors=errors required=true kind="url" placeholder="https://example.com/health"/>
            </div>
            <div class="grid2">
                <div class="field">
                    <label for="f-method">"Method"</label>
                    <select id="f-method" bind:value=f.method>
                        {["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].into_iter().map(|m| view! { <option value=m>{m}</option> }).collect_view()}
                    </select>
                    {move || method_error().map(|m| view! { <span class="err" role="alert">{m}</span> })}
                </div>
                <TextField id="interval_seconds" label="Check every (seconds)" value=f.interval errors=errors kind="number"
                    hint=format!("{}–{} s", limits::INTERVAL_SECONDS.0, limits::INTERVAL_SECONDS.1)/>
                <TextField id="timeout_ms" label="Timeout (ms)" value=f.timeout errors=errors kind="number"
                    hint="Empty: 10 000 ms, or 80 % of a shorter interval. Must be below the interval."/>
                <TextField id="retries" label="Retries before down" value=f.retries errors=errors kind="number"
                    hint=format!("0–{}: failed checks tolerated before an incident opens", limits::MAX_RETRIES)/>
                <TextField id="retry_interval_seconds" label="Retry every (seconds)" value=f.retry_interval errors=errors kind="number"
                    hint="Empty: the check interval"/>
                <TextField id="expected_status_codes" label="Expected status codes" value=f.codes errors=errors
                    placeholder="e.g. 200, 204" hint="Empty: any 2xx"/>
                <TextField id="resend_interval_minutes" label="Remind every (minutes) while down" value=f.resend errors=errors kind="number"
                    hint="0: notify only when it goes down and comes back"/>
            </div>
            <fieldset>
                <legend>"Request"</legend>
                <TextField id="headers" label="Headers" value=f.headers errors=errors multiline=true placeholder="Authorization: Bearer …" hint="One per line, Name: value"/>
                <TextField id="body" label="Body" value=f.body errors=errors multiline=true hint="Sent as-is (set a Content-Type header)"/>
                <label class="check"><input type="checkbox" id="f-follow_redirects" bind:checked=f.follow_redirects/>"Follow redirects (up to 10)"</label>
                <label class="check"><input type="checkbox" id="f-verify_tls" bind:checked=f.verify_tls/>"Verify TLS certificates"</label>
                <label class="check"><input type="checkbox" id="f-enabled" bind:checked=f.enabled/>"Active (unchecked: paused)"</label>
            </fieldset>
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
