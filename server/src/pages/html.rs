//! The public page as HTML (maud): plain HTML and CSS that read without JavaScript, a few
//! lines of script that refresh it while it is open, light and dark, phone width.

use std::sync::LazyLock;

use base64::Engine;
use flatline_types::{
    MonitorStatus, NoticeLevel, OverallState, PageTheme, PublicDay, PublicIncident,
    PublicMaintenance, PublicMonitor, PublicNotice, PublicStatusPage,
};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use sha2::{Digest, Sha256};

/// Every few seconds, asks `status.json` (revalidating: 304 while nothing changed) whether
/// the page's version moved; when it did, fetches the page and swaps its `<main>`.
const SCRIPT: &str = r#"(()=>{const b=document.body;let v=b.dataset.version;const u=b.dataset.json;setInterval(async()=>{try{const r=await fetch(u,{cache:"no-cache",credentials:"same-origin"});if(!r.ok)return;const d=await r.json();if(d.version===v)return;const h=await fetch(location.href,{cache:"no-cache",credentials:"same-origin"});if(!h.ok)return;const m=new DOMParser().parseFromString(await h.text(),"text/html").querySelector("main");if(m){document.querySelector("main").replaceWith(m);v=d.version;b.dataset.version=v}}catch(e){}},10000)})();"#;

/// The page's Content-Security-Policy: nothing but its own inline style, its own script (by
/// hash), requests to itself and posting its password form to itself.
pub static CSP: LazyLock<String> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT));
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{hash}'; \
         connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; \
         frame-ancestors 'self'"
    )
});

const CSS: &str = r#"
:root{--bg:#f6f7f9;--card:#fff;--fg:#1b1f24;--muted:#5b6470;--line:#dde1e6;--ok:#1f9d55;--warn:#c27c0e;--bad:#d93a3a;--none:#c9ced6;--info:#2f6fdb;color-scheme:light}
.dark{--bg:#0f1216;--card:#171b21;--fg:#e6e9ee;--muted:#9aa4b1;--line:#2a313a;--ok:#34c26f;--warn:#e3a33b;--bad:#f06060;--none:#3a424d;--info:#6a9cf0;color-scheme:dark}
@media (prefers-color-scheme:dark){.auto{--bg:#0f1216;--card:#171b21;--fg:#e6e9ee;--muted:#9aa4b1;--line:#2a313a;--ok:#34c26f;--warn:#e3a33b;--bad:#f06060;--none:#3a424d;--info:#6a9cf0;color-scheme:dark}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:52rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.75rem;margin:.5rem 0}h2{font-size:1.15rem;margin:2rem 0 .75rem}h3{font-size:1rem;margin:0 0 .25rem}
a{color:var(--info)}.muted,.meta{color:var(--muted);font-size:.875rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:1rem;margin:.75rem 0}
.banner{border-radius:.5rem;padding:1rem 1.25rem;font-weight:600;font-size:1.1rem;color:#fff;margin:1.25rem 0}
.banner.operational{background:#1a7f45}.banner.partial_outage{background:#975a00}.banner.major_outage{background:#c22f2f}.banner.under_maintenance{background:#2557b8}
.notice{border-left:4px solid var(--info)}.notice.maintenance{border-left-color:#2557b8}.notice.warning{border-left-color:var(--warn)}.notice.critical{border-left-color:var(--bad)}
.incident{border-left:4px solid var(--bad)}.incident.resolved{border-left-color:var(--ok)}
ul.monitors{list-style:none;margin:0;padding:0}ul.monitors>li{padding:.75rem 0;border-top:1px solid var(--line)}ul.monitors>li:first-child{border-top:0}
.row{display:flex;justify-content:space-between;gap:1rem;align-items:baseline;flex-wrap:wrap}.name{font-weight:600}
.state{font-weight:600;font-size:.9rem}.state.up{color:var(--ok)}.state.down{color:var(--bad)}.state.pending,.state.paused{color:var(--muted)}.state.maintenance{color:var(--info)}
.bars{display:flex;gap:1px;height:2rem;margin:.5rem 0 .25rem}.bars i{flex:1;border-radius:1px;background:var(--none);min-width:1px}
.bars i.g{background:var(--ok)}.bars i.m{background:var(--info)}.bars i.y{background:var(--warn)}.bars i.r{background:var(--bad)}.bars i:hover{opacity:.7}
.axis{display:flex;justify-content:space-between}
ol.updates{list-style:none;padding:0;margin:.5rem 0 0}ol.updates li{margin:.5rem 0}.updates p{margin:.25rem 0}
footer{margin-top:3rem;border-top:1px solid var(--line);padding-top:1rem}
form.unlock{display:flex;gap:.5rem;flex-wrap:wrap}form.unlock input{flex:1;min-width:12rem;padding:.5rem;font:inherit;border:1px solid var(--line);border-radius:.375rem;background:var(--card);color:var(--fg)}
form.unlock button{padding:.5rem 1rem;font:inherit;border:0;border-radius:.375rem;background:var(--info);color:#fff;cursor:pointer}
.error{color:var(--bad)}
.axis .d30{display:none}
@media (max-width:480px){.bars{height:1.5rem}.bars i:nth-child(-n+60){display:none}.axis .d90{display:none}.axis .d30{display:inline}}
"#;

fn shell(
    title: &str,
    theme: PageTheme,
    head: Markup,
    body_attrs: (&str, &str),
    main: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" class=(theme.as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) }
                (head)
                style { (PreEscaped(CSS)) }
            }
            body data-json=(body_attrs.0) data-version=(body_attrs.1) {
                (main)
                @if !body_attrs.0.is_empty() {
                    script { (PreEscaped(SCRIPT)) }
                }
            }
        }
    }
}

/// The page, its links rooted at `base` (`/status/<slug>`, or empty on its custom domain).
pub fn page(data: &PublicStatusPage, base: &str) -> Markup {
    let json = format!("{base}/status.json");
    let feed = format!("{base}/feed.atom");
    let head = html! {
        link rel="alternate" type="application/atom+xml" title=(format!("{} feed", data.title)) href=(feed);
    };
    let main = html! {
        main {
            header {
                h1 { (data.title) }
                @if !data.description_html.is_empty() {
                    div.description { (PreEscaped(&data.description_html)) }
                }
            }
            div class=(format!("banner {}", overall_class(data.overall))) role="status" id="overall" {
                (data.overall.label())
            }
            @if !data.notices.is_empty() {
                section aria-labelledby="notices-h" {
                    h2 id="notices-h" { "Notices" }
                    @for n in &data.notices { (notice(n)) }
                }
            }
            @if !data.maintenance.is_empty() {
                section aria-labelledby="maintenance-h" {
                    h2 id="maintenance-h" { "Maintenance" }
                    @for m in &data.maintenance { (maintenance(m)) }
                }
            }
            @if !data.active_incidents.is_empty() {
                section aria-labelledby="active-h" {
                    h2 id="active-h" { "Active incidents" }
                    @for i in &data.active_incidents { (incident(i)) }
                }
            }
            @for (k, section) in data.sections.iter().enumerate() {
                section.card aria-labelledby=(format!("section-{k}")) {
                    h2 id=(format!("section-{k}")) style="margin-top:0" { (section.name) }
                    @if section.monitors.is_empty() {
                        p.muted { "No monitors in this section." }
                    }
                    ul.monitors {
                        @for m in &section.monitors { (monitor(m)) }
                    }
                }
            }
            section aria-labelledby="history-h" {
                h2 id="history-h" { "Past incidents" }
                @if data.past_incidents.is_empty() && data.past_notices.is_empty() {
                    p.muted { "No incidents in the last 90 days." }
                }
                @for i in &data.past_incidents { (incident(i)) }
                @for n in &data.past_notices { (notice(n)) }
            }
            footer {
                @if !data.footer_html.is_empty() {
                    div { (PreEscaped(&data.footer_html)) }
                }
                p.meta {
                    "Updated " time datetime=(data.generated_at) { (short_time(&data.generated_at)) }
                    " · " a href=(feed) { "Atom feed" }
                    " · " a href=(json) { "JSON" }
                    " · Powered by Flatline"
                }
            }
        }
    };
    shell(&data.title, data.theme, head, (&json, &data.version), main)
}

/// The form a password page shows until its password is given.
pub fn password_form(title: &str, theme: PageTheme, base: &str, wrong: bool) -> Markup {
    let main = html! {
        main {
            h1 { (title) }
            section.card {
                p { "This status page is protected. Enter its password to read it." }
                @if wrong {
                    p.error role="alert" { "That password is not right." }
                }
                form.unlock method="post" action=(format!("{base}/unlock")) {
                    label for="password" class="muted" style="width:100%" { "Password" }
                    input id="password" name="password" type="password" required autocomplete="current-password" autofocus;
                    button type="submit" { "Show the page" }
                }
            }
        }
    };
    shell(title, theme, html! {}, ("", ""), main)
}

/// The answer to a page that does not exist (or that the reader may not know of).
pub fn not_found() -> Markup {
    let main = html! {
        main {
            h1 { "Not found" }
            p.muted { "There is no status page here." }
        }
    };
    shell("Not found", PageTheme::Auto, html! {}, ("", ""), main)
}

fn overall_class(o: OverallState) -> &'static str {
    match o {
        OverallState::Operational => "operational",
        OverallState::PartialOutage => "partial_outage",
        OverallState::MajorOutage => "major_outage",
        OverallState::UnderMaintenance => "under_maintenance",
    }
}

fn monitor(m: &PublicMonitor) -> Markup {
    let (class, label) = match m.status {
        MonitorStatus::Up => ("up", "Operational"),
        MonitorStatus::Down => ("down", "Down"),
        MonitorStatus::Pending => ("pending", "Pending"),
        MonitorStatus::Paused => ("paused", "Paused"),
        MonitorStatus::Maintenance => ("maintenance", "Under maintenance"),
    };
    let pct = |p: Option<f64>| p.map_or_else(|| "–".to_owned(), |p| format!("{p}%"));
    let summary = match m.uptime_90d {
        Some(p) => format!("Uptime over 90 days: {p}%"),
        None => "No uptime data yet".to_owned(),
    };
    html! {
        li data-status=(class) {
            div.row {
                span.name { (m.name) }
                span class=(format!("state {class}")) { (label) }
            }
            div.bars role="img" aria-label=(summary) {
                @for d in &m.days { (day(d)) }
            }
            div.row.meta {
                span.axis { span.d90 { "90 days ago" } span.d30 { "30 days ago" } }
                span {
                    "24h " (pct(m.uptime_24h)) " · 30d " (pct(m.uptime_30d)) " · 90d " (pct(m.uptime_90d))
                    @if let Some(ms) = m.p99_24h_ms { " · P99 " (ms) " ms" }
                }
                span { "Today" }
            }
        }
    }
}

fn day(d: &PublicDay) -> Markup {
    let maintenance = if d.maintenance_seconds > 0.0 {
        format!(", maintenance {}", duration(d.maintenance_seconds))
    } else {
        String::new()
    };
    let (class, title) = match d.uptime_pct {
        None if d.maintenance_seconds > 0.0 => ("m", format!("{}: in maintenance", d.date)),
        None => ("n", format!("{}: no data", d.date)),
        Some(p) => {
            let class = if p >= 100.0 && d.maintenance_seconds > 0.0 {
                "m"
            } else if p >= 100.0 {
                "g"
            } else if p >= 99.0 {
                "y"
            } else {
                "r"
            };
            let down = if d.downtime_seconds > 0.0 {
                format!(", down {}", duration(d.downtime_seconds))
            } else {
                String::new()
            };
            (class, format!("{}: {p}% up{down}{maintenance}", d.date))
        }
    };
    html! { i class=(class) title=(title) {} }
}

/// `45 s`, `12 min`, `3 h 5 min`.
fn duration(seconds: f64) -> String {
    let s = seconds as i64;
    match s {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// `2026-12-02 21:05 UTC` from RFC 3339.
fn short_time(rfc3339: &str) -> String {
    let t: String = rfc3339.chars().take(16).collect();
    format!("{} UTC", t.replace('T', " "))
}

fn incident(i: &PublicIncident) -> Markup {
    let resolved = i.resolved_at.is_some();
    html! {
        article class=(if resolved { "card incident resolved" } else { "card incident" }) id=(format!("incident-{}", i.id)) {
            h3 { (i.monitor) @if resolved { " was down" } @else { " is down" } }
            p.meta {
                "Since " time datetime=(i.started_at) { (short_time(&i.started_at)) }
                @if let Some(r) = &i.resolved_at {
                    " · resolved " time datetime=(r) { (short_time(r)) }
                }
            }
            @if !i.updates.is_empty() {
                ol.updates {
                    @for u in i.updates.iter().rev() {
                        li {
                            strong { (u.state.label()) } " "
                            span.meta { time datetime=(u.created_at) { (short_time(&u.created_at)) } }
                            div { (PreEscaped(&u.message_html)) }
                        }
                    }
                }
            }
        }
    }
}

fn maintenance(m: &PublicMaintenance) -> Markup {
    html! {
        article.card.notice.maintenance {
            h3 { (m.title) @if m.active.is_some() { " (under way)" } }
            @if !m.description_html.is_empty() {
                div { (PreEscaped(&m.description_html)) }
            }
            p.meta {
                @if let Some(a) = &m.active {
                    "Now, until " time datetime=(a.ends_at) { (short_time(&a.ends_at)) }
                    @if !m.upcoming.is_empty() { " · " }
                }
                @for (i, o) in m.upcoming.iter().enumerate() {
                    @if i > 0 { " · " }
                    time datetime=(o.starts_at) { (short_time(&o.starts_at)) }
                    " – "
                    time datetime=(o.ends_at) { (short_time(&o.ends_at)) }
                }
            }
        }
    }
}

fn notice(n: &PublicNotice) -> Markup {
    let level = match n.level {
        NoticeLevel::Info => "info",
        NoticeLevel::Warning => "warning",
        NoticeLevel::Critical => "critical",
    };
    html! {
        article class=(format!("card notice {level}")) id=(format!("notice-{}", n.id)) {
            h3 { (n.title) }
            div { (PreEscaped(&n.message_html)) }
            p.meta {
                "Posted " time datetime=(n.created_at) { (short_time(&n.created_at)) }
                @if let Some(e) = &n.ends_at { " · until " time datetime=(e) { (short_time(e)) } }
            }
        }
    }
}
