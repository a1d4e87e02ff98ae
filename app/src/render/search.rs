//! The static search index: the words of each post (its title, tags, excerpt and
//! body) as an inverted index in JSON, which the theme's script reads in the
//! browser, so search works from a bucket with no server.
//!
//! Words are what [`terms`] makes of a text, and the script makes of a query the same
//! way: lowercased runs of letters and digits, and for Chinese, Japanese and Korean
//! (written without spaces) every two characters side by side. Code blocks are left
//! out: they are large and nobody searches for a line of YAML.

use std::collections::BTreeMap;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde::Serialize;

/// Changes whenever the same posts may make another index: every chunk's key holds it.
pub(crate) const VERSION: &str = "search v1";

/// The body cache's key for the words of the body `hash`.
pub(crate) fn terms_key(hash: &str) -> String {
    format!("{hash} {VERSION}")
}

/// Longest word indexed: longer runs are hashes, not words.
const MAX_TERM: usize = 40;

/// One post of the index, as results show it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Doc {
    pub url: String,
    pub title: String,
    pub date: Option<String>,
    pub excerpt: String,
    pub tags: Vec<String>,
}

/// A chunk of the index: some posts and, for each word, the posts (by their place in
/// `docs`) that have it.
#[derive(Debug, Serialize)]
pub(crate) struct Chunk {
    /// Each as `[url, title, date, excerpt, tags]`, the shortest JSON.
    docs: Vec<(String, String, String, String, Vec<String>)>,
    terms: BTreeMap<String, Vec<u32>>,
}

impl Chunk {
    /// The chunk of `posts`: each post's document and the words of its body (what
    /// [`body_terms`] made of it).
    pub(crate) fn of<'a>(posts: impl IntoIterator<Item = (Doc, &'a str)>) -> Self {
        let mut docs = Vec::new();
        // (word, post) pairs, sorted once for the whole chunk, rather than a set per post
        // and a map grown word by word: one sort instead of a tree insert per word.
        let mut body: Vec<(&'a str, u32)> = Vec::new();
        let mut own: Vec<(String, u32)> = Vec::new();
        for (n, (doc, body_words)) in posts.into_iter().enumerate() {
            let n = n as u32;
            for text in [doc.title.as_str(), doc.excerpt.as_str()]
                .into_iter()
                .chain(doc.tags.iter().map(String::as_str))
            {
                own.extend(terms(text).into_iter().map(|word| (word, n)));
            }
            body.extend(
                body_words
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .map(|w| (w, n)),
            );
            docs.push((
                doc.url,
                doc.title,
                doc.date.unwrap_or_default(),
                doc.excerpt,
                doc.tags,
            ));
        }
        let mut pairs: Vec<(&str, u32)> = body;
        pairs.extend(own.iter().map(|(word, n)| (word.as_str(), *n)));
        pairs.sort_unstable();
        pairs.dedup();
        let mut grouped: Vec<(String, Vec<u32>)> = Vec::new();
        for (word, n) in pairs {
            match grouped.last_mut() {
                Some((last, posts)) if last == word => posts.push(n),
                _ => grouped.push((word.to_owned(), vec![n])),
            }
        }
        Self {
            docs,
            terms: grouped.into_iter().collect(),
        }
    }

    pub(crate) fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("the index serializes")
    }
}

/// The words of a body (Markdown), each once, space-separated: what a build keeps
/// beside the body's HTML, so that a chunk made again reads no body.
pub(crate) fn body_terms(markdown: &str) -> String {
    let mut words = terms(&plain_text(markdown));
    words.sort_unstable();
    words.dedup();
    words.join(" ")
}

/// Whether `c` is written without spaces between words: Han, kana, Hangul.
fn cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}'
        | '\u{31f0}'..='\u{31ff}'
        | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}'
        | '\u{f900}'..='\u{faff}'
        | '\u{ff66}'..='\u{ff9f}'
        | '\u{1100}'..='\u{11ff}'
        | '\u{3130}'..='\u{318f}'
        | '\u{ac00}'..='\u{d7af}'
        | '\u{20000}'..='\u{2a6df}')
}

/// The words of `text`, as the theme's script finds them in a query (it keeps the
/// same rules: see `themes/default/static/search.js`).
pub(crate) fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut run: Vec<char> = Vec::new();
    let flush_word = |word: &mut String, out: &mut Vec<String>| {
        let len = word.chars().count();
        if (2..=MAX_TERM).contains(&len) {
            out.push(std::mem::take(word));
        } else {
            word.clear();
        }
    };
    let flush_run = |run: &mut Vec<char>, out: &mut Vec<String>| {
        match run.len() {
            0 => {}
            1 => out.push(run[0].to_string()),
            _ => out.extend(run.windows(2).map(|pair| pair.iter().collect())),
        }
        run.clear();
    };
    for c in text.chars() {
        if cjk(c) {
            flush_word(&mut word, &mut out);
            run.push(c);
        } else if c.is_alphanumeric() {
            flush_run(&mut run, &mut out);
            word.extend(c.to_lowercase());
        } else {
            flush_word(&mut word, &mut out);
            flush_run(&mut run, &mut out);
        }
    }
    flush_word(&mut word, &mut out);
    flush_run(&mut run, &mut out);
    out
}

/// The text a reader reads in a body: everything but code blocks, and the text of
/// HTML blocks (a Ghost card's) without their tags.
fn plain_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    let mut in_code = false;
    for event in Parser::new_ext(markdown, super::markdown::options()) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(t) | Event::Code(t) if !in_code => {
                text.push_str(&t);
                text.push(' ');
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                let mut in_tag = false;
                for c in html.chars() {
                    match c {
                        '<' => in_tag = true,
                        '>' => {
                            in_tag = false;
                            text.push(' ');
                        }
                        c if !in_tag => text.push(c),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lowercased_runs_and_cjk_goes_by_pairs() {
        assert_eq!(
            terms("Hello, Wörld! K3s-cluster a 2026"),
            vec!["hello", "wörld", "k3s", "cluster", "2026"]
        );
        assert_eq!(terms("東京の朝"), vec!["東京", "京の", "の朝"]);
        assert_eq!(
            terms("玉子焼き tamagoyaki"),
            vec!["玉子", "子焼", "焼き", "tamagoyaki"]
        );
        assert_eq!(terms("한국어"), vec!["한국", "국어"]);
        assert_eq!(terms("x"), Vec::<String>::new());
    }

    #[test]
    fn a_chunk_indexes_body_words_but_not_code() {
        let doc = |title: &str| Doc {
            url: format!("/{title}/"),
            title: title.to_owned(),
            date: None,
            excerpt: String::new(),
            tags: vec!["Travel".into()],
        };
        let one = body_terms("A *zephyr* word.\n\n```\nkubectl apply\n```\n");
        let two = body_terms("<div class=\"kg-card\">Toggle text</div>\n\nzephyr again");
        assert_eq!(one, "word zephyr");
        let chunk = Chunk::of([(doc("one"), one.as_str()), (doc("two"), two.as_str())]);
        assert_eq!(chunk.terms["zephyr"], vec![0, 1]);
        assert_eq!(chunk.terms["travel"], vec![0, 1]);
        assert_eq!(chunk.terms["toggle"], vec![1]);
        assert!(!chunk.terms.contains_key("kubectl"));
        assert!(!chunk.terms.contains_key("kg"));
        let json = String::from_utf8(chunk.to_json()).expect("utf-8");
        assert!(
            json.starts_with(r#"{"docs":[["/one/","one","","",["Travel"]]"#),
            "{json}"
        );
    }
}
