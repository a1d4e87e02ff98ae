//! A page's key: everything it is made of, hashed as its template context is built.
//! A page whose key is the one the last build recorded for it, and whose file is
//! there, is not rendered again. Every key starts from the build's [`Frame`].

use std::sync::atomic::Ordering;

use serde::Serialize;

use super::frame::Frame;
use super::last::SummaryHash;
use super::plan::RenderPlan;
use super::PublishError;
use crate::output::SiteWriter;
use crate::render::views::PostSummary;

/// A page whose inputs changed since the last build: rendered once its body is at hand.
pub(super) struct Page {
    rel: String,
    template: &'static str,
    values: Vec<(&'static str, Value)>,
    key: String,
    what: String,
}

/// What a page adds to the site's template context, hashed as it goes in: the page's
/// key. Most pages of a build are unchanged, so only the few rendered ever become a
/// template context.
pub(super) struct PageContext {
    values: Vec<(&'static str, Value)>,
    key: blake3::Hasher,
}

/// A value of a page's context.
pub(super) enum Value {
    /// Serialized as JSON, which the key hashed.
    Json(Vec<u8>),
    /// Summaries of posts (by snapshot index), each serialized and hashed at most once
    /// per build: lists and neighbours share them.
    Post(Option<usize>),
    Posts(Vec<usize>),
}

impl PageContext {
    /// A page's context, keyed from the build's frame (which holds the site).
    pub(super) fn new(frame: &Frame) -> Self {
        let mut key = blake3::Hasher::new();
        key.update(frame.as_str().as_bytes());
        Self {
            values: Vec::new(),
            key,
        }
    }

    pub(super) fn insert<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        let json = serde_json::to_vec(value).expect("template data serializes");
        self.key.update(name.as_bytes());
        // One update per value: the hasher is slow at many tiny writes.
        self.key.update(&json);
        self.values.push((name, Value::Json(json)));
    }

    /// Puts the summary of the post at `index` (or null), whose hash is in `hashes`.
    pub(super) fn insert_post(
        &mut self,
        name: &'static str,
        index: Option<usize>,
        hashes: &[SummaryHash],
    ) {
        self.key.update(name.as_bytes());
        match index {
            Some(i) => self.key.update(&hashes[i]),
            None => self.key.update(b"null"),
        };
        self.values.push((name, Value::Post(index)));
    }

    /// Puts the summaries of the posts at `indexes`, whose hashes are in `hashes`.
    pub(super) fn insert_posts(
        &mut self,
        name: &'static str,
        indexes: Vec<usize>,
        hashes: &[SummaryHash],
    ) {
        self.key.update(name.as_bytes());
        self.key.update(b"posts");
        for &i in &indexes {
            self.key.update(&hashes[i]);
        }
        self.values.push((name, Value::Posts(indexes)));
    }
}

impl RenderPlan<'_> {
    /// The page `template` with `context` would make at `rel`, unless the last build
    /// made it from the very same inputs (`body` is the hash of a post's Markdown).
    pub(super) fn prepare(
        &self,
        writer: &SiteWriter,
        rel: String,
        template: &'static str,
        page: PageContext,
        body: Option<&str>,
        what: String,
    ) -> Result<Option<Page>, PublishError> {
        // Everything the page is made of is in the key: what the context holds (hence
        // the data), the template set and configuration (in the global key) and the
        // hash of the body's Markdown.
        let PageContext { values, mut key } = page;
        key.update(template.as_bytes());
        key.update(body.unwrap_or_default().as_bytes());
        let key = key.finalize().to_hex().to_string();
        let unchanged = self.input.previous.and_then(|p| p.get(&rel)) == Some(&key);
        if unchanged && writer.keep(&rel, &what)? {
            self.record(rel, key);
            return Ok(None);
        }
        Ok(Some(Page {
            rel,
            template,
            values,
            key,
            what,
        }))
    }

    /// Renders `page`, with `body` (HTML) as its `content`.
    pub(super) fn finish(
        &self,
        writer: &SiteWriter,
        page: Page,
        body: Option<&str>,
    ) -> Result<(), PublishError> {
        let Page {
            rel,
            template,
            values,
            key,
            what,
        } = page;
        let mut context = self.base.clone();
        for (name, value) in values {
            match value {
                Value::Json(json) => {
                    let value: tera::Value =
                        serde_json::from_slice(&json).expect("JSON written by serde_json parses");
                    context.insert(name, &value);
                }
                Value::Post(index) => context.insert(name, &index.map(|i| self.summary(i))),
                Value::Posts(indexes) => {
                    let posts: Vec<&PostSummary> =
                        indexes.iter().map(|&i| self.summary(i)).collect();
                    context.insert(name, &posts);
                }
            }
        }
        if let Some(html) = body {
            context.insert("content", html);
        }
        let html = self.input.theme.render(template, &context)?;
        writer.put(&rel, html.as_bytes(), &what)?;
        self.rendered.fetch_add(1, Ordering::Relaxed);
        self.record(rel, key);
        Ok(())
    }

    /// A page without a body: prepared and, if changed, rendered.
    pub(super) fn emit(
        &self,
        writer: &SiteWriter,
        rel: String,
        template: &'static str,
        page: PageContext,
        what: String,
    ) -> Result<(), PublishError> {
        match self.prepare(writer, rel, template, page, None, what)? {
            Some(page) => self.finish(writer, page, None),
            None => Ok(()),
        }
    }

    /// Keeps the page at `rel` as the last build made it, when its inputs are known to
    /// be the same (`unchanged`) and the last build keyed it. Returns whether it did.
    pub(super) fn keep_unchanged(
        &self,
        writer: &SiteWriter,
        unchanged: bool,
        rel: String,
        what: impl FnOnce() -> String,
    ) -> Result<bool, PublishError> {
        let Some(key) = self
            .input
            .previous
            .and_then(|p| p.get(&rel))
            .filter(|_| unchanged)
        else {
            return Ok(false);
        };
        if !writer.keep(&rel, &what())? {
            return Ok(false);
        }
        self.record(rel, key.clone());
        Ok(true)
    }

    /// A page's context, its key started from the build's frame (which holds the
    /// site, so the base context is keyed already).
    pub(super) fn page(&self) -> PageContext {
        PageContext::new(self.input.frame)
    }
}
