//! Parts of the monitor pages: the assertion rows and a push monitor's URL shown once.

use flatline_types::{AssertionOp, AssertionSource, MonitorKind};
use leptos::prelude::*;

use super::assertion_row::AssertionRow;
use crate::ui::FieldErrors;

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

/// The assertions, edited as rows of source, path, operator and value.
#[component]
pub(super) fn AssertionRows(
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

/// The escalation policy a monitor follows, chosen among those stored.
#[component]
pub fn EscalationSelect(value: RwSignal<String>) -> impl IntoView {
    let policies = RwSignal::new(Vec::<flatline_types::EscalationPolicy>::new());
    leptos::task::spawn_local(async move {
        if let Ok(list) = crate::api::get("/api/v1/escalation-policies").await {
            policies.set(list);
        }
    });
    view! {
        <div class="field">
            <label for="f-escalation_policy_id">"Escalation policy"</label>
            <select id="f-escalation_policy_id" on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="" selected=move || value.get().is_empty()>"None: its channels hear at once"</option>
                {move || policies.get().into_iter().map(|p| {
                    let id = p.id.to_string();
                    let chosen = id.clone();
                    view! { <option value=id selected=move || value.get() == chosen>{p.name}</option> }
                }).collect_view()}
            </select>
            <span class="hint">"Steps of channels that hear of a down one after another until someone acknowledges"</span>
        </div>
    }
}
