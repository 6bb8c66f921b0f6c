//! The latency chart, drawn as SVG by the app: average and P99 of successful checks per
//! interval, failed checks marked along the bottom, a tooltip per interval.

use flatline_types::LatencySeries;
use leptos::prelude::*;

use crate::fmt;

const W: f64 = 800.0;
const H: f64 = 240.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 26.0;

/// Window length in ms by name.
pub fn window_ms(window: &str) -> i64 {
    match window {
        "1h" => 3_600_000,
        "24h" => 86_400_000,
        "7d" => 7 * 86_400_000,
        "30d" => 30 * 86_400_000,
        _ => 90 * 86_400_000,
    }
}

/// A "nice" upper bound for the y axis.
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 {
        return 10.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * mag >= v {
            return m * mag;
        }
    }
    10.0 * mag
}

#[component]
pub fn LatencyChart(series: LatencySeries) -> impl IntoView {
    let now = fmt::now_ms();
    let span = window_ms(&series.window);
    let start = now - span;
    let step_ms = series.step_seconds as i64 * 1000;
    let pts: Vec<(i64, &flatline_types::LatencyPoint)> = series
        .points
        .iter()
        .map(|p| (fmt::parse_ms(&p.at), p))
        .collect();
    let max = pts
        .iter()
        .filter_map(|(_, p)| p.p99_ms.or(p.avg_ms))
        .fold(0.0f64, f64::max);
    let y_max = nice_max(max * 1.05);
    let x = |t: i64| LEFT + (t - start) as f64 / span as f64 * (W - LEFT - RIGHT);
    let y = |v: f64| TOP + (1.0 - v / y_max) * (H - TOP - BOTTOM);
    let base = H - BOTTOM;

    // Lines break where intervals without checks are missing.
    let mut avg_path = String::new();
    let mut p99_path = String::new();
    let mut area = String::new();
    let mut segment: Vec<(f64, f64)> = Vec::new();
    let mut last_t: Option<i64> = None;
    let flush_area = |segment: &mut Vec<(f64, f64)>, area: &mut String| {
        if let (Some(first), Some(last)) = (segment.first(), segment.last()) {
            area.push_str(&format!("M{:.1},{base:.1}", first.0));
            for (px, py) in segment.iter() {
                area.push_str(&format!("L{px:.1},{py:.1}"));
            }
            area.push_str(&format!("L{:.1},{base:.1}Z", last.0));
        }
        segment.clear();
    };
    for (t, p) in &pts {
        let Some(avg) = p.avg_ms else {
            last_t = None;
            flush_area(&mut segment, &mut area);
            continue;
        };
        let gap = last_t.is_none_or(|lt| t - lt > step_ms * 3 / 2);
        let cmd = if gap { 'M' } else { 'L' };
        if gap {
            flush_area(&mut segment, &mut area);
        }
        let (px, py) = (x(*t + step_ms / 2), y(avg));
        avg_path.push_str(&format!("{cmd}{px:.1},{py:.1}"));
        segment.push((px, py));
        if let Some(p99) = p.p99_ms {
            p99_path.push_str(&format!("{cmd}{px:.1},{:.1}", y(p99)));
        }
        last_t = Some(*t);
    }
    flush_area(&mut segment, &mut area);
    // A point with no neighbour draws no line: show it as a dot.
    let with_avg: Vec<(i64, f64)> = pts
        .iter()
        .filter_map(|(t, p)| p.avg_ms.map(|a| (*t, a)))
        .collect();
    let near = |a: i64, b: i64| (b - a).abs() <= step_ms * 3 / 2;
    let dots = with_avg
        .iter()
        .enumerate()
        .filter(|(i, (t, _))| {
            let before = i.checked_sub(1).and_then(|j| with_avg.get(j)).is_some_and(|(p, _)| near(*p, *t));
            let after = with_avg.get(i + 1).is_some_and(|(n, _)| near(*t, *n));
            !before && !after
        })
        .map(|(_, (t, a))| view! { <circle class="dot-avg" cx=x(*t + step_ms / 2) cy=y(*a) r=3></circle> })
        .collect_view();

    let ticks = (0..=4).map(|i| {
        let v = y_max * f64::from(i) / 4.0;
        let ty = y(v);
        view! {
            <line class="grid" x1=LEFT x2=W - RIGHT y1=ty y2=ty></line>
            <text x=LEFT - 6.0 y=ty + 4.0 text-anchor="end">{fmt::ms(Some(v))}</text>
        }
    });
    let xticks = (0..=4).map(|i| {
        let t = start + span * i / 4;
        let anchor = match i {
            0 => "start",
            4 => "end",
            _ => "middle",
        };
        view! { <text x=x(t) y=H - 8.0 text-anchor=anchor>{fmt::axis_time(t, span)}</text> }
    });
    let width = ((step_ms as f64 / span as f64) * (W - LEFT - RIGHT)).max(1.0);
    let hits = pts
        .iter()
        .map(|(t, p)| {
            let title = format!(
                "{} · {} checks{} · avg {} · p99 {}",
                fmt::local_time(*t),
                p.checks,
                if p.failed_checks > 0 {
                    format!(", {} failed", p.failed_checks)
                } else {
                    String::new()
                },
                fmt::ms(p.avg_ms),
                fmt::ms(p.p99_ms)
            );
            let fail = (p.failed_checks > 0).then(|| {
                view! { <rect class="fail" x=x(*t) y=base - 4.0 width=width height=4.0></rect> }
            });
            view! {
                {fail}
                <rect class="hit" x=x(*t) y=TOP width=width height=base - TOP><title>{title}</title></rect>
            }
        })
        .collect_view();
    let empty = pts.is_empty();
    view! {
        <svg class="chart" viewBox=format!("0 0 {W} {H}") role="img"
            aria-label=format!("Latency over {}: {} intervals, highest P99 {}", series.window, pts.len(), fmt::ms(Some(max)))>
            {ticks.collect_view()}
            {xticks.collect_view()}
            <path class="area" d=area></path>
            <path class="p99" d=p99_path></path>
            <path class="avg" d=avg_path></path>
            {dots}
            {hits}
            {empty.then(|| view! { <text x=W / 2.0 y=H / 2.0 text-anchor="middle">"No checks in this window yet"</text> })}
        </svg>
        <div class="legend">
            <span><i style="background:var(--accent)"></i>"average"</span>
            <span><i style="background:var(--pending)"></i>"P99"</span>
            <span><i style="background:var(--down)"></i>"failed checks"</span>
        </div>
    }
}
