//! Ghost's HTML to Markdown. Ghost renders every body (Lexical, Mobiledoc or HTML)
//! to `html` with its own card renderers; converting that one format keeps what
//! readers saw for every Ghost version. What Markdown expresses (text, headings,
//! lists, quotes, links, images, code, tables) becomes Markdown; cards it cannot
//! express (bookmarks, embeds, galleries, callouts, toggles, buttons, HTML cards...)
//! stay as raw HTML blocks, and the report names each one.

use std::sync::{Arc, Mutex};

use htmd::element_handler::{HandlerResult, Handlers};
use htmd::{Element, HtmlToMarkdown};
use html5ever::serialize::{serialize, SerializeOpts, TraversalScope};
use markup5ever_rcdom::SerializableHandle;
use regex::Regex;
use std::sync::LazyLock;

/// A converted body and what could not be written as Markdown.
#[derive(Debug, Default)]
pub struct Converted {
    pub markdown: String,
    /// Cards kept as HTML, by Ghost's card name (`bookmark`, `html`...), in order.
    pub kept_cards: Vec<String>,
    /// Other elements kept as HTML (`<iframe>`...).
    pub kept_elements: Vec<String>,
    /// Files under `images/`, `files/`, `media/` the body points at.
    pub media: Vec<String>,
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

/// Ghost's placeholder for the site's own address, and its upload folders, rewritten
/// to this site's paths: `__GHOST_URL__/content/images/x.jpg` -> `/images/x.jpg`.
pub fn rewrite_urls(text: &str, media: &mut Vec<String>) -> String {
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
pub const MAX_DEPTH: usize = 256;

/// How deeply the elements of `html` nest, counted on the tags as written (void
/// elements and self-closed tags open nothing); stops counting past `limit`.
pub fn depth(html: &str, limit: usize) -> usize {
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

pub fn convert(html: &str) -> Converted {
    let mut media = Vec::new();
    let html = rewrite_urls(html, &mut media);
    if depth(&html, MAX_DEPTH) > MAX_DEPTH {
        // Kept as it is, one HTML block: pulldown-cmark passes it through unparsed.
        return Converted {
            markdown: format!("<div>\n{}\n</div>\n", html.trim()),
            kept_cards: Vec::new(),
            kept_elements: vec![format!("elements nested over {MAX_DEPTH} deep")],
            media,
        };
    }
    // HTML cards are raw HTML without a wrapper: set them aside behind placeholders.
    let mut raw = Vec::new();
    let html = RAW_CARD.replace_all(&html, |caps: &regex::Captures| {
        raw.push(caps[1].trim().to_owned());
        format!("<div data-folio-raw=\"{}\"></div>", raw.len() - 1)
    });
    let kept = Arc::new(Mutex::new((Vec::new(), Vec::new())));
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
                    keep_as_html(&element, &raw, &kept).or_else(|| handlers.fallback(element))
                },
            )
            .build()
    };
    let markdown = converter
        .convert(&html)
        .unwrap_or_else(|_| html.to_string());
    let (kept_cards, kept_elements) =
        std::mem::take(&mut *kept.lock().expect("no panic while holding the lock"));
    Converted {
        markdown: tidy(&markdown),
        kept_cards,
        kept_elements,
        media,
    }
}

type Kept = Mutex<(Vec<String>, Vec<String>)>;

/// Some(raw HTML) for a card or element Markdown cannot express; None lets htmd's
/// own handler convert it.
fn keep_as_html(element: &Element, raw: &[String], kept: &Kept) -> Option<HandlerResult> {
    let attr = |name: &str| {
        element
            .attrs
            .iter()
            .find(|a| &*a.name.local == name)
            .map(|a| a.value.to_string())
    };
    if let Some(index) = attr("data-folio-raw") {
        let html = index.parse::<usize>().ok().and_then(|i| raw.get(i))?;
        kept.lock()
            .expect("no panic while holding the lock")
            .0
            .push("html".into());
        return Some(block(html));
    }
    let classes = attr("class").unwrap_or_default();
    let card = classes
        .split_whitespace()
        .find_map(|c| c.strip_prefix("kg-").and_then(|c| c.strip_suffix("-card")))
        .map(str::to_owned)
        .or_else(|| {
            classes
                .split_whitespace()
                .any(|c| c == "kg-blockquote-alt")
                .then(|| "blockquote-alt".to_owned())
        });
    let keep_card = match card.as_deref() {
        // Plain images and code become Markdown; with a caption, a width or a link
        // an image stays a figure.
        Some("image") => {
            classes.contains("kg-card-hascaption")
                || classes.contains("kg-width-")
                || has_child(element, "a")
        }
        Some("code") | Some("markdown") => false,
        Some(_) => true,
        None => false,
    };
    if keep_card {
        kept.lock()
            .expect("no panic while holding the lock")
            .0
            .push(card.unwrap_or_default());
        return Some(block(&serialize_node(element)));
    }
    if card.is_none()
        && matches!(
            element.tag,
            "iframe" | "audio" | "video" | "script" | "form"
        )
    {
        kept.lock()
            .expect("no panic while holding the lock")
            .1
            .push(format!("<{}>", element.tag));
        return Some(block(&serialize_node(element)));
    }
    None
}

fn has_child(element: &Element, tag: &str) -> bool {
    element.node.children.borrow().iter().any(|child| {
        matches!(&child.data, markup5ever_rcdom::NodeData::Element { name, .. } if &*name.local == tag)
    })
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
<figure class="kg-card kg-bookmark-card"><a class="kg-bookmark-container" href="https://example.com">

<div class="kg-bookmark-title">Example</div></a></figure>
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
            .contains("<figure class=\"kg-card kg-bookmark-card\">"));
        assert!(c.markdown.contains("<div class=\"custom\">Mine</div>"));
        assert_eq!(c.kept_cards, vec!["bookmark", "html"]);
        assert_eq!(c.kept_elements, vec!["<iframe>"]);
        assert_eq!(c.media, vec!["images/2026/11/a.jpg"]);

        // The bookmark block has no blank line inside.
        let start = c.markdown.find("<figure").expect("figure");
        let end = c.markdown[start..].find("</figure>").expect("end") + start;
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
