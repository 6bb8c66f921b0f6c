//! Flatline's web UI (Leptos, client-side rendered), compiled to wasm32 by the server's build
//! script and embedded in the `flatline` binary.

use flatline_types::Me;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::path;
use wasm_bindgen::prelude::wasm_bindgen;

mod api;
mod chart;
mod fmt;
mod live;
mod perf;
mod ui;
mod pages {
    pub mod channels;
    pub mod dashboard;
    pub mod detail;
    pub mod incident;
    pub mod incidents;
    pub mod login;
    pub mod maintenance;
    pub mod monitor_form;
    pub mod status_pages;
    pub mod tokens;
}

use live::{Conn, Live};

/// Entry point called by the generated JavaScript once the module is loaded.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    if let Some(boot) = document().get_element_by_id("boot") {
        boot.remove();
    }
    leptos::mount::mount_to_body(App);
}

/// Who is signed in: `None` while unknown, `Some(None)` when nobody.
#[derive(Clone, Copy)]
pub struct Session {
    pub me: RwSignal<Option<Option<Me>>>,
    /// Set by any 401 answer.
    pub lost: RwSignal<bool>,
}

impl Session {
    /// The signed-in user's display name.
    pub fn name(&self) -> String {
        self.me
            .get()
            .flatten()
            .and_then(|m| m.user)
            .map(|u| u.name.unwrap_or(u.username))
            .unwrap_or_default()
    }
}

/// The application: session check, live store, routes.
#[component]
pub fn App() -> impl IntoView {
    let session = Session {
        me: RwSignal::new(None),
        lost: RwSignal::new(false),
    };
    api::on_session_lost(session.lost);
    provide_context(session);
    let live = Live::new();
    provide_context(live);

    let check = move || {
        leptos::task::spawn_local(async move {
            match api::get::<Me>("/auth/me").await {
                Ok(me) => session.me.set(Some(Some(me))),
                Err(e) if e.status == 401 => session.me.set(Some(None)),
                // Unreachable: try again shortly, showing nothing misleading meanwhile.
                Err(_) => session.me.set(Some(None)),
            }
        });
    };
    check();
    Effect::new(move |_| {
        if session.lost.get() {
            session.lost.set(false);
            live.disconnect();
            session.me.set(Some(None));
        }
    });
    // The stream runs while someone is signed in.
    Effect::new(move |_| match session.me.get() {
        Some(Some(_)) => live.connect(),
        Some(None) => live.disconnect(),
        None => {}
    });

    view! {
        <Router>
            <Routes fallback=|| view! { <Shell><NotFound/></Shell> }>
                <Route path=path!("/login") view=pages::login::Login/>
                <Route path=path!("/") view=|| view! { <Shell><pages::dashboard::Dashboard/></Shell> }/>
                <Route path=path!("/monitors/new") view=|| view! { <Shell><pages::monitor_form::NewMonitor/></Shell> }/>
                <Route path=path!("/monitors/:id") view=|| view! { <Shell><pages::detail::Detail/></Shell> }/>
                <Route path=path!("/monitors/:id/edit") view=|| view! { <Shell><pages::monitor_form::EditMonitor/></Shell> }/>
                <Route path=path!("/incidents") view=|| view! { <Shell><pages::incidents::Incidents/></Shell> }/>
                <Route path=path!("/incidents/:id") view=|| view! { <Shell><pages::incident::IncidentPage/></Shell> }/>
                <Route path=path!("/channels") view=|| view! { <Shell><pages::channels::Channels/></Shell> }/>
                <Route path=path!("/tokens") view=|| view! { <Shell><pages::tokens::Tokens/></Shell> }/>
                <Route path=path!("/maintenance") view=|| view! { <Shell><pages::maintenance::MaintenancePage/></Shell> }/>
                <Route path=path!("/status-pages") view=|| view! { <Shell><pages::status_pages::StatusPages/></Shell> }/>
                <Route path=path!("/status-pages/new") view=|| view! { <Shell><pages::status_pages::NewStatusPage/></Shell> }/>
                <Route path=path!("/status-pages/:id") view=|| view! { <Shell><pages::status_pages::EditStatusPage/></Shell> }/>
            </Routes>
        </Router>
    }
}

/// The frame of every signed-in page: top bar with navigation, connection state and the
/// account menu. Sends people who are not signed in to the sign-in page.
#[component]
fn Shell(children: ChildrenFn) -> impl IntoView {
    let session = expect_context::<Session>();
    let live = expect_context::<Live>();
    let location = use_location();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if session.me.get() == Some(None) {
            let here = location.pathname.get_untracked();
            let next = if here == "/" {
                String::new()
            } else {
                format!("?next={}", js_sys::encode_uri_component(&here))
            };
            navigate(&format!("/login{next}"), Default::default());
        }
    });
    let current = move |p: &'static str| {
        let path = location.pathname.get();
        let on = if p == "/" {
            path == "/" || path.starts_with("/monitors")
        } else {
            path.starts_with(p)
        };
        on.then_some("page")
    };
    let menu_open = RwSignal::new(false);
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            let _ = api::post_empty::<serde_json::Value>("/auth/logout").await;
            live.disconnect();
            session.me.set(Some(None));
        });
    };
    view! {
        <a class="skip" href="#content">"Skip to content"</a>
        <header class="top">
            <A href="/" attr:class="brand">
                <svg width="22" height="22" viewBox="0 0 16 16" aria-hidden="true">
                    <path d="M1 9h4l2-6 2 10 2-4h4" fill="none" stroke="var(--up)" stroke-width="2" stroke-linejoin="round"/>
                </svg>
                "Flatline"
            </A>
            <nav class="main" aria-label="Main">
                <a href="/" aria-current=move || current("/")>"Monitors"</a>
                <a href="/incidents" aria-current=move || current("/incidents")>"Incidents"</a>
                <a href="/maintenance" aria-current=move || current("/maintenance")>"Maintenance"</a>
                <a href="/status-pages" aria-current=move || current("/status-pages")>"Status pages"</a>
                <a href="/channels" aria-current=move || current("/channels")>"Notifications"</a>
                <a href="/tokens" aria-current=move || current("/tokens")>"API tokens"</a>
            </nav>
            <span class="spacer"></span>
            <span class="conn" role="status" aria-live="polite" id="conn-state">
                {move || match live.conn.get() {
                    Conn::Live => view! { <span class="dot up"></span>"Live" }.into_any(),
                    Conn::Connecting => view! { <span class="dot pending"></span>"Connecting…" }.into_any(),
                    Conn::Reconnecting => view! { <span class="dot down"></span>"Reconnecting…" }.into_any(),
                }}
            </span>
            <div class="account">
                <button
                    id="account-button"
                    aria-haspopup="menu"
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=move |_| menu_open.update(|o| *o = !*o)
                >
                    {move || session.name()}
                    " ▾"
                </button>
                <Show when=move || menu_open.get()>
                    <div class="menu" role="menu" on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Escape" { menu_open.set(false) }>
                        <div class="who">
                            "Signed in as "
                            <strong>{move || session.me.get().flatten().and_then(|m| m.user).map(|u| u.username).unwrap_or_default()}</strong>
                        </div>
                        <a role="menuitem" href="/tokens" on:click=move |_| menu_open.set(false)>"API tokens"</a>
                        <a role="menuitem" href="/docs/" rel="external">"API documentation"</a>
                        <button role="menuitem" id="sign-out" on:click=sign_out>"Sign out"</button>
                    </div>
                </Show>
            </div>
        </header>
        <Show when=move || live.conn.get() == Conn::Reconnecting>
            <div class="banner" role="alert">
                "The connection to the server was lost. Showing the last known state; reconnecting…"
            </div>
        </Show>
        <main id="content" on:click=move |_| menu_open.set(false)>
            <Show
                when=move || matches!(session.me.get(), Some(Some(_)))
                fallback=|| view! { <p class="muted">"Loading…"</p> }
            >
                {children()}
            </Show>
        </main>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <div class="empty">
            <h1>"Page not found"</h1>
            <p><a href="/">"Back to the monitors"</a></p>
        </div>
    }
}
