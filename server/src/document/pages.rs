//! Planning a document's status pages and maintenance windows: each checked as the API
//! checks it (with stand-in ids for monitors the document creates), a page's password
//! compared with the stored hash, never shown.

use flatline_types::occurrences::Plan as Occurrences;
use flatline_types::{PageMonitor, PageSection, PlanAction, ResourceKind};

use super::canonical;
use super::model::{DocError, Document, PageMonitorRef, SectionRef};
use super::plan::{at, decide, Planned, Step};
use super::refs::Refs;
use super::state::State;

/// Adds the plans of `doc`'s pages and windows to `out`.
pub async fn plan_pages_and_windows(
    doc: &Document,
    state: &State,
    refs: &Refs<'_>,
    now_ms: i64,
    out: &mut Vec<Planned>,
) -> Result<(), DocError> {
    for p in &doc.pages {
        let mut sections = Vec::with_capacity(p.sections.len());
        for (i, s) in p.sections.iter().enumerate() {
            let mut monitors = Vec::with_capacity(s.monitors.len());
            for (j, pm) in s.monitors.iter().enumerate() {
                let path = format!("{}.sections[{i}].monitors[{j}].monitor", p.path);
                monitors.push(PageMonitorRef {
                    monitor: refs.monitor(&pm.monitor, path)?,
                    display_name: pm.display_name.clone(),
                });
            }
            sections.push(SectionRef {
                name: s.name.clone(),
                monitors,
            });
        }
        let mut body = p.body.clone();
        body.key = None;
        body.sections = sections
            .iter()
            .map(|s| PageSection {
                name: s.name.clone(),
                monitors: s
                    .monitors
                    .iter()
                    .map(|m| PageMonitor {
                        monitor_id: refs.placeholder(&m.monitor),
                        display_name: m.display_name.clone(),
                    })
                    .collect(),
            })
            .collect();
        let (spec, password) = body.validate().map_err(at(&p.path))?;
        // What the form holds is the checked text (trimmed names and all).
        let checked: Vec<SectionRef> = spec
            .sections
            .iter()
            .zip(&sections)
            .map(|(s, r)| SectionRef {
                name: s.name.clone(),
                monitors: s
                    .monitors
                    .iter()
                    .zip(&r.monitors)
                    .map(|(m, pr)| PageMonitorRef {
                        monitor: pr.monitor.clone(),
                        display_name: m.display_name.clone(),
                    })
                    .collect(),
            })
            .collect();
        let form = canonical::page(&p.key, &spec, &checked);
        let current = state
            .pages
            .iter()
            .find(|s| s.key.as_deref() == Some(&p.key));
        let before = current.map(|s| state.page_form(&p.key, s));
        // A password is compared with the stored hash, never stored or shown in clear.
        let new_password = match (&password, current) {
            (Some(pw), Some(s)) => {
                let (pw2, hash) = (pw.clone(), s.password_hash.clone().unwrap_or_default());
                let same = crate::auth::local::blocking(move || {
                    crate::auth::local::verify_password(&pw2, &hash)
                })
                .await
                .unwrap_or(false);
                (!same).then(|| pw.clone())
            }
            (pw, _) => pw.clone(),
        };
        let step = Step::Page {
            id: current.map(|s| s.id),
            spec: Box::new(spec),
            sections: checked,
            password: new_password.clone(),
        };
        let mut planned = decide(
            ResourceKind::StatusPage,
            &p.key,
            current.map(|s| (s.id, s.applied.as_deref())),
            before,
            form,
            doc.refs_of(&p.path),
            step.clone(),
        );
        if current.is_some() && new_password.is_some() {
            planned.change.action = PlanAction::Update;
            planned.change.changes.push(flatline_types::FieldChange {
                field: "password".into(),
                before: canonical::MASK.into(),
                after: canonical::MASK.into(),
            });
            planned.step = Some(step);
        }
        out.push(planned);
    }

    for w in &doc.maintenance {
        let monitors = w
            .monitors
            .iter()
            .enumerate()
            .map(|(i, r)| refs.monitor(r, format!("{}.monitors[{i}]", w.path)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut body = w.body.clone();
        body.key = None;
        body.monitors = monitors.iter().map(|r| refs.placeholder(r)).collect();
        let spec = body.validated().map_err(at(&w.path))?;
        let current = state
            .maintenance
            .iter()
            .find(|s| s.key.as_deref() == Some(&w.key));
        Occurrences::of(&spec, current.map_or(now_ms, |s| s.created_at_ms)).map_err(at(&w.path))?;
        let form = canonical::maintenance(&w.key, &spec, &monitors);
        let before = current.map(|s| state.maintenance_form(&w.key, s));
        out.push(decide(
            ResourceKind::Maintenance,
            &w.key,
            current.map(|s| (s.id, s.applied.as_deref())),
            before,
            form,
            doc.refs_of(&w.path),
            Step::Maintenance {
                id: current.map(|s| s.id),
                spec: Box::new(spec),
                monitors,
            },
        ));
    }

    Ok(())
}
