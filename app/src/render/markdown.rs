//! Markdown to HTML: pulldown-cmark with the GFM extensions and smart punctuation,
//! headings given ids and anchor links, fenced code highlighted at build time, and an
//! image alone in its paragraph with a title made a figure with that caption.

use std::collections::HashMap;

use pulldown_cmark::{
    html, CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd,
};
use pulldown_cmark_escape::escape_html;

use super::highlight;

/// Changes whenever the HTML made from the same Markdown may change (parser options,
/// heading ids, highlighting): the body cache and every page key include it.
pub const VERSION: &str = concat!("folio ", env!("CARGO_PKG_VERSION"), " markdown v7");

/// folio's Markdown: CommonMark with GitHub's tables, footnotes, strikethrough, task
/// lists and alerts (`> [!NOTE]`: Ghost's callouts), smart punctuation and heading
/// attributes. (The store's digests parse with
/// the same options: see `store::digest`.)
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

/// Code highlighted in one body, in bytes; blocks beyond are escaped only.
pub const MAX_HIGHLIGHTED: usize = 256 * 1024;

/// The HTML of a post body.
pub fn to_html(markdown: &str) -> String {
    to_html_reusing(markdown, &highlight::Blocks::default())
}

/// The HTML of a post body, taking from `blocks` any code block it has already.
pub fn to_html_reusing(markdown: &str, blocks: &highlight::Blocks) -> String {
    let mut out = String::with_capacity(markdown.len() * 2);
    let mut ids = HashMap::new();
    let mut pending: Vec<Event> = Vec::new();
    // Some(..) while inside a heading or a fenced code block, whose events are buffered.
    let mut heading: Option<(HeadingLevel, Option<CowStr>)> = None;
    let mut code: Option<(String, String)> = None;
    let mut highlighted = 0;
    let mut events = Vec::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                heading = Some((level, id));
                pending.clear();
            }
            Event::End(TagEnd::Heading(_)) => {
                let (level, explicit) = heading.take().expect("a heading ends after it starts");
                let mut inner = String::new();
                html::push_html(&mut inner, pending.drain(..));
                let id = unique_id(&mut ids, explicit.as_deref(), &inner);
                let mut tag = String::with_capacity(inner.len() + 2 * id.len() + 64);
                tag.push_str(&format!("<{level} id=\""));
                escape_html(&mut tag, &id).expect("writing to a String cannot fail");
                tag.push_str("\">");
                tag.push_str(&inner);
                tag.push_str(" <a class=\"anchor\" href=\"#");
                escape_html(&mut tag, &id).expect("writing to a String cannot fail");
                tag.push_str(&format!(
                    "\" aria-hidden=\"true\" tabindex=\"-1\">#</a></{level}>\n"
                ));
                events.push(Event::Html(tag.into()));
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(lang) => lang.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((lang, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                let (lang, text) = code.take().expect("a code block ends after it starts");
                highlighted += text.len();
                let block = match blocks.get(&lang, &text) {
                    Some(block) => block.to_owned(),
                    // Past the cap, code is shown as it is: highlighting takes far
                    // more memory and time than the text.
                    None if highlighted > MAX_HIGHLIGHTED => highlight::code_block("", &text),
                    None => highlight::code_block(&lang, &text),
                };
                events.push(Event::Html(block.into()));
            }
            Event::Text(text) if code.is_some() => {
                code.as_mut().expect("checked").1.push_str(&text);
            }
            other if heading.is_some() => pending.push(other),
            other => events.push(other),
        }
    }
    html::push_html(&mut out, figures(events).into_iter());
    out
}

/// `![alt](src "caption")` alone in its paragraph, linked or not, as a figure whose
/// caption is the title read as Markdown (a link to the photographer, emphasis):
/// what an image with a caption is in Ghost and in HTML.
fn figures(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut out = Vec::with_capacity(events.len());
    let mut i = 0;
    while i < events.len() {
        match figure(&events[i..]) {
            Some((html, taken)) => {
                out.push(Event::Html(html.into()));
                i += taken;
            }
            None => {
                out.push(events[i].clone());
                i += 1;
            }
        }
    }
    out
}

/// The figure that `events` start with, and how many events it takes.
fn figure(events: &[Event]) -> Option<(String, usize)> {
    let Some(Event::Start(Tag::Paragraph)) = events.first() else {
        return None;
    };
    let mut at = 1;
    let link = match events.get(at) {
        Some(Event::Start(Tag::Link {
            dest_url, title, ..
        })) => {
            at += 1;
            Some((dest_url, title))
        }
        _ => None,
    };
    let Some(Event::Start(Tag::Image {
        dest_url: src,
        title: caption,
        ..
    })) = events.get(at)
    else {
        return None;
    };
    if caption.trim().is_empty() {
        return None;
    }
    at += 1;
    let mut alt = String::new();
    loop {
        match events.get(at)? {
            Event::End(TagEnd::Image) => break,
            Event::Text(text) | Event::Code(text) => alt.push_str(text),
            Event::SoftBreak | Event::HardBreak => alt.push(' '),
            _ => {}
        }
        at += 1;
    }
    at += 1;
    if link.is_some() {
        let Some(Event::End(TagEnd::Link)) = events.get(at) else {
            return None;
        };
        at += 1;
    }
    let Some(Event::End(TagEnd::Paragraph)) = events.get(at) else {
        return None;
    };
    let mut html = String::from("<figure>");
    if let Some((href, title)) = link {
        html.push_str("<a href=\"");
        pulldown_cmark_escape::escape_href(&mut html, href).expect("writing to a String");
        if !title.is_empty() {
            html.push_str("\" title=\"");
            escape_html(&mut html, title).expect("writing to a String");
        }
        html.push_str("\">");
    }
    html.push_str("<img src=\"");
    pulldown_cmark_escape::escape_href(&mut html, src).expect("writing to a String");
    html.push_str("\" alt=\"");
    escape_html(&mut html, &alt).expect("writing to a String");
    html.push_str("\">");
    if link.is_some() {
        html.push_str("</a>");
    }
    html.push_str("<figcaption>");
    html.push_str(&caption_html(caption));
    html.push_str("</figcaption></figure>\n");
    Some((html, at + 1))
}

/// A caption's Markdown as inline HTML; text that would make blocks (a heading, a
/// list) stays text.
fn caption_html(caption: &str) -> String {
    let html = to_html(caption);
    let inline = html
        .trim_end()
        .strip_prefix("<p>")
        .and_then(|h| h.strip_suffix("</p>"))
        .filter(|h| !h.contains("<p>"));
    match inline {
        Some(inline) => inline.to_owned(),
        None => {
            let mut text = String::new();
            escape_html(&mut text, caption).expect("writing to a String");
            text
        }
    }
}

/// A heading id: the explicit `{#id}` if given, else the heading's text slugified;
/// repeats get `-1`, `-2`... so every anchor on the page is unique.
fn unique_id(
    seen: &mut HashMap<String, usize>,
    explicit: Option<&str>,
    inner_html: &str,
) -> String {
    let base = match explicit {
        Some(id) => id.to_owned(),
        None => {
            let text = strip_tags(inner_html);
            let slug = slug::slugify(text);
            if slug.is_empty() {
                "section".to_owned()
            } else {
                slug
            }
        }
    };
    let count = seen.entry(base.clone()).or_insert(0);
    *count += 1;
    if *count == 1 {
        base
    } else {
        format!("{base}-{}", *count - 1)
    }
}

fn strip_tags(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_alone_with_a_title_is_a_figure_with_that_caption() {
        let html = to_html(
            "![A *cat*](/c.jpg \"By [Mara](https://m.example) on `film`\")\n\n[![B](/b.jpg \"Warm\")](https://t.example/?a=1&b=2)\n\nText ![C](/x.jpg \"not alone\")\n\n![D](/d.jpg)\n\n![E](/e.jpg \"# not a heading\")\n",
        );
        assert!(
            html.contains(r#"<figure><img src="/c.jpg" alt="A cat"><figcaption>By <a href="https://m.example">Mara</a> on <code>film</code></figcaption></figure>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<figure><a href="https://t.example/?a=1&amp;b=2"><img src="/b.jpg" alt="B"></a><figcaption>Warm</figcaption></figure>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<p>Text <img src="/x.jpg" alt="C" title="not alone" /></p>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<p><img src="/d.jpg" alt="D" /></p>"#),
            "{html}"
        );
        assert!(
            html.contains("<figcaption># not a heading</figcaption>"),
            "{html}"
        );
    }

    #[test]
    fn gfm_and_anchors() {
        let html = to_html("# Hello *you*\n\n## Hello you\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~x~~ - [x] \"q\"[^1]\n\n[^1]: note\n");
        assert!(
            html.contains(
                "<h1 id=\"hello-you\">Hello <em>you</em> <a class=\"anchor\" href=\"#hello-you\""
            ),
            "{html}"
        );
        assert!(html.contains("<h2 id=\"hello-you-1\">"), "{html}");
        assert!(
            html.contains("<table>") && html.contains("<del>x</del>"),
            "{html}"
        );
        assert!(html.contains("“q”"), "{html}");
        assert!(html.contains("footnote-definition"), "{html}");
    }

    #[test]
    fn code_is_highlighted_not_smartened() {
        let html = to_html("```python\nprint(\"hi\")\n```\n");
        assert!(
            html.contains("hl-string") && html.contains("&quot;") && !html.contains('“'),
            "{html}"
        );
    }

    #[test]
    fn code_blocks_of_the_last_html_are_used_again_only_for_the_same_code() {
        let before = "Intro.\n\n```rust\nfn main() { let s = \"<&>'\"; }\n```\n\n\
                      ```python\nprint('x')  # c\n```\n\n```\nplain <b>\n```\n\n\
                      ```yaml {hl_lines=1}\nkey: \"v\"\n```\n\n```brainfuck\n+[-]\n```\n";
        let blocks = highlight::Blocks::of(&to_html(before));
        let after = [
            // Prose edited, code the same.
            before.replace("Intro.", "Intro, edited."),
            // Code edited, or the same code in another language.
            before.replace("print('x')", "print('y')"),
            before.replace("```rust", "```js"),
            before.replace("```yaml {hl_lines=1}", "```yaml"),
            "```rust\nfn main() { let s = \"<&>\"; }\n```\n".to_owned(),
        ];
        for markdown in after {
            assert_eq!(
                to_html_reusing(&markdown, &blocks),
                to_html(&markdown),
                "{markdown}"
            );
        }
        // Reused indeed: a block found is the very block made before.
        let code = "fn main() { let s = \"<&>'\"; }\n";
        assert_eq!(
            blocks.get("rust", code),
            Some(highlight::code_block("rust", code).as_str())
        );
        assert_eq!(blocks.get("rust", "fn other() {}\n"), None);
    }
}
