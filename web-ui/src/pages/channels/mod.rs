//! Notification channels: list, delete, send a test, recent deliveries; the form that creates
//! and edits them (per type, from the types' own field descriptions) is in `form`.

mod form;

use flatline_types::{
    ChannelConfig, Delivery, DeliveryStatus, FieldInput, NotificationChannel, TestOutcome,
};
use leptos::prelude::*;
use serde_json::Value;

use crate::api::{self, ClientError};
use crate::fmt;
use crate::ui::{delete_then, Confirm};
use form::ChannelForm;

#[component]
pub fn Channels() -> impl IntoView {
    let list = RwSignal::new(None::<Result<Vec<NotificationChannel>, ClientError>>);
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
    let error = RwSignal::new(None::<ClientError>);
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
    let outcome = RwSignal::new(None::<Result<TestOutcome, ClientError>>);
    let testing = RwSignal::new(false);
    let show_deliveries = RwSignal::new(false);
    let deliveries = RwSignal::new(None::<Result<Vec<Delivery>, ClientError>>);
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
    let label = channel.config.channel_type().label;
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

/// Where a channel sends, secrets already masked by the server: its set fields in the
/// order of its type's description.
fn summary_of(c: &ChannelConfig) -> String {
    let Ok(Value::Object(values)) = serde_json::to_value(c) else {
        return String::new();
    };
    c.channel_type()
        .fields
        .iter()
        .filter(|f| f.input != FieldInput::Headers)
        .filter_map(|f| values.get(f.key))
        .map(form::shown)
        .filter(|v| !v.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}
