//! Flatline's web UI (Leptos, client-side rendered), compiled to wasm32 by the server's build
//! script and embedded in the `flatline` binary.

use leptos::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;

/// Entry point called by the generated JavaScript once the module is loaded.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

/// The application shell.
#[component]
pub fn App() -> impl IntoView {
    let statuses = [
        flatline_types::MonitorStatus::Up,
        flatline_types::MonitorStatus::Down,
        flatline_types::MonitorStatus::Pending,
        flatline_types::MonitorStatus::Paused,
    ];
    view! {
        <main class="shell">
            <h1>"Flatline"</h1>
            <p>"Self-hosted uptime monitoring. The dashboard is being built; meanwhile the REST API is complete."</p>
            <p>
                <a href="/docs/">"API documentation (Swagger UI)"</a>
                " · "
                <a href="/api/v1/monitors">"Monitors (JSON)"</a>
                " · "
                <a href="/api/v1/incidents">"Incidents (JSON)"</a>
            </p>
            <p class="legend">
                "Monitor states: "
                {statuses.iter().map(|s| view! { <code>{s.as_str()}</code>" " }).collect_view()}
            </p>
        </main>
    }
}
