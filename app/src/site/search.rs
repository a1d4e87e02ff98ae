//! The search index of a build, for themes that ask for one (`search = true` in
//! `theme.toml`; see [`crate::render::search`]). Posts go in chunks by a hash of
//! their slug, so a new post joins one chunk and an edit changes one: each chunk is a
//! file named by its key (its posts' slugs, bodies and summaries), made again only
//! when that changes. Nothing depends on the store's ids: a store rebuilt from the
//! content folder writes the same files.
//! `search.json` lists the chunks; the theme's script loads it, and them, when a
//! reader first opens the search.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use super::plan::RenderPlan;
use super::PublishError;
use crate::output::SiteWriter;
use crate::render::search::{self, Chunk, Doc};

/// Posts per chunk at most, on average: an edit reads about this many bodies again.
const PER_CHUNK: usize = 200;

/// The chunk of the post `slug` among `count` chunks.
fn chunk_of(slug: &str, count: u64) -> u64 {
    let hash = blake3::hash(slug.as_bytes());
    let bytes: [u8; 8] = hash.as_bytes()[..8].try_into().expect("8 bytes");
    u64::from_le_bytes(bytes) % count
}

/// Where the script finds the list of chunks.
pub(super) const MANIFEST: &str = "search.json";

impl RenderPlan<'_> {
    /// The chunks whose posts changed and the list of all; returns how many files the
    /// index is (none for a theme without search, or a preview).
    pub(super) fn write_search(&self, writer: &SiteWriter) -> Result<usize, PublishError> {
        if !self.input.theme.search || self.input.preview {
            return Ok(0);
        }
        let snapshot = self.input.snapshot;
        // A power of two: the posts are dealt out again only when their number
        // doubles, not at every 200th.
        let count = snapshot
            .posts
            .len()
            .div_ceil(PER_CHUNK)
            .max(1)
            .next_power_of_two();
        let mut chunks: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
        for (i, post) in snapshot.posts.iter().enumerate() {
            let number = chunk_of(&post.post.doc.slug, count as u64);
            chunks.entry(number).or_default().push(i);
        }
        for members in chunks.values_mut() {
            members.sort_by(|a, b| {
                snapshot.posts[*a]
                    .post
                    .doc
                    .slug
                    .cmp(&snapshot.posts[*b].post.doc.slug)
            });
        }
        let files = chunks
            .into_par_iter()
            .map(|(number, members)| self.write_chunk(writer, number, &members))
            .collect::<Result<Vec<String>, PublishError>>()?;
        let manifest = serde_json::json!({ "v": 1, "chunks": files });
        writer.put(
            MANIFEST,
            &serde_json::to_vec(&manifest).expect("the list serializes"),
            "the search index",
        )?;
        Ok(files.len() + 1)
    }

    /// Writes (or keeps) the chunk `number` of the posts `members`; returns its URL.
    fn write_chunk(
        &self,
        writer: &SiteWriter,
        number: u64,
        members: &[usize],
    ) -> Result<String, PublishError> {
        let snapshot = self.input.snapshot;
        // Not the build's frame: a chunk holds summaries (their hashes cover what the
        // frame changes in them, as a featured image's sizes) and body words, so an
        // image or a setting no summary shows rewrites none of the chunks.
        let mut key = blake3::Hasher::new();
        key.update(search::VERSION.as_bytes());
        for &i in members {
            let post = &snapshot.posts[i];
            key.update(post.post.doc.slug.as_bytes());
            key.update(b"\0");
            key.update(post.digest.hash.as_bytes());
            key.update(&self.summary_hashes[i]);
        }
        let key = key.finalize().to_hex().to_string();
        // Named by its key: a CDN may keep it for ever.
        let rel = format!("search/{number}.{}.json", &key[..16]);
        let what = || format!("search index chunk {number}");
        let same = self.input.previous.and_then(|p| p.get(&rel)) == Some(&key);
        if !(same && writer.keep(&rel, &what())?) {
            let words = self.body_words(members)?;
            let chunk = Chunk::of(members.iter().map(|&i| {
                let summary = self.summary(i);
                let doc = Doc {
                    url: summary.url.clone(),
                    title: summary.title.clone(),
                    date: summary.date.clone(),
                    excerpt: summary.excerpt.clone(),
                    tags: summary.tags.iter().map(|t| t.name.clone()).collect(),
                };
                let body = words.get(snapshot.posts[i].digest.hash.as_str());
                (doc, body.map_or("", String::as_str))
            }));
            writer.put(&rel, &chunk.to_json(), &what())?;
        }
        self.record(rel.clone(), key);
        Ok(format!("/{rel}"))
    }

    /// The words of the bodies of `members`, by body hash: from the body cache, where
    /// the build that rendered a body kept them; the store's bodies read only for the
    /// others (a build without a cache, or a body rendered before search was on).
    fn body_words(&self, members: &[usize]) -> Result<HashMap<String, String>, PublishError> {
        let posts = &self.input.snapshot.posts;
        let hashes: Vec<&str> = members
            .iter()
            .map(|&i| posts[i].digest.hash.as_str())
            .collect();
        let keys: Vec<String> = hashes.iter().map(|h| search::terms_key(h)).collect();
        let cached = match self.input.cache {
            Some(cache) => cache.get(&keys.iter().map(String::as_str).collect::<Vec<_>>()),
            None => HashMap::new(),
        };
        let mut words: HashMap<String, String> = hashes
            .iter()
            .zip(&keys)
            .filter_map(|(h, k)| Some(((*h).to_owned(), cached.get(k)?.clone())))
            .collect();
        let missing: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| !words.contains_key(posts[i].digest.hash.as_str()))
            .collect();
        if missing.is_empty() {
            return Ok(words);
        }
        let ids: Vec<i64> = missing.iter().map(|&i| posts[i].post.id).collect();
        let bodies = self.input.bodies.markdown(&ids)?;
        let mut made = Vec::new();
        for &i in &missing {
            let hash = posts[i].digest.hash.clone();
            let terms = bodies
                .get(&posts[i].post.id)
                .map(|m| search::body_terms(m))
                .unwrap_or_default();
            made.push((search::terms_key(&hash), terms.clone()));
            words.insert(hash, terms);
        }
        if let Some(cache) = self.input.cache {
            cache.put(made);
        }
        Ok(words)
    }
}
