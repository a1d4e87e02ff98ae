//! The HTML of a body an author wrote, cleaned (ammonia): no scripts, no event
//! handlers, no `javascript:` URLs, no forms or styles, iframes only from the
//! players Ghost's embed cards use. What Markdown itself makes (heading ids and
//! anchors, highlighted code, tables, footnotes, task lists) passes unchanged.
//!
//! Editors and owners keep raw HTML (Ghost's trust model): their posts are not
//! cleaned. An author's are, because anything that runs on the site's pages runs
//! for every reader, the owner among them.

use std::collections::HashSet;
use std::sync::LazyLock;

/// Hosts whose players may be framed in an author's post (https only).
const FRAME_HOSTS: [&str; 8] = [
    "www.youtube.com",
    "youtube.com",
    "www.youtube-nocookie.com",
    "player.vimeo.com",
    "open.spotify.com",
    "w.soundcloud.com",
    "codepen.io",
    "embed.music.apple.com",
];

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_generic_attributes(["class", "id", "aria-hidden", "aria-label"])
        .add_tags([
            "figure",
            "figcaption",
            "iframe",
            "input",
            "video",
            "audio",
            "source",
            "picture",
        ])
        .add_tag_attributes("th", ["style"])
        .add_tag_attributes("td", ["style"])
        // A task list's box, and nothing a form could use: whatever the author
        // wrote, an input is a disabled checkbox.
        .add_tag_attributes("input", ["checked"])
        .set_tag_attribute_value("input", "type", "checkbox")
        .set_tag_attribute_value("input", "disabled", "")
        .add_tag_attributes(
            "iframe",
            [
                "src",
                "width",
                "height",
                "title",
                "allow",
                "allowfullscreen",
                "loading",
                "frameborder",
            ],
        )
        .add_tag_attributes("video", ["src", "controls", "poster", "width", "height"])
        .add_tag_attributes("audio", ["src", "controls"])
        .add_tag_attributes("source", ["src", "srcset", "type", "media", "sizes"])
        .add_tag_attributes("img", ["srcset", "sizes", "loading", "decoding"])
        // What the renderer writes for the keyboard: a code block it can scroll, a
        // heading's anchor it skips.
        .add_tag_attributes("pre", ["tabindex"])
        .add_tag_attributes("a", ["tabindex"])
        // Table alignment is the one style Markdown writes.
        .filter_style_properties(HashSet::from(["text-align"]))
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            ("iframe", "src") => framable(value).then(|| value.into()),
            // Never a place in the page's focus order of the author's choosing.
            ("pre", "tabindex") => (value == "0").then(|| value.into()),
            ("a", "tabindex") => (value == "-1").then(|| value.into()),
            _ => Some(value.into()),
        });
    builder
});

/// Whether `src` is an https URL of one of [`FRAME_HOSTS`].
fn framable(src: &str) -> bool {
    let Some(rest) = src.strip_prefix("https://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    FRAME_HOSTS.contains(&host.to_ascii_lowercase().as_str())
}

/// `html` without anything that could run code or post data.
pub fn clean(html: &str) -> String {
    CLEANER.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::markdown::to_html;

    #[test]
    fn scripts_handlers_and_javascript_urls_are_removed() {
        let markdown = "# Title\n\n<script>fetch('/admin/api/users')</script>\n\n\
            <img src=x onerror=\"alert(1)\"> <a href=\"javascript:alert(1)\">x</a>\n\n\
            <svg><script>alert(1)</script></svg><form action=/admin/api/users><button>go</button></form>\n\n\
            <iframe src=\"https://evil.example/\"></iframe>\n\n\
            <iframe src=\"https://www.youtube.com/embed/abc\" allowfullscreen></iframe>\n\n\
            <div style=\"background:url(javascript:alert(1))\" onclick=\"x()\">text</div>\n";
        let html = clean(&to_html(markdown));
        for gone in [
            "<script",
            "onerror",
            "javascript:",
            "evil.example",
            "<form",
            "onclick",
            "background",
        ] {
            assert!(!html.contains(gone), "{gone} in {html}");
        }
        assert!(
            html.contains("<iframe src=\"https://www.youtube.com/embed/abc\""),
            "{html}"
        );
        assert!(
            html.contains(
                "<h1 id=\"title\">Title <a class=\"anchor\" href=\"#title\" aria-hidden=\"true\""
            ),
            "{html}"
        );
        assert!(html.contains("text</div>"), "{html}");
    }

    #[test]
    fn what_markdown_makes_passes() {
        let markdown = "```rust\nfn main() {}\n```\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n\
            - [x] done\n\nNote[^1].\n\n[^1]: here\n";
        let raw = to_html(markdown);
        let html = clean(&raw);
        assert!(
            html.contains("<pre class=\"hl\" tabindex=\"0\"><code class=\"language-rust\">"),
            "{html}"
        );
        assert!(html.contains("class=\"hl-"), "{html}");
        assert!(html.contains("style=\"text-align:left\""), "{html}");
        assert!(html.contains("type=\"checkbox\""), "{html}");
        assert!(html.contains("footnote-definition"), "{html}");
    }
}
