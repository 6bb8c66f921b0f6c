//! Every incident, open first, refreshed when a monitor's status changes.

use flatline_types::Incident;
use leptos::prelude::*;

use crate::api::{self, ClientError};
use crate::live::Live;
use crate::pages::detail::IncidentTable;

#[component]
pub fn Incidents() -> impl IntoView {
    let live = expect_context::<Live>();
    let list = RwSignal::new(None::<Result<Vec<Incident>, ClientError>>);
    let load = move || {
        leptos::task::spawn_local(async move {
            list.set(Some(
                api::get::<Vec<Incident>>("/api/v1/incidents?limit=500").await,
            ));
        });
    };
    // Statuses of all monitors: when one changes, an incident opened or closed.
    let statuses = Memo::new(move |_| {
        live.version.track();
        live.rows.with(|rows| {
            rows.values()
                .map(|r| r.with_untracked(|r| (r.id, r.status)))
                .collect::<Vec<_>>()
        })
    });
    Effect::new(move |_| {
        statuses.track();
        load();
    });
    view! {
        <h1>"Incidents"</h1>
        {move || match list.get() {
            None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <div class="error-box" role="alert">{e.message}</div> }.into_any(),
            Some(Ok(l)) if l.is_empty() => view! {
                <div class="empty panel"><h2>"No incidents"</h2><p>"Nothing has gone down. When a monitor fails, its incident shows here."</p></div>
            }.into_any(),
            Some(Ok(l)) => {
                let open = l.iter().filter(|i| i.resolved_at.is_none()).count();
                view! {
                    <p class="summary"><span>{format!("{open} open · {} shown (newest 500)", l.len())}</span></p>
                    <IncidentTable incidents=l monitor_names=true/>
                }.into_any()
            }
        }}
    }
}
