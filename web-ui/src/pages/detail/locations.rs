//! The detail page's locations card: how each place the monitor is checked from sees it
//! (`local` and remote probes), with its last 24 hours.

use flatline_types::LocationState;
use leptos::prelude::*;

use super::Slot;
use crate::fmt;

/// One row per location; shown only for monitors checked from a remote probe.
#[component]
pub(super) fn LocationsCard(
    states: Slot<Vec<LocationState>>,
    confirm: Signal<u32>,
) -> impl IntoView {
    move || {
        let list = states.get().and_then(Result::ok)?;
        if list.iter().all(|l| l.location == flatline_types::LOCAL) {
            return None;
        }
        let rows = list
            .into_iter()
            .map(|l| {
                // `unknown` while a probe is offline: neither up nor down.
                let badge = match l.status.as_str() {
                    "up" => "up",
                    "down" => "down",
                    "pending" => "pending",
                    _ => "paused",
                };
                let seen = l
                    .last_check
                    .as_ref()
                    .map_or_else(|| "–".to_owned(), |c| fmt::local(&c.checked_at));
                let latency = l.last_check.as_ref().map(|c| c.latency_ms);
                let error = l.last_check.and_then(|c| c.error).unwrap_or_default();
                view! {
                    <tr data-location=l.location.clone()>
                        <td class="mono">{l.location.clone()}</td>
                        <td>
                            <span class=format!("badge {badge}")>{l.status.clone()}</span>
                            {(!l.online).then(|| view! { <span class="muted small">" probe offline"</span> })}
                        </td>
                        <td>{seen}</td>
                        <td class="num">{fmt::ms(latency)}</td>
                        <td class="num">{fmt::pct(l.uptime_24h.map(|u| u * 100.0))}</td>
                        <td class="num">{fmt::ms(l.p50_ms)}</td>
                        <td class="num">{fmt::ms(l.p99_ms)}</td>
                        <td class="err-text">{error}</td>
                    </tr>
                }
            })
            .collect_view();
        Some(view! {
            <section class="panel" aria-labelledby="locations-h" id="locations" style="margin-bottom:1rem">
                <h2 id="locations-h" style="margin-top:0">"Locations"</h2>
                <p class="muted small">{move || format!("Down when {} of them see it down, each after its retries; an offline probe counts as neither.", confirm.get())}</p>
                <div class="table-wrap">
                    <table>
                        <thead><tr><th>"Location"</th><th>"State"</th><th>"Last check"</th><th class="num">"Latency"</th><th class="num">"Uptime 24h"</th><th class="num">"P50"</th><th class="num">"P99"</th><th>"Error"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </section>
        })
    }
}
