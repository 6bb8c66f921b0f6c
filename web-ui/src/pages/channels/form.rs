//! The form that creates or edits a channel: its fields come from the channel type's own
//! description in `flatline_types`, so a new type needs no change here.

use std::collections::BTreeSet;

use flatline_types::{
    channel_type, ChannelConfig, ConfigField, FieldInput, NotificationChannel, CHANNEL_TYPES,
};
use leptos::prelude::*;
use serde_json::{json, Map, Value};

use crate::api::{self, ClientError};
use crate::live::Live;
use crate::ui::{local_error, show_error, FieldErrors, TextField};

/// The fields of the type named `kind`.
fn fields_of(kind: &str) -> &'static [ConfigField] {
    channel_type(kind).map_or(&[], |t| t.fields)
}

/// A config field's value as shown in the form.
pub(super) fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The typed values as a config document, or the first field that cannot be read.
fn config_json(
    kind: &str,
    values: &[(ConfigField, RwSignal<String>)],
) -> Result<Value, (String, String)> {
    let mut obj = Map::new();
    obj.insert("type".into(), json!(kind));
    for (spec, value) in values {
        let raw = value.get_untracked();
        let text = raw.trim();
        if text.is_empty() {
            if spec.required {
                return Err((spec.key.into(), "is required".into()));
            }
            continue;
        }
        let v = match spec.input {
            FieldInput::Number => json!(text
                .parse::<i64>()
                .map_err(|_| (spec.key.to_owned(), "must be a whole number".to_owned()))?),
            FieldInput::List => json!(text
                .split([',', ' ', '\n', ';'])
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()),
            FieldInput::Headers => {
                let mut h = Map::new();
                for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    let (k, v) = line.split_once(':').ok_or_else(|| {
                        (
                            spec.key.to_owned(),
                            format!("\"{line}\": write one header per line as Name: value"),
                        )
                    })?;
                    h.insert(k.trim().into(), json!(v.trim()));
                }
                Value::Object(h)
            }
            _ => json!(text),
        };
        obj.insert(spec.key.into(), v);
    }
    Ok(Value::Object(obj))
}

#[component]
pub(super) fn ChannelForm(
    existing: Option<NotificationChannel>,
    on_done: impl Fn(bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let live = expect_context::<Live>();
    let editing_id = existing.as_ref().map(|c| c.id);
    let kind = RwSignal::new(
        existing
            .as_ref()
            .map_or("webhook", |c| c.config.kind())
            .to_owned(),
    );
    let name = RwSignal::new(
        existing
            .as_ref()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
    );
    let is_default = RwSignal::new(existing.as_ref().is_some_and(|c| c.default));
    let apply_existing = RwSignal::new(false);
    let had_links: BTreeSet<i64> = existing
        .as_ref()
        .map(|c| c.monitor_ids.iter().copied().collect())
        .unwrap_or_default();
    let links = RwSignal::new(had_links.clone());
    let link_filter = RwSignal::new(String::new());
    let stored = existing
        .as_ref()
        .and_then(|c| serde_json::to_value(&c.config).ok());
    let errors: FieldErrors = RwSignal::new(None);
    let error = RwSignal::new(None::<ClientError>);
    let busy = RwSignal::new(false);
    // One signal per field of the selected type, prefilled with what is stored (masked).
    let values = Memo::new(move |_| {
        let k = kind.get();
        fields_of(&k)
            .iter()
            .map(|spec| {
                let v = stored
                    .as_ref()
                    .filter(|s| s["type"] == k)
                    .and_then(|s| s.get(spec.key))
                    .map(shown)
                    .unwrap_or_else(|| match spec.input {
                        FieldInput::Choice(options) => options
                            .first()
                            .map(|(v, _)| (*v).to_owned())
                            .unwrap_or_default(),
                        _ => String::new(),
                    });
                (spec.key, RwSignal::new(v))
            })
            .collect::<Vec<_>>()
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let k = kind.get_untracked();
        let sigs = values.get_untracked();
        let specs: Vec<(ConfigField, RwSignal<String>)> = fields_of(&k)
            .iter()
            .copied()
            .zip(sigs.into_iter().map(|(_, s)| s))
            .collect();
        let config = match config_json(&k, &specs) {
            Ok(c) => c,
            Err(e) => return errors.set(Some(e)),
        };
        if editing_id.is_none() {
            // New: the shared validation runs here first.
            match serde_json::from_value::<ChannelConfig>(config.clone()) {
                Ok(c) => {
                    if let Err(e) = c.validate() {
                        return errors.set(Some(local_error(e)));
                    }
                }
                Err(e) => return errors.set(Some((String::new(), e.to_string()))),
            }
        }
        if let Err(e) = flatline_types::validate_channel_name(&name.get_untracked()) {
            return errors.set(Some(local_error(e)));
        }
        errors.set(None);
        busy.set(true);
        let had = had_links.clone();
        leptos::task::spawn_local(async move {
            let saved = match editing_id {
                None => {
                    let body = json!({"name": name.get_untracked(), "config": config, "default": is_default.get_untracked(), "apply_to_existing": is_default.get_untracked() && apply_existing.get_untracked()});
                    api::post::<_, NotificationChannel>("/api/v1/notification-channels", &body)
                        .await
                }
                Some(id) => {
                    let body = json!({"name": name.get_untracked(), "config": config, "default": is_default.get_untracked()});
                    api::patch::<_, NotificationChannel>(
                        &format!("/api/v1/notification-channels/{id}"),
                        &body,
                    )
                    .await
                }
            };
            // Links this form did not show (made meanwhile, or by "apply to existing") stay:
            // only what was unticked here goes.
            let result = match saved {
                Ok(c) => {
                    let now: BTreeSet<i64> = c.monitor_ids.iter().copied().collect();
                    let mut want = links.get_untracked();
                    want.extend(now.difference(&had));
                    api::sync_links(&now, &want, |m| (m, c.id)).await
                }
                Err(e) => Err(e),
            };
            busy.set(false);
            match result {
                Ok(()) => on_done(true),
                Err(e) => show_error(errors, error, e),
            }
        });
    };
    let is_new = editing_id.is_none();
    view! {
        <form class="panel" on:submit=submit aria-label="Notification channel" novalidate style="margin-bottom:1rem">
            <h2 style="margin-top:0">{if is_new { "New channel" } else { "Edit channel" }}</h2>
            <div class="grid2">
                <TextField id="name" label="Name" value=name errors=errors required=true placeholder="Ops on-call"/>
                <div class="field">
                    <label for="f-type">"Type"</label>
                    <select id="f-type" bind:value=kind disabled=!is_new>
                        {CHANNEL_TYPES.iter().map(|t| view! { <option value=t.kind>{t.label}</option> }).collect_view()}
                    </select>
                    {(!is_new).then(|| view! { <span class="hint">"To change the type, create a new channel."</span> })}
                </div>
            </div>
            {move || {
                let k = kind.get();
                fields_of(&k).iter().zip(values.get()).map(|(spec, (_, value))| {
                    if let FieldInput::Choice(options) = spec.input {
                        let id = format!("f-{}", spec.key);
                        view! {
                            <div class="field">
                                <label for=id.clone()>{spec.label}</label>
                                <select id=id bind:value=value>
                                    {options.iter().map(|(v, label)| view! { <option value=*v>{*label}</option> }).collect_view()}
                                </select>
                            </div>
                        }.into_any()
                    } else {
                        let hint = if !is_new && spec.input == FieldInput::Secret {
                            format!("{} Shown masked: leave *** in place to keep the stored value.", spec.hint)
                        } else {
                            spec.hint.to_owned()
                        };
                        view! {
                            <TextField id=spec.key label=spec.label value=value errors=errors required=spec.required
                                multiline=spec.input == FieldInput::Headers hint=hint/>
                        }.into_any()
                    }
                }).collect_view()
            }}
            <label class="check"><input type="checkbox" id="f-default" bind:checked=is_default/>"Default: link to every new monitor"</label>
            <Show when=move || is_new && is_default.get()>
                <label class="check"><input type="checkbox" id="f-apply" bind:checked=apply_existing/>"…and to every existing monitor now"</label>
            </Show>
            <fieldset>
                <legend>"Monitors"</legend>
                <label class="sr-only" for="link-filter">"Filter monitors"</label>
                <input id="link-filter" type="search" placeholder="Filter monitors" bind:value=link_filter/>
                <div class="links">
                    {move || {
                        let q = link_filter.get().to_lowercase();
                        live.rows.get().into_values().filter_map(|r| {
                            let (id, name) = r.with_untracked(|r| (r.id, r.name.clone()));
                            (q.is_empty() || name.to_lowercase().contains(&q)).then(|| view! {
                                <label class="check">
                                    <input type="checkbox" name="monitor" value=id
                                        prop:checked=move || links.with(|s| s.contains(&id))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            links.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                                        }/>
                                    {name}
                                </label>
                            })
                        }).collect_view()
                    }}
                </div>
            </fieldset>
            {move || error.get().map(|e| view! { <div class="error-box" role="alert">{e.message}</div> })}
            {move || errors.get().filter(|(f, _)| f.is_empty()).map(|(_, m)| view! { <div class="error-box" role="alert">{m}</div> })}
            <div class="actions">
                <button class="primary" type="submit" id="save-channel" disabled=move || busy.get()>{if is_new { "Create channel" } else { "Save channel" }}</button>
                <button type="button" on:click=move |_| on_done(false)>"Cancel"</button>
            </div>
        </form>
    }
}
