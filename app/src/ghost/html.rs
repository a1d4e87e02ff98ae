//! Ghost's HTML to Markdown. Ghost renders every body (Lexical, Mobiledoc or HTML)
//! to `html` with its own card renderers; converting that one format keeps what
//! readers saw for every Ghost version. What Markdown expresses (text, headings,
//! lists, quotes, links, images, code, tables) becomes Markdown, and so do the cards
//! with a Markdown form (see `cards`); the others (embeds, galleries, toggles,
//! products, HTML cards...) stay as raw HTML blocks, and the report names each one
//! and how much of the post they are.

use std::sync::{Arc, Mutex};

use htmd::element_handler::{HandlerResult, Handlers};
use htmd::{Element, HtmlToMarkdown};
use html5ever::serialize::{serialize, SerializeOpts, TraversalScope};
use markup5ever_rcdom::SerializableHandle;
use regex::Regex;
use std::sync::LazyLock;

use crate::content::redirects::SUBSCRIBE;

/// A converted body and what could not be written as Markdown.
#[derive(Debug, Default)]
pub(super) struct Converted {
    pub markdown: String,
    /// Cards kept as HTML, by Ghost's card name (`bookmark`, `html`...), in order.
    pub kept_cards: Vec<String>,
    /// Other elements kept as HTML (`<iframe>`...).
    pub kept_elements: Vec<String>,
    /// How much of `markdown` is HTML blocks, in percent (0 only when none is).
    pub html_share: u8,
    /// Files under `images/`, `files/`, `media/` the body points at.
    pub media: Vec<String>,
    /// Links into Ghost's members portal, now to the site's subscribe address.
    pub portal_links: usize,
}

/// A link into Ghost's members portal (`#/portal/signup`, `/#/portal/`), which a
/// static site does not have.
static PORTAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\bhref=(["'])/?#/portal/[^"']*["']"#).expect("a valid pattern")
});

/// `html` with its portal links sent to [`SUBSCRIBE`], and how many there were.
fn portal_links(html: &str) -> (String, usize) {
    let mut count = 0;
    let html = PORTAL.replace_all(html, |caps: &regex::Captures| {
        count += 1;
        format!("href={q}{SUBSCRIBE}{q}", q = &caps[1])
    });
    (html.into_owned(), count)
}

static PLAYER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)<(audio|video|iframe)\b([^>]*)>").expect("a valid pattern"));
static SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\bsrc=["']?https?://([a-z0-9.-]+)"#).expect("a valid pattern")
});

/// `html` with the browser's own controls on every `<audio>` and `<video>` (Ghost's
/// players need a script: the theme's takes them over, and without one a reader
/// still plays the file), and a title on every embedded frame that has none (a
/// screen reader announces a frame by it), naming where it comes from.
fn native_controls(html: &str) -> String {
    PLAYER
        .replace_all(html, |caps: &regex::Captures| {
            let (element, attributes) = (&caps[1], &caps[2]);
            let lower = attributes.to_ascii_lowercase();
            if element.eq_ignore_ascii_case("iframe") {
                if lower.contains("title=") {
                    return caps[0].to_owned();
                }
                let host = SOURCE.captures(attributes).map(|c| c[1].to_owned());
                let title = host.map_or("Embedded content".to_owned(), |h| {
                    format!("Embedded from {}", h.trim_start_matches("www."))
                });
                format!("<{element} title=\"{title}\"{attributes}>")
            } else if lower.contains("controls") {
                caps[0].to_owned()
            } else {
                format!("<{element} controls{attributes}>")
            }
        })
        .into_owned()
}

static MEDIA: LazyLock<Regex> = LazyLock::new(|| {
    // Resized copies (`images/size/w600/...`) point at the original.
    Regex::new(
        r#"__GHOST_URL__/content/(images|files|media)/(?:size/w\d+(?:h\d+)?/)?([^"'\s<>)?#,]+)"#,
    )
    .expect("a valid pattern")
});
static RAW_CARD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)<!--kg-card-begin: html-->(.*?)<!--kg-card-end: html-->")
        .expect("a valid pattern")
});

/// Ghost's Lexical writes bold as `<b><strong>` and italics as `<i><em>`: one of each
/// pair, or the Markdown is `****bold****`.
static DOUBLED_EMPHASIS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<b>\s*<strong\b[^>]*>|</strong>\s*</b>|<i>\s*<em\b[^>]*>|</em>\s*</i>")
        .expect("a valid pattern")
});

/// Ghost's placeholder for the site's own address, and its upload folders, rewritten
/// to this site's paths: `__GHOST_URL__/content/images/x.jpg` -> `/images/x.jpg`.
pub(super) fn rewrite_urls(text: &str, media: &mut Vec<String>) -> String {
    let text = MEDIA.replace_all(text, |caps: &regex::Captures| {
        let rel = format!("{}/{}", &caps[1], &caps[2]);
        let url = format!("/{rel}");
        // The file on disk has the decoded name (`a%20b.jpg` is `a b.jpg`).
        media.push(crate::disk::confine::decoded(&rel).unwrap_or(rel));
        url
    });
    text.replace("__GHOST_URL__/", "/")
        .replace("__GHOST_URL__", "/")
}

/// Tags whose Ghost card classes are looked at; the rest go to htmd's handlers.
const CARD_TAGS: [&str; 11] = [
    "figure",
    "div",
    "aside",
    "section",
    "details",
    "blockquote",
    "iframe",
    "audio",
    "video",
    "script",
    "form",
];

/// Deepest element nesting converted to Markdown. The converter walks the tree
/// recursively: 10,000 nested `<div>`s overflowed the stack and aborted the import.
pub(super) const MAX_DEPTH: usize = 256;

/// How deeply the elements of `html` nest, counted on the tags as written (void
/// elements and self-closed tags open nothing); stops counting past `limit`.
pub(super) fn depth(html: &str, limit: usize) -> usize {
    const VOID: [&str; 14] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "param",
    ];
    let (mut depth, mut deepest) = (0usize, 0usize);
    for tag in html.split('<').skip(1) {
        let end = tag.find('>').unwrap_or(tag.len());
        let inner = &tag[..end];
        if let Some(closing) = inner.strip_prefix('/') {
            if !closing.is_empty() {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        let name: String = inner
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() || inner.ends_with('/') || VOID.contains(&name.as_str()) {
            continue;
        }
        depth += 1;
        deepest = deepest.max(depth);
        if deepest > limit {
            break;
        }
    }
    deepest
}

pub(super) fn convert(html: &str) -> Converted {
    let mut media = Vec::new();
    let (html, portal_links) = portal_links(&rewrite_urls(html, &mut media));
    let html = native_controls(&html);
    if depth(&html, MAX_DEPTH) > MAX_DEPTH {
        // Kept as it is, one HTML block: pulldown-cmark passes it through unparsed.
        return Converted {
            markdown: format!("<div>\n{}\n</div>\n", html.trim()),
            kept_cards: Vec::new(),
            kept_elements: vec![format!("elements nested over {MAX_DEPTH} deep")],
            html_share: 100,
            media,
            portal_links,
        };
    }
    let html = DOUBLED_EMPHASIS.replace_all(&html, |caps: &regex::Captures| {
        let tag = &caps[0];
        match (tag.starts_with("</"), tag.contains("strong")) {
            (false, true) => "<strong>",
            (true, true) => "</strong>",
            (false, false) => "<em>",
            (true, false) => "</em>",
        }
    });
    // HTML cards are raw HTML without a wrapper: set them aside behind placeholders.
    let mut raw = Vec::new();
    let html = RAW_CARD.replace_all(&html, |caps: &regex::Captures| {
        raw.push(caps[1].trim().to_owned());
        format!("<div data-folio-raw=\"{}\"></div>", raw.len() - 1)
    });
    let kept = Arc::new(Mutex::new(Kept::default()));
    let raw = Arc::new(raw);
    let converter = {
        let kept = kept.clone();
        HtmlToMarkdown::builder()
            .options(htmd::options::Options {
                code_block_style: htmd::options::CodeBlockStyle::Fenced,
                bullet_list_marker: htmd::options::BulletListMarker::Dash,
                ..Default::default()
            })
            .skip_tags(vec!["style"])
            .add_handler(
                CARD_TAGS.to_vec(),
                move |handlers: &dyn Handlers, element: Element| {
                    card_or_element(handlers, &element, &raw, &kept)
                        .or_else(|| handlers.fallback(element))
                },
            )
            .build()
    };
    let markdown = converter
        .convert(&html)
        .unwrap_or_else(|_| html.to_string());
    let kept = std::mem::take(&mut *kept.lock().expect("no panic while holding the lock"));
    let markdown = tidy(&markdown);
    Converted {
        html_share: share(kept.bytes, markdown.len()),
        markdown,
        kept_cards: kept.cards,
        kept_elements: kept.elements,
        media,
        portal_links,
    }
}

/// What stayed HTML: card names, other elements, and the bytes of Markdown they take.
#[derive(Default)]
struct Kept {
    cards: Vec<String>,
    elements: Vec<String>,
    bytes: usize,
}

impl Kept {
    fn card(kept: &Mutex<Kept>, name: &str, html: &str) -> HandlerResult {
        let block = block(html);
        let mut kept = kept.lock().expect("no panic while holding the lock");
        kept.cards.push(name.to_owned());
        kept.bytes += block.content.len();
        block
    }

    fn element(kept: &Mutex<Kept>, name: String, html: &str) -> HandlerResult {
        let block = block(html);
        let mut kept = kept.lock().expect("no panic while holding the lock");
        kept.elements.push(name);
        kept.bytes += block.content.len();
        block
    }
}

/// Some(Markdown or raw HTML) for a Ghost card, or for an element Markdown cannot
/// express; None lets htmd's own handler convert it.
fn card_or_element(
    handlers: &dyn Handlers,
    element: &Element,
    raw: &[String],
    kept: &Mutex<Kept>,
) -> Option<HandlerResult> {
    let attr = |name: &str| {
        element
            .attrs
            .iter()
            .find(|a| &*a.name.local == name)
            .map(|a| a.value.to_string())
    };
    if let Some(index) = attr("data-folio-raw") {
        let html = index.parse::<usize>().ok().and_then(|i| raw.get(i))?;
        return Some(Kept::card(kept, "html", html));
    }
    let classes = attr("class").unwrap_or_default();
    let card = classes
        .split_whitespace()
        .find_map(|c| c.strip_prefix("kg-").and_then(|c| c.strip_suffix("-card")));
    match card {
        // Their HTML is plain: htmd's handlers convert it (a code card's caption
        // becomes the paragraph below the code).
        Some("code" | "markdown") | None => {}
        Some(card) => {
            return Some(match super::cards::markdown(handlers, card, element.node) {
                Some(markdown) => HandlerResult {
                    content: markdown,
                    markdown_translated: true,
                },
                None => Kept::card(kept, card, &serialize_node(element)),
            });
        }
    }
    if matches!(
        element.tag,
        "iframe" | "audio" | "video" | "script" | "form"
    ) {
        let name = format!("<{}>", element.tag);
        return Some(Kept::element(kept, name, &serialize_node(element)));
    }
    None
}

fn serialize_node(element: &Element) -> String {
    let mut out = Vec::new();
    let options = SerializeOpts {
        traversal_scope: TraversalScope::IncludeNode,
        ..Default::default()
    };
    if serialize(
        &mut out,
        &SerializableHandle::from(element.node.clone()),
        options,
    )
    .is_err()
    {
        return String::new();
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A raw HTML block for Markdown: blank lines around it and none inside, since a
/// blank line would end the block and turn the rest into Markdown.
fn block(html: &str) -> HandlerResult {
    let lines: Vec<&str> = html.lines().filter(|l| !l.trim().is_empty()).collect();
    HandlerResult {
        content: format!("\n\n{}\n\n", lines.join("\n")),
        markdown_translated: false,
    }
}

/// `part` of `whole` in percent, rounded, at least 1 when `part` is not nothing.
fn share(part: usize, whole: usize) -> u8 {
    if part == 0 || whole == 0 {
        return 0;
    }
    let percent = (part.min(whole) * 100 + whole / 2) / whole;
    percent.clamp(1, 100) as u8
}

/// At most one blank line between blocks, a newline at the end.
fn tidy(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut blank = 0;
    for line in markdown.trim().lines() {
        if line.trim().is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_markdown_and_cards_stay_html() {
        let html = r#"<h2 id="x">Title</h2><p>Some <strong>bold</strong> and <a href="__GHOST_URL__/other/">a link</a>.</p>
<figure class="kg-card kg-image-card"><img src="__GHOST_URL__/content/images/size/w600/2026/11/a.jpg" class="kg-image" alt="A"></figure>
<pre><code class="language-rust">fn main() {}

// after a blank line
</code></pre>
<div class="kg-card kg-toggle-card"><div class="kg-toggle-heading">

<h4>Question?</h4></div></div>
<!--kg-card-begin: html--><div class="custom">Mine</div><!--kg-card-end: html-->
<iframe src="https://player.example/1"></iframe>"#;
        let c = convert(html);
        assert!(c.markdown.contains("## Title"), "{}", c.markdown);
        assert!(c.markdown.contains("**bold**"));
        assert!(c.markdown.contains("[a link](/other/)"));
        assert!(
            c.markdown.contains("![A](/images/2026/11/a.jpg)"),
            "{}",
            c.markdown
        );
        assert!(
            c.markdown
                .contains("```rust\nfn main() {}\n\n// after a blank line"),
            "{}",
            c.markdown
        );
        assert!(c
            .markdown
            .contains("<div class=\"kg-card kg-toggle-card\">"));
        assert!(c.markdown.contains("<div class=\"custom\">Mine</div>"));
        assert_eq!(c.kept_cards, vec!["toggle", "html"]);
        assert!((1..100).contains(&c.html_share), "{}", c.html_share);
        assert_eq!(c.kept_elements, vec!["<iframe>"]);
        assert_eq!(c.media, vec!["images/2026/11/a.jpg"]);

        // The toggle block has no blank line inside.
        let start = c.markdown.find("<div class=\"kg-card").expect("toggle");
        let end = c.markdown[start..].find("</h4>").expect("end") + start;
        assert!(!c.markdown[start..end].contains("\n\n"));
    }

    #[test]
    fn ten_thousand_nested_elements_stay_html_without_overflowing() {
        let deep = format!(
            "<p>before</p>{}x{}",
            "<div><ul><li>".repeat(4000),
            "</li></ul></div>".repeat(4000)
        );
        let c = convert(&deep);
        assert!(c.markdown.contains("<li>x</li>"), "kept as HTML");
        assert_eq!(c.kept_elements.len(), 1);
        assert_eq!(depth("<p>a<br>b<img src=x/></p><hr><p>c</p>", 10), 1);
    }
}
