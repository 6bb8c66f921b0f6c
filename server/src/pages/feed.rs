//! A page's incidents, their updates and its notices as an Atom feed (atom_syndication), so
//! anyone can follow the page in a feed reader.

use atom_syndication::{Content, Entry, Feed, FixedDateTime, Link, Person, Text};
use flatline_types::{PublicIncident, PublicNotice, PublicStatusPage};

fn time(rfc3339: &str) -> FixedDateTime {
    rfc3339.parse().unwrap_or_default()
}

fn link(href: String, rel: &str, mime: Option<&str>) -> Link {
    let mut l = Link::default();
    l.set_href(href);
    l.set_rel(rel);
    l.set_mime_type(mime.map(str::to_owned));
    l
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn incident_entry(i: &PublicIncident, page_url: &str) -> Entry {
    let mut e = Entry::default();
    let title = match &i.resolved_at {
        Some(_) => format!("Resolved: {} was down", i.monitor),
        None => format!("{} is down", i.monitor),
    };
    e.set_title(Text::plain(title));
    e.set_id(format!("{page_url}#incident-{}", i.id));
    let updated = i
        .updates
        .iter()
        .map(|u| u.created_at.as_str())
        .chain(i.resolved_at.as_deref())
        .chain([i.started_at.as_str()])
        .max()
        .unwrap_or(&i.started_at);
    e.set_updated(time(updated));
    e.set_published(Some(time(&i.started_at)));
    e.set_links(vec![link(
        format!("{page_url}#incident-{}", i.id),
        "alternate",
        Some("text/html"),
    )]);
    let mut body = format!("<p>Started {}.", html_escape(&i.started_at));
    if let Some(r) = &i.resolved_at {
        body.push_str(&format!(" Resolved {}.", html_escape(r)));
    }
    body.push_str("</p>");
    for u in i.updates.iter().rev() {
        body.push_str(&format!(
            "<h4>{} ({})</h4>{}",
            u.state.label(),
            html_escape(&u.created_at),
            u.message_html
        ));
    }
    let mut content = Content::default();
    content.set_content_type(Some("html".to_owned()));
    content.set_value(Some(body));
    e.set_content(Some(content));
    e
}

fn notice_entry(n: &PublicNotice, page_url: &str) -> Entry {
    let mut e = Entry::default();
    e.set_title(Text::plain(n.title.clone()));
    e.set_id(format!("{page_url}#notice-{}", n.id));
    e.set_updated(time(&n.updated_at));
    e.set_published(Some(time(&n.created_at)));
    e.set_links(vec![link(
        format!("{page_url}#notice-{}", n.id),
        "alternate",
        Some("text/html"),
    )]);
    let mut content = Content::default();
    content.set_content_type(Some("html".to_owned()));
    content.set_value(Some(n.message_html.clone()));
    e.set_content(Some(content));
    e
}

/// The feed of `data`, whose page is at `page_url` and the feed itself at `feed_url`
/// (absolute).
pub fn feed(data: &PublicStatusPage, page_url: &str, feed_url: &str) -> String {
    let mut entries: Vec<Entry> = data
        .active_incidents
        .iter()
        .chain(&data.past_incidents)
        .map(|i| incident_entry(i, page_url))
        .chain(
            data.notices
                .iter()
                .chain(&data.past_notices)
                .map(|n| notice_entry(n, page_url)),
        )
        .collect();
    entries.sort_by(|a, b| b.updated().cmp(a.updated()));
    let mut feed = Feed::default();
    feed.set_title(Text::plain(data.title.clone()));
    feed.set_id(page_url.to_owned());
    feed.set_updated(
        entries
            .first()
            .map(|e| *e.updated())
            .unwrap_or_else(|| time(&data.generated_at)),
    );
    feed.set_links(vec![
        link(page_url.to_owned(), "alternate", Some("text/html")),
        link(feed_url.to_owned(), "self", Some("application/atom+xml")),
    ]);
    let mut author = Person::default();
    author.set_name(data.title.clone());
    feed.set_authors(vec![author]);
    feed.set_entries(entries);
    feed.to_string()
}
