//! The shared state of one build: what it reads ([`RenderInput`]) and what every page of
//! it shares ([`RenderPlan`]): the summaries of its posts, hashed, its lists, and which of
//! its pages the last build shows unchanged.

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Mutex, OnceLock};

use rayon::prelude::*;
use tera::Context;

use super::bodies::Bodies;
use super::cache::BodyCache;
use super::frame::Frame;
use super::last::{LastBuild, Lists, SummaryHash, Unchanged};
use super::Phase;
use crate::config::SiteConfig;
use crate::content::media::Media;
use crate::content::redirects::Redirect;
use crate::images::Images;
use crate::render::views::{summarize, PostSummary, SiteView};
use crate::render::Theme;
use crate::store::snapshot::SnapshotPost;
use crate::store::Snapshot;

/// Everything one build reads.
pub(super) struct RenderInput<'a> {
    pub snapshot: &'a Snapshot,
    pub theme: &'a Theme,
    /// What the theme, configuration and renderer make of every page: see [`Frame`].
    pub frame: &'a Frame,
    pub config: &'a SiteConfig,
    /// The Markdown of the posts of the snapshot, read for the pages rendered.
    pub bodies: &'a dyn Bodies,
    /// Files from `content/` other than Markdown (images), copied as they are.
    pub media: &'a [Media],
    /// The variants of the images among them, copied beside them.
    pub images: &'a Images,
    /// The site's redirects (`content/redirects.yaml`).
    pub redirects: &'a [Redirect],
    /// A preview build with drafts: pages are marked noindex and robots.txt disallows all.
    pub preview: bool,
    /// Where rendered post bodies are kept between builds.
    pub cache: Option<&'a BodyCache>,
    /// The page keys of the last build into the same folder: a page whose key is
    /// unchanged and whose file is there is not rendered again.
    pub previous: Option<&'a HashMap<String, String>>,
    /// The last build into the same folder and what changed since, when known: the
    /// pages it shows unchanged keep their `previous` key without being keyed again.
    pub last: Option<&'a LastBuild>,
    /// Told (pages done, pages in all) as pages are rendered, for a progress bar.
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
}

/// The shared, precomputed state of one build.
pub(super) struct RenderPlan<'a> {
    pub(super) input: &'a RenderInput<'a>,
    pub(super) keys: Mutex<Vec<(String, String)>>,
    pub(super) rendered: AtomicUsize,
    pub(super) site: SiteView<'a>,
    pub(super) base: Context,
    /// The theme's words in the site's language (`t` in templates).
    pub(super) words: toml::Table,
    /// Made when first needed: a build after an edit needs few.
    summaries: Vec<OnceLock<PostSummary>>,
    /// The hash of each summary's JSON: what page keys take of it.
    pub(super) summary_hashes: Vec<SummaryHash>,
    pub(super) lists: Lists,
    /// Pages whose inputs are the last build's, when that is known.
    pub(super) unchanged: Option<Unchanged>,
}

impl<'a> RenderPlan<'a> {
    /// What every page of the build of `input` shares: the summaries of its posts
    /// (hashed; made only where the last build did not know them), its lists, and
    /// which of its pages the last build shows unchanged.
    pub(super) fn new(input: &'a RenderInput<'a>) -> Self {
        let snapshot = input.snapshot;
        let mut site = SiteView::new(input.config, input.preview);
        let icon = input.config.design.icon.as_deref();
        site.icon_sizes = super::icons::source(input.media, icon).is_some();
        let mut base = Context::new();
        base.insert("site", &site);
        let words = input.theme.locales.words(&input.config.language);
        base.insert("t", &words);
        let phase = Phase::start();
        let summaries: Vec<OnceLock<PostSummary>> =
            snapshot.posts.iter().map(|_| OnceLock::new()).collect();
        // A post unchanged since the last build has the same summary, hence hash.
        let summary_hashes: Vec<SummaryHash> = snapshot
            .posts
            .par_iter()
            .zip(&summaries)
            .map(|(post, cell)| {
                if let Some(hash) = input.last.and_then(|last| last.hash_of(post.post.id)) {
                    return hash;
                }
                let summary = cell.get_or_init(|| summary_of(input, post));
                let json = serde_json::to_vec(summary).expect("a summary serializes");
                blake3::hash(&json).into()
            })
            .collect();
        phase.done("summaries");
        let lists = Lists::of(
            snapshot
                .posts
                .iter()
                .map(|p| (p.post.doc.kind, p.tags.as_slice(), p.authors.as_slice())),
            &snapshot.tags,
            snapshot.authors.len(),
        );
        let unchanged = input.last.map(|last| {
            let per_page = input.config.posts_per_page;
            Unchanged::compare(last, snapshot, &summary_hashes, &lists, per_page)
        });
        Self {
            input,
            keys: Mutex::new(Vec::new()),
            rendered: AtomicUsize::new(0),
            site,
            base,
            words,
            summaries,
            summary_hashes,
            lists,
            unchanged,
        }
    }

    /// The theme's phrase `key` with each `{name}` of `fill` put in (the key itself
    /// when no locale of the theme has it).
    pub(super) fn phrase(&self, key: &str, fill: &[(&str, &str)]) -> String {
        let text = self.words.get(key).and_then(|v| v.as_str()).unwrap_or(key);
        fill.iter().fold(text.to_owned(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
    }

    pub(super) fn summary(&self, i: usize) -> &PostSummary {
        self.summaries[i].get_or_init(|| summary_of(self.input, &self.input.snapshot.posts[i]))
    }

    pub(super) fn record(&self, rel: String, key: String) {
        self.keys
            .lock()
            .expect("no panic while holding the lock")
            .push((rel, key));
    }
}

/// A post's summary, its featured image's variants included.
fn summary_of(input: &RenderInput, post: &SnapshotPost) -> PostSummary {
    let mut summary = summarize(input.snapshot, post, &input.config.base_url);
    summary.featured_image_set = summary
        .featured_image
        .as_deref()
        .and_then(|src| input.images.find(src))
        .map(|image| image.set());
    summary
}
