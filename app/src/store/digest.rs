//! What the store derives from a post's body and keeps beside it, so that a build
//! knows it without reading the body: the body's hash, its word count and its
//! automatic excerpt. Every write of a body stores its digest; a store whose digests
//! were made another way (an older [`VERSION`], or none: migration 0004) has them
//! made again when it opens.
//!
//! It lives in the store, not with the renderer, because the store guarantees it: no
//! caller can store a body with a digest of another body.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};

use super::{Result, Store};

/// Changes whenever [`Digest::of`] may make another digest of the same body. It is in
/// every build's frame: a new one keys every page afresh.
pub const VERSION: &str = "digest v3";

/// The options `render::markdown` parses with (a test holds the two the same), so
/// that an excerpt reads as the rendered text does (smart quotes and all).
pub const OPTIONS: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_FOOTNOTES)
    .union(Options::ENABLE_STRIKETHROUGH)
    .union(Options::ENABLE_TASKLISTS)
    .union(Options::ENABLE_SMART_PUNCTUATION)
    .union(Options::ENABLE_HEADING_ATTRIBUTES)
    .union(Options::ENABLE_GFM);

/// Where the store notes the [`VERSION`] its digests were made with.
const STATE_KEY: &str = "digest_version";

/// What a build needs from a post's body without reading it, stored by every write:
/// lists show the word count and excerpt, and the hash keys the page and the cached
/// HTML of the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    /// blake3 of the Markdown, hex.
    pub hash: String,
    pub word_count: usize,
    /// The excerpt of a post without one of its own.
    pub excerpt: String,
}

/// Characters in an automatic excerpt.
const EXCERPT_CHARS: usize = 200;

impl Digest {
    pub fn of(markdown: &str) -> Self {
        Self {
            hash: blake3::hash(markdown.as_bytes()).to_hex().to_string(),
            word_count: word_count(markdown),
            excerpt: excerpt(markdown, EXCERPT_CHARS),
        }
    }
}

/// Plain text of the first paragraphs, cut at a word boundary near `max` characters:
/// the excerpt of a post that has none of its own. Images' alt text is left out: it
/// describes a picture, it is not what the post says (a post opening on a photo).
pub fn excerpt(markdown: &str, max: usize) -> String {
    let mut text = String::new();
    let mut depth = 0usize;
    let mut images = 0usize;
    for event in Parser::new_ext(markdown, OPTIONS) {
        match event {
            Event::Start(Tag::Image { .. }) => images += 1,
            Event::End(TagEnd::Image) => images = images.saturating_sub(1),
            _ if images > 0 => {}
            Event::Start(Tag::Paragraph) => depth += 1,
            Event::End(TagEnd::Paragraph) => {
                depth = depth.saturating_sub(1);
                if text.chars().count() >= max {
                    break;
                }
                if !text.is_empty() {
                    text.push(' ');
                }
            }
            Event::Text(t) | Event::Code(t) if depth > 0 => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if depth > 0 => text.push(' '),
            _ => {}
        }
        if text.chars().count() > max * 2 {
            break;
        }
    }
    // What was left out (an image) leaves two spaces where it was.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = text.as_str();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > max / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.', ' ']))
}

/// Words in a Markdown body, for the reading time.
pub fn word_count(markdown: &str) -> usize {
    markdown
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

impl Store {
    /// Makes the digests of posts that have none, or every digest when they were made
    /// by another [`VERSION`]. Leaves the store's version alone: the frame of the next
    /// build has the new digest version, so every page is keyed again anyway.
    pub(super) async fn fill_digests(&self) -> Result<()> {
        let made_by = self.state(STATE_KEY).await?;
        if made_by.as_deref() != Some(VERSION) {
            sqlx::query("UPDATE posts SET body_hash = NULL")
                .execute(self.pool())
                .await?;
        }
        loop {
            let rows: Vec<(i64, String)> = sqlx::query_as(
                "SELECT p.id, b.markdown FROM posts p JOIN post_bodies b ON b.post_id = p.id \
                     WHERE p.body_hash IS NULL LIMIT 500",
            )
            .fetch_all(self.pool())
            .await?;
            if rows.is_empty() {
                break;
            }
            let mut tx = self.write().await?;
            for (id, markdown) in rows {
                let digest = Digest::of(&markdown);
                sqlx::query(
                    "UPDATE posts SET body_hash = ?, word_count = ?, auto_excerpt = ? WHERE id = ?",
                )
                .bind(digest.hash)
                .bind(digest.word_count as i64)
                .bind(digest.excerpt)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        }
        if made_by.as_deref() != Some(VERSION) {
            self.set_state(STATE_KEY, VERSION).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_counted_like_a_reader_would() {
        assert_eq!(
            word_count("Hello, world - it's *me*.\n\n## Été 2026\n```\n--- |\n```"),
            6
        );
        assert_eq!(word_count(""), 0);
    }

    #[test]
    fn excerpts_cut_on_words() {
        assert_eq!(excerpt("# T\n\nOne two.\n\nThree.", 100), "One two. Three.");
        assert_eq!(
            excerpt(
                "![A *photo*](/a.jpg \"cap\")\n\nOne [![B](/b.jpg)](/x) two.",
                100
            ),
            "One two."
        );
        let long = "word ".repeat(100);
        let e = excerpt(&long, 20);
        assert!(e.ends_with('…') && e.len() < 30, "{e}");
    }
}
