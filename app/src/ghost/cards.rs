//! Ghost cards that have a Markdown form, written as Markdown so that an imported
//! post is edited as text rather than as `kg-card` HTML: an image (alt text, link and
//! caption: the caption is the image's title, which folio renders as a figure), a
//! bookmark or a button (a link), a callout (a quote). Quotes, dividers and code need
//! nothing here: their HTML is plain and htmd converts it.

use std::rc::Rc;

use htmd::element_handler::Handlers;
use markup5ever_rcdom::{Node, NodeData};

/// The Markdown of `card` (Ghost's card name: `image`, `bookmark`...), or None when
/// it has no Markdown form, or this one carries what Markdown cannot say (a wide or
/// full-width image keeps its layout as HTML).
pub(super) fn markdown(handlers: &dyn Handlers, card: &str, figure: &Rc<Node>) -> Option<String> {
    let markdown = match card {
        "image" if !classes(figure).any(|c| c.starts_with("kg-width-")) => image(handlers, figure),
        "bookmark" => bookmark(handlers, figure),
        "button" => button(handlers, figure),
        "callout" => callout(handlers, figure),
        _ => None,
    }?;
    Some(format!("\n\n{}\n\n", markdown.trim()))
}

/// `![alt](src "caption")`, inside `[...](href)` when the image is a link.
fn image(handlers: &dyn Handlers, figure: &Rc<Node>) -> Option<String> {
    let img = find(figure, &|n| is(n, "img"))?;
    let src = attr(&img, "src")?;
    let caption = find(figure, &|n| is(n, "figcaption"))
        .map(|c| inline(handlers, &c))
        .filter(|c| !c.is_empty());
    let mut md = format!(
        "![{}]({}",
        escape_text(&attr(&img, "alt").unwrap_or_default()),
        destination(&src)
    );
    if let Some(caption) = caption {
        // The title is read with backslash escapes: escape the caption's own.
        md.push_str(&format!(
            " \"{}\"",
            caption.replace('\\', "\\\\").replace('"', "\\\"")
        ));
    }
    md.push(')');
    // Ghost links an image as `<figure><a href><img></a>`; a link in the caption is
    // the caption's.
    let link = figure
        .children
        .borrow()
        .iter()
        .find(|n| is(n, "a"))
        .and_then(|a| attr(a, "href"));
    match link {
        Some(href) => Some(format!("[{md}]({})", destination(&href))),
        None => Some(md),
    }
}

/// The title as a link, the description on the next line, the caption below.
fn bookmark(handlers: &dyn Handlers, figure: &Rc<Node>) -> Option<String> {
    let href =
        find(figure, &|n| has_class(n, "kg-bookmark-container")).and_then(|a| attr(&a, "href"))?;
    let text = |class: &str| {
        find(figure, &|n| has_class(n, class))
            .map(|n| inline(handlers, &n))
            .filter(|t| !t.is_empty())
    };
    let title = text("kg-bookmark-title").unwrap_or_else(|| escape_text(&href));
    let mut md = format!("[{title}]({})", destination(&href));
    if let Some(description) = text("kg-bookmark-description") {
        md.push_str(&format!("\\\n{description}"));
    }
    if let Some(caption) = find(figure, &|n| is(n, "figcaption"))
        .map(|c| inline(handlers, &c))
        .filter(|c| !c.is_empty())
    {
        md.push_str(&format!("\n\n{caption}"));
    }
    Some(md)
}

fn button(handlers: &dyn Handlers, card: &Rc<Node>) -> Option<String> {
    let a = find(card, &|n| is(n, "a"))?;
    let href = attr(&a, "href")?;
    Some(format!(
        "[{}]({})",
        inline(handlers, &a),
        destination(&href)
    ))
}

/// A GitHub-style alert, `> [!KIND]` then `> emoji text`, whose kind keeps the
/// callout's colour as near as the five kinds allow (grey and blue are notes).
fn callout(handlers: &dyn Handlers, card: &Rc<Node>) -> Option<String> {
    let class = attr(card, "class").unwrap_or_default();
    let colour = class
        .split_whitespace()
        .find_map(|c| c.strip_prefix("kg-callout-card-"))
        .unwrap_or("grey");
    let kind = match colour {
        "green" => "TIP",
        "purple" | "pink" | "accent" => "IMPORTANT",
        "yellow" => "WARNING",
        "red" => "CAUTION",
        _ => "NOTE",
    };
    let text = find(card, &|n| has_class(n, "kg-callout-text"))?;
    let text = handlers.walk_children(&text).content;
    let emoji = find(card, &|n| has_class(n, "kg-callout-emoji"))
        .map(|e| handlers.walk_children(&e).content.trim().to_owned())
        .filter(|e| !e.is_empty());
    let body = match emoji {
        Some(emoji) => format!("{emoji} {}", text.trim()),
        None => text.trim().to_owned(),
    };
    let lines = body.lines().map(|line| match line.trim_end() {
        "" => ">".to_owned(),
        line => format!("> {line}"),
    });
    Some(
        std::iter::once(format!("> [!{kind}]"))
            .chain(lines)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// The Markdown of a node's children on one line (a link text, a caption).
fn inline(handlers: &dyn Handlers, node: &Rc<Node>) -> String {
    let text = handlers.walk_children(node).content;
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Alt text and link text as plain Markdown text.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
    {
        if matches!(c, '\\' | '[' | ']' | '*' | '_' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A link destination that Markdown reads back as it was.
fn destination(url: &str) -> String {
    let url = url
        .replace(' ', "%20")
        .replace('(', "%28")
        .replace(')', "%29");
    url.replace('<', "%3C").replace('>', "%3E")
}

fn is(node: &Node, tag: &str) -> bool {
    matches!(&node.data, NodeData::Element { name, .. } if &*name.local == tag)
}

fn attr(node: &Node, wanted: &str) -> Option<String> {
    match &node.data {
        NodeData::Element { attrs, .. } => attrs
            .borrow()
            .iter()
            .find(|a| &*a.name.local == wanted)
            .map(|a| a.value.to_string()),
        _ => None,
    }
}

fn classes(node: &Node) -> impl Iterator<Item = String> {
    attr(node, "class")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .into_iter()
}

fn has_class(node: &Node, class: &str) -> bool {
    classes(node).any(|c| c == class)
}

/// The first descendant of `node` (depth first, `node` excluded) that `wanted` takes.
fn find(node: &Rc<Node>, wanted: &dyn Fn(&Node) -> bool) -> Option<Rc<Node>> {
    for child in node.children.borrow().iter() {
        if wanted(child) {
            return Some(child.clone());
        }
        if let Some(found) = find(child, wanted) {
            return Some(found);
        }
    }
    None
}
