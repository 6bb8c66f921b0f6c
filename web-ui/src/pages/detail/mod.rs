//! One monitor: status, its TLS certificate, stats, latency chart, 90-day uptime bars,
//! incidents, recent checks, and the actions (pause, resume, edit, delete).

use flatline_types::{
    Check, Incident, LatencySeries, LocationState, Monitor, MonitorStats, MonitorStatus,
    NotificationChannel, PatchMonitor, UptimeBars,
};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::{self, ClientError};
use crate::chart::LatencyChart;
use crate::fmt;
use crate::live::Live;
use crate::pages::monitor_form::PushUrlPanel;
use crate::ui::{Confirm, ErrorBox, StatusBadge, StatusDot};

mod cards;
mod locations;
use cards::{BadgesCard, CertificateCard, StatsCards, UptimeBarsView};
use locations::LocationsCard;

pub(crate) type Slot<T> = RwSignal<Option<Result<T, ClientError>>>;

fn load<T: serde::de::DeserializeOwned + Clone + Send + Sync + 'static>(
    slot: Slot<T>,
    path: String,
) {
    leptos::task::spawn_local(async move {
        let result = api::get::<T>(&path).await;
        // Keep showing the last good answer when a refresh fails.
        if result.is_ok() || slot.get_untracked().is_none_or(|r| r.is_err()) {
            slot.set(Some(result));
        }
    });
}

#[component]
pub fn Detail() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .get()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(-1)
    };
    move || {
        let id = id();
        view! { <DetailOf id=id/> }
    }
}

#[component]
fn DetailOf(id: i64) -> impl IntoView {
    let live = expect_context::<Live>();
    let navigate = use_navigate();
    let base = format!("/api/v1/monitors/{id}");
    let monitor: Slot<Monitor> = RwSignal::new(None);
    let stats: Slot<MonitorStats> = RwSignal::new(None);
    let latency: Slot<LatencySeries> = RwSignal::new(None);
    let bars: Slot<UptimeBars> = RwSignal::new(None);
    let incidents: Slot<Vec<Incident>> = RwSignal::new(None);
    let checks: Slot<Vec<Check>> = RwSignal::new(None);
    let places: Slot<Vec<LocationState>> = RwSignal::new(None);
    let channels: Slot<Vec<NotificationChannel>> = RwSignal::new(None);
    let window = RwSignal::new("24h".to_owned());
    let action_error = RwSignal::new(None::<ClientError>);
    let busy = RwSignal::new(false);
    // The monitor's name, while its deletion waits for confirmation.
    let confirm_delete = RwSignal::new(None::<String>);
    // A push monitor's new URL in full, shown once after replacing its token.
    let new_push_url = RwSignal::new(None::<String>);
    let rotate_token = move || {
        leptos::task::spawn_local(async move {
            match api::post::<_, Monitor>(&format!("/api/v1/monitors/{id}/push-token"), &()).await {
                Ok(m) => {
                    new_push_url.set(m.push_url.clone());
                    monitor.set(Some(Ok(m)));
                }
                Err(e) => action_error.set(Some(e)),
            }
        });
    };

    let base2 = base.clone();
    let refresh_all = move || {
        load(monitor, base2.clone());
        load(stats, format!("{base2}/stats"));
        load(bars, format!("{base2}/uptime-bars?days=90"));
        load(incidents, format!("{base2}/incidents?limit=50"));
        load(checks, format!("{base2}/checks?limit=50"));
        load(places, format!("{base2}/locations"));
        load(channels, format!("{base2}/notifications"));
    };
    refresh_all();
    let base3 = base.clone();
    Effect::new(move |_| {
        let w = window.get();
        load(latency, format!("{base3}/latency?window={w}"));
    });

    // Live: a new check refreshes the checks (and, at most every 10 s, the numbers and
    // chart); a status change refreshes the incidents and the monitor.
    let row_status = Memo::new(move |_| {
        live.version.track();
        live.row(id).map(|r| r.with(|r| r.status))
    });
    let row_check = Memo::new(move |_| {
        live.version.track();
        live.row(id)
            .and_then(|r| r.with(|r| r.last_check.as_ref().map(|c| c.id)))
    });
    let last_numbers = StoredValue::new(fmt::now_ms());
    let base4 = base.clone();
    Effect::new(move |prev: Option<Option<i64>>| {
        let check = row_check.get();
        if prev.is_some_and(|p| p != check) {
            load(checks, format!("{base4}/checks?limit=50"));
            // A certificate not read yet comes with one of the next checks.
            let awaits_certificate = monitor.with_untracked(|m| {
                m.as_ref().and_then(|m| m.as_ref().ok()).is_some_and(|m| {
                    m.certificate.is_none()
                        && (m.tls == Some(true)
                            || m.url.as_deref().is_some_and(|u| u.starts_with("https://")))
                })
            });
            if awaits_certificate {
                load(monitor, base4.clone());
            }
            if fmt::now_ms() - last_numbers.get_value() > 10_000 {
                last_numbers.set_value(fmt::now_ms());
                load(stats, format!("{base4}/stats"));
                load(
                    latency,
                    format!("{base4}/latency?window={}", window.get_untracked()),
                );
                load(bars, format!("{base4}/uptime-bars?days=90"));
                load(places, format!("{base4}/locations"));
            }
        }
        check
    });
    let base5 = base.clone();
    Effect::new(move |prev: Option<Option<MonitorStatus>>| {
        let status = row_status.get();
        if prev.is_some_and(|p| p != status) {
            load(incidents, format!("{base5}/incidents?limit=50"));
            load(monitor, base5.clone());
            load(stats, format!("{base5}/stats"));
            load(places, format!("{base5}/locations"));
        }
        status
    });

    let status = Signal::derive(move || {
        row_status.get().unwrap_or_else(|| {
            monitor
                .get()
                .and_then(Result::ok)
                .map(|m| m.status)
                .unwrap_or(MonitorStatus::Pending)
        })
    });
    let enabled = move || {
        monitor
            .get()
            .and_then(Result::ok)
            .is_some_and(|m| m.enabled)
    };
    let path6 = StoredValue::new(base.clone());
    let set_enabled = move |on: bool| {
        let path = path6.get_value();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let patch = PatchMonitor {
                enabled: Some(on),
                ..Default::default()
            };
            match api::patch::<_, Monitor>(&path, &patch).await {
                Ok(m) => {
                    monitor.set(Some(Ok(m)));
                    action_error.set(None);
                }
                Err(e) => action_error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let base7 = base.clone();
    let do_delete = move || {
        let path = base7.clone();
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match api::delete(&path).await {
                Ok(()) => navigate("/", Default::default()),
                Err(e) => action_error.set(Some(e)),
            }
        });
    };
    let do_delete = StoredValue::new_local(do_delete);

    view! {
        {move || match monitor.get() {
            None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
            Some(Err(e)) if e.status == 404 => view! {
                <div class="empty"><h1>"No such monitor"</h1><p>"It may have been deleted. "<a href="/">"Back to the monitors"</a></p></div>
            }.into_any(),
            Some(Err(e)) => view! { <div class="error-box" role="alert">{e.message}</div> }.into_any(),
            Some(Ok(m)) => {
                let name = m.name.clone();
                view! {
                    <div class="detail-head">
                        <div style="flex:1;min-width:16rem">
                            <h1><StatusDot status=status/><span id="monitor-name">{m.name.clone()}</span><StatusBadge status=status/></h1>
                            {m.managed.then(|| view! {
                                <div class="small" id="managed-by-file">
                                    <span class="badge managed" title="Set by a configuration file (flatline apply): changes made here show as drift in the file's next plan, and applying the file again overwrites them">"managed by a file"</span>
                                    {m.key.clone().map(|k| view! { " key " <code>{k}</code> })}
                                </div>
                            })}
                            <div class="url mono">{match m.method {
                                Some(method) => format!("{} {}", method.as_str(), m.target),
                                None => format!("{} · {}", m.kind.label(), m.target),
                            }}</div>
                            {m.push_url.clone().map(|masked| view! {
                                <div class="small">
                                    "Push URL: "<code id="push-url-masked">{masked}</code>" "
                                    <button type="button" id="rotate-push-token" on:click=move |_| rotate_token()>"New push URL"</button>
                                </div>
                            })}
                            {move || new_push_url.get().map(|url| view! { <PushUrlPanel push_url=url/> })}
                            <div class="muted small">
                                {format!("Every {} s · timeout {} ms · {} retr{}", m.interval_seconds, m.timeout_ms, m.retries, if m.retries == 1 { "y" } else { "ies" })}
                                <span id="monitor-node">{m.node.clone().map(|n| format!(" · checked by {n}"))}</span>
                                {move || channels.get().and_then(Result::ok).map(|c| {
                                    if c.is_empty() { " · no notification channels".to_owned() } else {
                                        format!(" · notifies {}", c.iter().map(|c| c.name.clone()).collect::<Vec<_>>().join(", "))
                                    }
                                })}
                            </div>
                        </div>
                        <div class="actions">
                            {move || if enabled() {
                                view! { <button id="pause" disabled=move || busy.get() on:click=move |_| set_enabled(false)>"Pause"</button> }.into_any()
                            } else {
                                view! { <button id="resume" disabled=move || busy.get() on:click=move |_| set_enabled(true)>"Resume"</button> }.into_any()
                            }}
                            <a class="button" id="edit" href=format!("/monitors/{id}/edit")>"Edit"</a>
                            <button class="danger" id="delete" on:click=move |_| confirm_delete.set(Some(name.clone()))>"Delete"</button>
                        </div>
                    </div>
                    <Confirm
                        pending=confirm_delete
                        title="Delete this monitor?"
                        message=|name: &String| format!("\"{name}\" and all its checks, incidents and statistics will be deleted. This cannot be undone.")
                        confirm_label="Delete monitor"
                        on_confirm=move |_| do_delete.with_value(|f| f())
                    />
                }.into_any()
            }
        }}
        <ErrorBox error=action_error/>
        <StatsCards stats=stats live_last=Signal::derive(move || live.row(id).and_then(|r| r.with(|r| r.last_check.as_ref().map(|c| c.latency_ms))))/>
        <LocationsCard states=places confirm=Signal::derive(move || monitor.get().and_then(Result::ok).map_or(1, |m| m.confirm_locations))/>
        {move || monitor.get().and_then(Result::ok).and_then(|m| m.certificate).map(|c| view! { <CertificateCard c=c/> })}
        {move || monitor.get().and_then(Result::ok).filter(|m| m.public_badges).map(|m| view! { <BadgesCard name=m.name badge_key=m.badge_key/> })}
        <section class="panel" aria-labelledby="latency-h">
            <div class="detail-head" style="margin-bottom:.3rem">
                <h2 id="latency-h" style="margin:0">"Response time"</h2>
                <span class="spacer"></span>
                <div class="tabs" role="group" aria-label="Chart window">
                    {["1h", "24h", "7d", "30d", "90d"].into_iter().map(|w| view! {
                        <button aria-pressed=move || (window.get() == w).to_string() on:click=move |_| window.set(w.to_owned())>{w}</button>
                    }).collect_view()}
                </div>
            </div>
            {move || match latency.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <div class="error-box">{e.message}</div> }.into_any(),
                Some(Ok(s)) => view! { <LatencyChart series=s/> }.into_any(),
            }}
        </section>
        <section aria-labelledby="bars-h">
            <h2 id="bars-h">"Uptime, last 90 days"</h2>
            <div class="panel">
                {move || match bars.get() {
                    None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                    Some(Err(e)) => view! { <div class="error-box">{e.message}</div> }.into_any(),
                    Some(Ok(b)) => view! { <UptimeBarsView bars=b/> }.into_any(),
                }}
            </div>
        </section>
        <section aria-labelledby="incidents-h">
            <h2 id="incidents-h">"Incidents"</h2>
            {move || match incidents.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <div class="error-box">{e.message}</div> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted panel" id="no-incidents">"No incidents. It has not gone down yet."</p> }.into_any(),
                Some(Ok(list)) => view! { <IncidentTable incidents=list monitor_names=false/> }.into_any(),
            }}
        </section>
        <section aria-labelledby="checks-h">
            <h2 id="checks-h">"Recent checks"</h2>
            {move || match checks.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <div class="error-box">{e.message}</div> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! { <p class="muted panel">"No checks yet."</p> }.into_any(),
                Some(Ok(list)) => view! {
                    <div class="table-wrap">
                        <table id="checks">
                            <thead><tr><th>"Time"</th><th>"From"</th><th>"Result"</th><th class="num">"Latency"</th><th class="num">"HTTP"</th><th>"Error"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|c| view! {
                                    <tr>
                                        <td>{fmt::local(&c.checked_at)}</td>
                                        <td class="mono small">{c.location.clone()}</td>
                                        <td>{if c.up { view! { <span class="badge up">"up"</span> } } else { view! { <span class="badge down">"failed"</span> } }}</td>
                                        <td class="num">{fmt::ms(Some(c.latency_ms))}</td>
                                        <td class="num">{c.status_code.map(|s| s.to_string()).unwrap_or_else(|| "–".into())}</td>
                                        <td class="err-text">{c.error.unwrap_or_default()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

/// A table of incidents, open first as the API lists them.
#[component]
pub fn IncidentTable(incidents: Vec<Incident>, monitor_names: bool) -> impl IntoView {
    let live = expect_context::<Live>();
    view! {
        <div class="table-wrap">
            <table class="incidents">
                <thead><tr>
                    <th>"State"</th>
                    {monitor_names.then(|| view! { <th>"Monitor"</th> })}
                    <th>"Started"</th><th>"Resolved"</th><th class="num">"Duration"</th><th>"Cause"</th>
                </tr></thead>
                <tbody>
                    {incidents.into_iter().map(|i| {
                        let start = fmt::parse_ms(&i.started_at);
                        let end = i.resolved_at.as_deref().map(fmt::parse_ms);
                        let open = end.is_none();
                        let dur = fmt::duration((end.unwrap_or_else(fmt::now_ms) - start) as f64 / 1000.0);
                        let mid = i.monitor_id;
                        view! {
                            <tr class:open=open>
                                <td>{if open { view! { <span class="badge down">"open"</span> } } else { view! { <span class="badge up">"resolved"</span> } }}</td>
                                {monitor_names.then(|| view! {
                                    <td><a href=format!("/monitors/{mid}")>{move || live.row(mid).map(|r| r.with(|r| r.name.clone())).unwrap_or_else(|| format!("#{mid}"))}</a></td>
                                })}
                                <td><a href=format!("/incidents/{}", i.id) class="incident-link">{fmt::local_time(start)}</a></td>
                                <td>{end.map(fmt::local_time).unwrap_or_else(|| "–".into())}</td>
                                <td class="num">{if open { format!("{dur} so far") } else { dur }}</td>
                                <td class="err-text">{i.cause}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
