//! Notification channels: list, create and edit per type, delete, send a test, link to
//! monitors, recent deliveries.

use std::collections::BTreeSet;

use flatline_types::{ChannelConfig, Delivery, DeliveryStatus, NotificationChannel, TestOutcome};
use leptos::prelude::*;
use serde_json::{json, Map, Value};

use crate::api::{self, ApiError};
use crate::fmt;
use crate::live::Live;
use crate::ui::{delete_then, local_error, show_error, Confirm, FieldErrors, TextField};

/// How a config field is typed in.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Secret,
    Number,
    /// Comma-separated list.
    List,
    /// `Name: value` lines.
    Headers,
    Security,
}

struct FieldSpec {
    key: &'static str,
    label: &'static str,
    kind: Kind,
    required: bool,
    hint: &'static str,
}

const fn f(
    key: &'static str,
    label: &'static str,
    kind: Kind,
    required: bool,
    hint: &'static str,
) -> FieldSpec {
    FieldSpec {
        key,
        label,
        kind,
        required,
        hint,
    }
}

const TYPES: [(&str, &str); 9] = [
    ("webhook", "Webhook"),
    ("slack", "Slack"),
    ("discord", "Discord"),
    ("telegram", "Telegram"),
    ("teams", "Microsoft Teams"),
    ("ntfy", "ntfy"),
    ("gotify", "Gotify"),
    ("pagerduty", "PagerDuty"),
    ("email", "Email (SMTP)"),
];

fn fields_of(kind: &str) -> Vec<FieldSpec> {
    match kind {
        "slack" => vec![f(
            "url",
            "Incoming webhook URL",
            Kind::Secret,
            true,
            "https://hooks.slack.com/services/…",
        )],
        "discord" => vec![f(
            "url",
            "Webhook URL",
            Kind::Secret,
            true,
            "https://discord.com/api/webhooks/…",
        )],
        "teams" => vec![f(
            "url",
            "Workflow webhook URL",
            Kind::Secret,
            true,
            "From \"Post to a channel when a webhook request is received\"",
        )],
        "telegram" => vec![
            f(
                "url",
                "Bot sendMessage URL",
                Kind::Secret,
                true,
                "https://api.telegram.org/bot<token>/sendMessage",
            ),
            f(
                "chat_id",
                "Chat id",
                Kind::Text,
                true,
                "A number, or @channelname",
            ),
        ],
        "webhook" => vec![
            f(
                "url",
                "URL",
                Kind::Secret,
                true,
                "Flatline POSTs a JSON document on every event",
            ),
            f(
                "headers",
                "Headers",
                Kind::Headers,
                false,
                "One per line, Name: value (values are kept secret)",
            ),
        ],
        "ntfy" => vec![
            f(
                "server_url",
                "Server URL",
                Kind::Text,
                false,
                "Empty: https://ntfy.sh",
            ),
            f("topic", "Topic", Kind::Text, true, ""),
            f("token", "Access token", Kind::Secret, false, "Optional"),
        ],
        "gotify" => vec![
            f("server_url", "Server URL", Kind::Text, true, ""),
            f("token", "Application token", Kind::Secret, true, ""),
        ],
        "pagerduty" => vec![
            f(
                "routing_key",
                "Integration (routing) key",
                Kind::Secret,
                true,
                "Events API v2",
            ),
            f(
                "url",
                "Events API URL",
                Kind::Text,
                false,
                "Empty: the public PagerDuty endpoint",
            ),
        ],
        "email" => vec![
            f("host", "SMTP host", Kind::Text, true, ""),
            f(
                "port",
                "Port",
                Kind::Number,
                false,
                "Empty: 587 (STARTTLS), 465 (TLS) or 25 (none)",
            ),
            f("security", "Security", Kind::Security, false, ""),
            f("username", "Username", Kind::Text, false, "Optional"),
            f("password", "Password", Kind::Secret, false, "Optional"),
            f("from", "From", Kind::Text, true, "flatline@example.com"),
            f(
                "to",
                "To",
                Kind::List,
                true,
                "Addresses, separated by commas",
            ),
        ],
        _ => Vec::new(),
    }
}

/// A config field's value as shown in the form.
fn shown(v: &Value, kind: Kind) -> String {
    match (v, kind) {
        (Value::String(s), _) => s.clone(),
        (Value::Number(n), _) => n.to_string(),
        (Value::Array(a), _) => a
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        (Value::Object(o), _) => o
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
    values: &[(FieldSpec, RwSignal<String>)],
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
        let v = match spec.kind {
            Kind::Number => json!(text.parse::<u16>().map_err(|_| (
                spec.key.to_owned(),
                "must be a port number (1–65535)".to_owned()
            ))?),
            Kind::List => json!(text
                .split([',', ' ', '\n', ';'])
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()),
            Kind::Headers => {
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
pub fn Channels() -> impl IntoView {
    let list = RwSignal::new(None::<Result<Vec<NotificationChannel>, ApiError>>);
    let load = move || {
        leptos::task::spawn_local(async move {
            list.set(Some(
                api::get::<Vec<NotificationChannel>>("/api/v1/notification-channels").await,
            ));
        });
    };
    load();
    // None: no form; Some(None): a new channel; Some(Some(c)): editing c.
    let editing = RwSignal::new(None::<Option<NotificationChannel>>);
    // The channel whose deletion waits for confirmation.
    let deleting = RwSignal::new(None::<NotificationChannel>);
    let error = RwSignal::new(None::<ApiError>);
    let do_delete = move |c: NotificationChannel| {
        delete_then(
            format!("/api/v1/notification-channels/{}", c.id),
            error,
            load,
        )
    };
    view! {
        <div class="detail-head">
            <h1>"Notifications"</h1>
            <span class="spacer"></span>
            <button class="primary" id="new-channel" on:click=move |_| editing.set(Some(None))>"+ New channel"</button>
        </div>
        {move || editing.get().map(|c| view! {
            <ChannelForm existing=c on_done=move |saved: bool| { editing.set(None); if saved { load(); } }/>
        })}
        {move || error.get().map(|e| view! { <div class="error-box" role="alert">{e.message}</div> })}
        {move || match list.get() {
            None => view! { <p class="muted">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <div class="error-box" role="alert">{e.message}</div> }.into_any(),
            Some(Ok(l)) if l.is_empty() => view! {
                <div class="empty panel" id="no-channels">
                    <h2>"No notification channels"</h2>
                    <p>"Add Slack, Discord, Telegram, Teams, ntfy, Gotify, PagerDuty, email or any webhook to hear when a monitor goes down."</p>
                </div>
            }.into_any(),
            Some(Ok(l)) => view! {
                <div class="items" id="channels">
                    {l.into_iter().map(|c| view! {
                        <ChannelItem channel=c
                            on_edit=move |c| editing.set(Some(Some(c)))
                            on_delete=move |c| deleting.set(Some(c))/>
                    }).collect_view()}
                </div>
            }.into_any(),
        }}
        <Confirm
            pending=deleting
            title="Delete this channel?"
            message=|c: &NotificationChannel| format!("\"{}\" stops receiving notifications, and its delivery history is deleted.", c.name)
            confirm_label="Delete channel"
            on_confirm=do_delete
        />
    }
}

#[component]
fn ChannelItem(
    channel: NotificationChannel,
    on_edit: impl Fn(NotificationChannel) + 'static,
    on_delete: impl Fn(NotificationChannel) + 'static,
) -> impl IntoView {
    let id = channel.id;
    let outcome = RwSignal::new(None::<Result<TestOutcome, ApiError>>);
    let testing = RwSignal::new(false);
    let show_deliveries = RwSignal::new(false);
    let deliveries = RwSignal::new(None::<Result<Vec<Delivery>, ApiError>>);
    let load_deliveries = move || {
        leptos::task::spawn_local(async move {
            deliveries.set(Some(
                api::get::<Vec<Delivery>>(&format!(
                    "/api/v1/notification-channels/{id}/deliveries"
                ))
                .await,
            ));
        });
    };
    let test = move |_| {
        testing.set(true);
        leptos::task::spawn_local(async move {
            outcome.set(Some(
                api::post_empty::<TestOutcome>(&format!("/api/v1/notification-channels/{id}/test"))
                    .await,
            ));
            testing.set(false);
            if show_deliveries.get_untracked() {
                load_deliveries();
            }
        });
    };
    let c_edit = channel.clone();
    let c_del = channel.clone();
    let kind = channel.config.kind();
    let label = TYPES
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| *l)
        .unwrap_or(kind);
    let target = summary_of(&channel.config);
    view! {
        <div class="item" data-channel=id>
            <div class="item-head">
                <span class="title">{channel.name.clone()}</span>
                <span class="badge">{label}</span>
                {channel.default.then(|| view! { <span class="badge up" title="Linked to new monitors">"default"</span> })}
                <span class="muted small">{format!("{} monitor{}", channel.monitor_ids.len(), if channel.monitor_ids.len() == 1 { "" } else { "s" })}</span>
                <span class="spacer"></span>
                <div class="actions">
                    <button class="test" on:click=test disabled=move || testing.get()>{move || if testing.get() { "Sending…" } else { "Send test" }}</button>
                    <button on:click=move |_| { show_deliveries.update(|s| *s = !*s); if show_deliveries.get_untracked() { load_deliveries(); } }
                        aria-expanded=move || show_deliveries.get().to_string()>"Deliveries"</button>
                    <button on:click=move |_| on_edit(c_edit.clone())>"Edit"</button>
                    <button class="danger" on:click=move |_| on_delete(c_del.clone())>"Delete"</button>
                </div>
            </div>
            <div class="muted small mono">{target}</div>
            <div class="test-outcome" role="status">
                {move || outcome.get().map(|o| match o {
                    Ok(o) if o.ok => view! { <div class="ok-box">{format!("Test delivered{} in {}.", o.status_code.map(|c| format!(" (HTTP {c})")).unwrap_or_default(), fmt::ms(Some(o.duration_ms)))}</div> }.into_any(),
                    Ok(o) => view! { <div class="error-box">{format!("Test failed: {}", o.error.unwrap_or_else(|| "no reason given".into()))}</div> }.into_any(),
                    Err(e) => view! { <div class="error-box">{e.message}</div> }.into_any(),
                })}
            </div>
            <Show when=move || show_deliveries.get()>
                {move || match deliveries.get() {
                    None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                    Some(Err(e)) => view! { <div class="error-box">{e.message}</div> }.into_any(),
                    Some(Ok(l)) if l.is_empty() => view! { <p class="muted small">"Nothing sent yet."</p> }.into_any(),
                    Some(Ok(l)) => view! {
                        <div class="table-wrap" style="margin-top:.5rem">
                            <table class="deliveries">
                                <thead><tr><th>"Event"</th><th>"Status"</th><th class="num">"Attempts"</th><th>"Queued"</th><th>"Sent / next try"</th><th>"Last error"</th></tr></thead>
                                <tbody>
                                    {l.into_iter().map(|d| view! {
                                        <tr>
                                            <td>{d.event.as_str()}</td>
                                            <td><span class=format!("badge {}", match d.status { DeliveryStatus::Sent => "up", DeliveryStatus::Failed => "down", _ => "pending" })>{d.status.as_str()}</span></td>
                                            <td class="num">{d.attempts}</td>
                                            <td>{fmt::local(&d.created_at)}</td>
                                            <td>{d.sent_at.as_deref().or(d.next_attempt_at.as_deref()).map(fmt::local).unwrap_or_else(|| "–".into())}</td>
                                            <td class="err-text">{d.last_error.clone().unwrap_or_default()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }}
            </Show>
        </div>
    }
}

/// Where a channel sends, secrets already masked by the server.
fn summary_of(c: &ChannelConfig) -> String {
    match c {
        ChannelConfig::Slack { url }
        | ChannelConfig::Discord { url }
        | ChannelConfig::Teams { url } => url.clone(),
        ChannelConfig::Telegram { url, chat_id } => format!("{url} → {chat_id}"),
        ChannelConfig::Webhook { url, .. } => format!("POST {url}"),
        ChannelConfig::Ntfy {
            server_url, topic, ..
        } => format!("{server_url}/{topic}"),
        ChannelConfig::Gotify { server_url, .. } => server_url.clone(),
        ChannelConfig::Pagerduty { url, .. } => url.clone(),
        ChannelConfig::Email { host, to, .. } => format!("{} via {host}", to.join(", ")),
    }
}

#[component]
fn ChannelForm(
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
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    // One signal per field of the selected type, prefilled with what is stored (masked).
    let values = Memo::new(move |_| {
        let k = kind.get();
        fields_of(&k)
            .into_iter()
            .map(|spec| {
                let v = stored
                    .as_ref()
                    .filter(|s| s["type"] == k)
                    .and_then(|s| s.get(spec.key))
                    .map(|v| shown(v, spec.kind))
                    .unwrap_or_else(|| {
                        if spec.kind == Kind::Security {
                            "starttls".into()
                        } else {
                            String::new()
                        }
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
        let specs: Vec<(FieldSpec, RwSignal<String>)> = fields_of(&k)
            .into_iter()
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
                        {TYPES.iter().map(|(k, l)| view! { <option value=*k>{*l}</option> }).collect_view()}
                    </select>
                    {(!is_new).then(|| view! { <span class="hint">"To change the type, create a new channel."</span> })}
                </div>
            </div>
            {move || {
                let k = kind.get();
                fields_of(&k).into_iter().zip(values.get()).map(|(spec, (_, value))| {
                    if spec.kind == Kind::Security {
                        view! {
                            <div class="field">
                                <label for="f-security">{spec.label}</label>
                                <select id="f-security" bind:value=value>
                                    <option value="starttls">"STARTTLS (587)"</option>
                                    <option value="tls">"TLS (465)"</option>
                                    <option value="none">"None (local relay only)"</option>
                                </select>
                            </div>
                        }.into_any()
                    } else {
                        let hint = if !is_new && spec.kind == Kind::Secret {
                            format!("{} Shown masked: leave *** in place to keep the stored value.", spec.hint)
                        } else {
                            spec.hint.to_owned()
                        };
                        view! {
                            <TextField id=spec.key label=spec.label value=value errors=errors required=spec.required
                                multiline=spec.kind == Kind::Headers hint=hint/>
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
