//! Create and edit a monitor: the kind first, then that kind's fields and the assertions as
//! rows, with the shared validation run before sending and the API's own errors shown at the
//! field they name. A new push monitor's URL is shown once, with `curl` and crontab lines.

use std::collections::BTreeSet;

use flatline_types::{limits, DnsRecordType, Monitor, MonitorKind, NotificationChannel};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

mod assertion_row;
mod fields;
mod widgets;

use crate::api::{self, ClientError};
use crate::ui::{local_error, show_error, FieldErrors, TextField};
use fields::{to_patch, Fields};
pub use widgets::PushUrlPanel;
use widgets::{AssertionRows, EscalationSelect};

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
            <div class="grid2">
                <TextField id="key" label="Key (optional)" value=f.key errors=errors placeholder="public-website" hint="The name a configuration file knows it by (flatline apply)"/>
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
                <EscalationSelect value=f.escalation/>
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
                <TextField id="certificate_expiry_days" label="Warn of certificate expiry (days before)" value=f.cert_days errors=errors
                    placeholder="14, 7, 1" hint="One notification per threshold per certificate (https and TLS only). Empty: no warnings"/>
            </Show>
            <Show when=move || !is(MonitorKind::Push)>
                <div class="grid2">
                    <TextField id="locations" label="Check from" value=f.locations errors=errors
                        placeholder="local, eu-west" hint="local: this server; others: remote probes (flatline probe --location …)"/>
                    <TextField id="confirm_locations" label="Down when this many agree" value=f.confirm errors=errors kind="number"
                        hint="Empty: a majority of the locations"/>
                </div>
            </Show>
            <AssertionRows rows=f.assertions errors=errors kind=f.kind/>
            <label class="check"><input type="checkbox" id="f-enabled" bind:checked=f.enabled/>"Active (unchecked: paused)"</label>
            <label class="check"><input type="checkbox" id="f-public_badges" bind:checked=f.public_badges/>"Public badges (status, uptime and latency images anyone with their link can see)"</label>
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
