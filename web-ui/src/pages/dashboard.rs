//! The dashboard: every monitor, live. Only the rows in view are in the DOM (fixed row
//! height, a spacer above and below), so thousands of monitors cost no more than a screenful.

use flatline_types::MonitorStatus;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::fmt;
use crate::live::{Live, Row};
use crate::ui::StatusDot;

/// Row height in px, matching `.row` in style.css (desktop / phone width).
const ROW_PX: f64 = 60.0;
const ROW_PX_NARROW: f64 = 112.0;
const NARROW_QUERY: &str = "(max-width: 760px)";
/// Rows rendered beyond the visible ones, above and below.
const OVERSCAN: usize = 8;

/// Status rank, a number (uptime, latency), the lowercase name.
type SortKey = (u8, i64, String);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Sort {
    Status,
    Name,
    Uptime,
    P99,
    Latency,
}

impl Sort {
    fn parse(s: &str) -> Self {
        match s {
            "name" => Self::Name,
            "uptime" => Self::Uptime,
            "p99" => Self::P99,
            "latency" => Self::Latency,
            _ => Self::Status,
        }
    }
}

fn status_rank(s: MonitorStatus) -> u8 {
    match s {
        MonitorStatus::Down => 0,
        MonitorStatus::Pending => 1,
        MonitorStatus::Up => 2,
        MonitorStatus::Paused => 3,
        MonitorStatus::Maintenance => 4,
    }
}

/// Where `r` goes in the list, or `None` if the search `q` (lowercase) or the status filter
/// `f` leave it out.
fn sort_key(r: &Row, q: &str, f: &str, sort: Sort) -> Option<SortKey> {
    let status_ok = f == "all" || r.status.as_str() == f;
    let found =
        q.is_empty() || r.name.to_lowercase().contains(q) || r.url.to_lowercase().contains(q);
    if !status_ok || !found {
        return None;
    }
    let num = match sort {
        // Lowest uptime first; unknown last.
        Sort::Uptime => r
            .stats
            .as_ref()
            .and_then(|s| s.uptime_24h)
            .map_or(i64::MAX, |u| (u * 1000.0) as i64),
        // Slowest first.
        Sort::P99 => -r
            .stats
            .as_ref()
            .and_then(|s| s.p99_24h_ms)
            .map_or(-1, |v| (v * 1000.0) as i64),
        Sort::Latency => -r
            .last_check
            .as_ref()
            .map_or(-1, |c| (c.latency_ms * 1000.0) as i64),
        Sort::Status | Sort::Name => 0,
    };
    let rank = if sort == Sort::Status {
        status_rank(r.status)
    } else {
        0
    };
    Some((rank, num, r.name.to_lowercase()))
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let live = expect_context::<Live>();
    let search = RwSignal::new(String::new());
    let filter = RwSignal::new("all".to_owned());
    let sort = RwSignal::new("status".to_owned());

    // The filtered, sorted rows; recomputed once per stream event at most.
    let visible = Memo::new(move |_| {
        live.version.track();
        let q = search.get().trim().to_lowercase();
        let f = filter.get();
        let sort = Sort::parse(&sort.get());
        let mut keyed: Vec<(SortKey, i64, RwSignal<Row>)> = live.rows.with(|rows| {
            rows.iter()
                .filter_map(|(&id, &sig)| {
                    let key = sig.with_untracked(|r| sort_key(r, &q, &f, sort))?;
                    Some((key, id, sig))
                })
                .collect()
        });
        keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        keyed
            .into_iter()
            .map(|(_, id, sig)| (id, sig))
            .collect::<Vec<_>>()
    });
    let counts = Memo::new(move |_| {
        live.version.track();
        let mut c = [0usize; 5];
        live.rows.with(|rows| {
            for sig in rows.values() {
                sig.with_untracked(|r| c[status_rank(r.status) as usize] += 1);
            }
        });
        c
    });

    // Which rows are in view.
    let viewport = NodeRef::<leptos::html::Div>::new();
    let scroll_top = RwSignal::new(0.0f64);
    let window_h = RwSignal::new(
        window()
            .inner_height()
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(800.0),
    );
    let narrow = RwSignal::new(matches_narrow());
    let measure = move || {
        if let Some(el) = viewport.get_untracked() {
            let top = el.get_bounding_client_rect().top();
            scroll_top.set((-top).max(0.0));
        }
        window_h.set(
            window()
                .inner_height()
                .ok()
                .and_then(|v| v.as_f64())
                .unwrap_or(800.0),
        );
        narrow.set(matches_narrow());
    };
    let on_scroll = Closure::<dyn Fn()>::new(measure);
    let _ = window().add_event_listener_with_callback("scroll", on_scroll.as_ref().unchecked_ref());
    let _ = window().add_event_listener_with_callback("resize", on_scroll.as_ref().unchecked_ref());
    // Held until the page goes (the app is single-threaded: local storage).
    let on_scroll = StoredValue::new_local(Some(on_scroll));
    on_cleanup(move || {
        if let Some(cb) = on_scroll.try_update_value(Option::take).flatten() {
            for event in ["scroll", "resize"] {
                let _ = window()
                    .remove_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
            }
        }
    });
    Effect::new(move |_| {
        visible.track();
        measure();
    });
    let row_px = move || if narrow.get() { ROW_PX_NARROW } else { ROW_PX };
    let range = Memo::new(move |_| {
        let n = visible.with(|v| v.len());
        let h = row_px();
        let first = ((scroll_top.get() / h) as usize)
            .saturating_sub(OVERSCAN)
            .min(n);
        let count = (window_h.get() / h).ceil() as usize + 2 * OVERSCAN;
        (first, (first + count).min(n))
    });
    let in_view = move || {
        let (a, b) = range.get();
        visible.with(|v| v[a.min(v.len())..b.min(v.len())].to_vec())
    };
    let pad_top = move || format!("{}px", range.get().0 as f64 * row_px());
    let pad_bottom = move || {
        let n = visible.with(|v| v.len());
        format!("{}px", n.saturating_sub(range.get().1) as f64 * row_px())
    };

    view! {
        <div class="detail-head">
            <h1>"Monitors"</h1>
            <span class="spacer"></span>
            <a class="button primary" href="/monitors/new" id="new-monitor">"+ New monitor"</a>
        </div>
        <Show
            when=move || live.loaded.get()
            fallback=move || view! { <p class="muted" role="status">"Loading monitors…"</p> }
        >
            <Show
                when=move || !live.rows.with(|r| r.is_empty())
                fallback=|| view! {
                    <div class="empty panel" id="empty-state">
                        <h2>"No monitors yet"</h2>
                        <p>"Add the first URL to watch. Flatline checks it on a schedule and tells you when it goes down."</p>
                        <a class="button primary" href="/monitors/new">"Create a monitor"</a>
                    </div>
                }
            >
                <p class="summary" id="summary" aria-live="polite">
                    <span><span class="dot up"></span>{move || format!("{} up", counts.get()[2])}</span>
                    <span><span class="dot down"></span>{move || format!("{} down", counts.get()[0])}</span>
                    <span><span class="dot pending"></span>{move || format!("{} pending", counts.get()[1])}</span>
                    <span><span class="dot paused"></span>{move || format!("{} paused", counts.get()[3])}</span>
                    <Show when={move || counts.get()[4] > 0}>
                        <span><span class="dot maintenance"></span>{move || format!("{} in maintenance", counts.get()[4])}</span>
                    </Show>
                    <span class="muted">{move || format!("{} monitors", live.rows.with(|r| r.len()))}</span>
                </p>
                <div class="toolbar" role="search">
                    <label class="sr-only" for="search">"Search monitors"</label>
                    <input id="search" type="search" placeholder="Search by name or URL" bind:value=search/>
                    <label class="sr-only" for="filter">"Status"</label>
                    <select id="filter" bind:value=filter>
                        <option value="all">"All statuses"</option>
                        <option value="down">"Down"</option>
                        <option value="up">"Up"</option>
                        <option value="pending">"Pending"</option>
                        <option value="paused">"Paused"</option>
                        <option value="maintenance">"In maintenance"</option>
                    </select>
                    <label class="sr-only" for="sort">"Sort by"</label>
                    <select id="sort" bind:value=sort>
                        <option value="status">"Sort: status"</option>
                        <option value="name">"Sort: name"</option>
                        <option value="uptime">"Sort: lowest uptime (24h)"</option>
                        <option value="p99">"Sort: slowest P99 (24h)"</option>
                        <option value="latency">"Sort: slowest last check"</option>
                    </select>
                    <span class="muted small">{move || {
                        let shown = visible.with(|v| v.len());
                        let all = live.rows.with(|r| r.len());
                        (shown != all).then(|| format!("{shown} of {all} shown"))
                    }}</span>
                </div>
                <div class="list" role="table" aria-label="Monitors" aria-rowcount=move || visible.with(|v| v.len()).to_string()>
                    <div class="list-head" role="row">
                        <span role="columnheader"><span class="sr-only">"Status"</span></span>
                        <span role="columnheader">"Name"</span>
                        <span role="columnheader" class="num">"24h"</span>
                        <span role="columnheader" class="num">"7d"</span>
                        <span role="columnheader" class="num">"30d"</span>
                        <span role="columnheader" class="num">"90d"</span>
                        <span role="columnheader" class="num">"P99 24h"</span>
                        <span role="columnheader" class="num">"Last"</span>
                        <span role="columnheader" style="text-align:right">"Latest checks"</span>
                    </div>
                    <div class="viewport" node_ref=viewport id="monitor-rows">
                        <div style:height=pad_top></div>
                        <For each=in_view key=|(id, _)| *id let:item>
                            <MonitorRow row=item.1/>
                        </For>
                        <div style:height=pad_bottom></div>
                    </div>
                    <Show when=move || visible.with(|v| v.is_empty())>
                        <p class="empty">"No monitor matches."</p>
                    </Show>
                </div>
            </Show>
        </Show>
    }
}

fn matches_narrow() -> bool {
    window()
        .match_media(NARROW_QUERY)
        .ok()
        .flatten()
        .is_some_and(|m| m.matches())
}

/// One monitor's row; each cell follows the row's own signal.
#[component]
fn MonitorRow(row: RwSignal<Row>) -> impl IntoView {
    let id = row.with_untracked(|r| r.id);
    let href = format!("/monitors/{id}");
    let stat = move |f: fn(&flatline_types::MonitorSummary) -> Option<f64>| {
        row.with(|r| r.stats.as_ref().and_then(f))
    };
    let status = Signal::derive(move || row.with(|r| r.status));
    view! {
        <div class="row" role="row" data-id=id data-status=move || status.get().as_str()>
            <span class="dotc" role="cell"><StatusDot status=status/></span>
            <span class="name" role="cell">
                <a href=href>{move || row.with(|r| r.name.clone())}</a>
                <span class="url">{move || row.with(|r| r.url.clone())}</span>
            </span>
            <span class="num c-u24" role="cell"><span class="label">"24h"</span>{move || fmt::pct(stat(|s| s.uptime_24h))}</span>
            <span class="num c-u7" role="cell"><span class="label">"7d"</span>{move || fmt::pct(stat(|s| s.uptime_7d))}</span>
            <span class="num c-u30" role="cell"><span class="label">"30d"</span>{move || fmt::pct(stat(|s| s.uptime_30d))}</span>
            <span class="num c-u90" role="cell"><span class="label">"90d"</span>{move || fmt::pct(stat(|s| s.uptime_90d))}</span>
            <span class="num c-p99" role="cell"><span class="label">"P99 24h"</span>{move || fmt::ms(stat(|s| s.p99_24h_ms))}</span>
            <span class="num c-last" role="cell"><span class="label">"Last"</span>{move || fmt::ms(row.with(|r| r.last_check.as_ref().map(|c| c.latency_ms)))}</span>
            <span class="beats" role="cell" aria-label="Latest checks">
                {move || row.with(|r| r.recent.iter().map(|b| {
                    let text = format!(
                        "{} · {}{}",
                        fmt::local_time(b.at_ms()),
                        fmt::ms(Some(b.latency_ms())),
                        match (b.error(), b.status_code()) {
                            (Some(e), _) => format!(" · {e}"),
                            (None, Some(code)) => format!(" · HTTP {code}"),
                            _ => String::new(),
                        }
                    );
                    view! { <span class=if b.up() { "beat up" } else { "beat down" } title=text></span> }
                }).collect_view())}
            </span>
        </div>
    }
}
