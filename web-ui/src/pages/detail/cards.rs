//! The detail page's cards: the TLS certificate, the public badges, the headline numbers,
//! the 90 daily uptime bars.

use flatline_types::{Certificate, MonitorStats, UptimeBars};
use leptos::prelude::*;

use super::Slot;
use crate::fmt;

/// The TLS certificate the monitor's target presented, with the days it has left.
#[component]
pub(super) fn CertificateCard(c: Certificate) -> impl IntoView {
    let tone = match c.days_left {
        d if d < 0 => "var(--down)",
        d if d <= 14 => "var(--pending)",
        _ => "var(--up)",
    };
    let left = match c.days_left {
        d if d < 0 => format!("expired {} day{} ago", -d, if d == -1 { "" } else { "s" }),
        1 => "1 day left".to_owned(),
        d => format!("{d} days left"),
    };
    let sans = c.sans.join(", ");
    view! {
        <section class="panel" aria-labelledby="certificate-h" id="certificate" style="margin-bottom:1rem">
            <h2 id="certificate-h" style="margin-top:0">"TLS certificate"</h2>
            <div class="cards" style="margin-bottom:.5rem">
                <div class="card"><div class="k">"Expires"</div><div class="v" id="certificate-days" style=format!("color:{tone}")>{left}</div></div>
                <div class="card"><div class="k">"Not after"</div><div class="v small">{fmt::local(&c.not_after)}</div></div>
            </div>
            <dl class="facts small">
                <dt>"Subject"</dt><dd class="mono">{c.subject}</dd>
                <dt>"Issuer"</dt><dd class="mono">{c.issuer}</dd>
                <dt>"Valid for"</dt><dd class="mono">{if sans.is_empty() { "—".to_owned() } else { sans }}</dd>
                <dt>"SHA-256"</dt><dd class="mono" style="word-break:break-all">{c.sha256}</dd>
                <dt>"Read"</dt><dd>{fmt::local(&c.checked_at)}</dd>
            </dl>
        </section>
    }
}

/// The monitor's public badges, with snippets to paste into a README (Markdown) or a page
/// (HTML).
#[component]
pub(super) fn BadgesCard(name: String, badge_key: String) -> impl IntoView {
    let origin = window().location().origin().unwrap_or_default();
    let badges = [
        ("Status", "status.svg"),
        ("Uptime (30 days)", "uptime.svg?window=30d"),
        ("P99 latency (24 h)", "latency.svg"),
    ];
    let rows = badges
        .into_iter()
        .map(|(what, file)| {
            let url = format!("{origin}/badge/{badge_key}/{file}");
            let alt = format!("{name}: {}", what.to_lowercase());
            let markdown = format!("![{alt}]({url})");
            let html = format!("<img src=\"{url}\" alt=\"{alt}\">");
            view! {
                <dt><img src=url.clone() alt=alt.clone() class="badge-img"/></dt>
                <dd>
                    <label class="small">"Markdown "<input class="mono snippet" readonly value=markdown/></label>
                    <label class="small">"HTML "<input class="mono snippet" readonly value=html/></label>
                </dd>
            }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="badges-h" id="badges" style="margin-bottom:1rem">
            <h2 id="badges-h" style="margin-top:0">"Badges"</h2>
            <p class="small muted">"Anyone with these links sees them; they name the monitor and its state, nothing else. Turn them off with “Public badges” in the monitor's settings."</p>
            <dl class="facts badges">{rows}</dl>
        </section>
    }
}

#[component]
pub(super) fn StatsCards(
    stats: Slot<MonitorStats>,
    live_last: Signal<Option<f64>>,
) -> impl IntoView {
    move || match stats.get() {
        None => view! { <p class="muted">"Loading numbers…"</p> }.into_any(),
        Some(Err(e)) => view! { <div class="error-box">{e.message}</div> }.into_any(),
        Some(Ok(s)) => {
            let find = |w: &str| s.windows.iter().find(|x| x.window == w).cloned();
            let card = |k: String, v: String| view! { <div class="card"><div class="k">{k}</div><div class="v">{v}</div></div> };
            let cards = ["24h", "7d", "30d", "90d"]
                .into_iter()
                .map(|w| {
                    card(
                        format!("Uptime {w}"),
                        fmt::pct(find(w).and_then(|x| x.uptime_pct)),
                    )
                })
                .collect_view();
            let day = find("24h");
            let rows = s.windows.clone();
            view! {
                <div class="cards" id="stats-cards">
                    <div class="card"><div class="k">"Last check"</div><div class="v">{move || fmt::ms(live_last.get())}</div></div>
                    {cards}
                    {card("P99 24h".into(), fmt::ms(day.as_ref().and_then(|d| d.p99_ms)))}
                    {card("Avg 24h".into(), fmt::ms(day.as_ref().and_then(|d| d.avg_ms)))}
                </div>
                <details class="panel" style="margin-bottom:1rem">
                    <summary>"All statistics"</summary>
                    <div class="table-wrap" style="border:0">
                        <table id="stats-table">
                            <thead><tr><th>"Window"</th><th class="num">"Uptime"</th><th class="num">"P50"</th><th class="num">"P95"</th><th class="num">"P99"</th><th class="num">"Avg"</th><th class="num">"Checks"</th><th class="num">"Failed"</th><th class="num">"Incidents"</th><th class="num">"Downtime"</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|w| view! {
                                    <tr>
                                        <td>{w.window}</td>
                                        <td class="num">{fmt::pct(w.uptime_pct)}</td>
                                        <td class="num">{fmt::ms(w.p50_ms)}</td>
                                        <td class="num">{fmt::ms(w.p95_ms)}</td>
                                        <td class="num">{fmt::ms(w.p99_ms)}</td>
                                        <td class="num">{fmt::ms(w.avg_ms)}</td>
                                        <td class="num">{w.checks}</td>
                                        <td class="num">{w.failed_checks}</td>
                                        <td class="num">{w.incidents}</td>
                                        <td class="num">{fmt::duration(w.downtime_seconds)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                </details>
            }.into_any()
        }
    }
}

#[component]
pub(super) fn UptimeBarsView(bars: UptimeBars) -> impl IntoView {
    let first = bars
        .days
        .first()
        .map(|d| d.date.clone())
        .unwrap_or_default();
    let monitored: Vec<f64> = bars.days.iter().filter_map(|d| d.uptime_pct).collect();
    let days = bars.days.len();
    view! {
        <div class="bars" role="img" aria-label=format!("Daily uptime over {days} days")>
            {bars.days.into_iter().map(|d| {
                let class = match d.uptime_pct {
                    None => "",
                    Some(p) if p >= 99.95 => "up",
                    Some(p) if p >= 95.0 => "partial",
                    Some(_) => "down",
                };
                let title = match d.uptime_pct {
                    None => format!("{}: not monitored", d.date),
                    Some(p) => format!("{}: {} up · {} checks, {} failed · down {}", d.date, fmt::pct(Some(p)), d.checks, d.failed_checks, fmt::duration(d.downtime_seconds)),
                };
                view! { <span class=class title=title></span> }
            }).collect_view()}
        </div>
        <div class="bars-legend">
            <span>{first}</span>
            <span>{format!("{} days monitored", monitored.len())}</span>
            <span>"today"</span>
        </div>
    }
}
