//! Markdown written by people (incident updates) rendered to HTML that is safe to show:
//! CommonMark by pulldown-cmark, then sanitised by ammonia (no scripts, styles, event
//! handlers or `javascript:` links; links get `rel="noopener noreferrer"`).

use pulldown_cmark::{html, Options, Parser};

/// `markdown` as sanitised HTML.
pub fn to_safe_html(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

    #[test]
    fn markdown_renders_and_nothing_runs() {
        let html = to_safe_html("**Database** is *slow*; see [status](https://example.org).");
        assert!(html.contains("<strong>Database</strong>"), "{html}");
        assert!(html.contains("rel=\"noopener noreferrer\""), "{html}");
        let html = to_safe_html(
            "[x](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n<script>alert(1)</script>",
        );
        assert!(html.contains(">x</a>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }
}
