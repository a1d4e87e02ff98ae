//! Ghost's editor documents, `lexical` and `mobiledoc`, for clients that read or
//! write them (Obsidian's plugins, Ghost's own editor exports). folio keeps Markdown:
//! - read, a post is a document of one Markdown card holding its Markdown, so a
//!   client that reads, changes and writes back loses nothing;
//! - written, Markdown cards keep their Markdown byte for byte, and Lexical's common
//!   nodes (paragraph, heading, list, quote, link, text formats, image, code, HTML
//!   card) become Markdown; any other node is refused by name, nothing is guessed.

use serde_json::{json, Value};

/// A document that cannot be read as Markdown: the reason, naming the node.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(super) struct Unreadable(String);

fn unreadable(message: impl Into<String>) -> Unreadable {
    Unreadable(message.into())
}

/// A Lexical document (as Ghost stores it: JSON in a string) of one Markdown card.
pub(super) fn lexical_of(markdown: &str) -> String {
    json!({ "root": {
        "children": [{ "type": "markdown", "version": 1, "markdown": markdown }],
        "direction": null, "format": "", "indent": 0, "type": "root", "version": 1,
    }})
    .to_string()
}

/// A Mobiledoc document of one Markdown card.
pub(super) fn mobiledoc_of(markdown: &str) -> String {
    json!({
        "version": "0.3.1", "atoms": [], "markups": [],
        "cards": [["markdown", { "markdown": markdown }]],
        "sections": [[10, 0]],
    })
    .to_string()
}

/// The Markdown of a Lexical document (a JSON string).
pub(super) fn markdown_of_lexical(text: &str) -> Result<String, Unreadable> {
    let doc: Value =
        serde_json::from_str(text).map_err(|e| unreadable(format!("lexical is not JSON: {e}")))?;
    let children = doc["root"]["children"]
        .as_array()
        .ok_or_else(|| unreadable("lexical has no root.children"))?;
    let blocks: Vec<String> = children.iter().map(block).collect::<Result<_, _>>()?;
    Ok(join(blocks))
}

/// The Markdown of a Mobiledoc document (a JSON string): its Markdown and HTML cards
/// and its paragraphs and headings of plain text.
pub(super) fn markdown_of_mobiledoc(text: &str) -> Result<String, Unreadable> {
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| unreadable(format!("mobiledoc is not JSON: {e}")))?;
    let cards = doc["cards"].as_array().cloned().unwrap_or_default();
    let sections = doc["sections"]
        .as_array()
        .ok_or_else(|| unreadable("mobiledoc has no sections"))?;
    let mut blocks = Vec::new();
    for section in sections {
        match section[0].as_i64() {
            Some(10) => {
                let card = section[1].as_u64().and_then(|i| cards.get(i as usize));
                let (name, payload) = card
                    .map(|c| (c[0].as_str().unwrap_or_default(), &c[1]))
                    .ok_or_else(|| unreadable("mobiledoc names a card it does not have"))?;
                blocks.push(match name {
                    "markdown" | "card-markdown" => text_of(&payload["markdown"]),
                    "html" => text_of(&payload["html"]),
                    other => {
                        return Err(unreadable(format!(
                            "mobiledoc card {other:?} is not supported: send Markdown or HTML"
                        )))
                    }
                });
            }
            Some(1) => {
                let tag = section[1].as_str().unwrap_or("p").to_ascii_lowercase();
                let words: String = (section[2].as_array().into_iter().flatten())
                    .map(|marker| marker[3].as_str().unwrap_or_default())
                    .collect();
                blocks.push(match tag.as_str() {
                    "p" => words,
                    "blockquote" => format!("> {words}"),
                    h if h.len() == 2 && h.starts_with('h') => {
                        let level = h[1..].parse::<usize>().unwrap_or(2).clamp(1, 6);
                        format!("{} {words}", "#".repeat(level))
                    }
                    other => {
                        return Err(unreadable(format!(
                            "mobiledoc section {other:?} is not supported"
                        )))
                    }
                });
            }
            other => {
                return Err(unreadable(format!(
                    "mobiledoc section type {other:?} is not supported"
                )))
            }
        }
    }
    Ok(join(blocks))
}

fn join(blocks: Vec<String>) -> String {
    let mut markdown = blocks
        .into_iter()
        .map(|b| b.trim_end().to_owned())
        .filter(|b| !b.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    markdown.push('\n');
    markdown
}

fn text_of(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// One top-level Lexical node as a Markdown block.
fn block(node: &Value) -> Result<String, Unreadable> {
    let kind = node["type"].as_str().unwrap_or_default();
    Ok(match kind {
        "markdown" => text_of(&node["markdown"]),
        "html" => text_of(&node["html"]),
        "paragraph" => inline(node)?,
        "heading" => {
            let level = node["tag"]
                .as_str()
                .and_then(|t| t.get(1..))
                .and_then(|n| n.parse::<usize>().ok());
            format!(
                "{} {}",
                "#".repeat(level.unwrap_or(2).clamp(1, 6)),
                inline(node)?
            )
        }
        "quote" | "aside" => format!("> {}", inline(node)?),
        "list" => {
            let numbered = node["listType"].as_str() == Some("number");
            let items = node["children"].as_array().cloned().unwrap_or_default();
            let lines: Vec<String> = items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let marker = if numbered {
                        format!("{}.", i + 1)
                    } else {
                        "-".to_owned()
                    };
                    Ok(format!("{marker} {}", inline(item)?))
                })
                .collect::<Result<_, Unreadable>>()?;
            lines.join("\n")
        }
        "codeblock" => format!(
            "```{}\n{}\n```",
            node["language"].as_str().unwrap_or_default(),
            node["code"].as_str().unwrap_or_default().trim_end()
        ),
        "image" => {
            let image = format!(
                "![{}]({})",
                node["alt"].as_str().unwrap_or_default(),
                node["src"].as_str().unwrap_or_default()
            );
            match node["caption"].as_str().filter(|c| !c.is_empty()) {
                Some(caption) => format!("{image}\n*{caption}*"),
                None => image,
            }
        }
        "horizontalrule" => "---".to_owned(),
        other => {
            return Err(unreadable(format!(
                "lexical node {other:?} is not supported: send it as a Markdown or HTML card"
            )))
        }
    })
}

/// The inline children of a Lexical node (text with its formats, links, breaks).
fn inline(node: &Value) -> Result<String, Unreadable> {
    let mut out = String::new();
    for child in node["children"].as_array().into_iter().flatten() {
        match child["type"].as_str().unwrap_or_default() {
            "text" | "extended-text" => {
                let text = child["text"].as_str().unwrap_or_default();
                let format = child["format"].as_i64().unwrap_or(0);
                let mut piece = text.to_owned();
                if format & 16 != 0 {
                    piece = format!("`{piece}`");
                }
                if format & 2 != 0 {
                    piece = format!("*{piece}*");
                }
                if format & 1 != 0 {
                    piece = format!("**{piece}**");
                }
                if format & 4 != 0 {
                    piece = format!("~~{piece}~~");
                }
                out.push_str(&piece);
            }
            "link" => out.push_str(&format!(
                "[{}]({})",
                inline(child)?,
                child["url"].as_str().unwrap_or_default()
            )),
            "linebreak" => out.push_str("  \n"),
            other => {
                return Err(unreadable(format!(
                    "lexical inline node {other:?} is not supported"
                )))
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_markdown_card_round_trips_byte_for_byte() {
        let markdown = "# Title\n\nSome *text*  \nwith a break.\n\n```rust\nfn a() {}\n```\n";
        assert_eq!(
            markdown_of_lexical(&lexical_of(markdown)),
            Ok(markdown.to_owned())
        );
        assert_eq!(
            markdown_of_mobiledoc(&mobiledoc_of(markdown)),
            Ok(markdown.to_owned())
        );
    }

    #[test]
    fn lexical_nodes_become_markdown_and_unknown_ones_are_named() {
        let doc = json!({ "root": { "children": [
            { "type": "heading", "tag": "h2", "children": [{ "type": "text", "text": "Hello", "format": 0 }] },
            { "type": "paragraph", "children": [
                { "type": "text", "text": "bold", "format": 1 },
                { "type": "text", "text": " and ", "format": 0 },
                { "type": "link", "url": "https://example.com", "children": [{ "type": "text", "text": "a link", "format": 0 }] },
            ]},
            { "type": "list", "listType": "number", "children": [
                { "type": "listitem", "children": [{ "type": "text", "text": "one", "format": 0 }] },
                { "type": "listitem", "children": [{ "type": "text", "text": "two", "format": 2 }] },
            ]},
        ]}});
        assert_eq!(
            markdown_of_lexical(&doc.to_string()),
            Ok(
                "## Hello\n\n**bold** and [a link](https://example.com)\n\n1. one\n2. *two*\n"
                    .to_owned()
            )
        );
        let odd = json!({ "root": { "children": [{ "type": "product", "children": [] }] } });
        assert!(markdown_of_lexical(&odd.to_string())
            .expect_err("an unknown node is refused")
            .0
            .contains("\"product\""));
    }
}
