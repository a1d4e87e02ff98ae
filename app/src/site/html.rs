//! The HTML of posts' bodies for a build: from the body cache, else rendered from
//! their Markdown (read for those posts alone), reusing the code blocks of a post's
//! last HTML.

use std::collections::HashMap;

use rayon::prelude::*;

use super::plan::RenderPlan;
use super::PublishError;
use crate::render::highlight::{self, Blocks};
use crate::render::{markdown, sanitize, search};
use crate::store::snapshot::SANITIZED;

impl RenderPlan<'_> {
    /// The HTML of the bodies of the posts at `indexes` of the snapshot, by index: from
    /// the cache, else rendered from their Markdown, read from the store in one go.
    pub(super) fn bodies_html(
        &self,
        indexes: &[usize],
    ) -> Result<HashMap<usize, String>, PublishError> {
        let posts = &self.input.snapshot.posts;
        let hash = |i: usize| posts[i].digest.hash.as_str();
        let cached = match self.input.cache {
            Some(cache) => cache.get(&indexes.iter().map(|&i| hash(i)).collect::<Vec<_>>()),
            None => HashMap::new(),
        };
        let missing: Vec<usize> = indexes
            .iter()
            .copied()
            .filter(|&i| !cached.contains_key(hash(i)))
            .collect();
        let markdown = if missing.is_empty() {
            HashMap::new()
        } else {
            let ids: Vec<i64> = missing.iter().map(|&i| posts[i].post.id).collect();
            self.input.bodies.markdown(&ids)?
        };
        // An edited post's last HTML has its code blocks, most often unchanged.
        let last_hash = |i: usize| {
            // Cleaned HTML is not the highlighter's own: its blocks are not reused.
            if posts[i].post.sanitized {
                return None;
            }
            let last = self.input.last?.body_of(posts[i].post.id)?;
            if last.ends_with(SANITIZED) {
                return None;
            }
            (last != hash(i)).then_some(last)
        };
        let last_hashes: Vec<&str> = missing.iter().filter_map(|&i| last_hash(i)).collect();
        let last_html = match self.input.cache {
            Some(cache) if !last_hashes.is_empty() => cache.get(&last_hashes),
            _ => HashMap::new(),
        };
        let last_blocks = |i: usize| last_hash(i).and_then(|h| last_html.get(h));
        highlight::prepare(
            missing
                .iter()
                .filter(|&&i| last_blocks(i).is_none())
                .filter_map(|&i| markdown.get(&posts[i].post.id).map(String::as_str)),
        );
        // The body is at hand: its words for the search index are found beside its HTML,
        // on the same thread, rather than in a serial loop after the chunk.
        let terms = self.input.cache.is_some() && self.input.theme.search;
        let rendered = missing
            .par_iter()
            .map(|&i| {
                let post = &posts[i];
                let source = markdown
                    .get(&post.post.id)
                    .ok_or_else(|| PublishError::MissingBody(post.post.doc.slug.clone()))?;
                let blocks = last_blocks(i)
                    .map(|html| Blocks::of(html))
                    .unwrap_or_default();
                let html = markdown::to_html_reusing(source, &blocks);
                let html = if post.post.sanitized {
                    sanitize::clean(&html)
                } else {
                    html
                };
                Ok((i, html, terms.then(|| search::body_terms(source))))
            })
            .collect::<Result<Vec<(usize, String, Option<String>)>, PublishError>>()?;
        let mut html: HashMap<usize, String> = HashMap::with_capacity(indexes.len());
        let mut entries: Vec<(String, String)> = Vec::new();
        for (i, body, terms) in rendered {
            if self.input.cache.is_some() {
                entries.push((hash(i).to_owned(), body.clone()));
            }
            if let Some(terms) = terms {
                entries.push((search::terms_key(hash(i)), terms));
            }
            html.insert(i, body);
        }
        if let Some(cache) = self.input.cache {
            cache.put(entries);
        }
        for &i in indexes {
            if let Some(body) = cached.get(hash(i)) {
                html.insert(i, body.clone());
            }
        }
        Ok(html)
    }
}
