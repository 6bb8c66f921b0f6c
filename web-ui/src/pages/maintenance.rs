//! Maintenance windows: the list with each window's occurrence under way and the next ones,
//! and the form that creates and edits them (one-off, or recurring by an RFC 5545 rule).

use flatline_types::{CreateMaintenance, Maintenance, Monitor, Occurrence, PatchMaintenance};
use leptos::prelude::*;

use crate::api::{self, ClientError};
use crate::fmt;
use crate::ui::{delete_then, local_error, show_error, Confirm, ErrorBox, TextField};

fn when(o: &Occurrence) -> String {
    format!("{} – {}", fmt::local(&o.starts_at), fmt::local(&o.ends_at))
}

/// A `datetime-local` value (local time, no zone) as RFC 3339 UTC.
fn local_to_rfc3339(v: &str) -> Option<String> {
    if v.is_empty() {
        return None;
    }
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(v));
    (!d.get_time().is_nan()).then(|| String::from(d.to_iso_string()))
}

/// RFC 3339 as a `datetime-local` value, in local time.
fn rfc3339_to_local(v: &str) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(v));
    if d.get_time().is_nan() {
        return String::new();
    }
    let offset_ms = d.get_timezone_offset() * 60_000.0;
    let local = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(d.get_time() - offset_ms));
    String::from(local.to_iso_string())
        .chars()
        .take(16)
        .collect()
}

#[component]
pub fn MaintenancePage() -> impl IntoView {
    let list = RwSignal::new(None::<Result<Vec<Maintenance>, ClientError>>);
    let load = move || {
        leptos::task::spawn_local(async move {
            list.set(Some(
                api::get::<Vec<Maintenance>>("/api/v1/maintenance").await,
            ));
        });
    };
    load();
    let monitors = RwSignal::new(Vec::<Monitor>::new());
    leptos::task::spawn_local(async move {
        if let Ok(l) = api::get::<Vec<Monitor>>("/api/v1/monitors").await {
            monitors.set(l);
        }
    });
    // None: no form; Some(None): a new window; Some(Some(w)): editing w.
    let editing = RwSignal::new(None::<Option<Maintenance>>);
    let deleting = RwSignal::new(None::<Maintenance>);
    let error = RwSignal::new(None::<ClientError>);
    let do_delete =
        move |w: Maintenance| delete_then(format!("/api/v1/maintenance/{}", w.id), error, load);
    let name_of = move |id: i64| {
        monitors.with(|l| {
            l.iter()
                .find(|m| m.id == id)
                .map_or_else(|| format!("monitor {id}"), |m| m.name.clone())
        })
    };
    view! {
        <div class="detail-head">
            <h1>"Maintenance"</h1>
            <span class="spacer"></span>
            <button class="primary" id="new-maintenance" on:click=move |_| editing.set(Some(None))>"+ New window"</button>
        </div>
        <p class="muted">"During a window its monitors are still checked, but failures open no incident and alert no one, and the time is left out of uptime. Status pages show windows under way and coming."</p>
        {move || editing.get().map(|w| view! {
            <MaintenanceForm existing=w monitors=monitors on_done=move |saved: bool| { editing.set(None); if saved { load(); } }/>
        })}
        <ErrorBox error=error/>
        {move || match list.get() {
            None => view! { <p class="muted">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <div class="error-box" role="alert">{e.message}</div> }.into_any(),
            Some(Ok(l)) if l.is_empty() => view! {
                <div class="empty panel" id="no-maintenance">
                    <h2>"No maintenance windows"</h2>
                    <p>"Plan one for a deploy or an upgrade, once or on a schedule (every Sunday at 03:00, say)."</p>
                </div>
            }.into_any(),
            Some(Ok(l)) => view! {
                <div class="items" id="maintenance-list">
                    {l.into_iter().map(|w| {
                        let (w2, w3) = (w.clone(), w.clone());
                        let covers = if w.all {
                            "every monitor".to_owned()
                        } else {
                            w.monitors.iter().map(|id| name_of(*id)).collect::<Vec<_>>().join(", ")
                        };
                        let schedule = match (&w.rrule, &w.timezone) {
                            (Some(r), tz) => format!("{r} ({}, {} min each)", tz.as_deref().unwrap_or("UTC"), w.duration_minutes.unwrap_or(0)),
                            (None, _) => "once".to_owned(),
                        };
                        let schedule = if w.notify { format!("{schedule} · channels told") } else { schedule };
                        view! {
                            <article class="panel maintenance-item" data-id=w.id style="margin-bottom:.8rem">
                                <div class="row-line">
                                    <h2 style="margin:0;flex:1">{w.title.clone()}</h2>
                                    {w.active.as_ref().map(|a| view! { <span class="badge maintenance">{format!("under way until {}", fmt::local(&a.ends_at))}</span> })}
                                    <button on:click=move |_| editing.set(Some(Some(w2.clone())))>"Edit"</button>
                                    <button class="danger" aria-label=format!("Delete {}", w.title) on:click=move |_| deleting.set(Some(w3.clone()))>"Delete"</button>
                                </div>
                                <p class="small muted">{format!("Covers {covers} · {schedule}")}</p>
                                {(!w.description_html.is_empty()).then(|| view! { <div class="md" inner_html=w.description_html.clone()></div> })}
                                {if w.upcoming.is_empty() {
                                    view! { <p class="small muted">"No occurrence to come."</p> }.into_any()
                                } else {
                                    view! {
                                        <p class="small" style="margin-bottom:.2rem"><strong>"Next"</strong></p>
                                        <ul class="upcoming small">
                                            {w.upcoming.iter().map(|o| view! { <li>{when(o)}</li> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </article>
                        }
                    }).collect_view()}
                </div>
            }.into_any(),
        }}
        <Confirm
            pending=deleting
            title="Delete this window?"
            message=|w: &Maintenance| format!("\"{}\" is deleted; if it is under way, it ends now. Time already spent in it stays out of uptime.", w.title)
            confirm_label="Delete window"
            on_confirm=do_delete
        />
    }
}

#[component]
fn MaintenanceForm<F>(
    existing: Option<Maintenance>,
    monitors: RwSignal<Vec<Monitor>>,
    on_done: F,
) -> impl IntoView
where
    F: Fn(bool) + Copy + Send + Sync + 'static,
{
    let id = existing.as_ref().map(|w| w.id);
    let e = existing.clone();
    let title = RwSignal::new(e.as_ref().map(|w| w.title.clone()).unwrap_or_default());
    let description = RwSignal::new(
        e.as_ref()
            .map(|w| w.description.clone())
            .unwrap_or_default(),
    );
    let all = RwSignal::new(e.as_ref().is_some_and(|w| w.all));
    let chosen = RwSignal::new(e.as_ref().map(|w| w.monitors.clone()).unwrap_or_default());
    let recurring = RwSignal::new(e.as_ref().is_some_and(|w| w.rrule.is_some()));
    let starts = RwSignal::new(
        e.as_ref()
            .and_then(|w| w.starts_at.as_deref().map(rfc3339_to_local))
            .unwrap_or_default(),
    );
    let ends = RwSignal::new(
        e.as_ref()
            .and_then(|w| w.ends_at.as_deref().map(rfc3339_to_local))
            .unwrap_or_default(),
    );
    let rrule = RwSignal::new(
        e.as_ref()
            .and_then(|w| w.rrule.clone())
            .unwrap_or_else(|| "FREQ=WEEKLY;BYDAY=SU;BYHOUR=3;BYMINUTE=0".into()),
    );
    let local_zone =
        js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
            .resolved_options();
    let local_zone = js_sys::Reflect::get(&local_zone, &"timeZone".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "UTC".into());
    let timezone = RwSignal::new(
        e.as_ref()
            .and_then(|w| w.timezone.clone())
            .unwrap_or(local_zone),
    );
    let duration = RwSignal::new(
        e.as_ref()
            .and_then(|w| w.duration_minutes)
            .map(|d| d.to_string())
            .unwrap_or_else(|| "60".into()),
    );
    let notify = RwSignal::new(e.as_ref().is_some_and(|w| w.notify));
    let errors = RwSignal::new(None);
    let error = RwSignal::new(None::<ClientError>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let recurring_v = recurring.get_untracked();
        let duration_v = duration.get_untracked().trim().parse::<u32>().ok();
        let body = CreateMaintenance {
            key: None,
            title: title.get_untracked(),
            description: description.get_untracked(),
            monitors: if all.get_untracked() {
                vec![]
            } else {
                chosen.get_untracked()
            },
            all: all.get_untracked(),
            starts_at: if recurring_v {
                None
            } else {
                local_to_rfc3339(&starts.get_untracked())
            },
            ends_at: if recurring_v {
                None
            } else {
                local_to_rfc3339(&ends.get_untracked())
            },
            rrule: recurring_v.then(|| rrule.get_untracked().trim().to_owned()),
            timezone: recurring_v.then(|| timezone.get_untracked().trim().to_owned()),
            duration_minutes: if recurring_v { duration_v } else { None },
            notify: notify.get_untracked(),
        };
        if let Err(e) = body.clone().validated() {
            errors.set(Some(local_error(e)));
            return;
        }
        errors.set(None);
        leptos::task::spawn_local(async move {
            let result = match id {
                None => api::post::<_, Maintenance>("/api/v1/maintenance", &body).await,
                Some(id) => {
                    let patch = PatchMaintenance {
                        key: None,
                        title: Some(body.title),
                        description: Some(body.description),
                        monitors: Some(body.monitors),
                        all: Some(body.all),
                        starts_at: Some(body.starts_at),
                        ends_at: Some(body.ends_at),
                        rrule: Some(body.rrule),
                        timezone: Some(body.timezone),
                        duration_minutes: Some(body.duration_minutes),
                        notify: Some(body.notify),
                    };
                    api::patch::<_, Maintenance>(&format!("/api/v1/maintenance/{id}"), &patch).await
                }
            };
            match result {
                Ok(_) => on_done(true),
                Err(e) => show_error(errors, error, e),
            }
        });
    };
    let field_error = move |f: &'static str| {
        move || {
            errors
                .get()
                .filter(|(k, _)| k == f)
                .map(|(_, m)| view! { <span class="err" role="alert">{m}</span> })
        }
    };
    view! {
        <form class="panel" on:submit=submit aria-label="Maintenance window" id="maintenance-form" style="margin-bottom:1rem">
            <TextField id="title" label="Title" value=title errors=errors required=true placeholder="Database upgrade"/>
            <TextField id="description" label="Description (Markdown, shown on status pages)" value=description errors=errors multiline=true/>
            <fieldset>
                <legend>"Monitors"</legend>
                <label class="check"><input type="checkbox" id="f-all" bind:checked=all/>"Every monitor"</label>
                <Show when=move || !all.get()>
                    <div class="checks" id="maintenance-monitors">
                        {move || monitors.get().into_iter().map(|m| {
                            let id = m.id;
                            view! {
                                <label class="check">
                                    <input type="checkbox" name="monitor" value=id.to_string()
                                        prop:checked=move || chosen.with(|c| c.contains(&id))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            chosen.update(|c| { c.retain(|x| *x != id); if on { c.push(id); } });
                                        }/>
                                    {m.name.clone()}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                </Show>
                {field_error("monitors")}
            </fieldset>
            <fieldset>
                <legend>"When"</legend>
                <label class="check"><input type="radio" name="kind" id="f-once" prop:checked=move || !recurring.get() on:change=move |_| recurring.set(false)/>"Once"</label>
                <label class="check"><input type="radio" name="kind" id="f-recurring" prop:checked=move || recurring.get() on:change=move |_| recurring.set(true)/>"On a schedule"</label>
                <Show when=move || !recurring.get()>
                    <div class="grid2">
                        <TextField id="starts_at" label="Starts" value=starts errors=errors kind="datetime-local" required=true/>
                        <TextField id="ends_at" label="Ends" value=ends errors=errors kind="datetime-local" required=true/>
                    </div>
                </Show>
                <Show when=move || recurring.get()>
                    <TextField id="rrule" label="Rule (RFC 5545)" value=rrule errors=errors
                        hint="e.g. FREQ=WEEKLY;BYDAY=SU;BYHOUR=3;BYMINUTE=0 (Sundays 03:00), FREQ=DAILY;BYHOUR=2 (every night at 02:00)"/>
                    <div class="grid2">
                        <TextField id="timezone" label="Time zone" value=timezone errors=errors hint="An IANA name, e.g. Europe/Berlin"/>
                        <TextField id="duration_minutes" label="Minutes each time" value=duration errors=errors kind="number"/>
                    </div>
                </Show>
            </fieldset>
            <label class="check"><input type="checkbox" id="f-notify" bind:checked=notify/>"Tell the monitors' notification channels when it starts and ends"</label>
            <ErrorBox error=error/>
            <div class="actions">
                <button class="primary" type="submit" id="save-maintenance">{if id.is_some() { "Save" } else { "Create window" }}</button>
                <button type="button" on:click=move |_| on_done(false)>"Cancel"</button>
            </div>
        </form>
    }
}
