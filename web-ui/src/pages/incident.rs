//! One incident: its monitor, times and cause, and the updates its handlers wrote, with a
//! form to post the next one.

use flatline_types::{
    AckIncident, CreateIncidentUpdate, Incident, IncidentUpdate, IncidentUpdateState,
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::{self, ClientError};
use crate::fmt;
use crate::live::Live;
use crate::ui::{local_error, show_error, ErrorBox, TextField};

#[component]
pub fn IncidentPage() -> impl IntoView {
    let params = use_params_map();
    move || {
        let id = params
            .get()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(-1);
        view! { <IncidentOf id=id/> }
    }
}

#[component]
fn IncidentOf(id: i64) -> impl IntoView {
    let live = expect_context::<Live>();
    let incident = RwSignal::new(None::<Result<Incident, ClientError>>);
    let load = move || {
        leptos::task::spawn_local(async move {
            incident.set(Some(
                api::get::<Incident>(&format!("/api/v1/incidents/{id}")).await,
            ));
        });
    };
    load();
    let state = RwSignal::new(IncidentUpdateState::Investigating.as_str().to_owned());
    let message = RwSignal::new(String::new());
    let errors = RwSignal::new(None);
    let error = RwSignal::new(None::<ClientError>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(state) = IncidentUpdateState::parse(&state.get_untracked()) else {
            errors.set(Some(("state".into(), "choose a state".into())));
            return;
        };
        let body = CreateIncidentUpdate {
            state,
            message: message.get_untracked(),
        };
        if let Err(e) = body.validated_message() {
            errors.set(Some(local_error(e)));
            return;
        }
        errors.set(None);
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/incidents/{id}/updates");
            match api::post::<_, IncidentUpdate>(&path, &body).await {
                Ok(_) => {
                    message.set(String::new());
                    error.set(None);
                    load();
                }
                Err(e) => show_error(errors, error, e),
            }
        });
    };

    let ack_note = RwSignal::new(String::new());
    let acknowledge = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let note = ack_note.get_untracked();
        let body = AckIncident {
            note: Some(note).filter(|n| !n.trim().is_empty()),
        };
        if let Err(e) = body.validated_note() {
            errors.set(Some(local_error(e)));
            return;
        }
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/incidents/{id}/ack");
            match api::post::<_, Incident>(&path, &body).await {
                Ok(_) => {
                    error.set(None);
                    load();
                }
                Err(e) => show_error(errors, error, e),
            }
        });
    };

    view! {
        {move || match incident.get() {
            None => view! { <p class="muted">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <div class="error-box" role="alert">{e.message}</div> }.into_any(),
            Some(Ok(i)) => {
                let mid = i.monitor_id;
                let open = i.resolved_at.is_none();
                let unacked = i.acknowledged.is_none();
                let updates = i.updates.clone().unwrap_or_default();
                view! {
                    <div class="detail-head">
                        <h1 id="incident-title">
                            {move || live.row(mid).map(|r| r.with(|r| r.name.clone())).unwrap_or_else(|| format!("Monitor #{mid}"))}
                            " is down"
                        </h1>
                        {if open { view! { <span class="badge down">"open"</span> } } else { view! { <span class="badge up">"resolved"</span> } }}
                    </div>
                    <dl class="facts panel" style="margin-bottom:1rem">
                        <dt>"Monitor"</dt><dd><a id="incident-monitor" href=format!("/monitors/{mid}")>{move || live.row(mid).map(|r| r.with(|r| r.name.clone())).unwrap_or_else(|| format!("#{mid}"))}</a></dd>
                        <dt>"Started"</dt><dd>{fmt::local(&i.started_at)}</dd>
                        <dt>"Resolved"</dt><dd>{i.resolved_at.as_deref().map(fmt::local).unwrap_or_else(|| "not yet".into())}</dd>
                        <dt>"Cause"</dt><dd class="err-text">{i.cause.clone()}</dd>
                        <dt>"Acknowledged"</dt>
                        <dd id="incident-ack">{match &i.acknowledged {
                            Some(a) => format!("{} by {} (via {}){}", fmt::local(&a.at), a.by, a.via,
                                a.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default()),
                            None => "not yet".to_owned(),
                        }}</dd>
                    </dl>
                    <Show when=move || open && unacked>
                        <form class="panel ack" on:submit=acknowledge aria-label="Acknowledge" style="margin-bottom:1rem">
                            <p class="muted small" style="margin-top:0">"Acknowledging stops the escalation and the reminders: say you are on it."</p>
                            <div class="copy-row">
                                <label class="sr-only" for="f-ack-note">"Note"</label>
                                <input id="f-ack-note" type="text" placeholder="Note (optional)" bind:value=ack_note/>
                                <button type="submit" id="acknowledge">"Acknowledge"</button>
                            </div>
                        </form>
                    </Show>
                    <section class="panel" aria-labelledby="updates-h" style="margin-bottom:1rem">
                        <h2 id="updates-h" style="margin-top:0">"Updates"</h2>
                        {if updates.is_empty() {
                            view! { <p class="muted" id="no-updates">"No updates yet. What you post here is what readers of the incident are told."</p> }.into_any()
                        } else {
                            view! {
                                <ol class="updates" id="updates">
                                    {updates.into_iter().rev().map(|u| view! {
                                        <li class="update">
                                            <div class="update-head">
                                                <strong class=format!("update-state {}", u.state.as_str())>{u.state.label()}</strong>
                                                <span class="muted small">{format!("{} · {}", fmt::local(&u.created_at), u.author)}</span>
                                            </div>
                                            <div class="update-message" inner_html=u.message_html></div>
                                        </li>
                                    }).collect_view()}
                                </ol>
                            }.into_any()
                        }}
                    </section>
                }.into_any()
            }
        }}
        <form class="panel" on:submit=submit aria-label="Post an update">
            <h2 style="margin-top:0">"Post an update"</h2>
            <div class="field">
                <label for="f-state">"State"</label>
                <select id="f-state" name="state" bind:value=state>
                    {IncidentUpdateState::ALL.into_iter().map(|s| view! { <option value=s.as_str()>{s.label()}</option> }).collect_view()}
                </select>
            </div>
            <TextField id="message" label="Message (Markdown)" value=message errors=errors multiline=true placeholder="What is known, what is being done, when to expect the next update."/>
            <button class="primary" type="submit" id="post-update">"Post update"</button>
        </form>
        <ErrorBox error=error/>
    }
}
