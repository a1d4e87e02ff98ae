//! The build: a snapshot of the store and a theme in, the output folder out.
//!
//! Every output file is one job; jobs run in parallel on rayon and stream their bytes
//! to the [`SiteWriter`], so the rendered site is never held in memory at once. Posts
//! go a chunk at a time: the bodies a chunk renders are read from the store for it,
//! so neither are all bodies.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use super::cache::BodyCache;
use super::highlight::Blocks;
use super::last::{LastBuild, Lists, SummaryHash, Unchanged};
use super::media::Media;
use super::theme::Theme;
use super::views::{
    self, author_url, page_url, post_url, summarize, tag_url, Paginator, PostSummary, SiteView,
};
use super::writer::{SiteWriter, WriteReport};
use super::{feeds, markdown, seo, sitemap, Bodies, RenderError};
use crate::config::SiteConfig;
use crate::store::snapshot::SANITIZED;
use crate::store::{Kind, Snapshot};

/// What a build did.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    /// Files the site has.
    pub files: usize,
    pub posts: usize,
    pub pages: usize,
    /// Pages rendered; the others' inputs had not changed since the last build.
    pub rendered: usize,
    #[serde(flatten)]
    pub write: WriteReport,
    pub millis: u128,
    /// (output path, key) of every file, for the next build; files not made from a
    /// template have an empty key.
    #[serde(skip)]
    pub keys: Vec<(String, String)>,
    /// The hash of each post's summary, in the snapshot's order: what the next build
    /// compares against (see [`LastBuild`]).
    #[serde(skip)]
    pub summary_hashes: Vec<SummaryHash>,
}

/// Everything one build reads.
pub struct Build<'a> {
    pub snapshot: &'a Snapshot,
    pub theme: &'a Theme,
    pub config: &'a SiteConfig,
    /// The Markdown of the posts of the snapshot, read for the pages rendered.
    pub bodies: &'a dyn Bodies,
    /// Files from `content/` other than Markdown (images), copied as they are.
    pub media: &'a [Media],
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

/// Changes whenever the renderer may turn the same inputs into different pages (the
/// Markdown renderer's own version is in every key too).
pub(crate) const RENDERER_KEY: &str = concat!("folio ", env!("CARGO_PKG_VERSION"), " pages v2");

/// Posts rendered together: their bodies are read from the store in one query and
/// held until the chunk is written.
const POSTS_PER_CHUNK: usize = 256;

/// One output file to render, besides posts' pages.
enum Job {
    List { list: List, page: usize },
    Alias { post: usize, alias: usize },
    NotFound,
}

#[derive(Clone, Copy)]
enum List {
    Home,
    Tag(usize),
    Author(usize),
}

/// A page whose inputs changed since the last build: rendered once its body is at hand.
struct Page {
    rel: String,
    template: &'static str,
    values: Vec<(&'static str, Value)>,
    key: String,
    what: String,
}

/// What a page adds to the site's template context, hashed as it goes in: the page's
/// key. Most pages of a build are unchanged, so only the few rendered ever become a
/// template context.
struct PageContext {
    values: Vec<(&'static str, Value)>,
    key: blake3::Hasher,
}

/// A value of a page's context.
enum Value {
    /// Serialized as JSON, which the key hashed.
    Json(Vec<u8>),
    /// Summaries of posts (by snapshot index), each serialized and hashed at most once
    /// per build: lists and neighbours share them.
    Post(Option<usize>),
    Posts(Vec<usize>),
}

impl PageContext {
    fn insert<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        let json = serde_json::to_vec(value).expect("template data serializes");
        self.key.update(name.as_bytes());
        // One update per value: the hasher is slow at many tiny writes.
        self.key.update(&json);
        self.values.push((name, Value::Json(json)));
    }

    /// Puts the summary of the post at `index` (or null), whose hash is in `hashes`.
    fn insert_post(&mut self, name: &'static str, index: Option<usize>, hashes: &[SummaryHash]) {
        self.key.update(name.as_bytes());
        match index {
            Some(i) => self.key.update(&hashes[i]),
            None => self.key.update(b"null"),
        };
        self.values.push((name, Value::Post(index)));
    }

    /// Puts the summaries of the posts at `indexes`, whose hashes are in `hashes`.
    fn insert_posts(&mut self, name: &'static str, indexes: Vec<usize>, hashes: &[SummaryHash]) {
        self.key.update(name.as_bytes());
        self.key.update(b"posts");
        for &i in &indexes {
            self.key.update(&hashes[i]);
        }
        self.values.push((name, Value::Posts(indexes)));
    }
}

/// How long a part of a build took, logged at debug level (`FOLIO_LOG=folio=debug`).
struct Phase(Instant);

impl Phase {
    fn start() -> Self {
        Self(Instant::now())
    }

    fn done(self, what: &str) {
        tracing::debug!(
            millis = self.0.elapsed().as_millis() as u64,
            "build: {what}"
        );
    }
}

/// Renders the site into `out`; on any error the published folder is left as it was.
pub fn build(input: &Build, out: &Path) -> Result<BuildReport, RenderError> {
    let started = Instant::now();
    let writer = SiteWriter::begin(out)?;
    // A preview (drafts shown, never indexed) is not a site anyone publishes.
    let writer = if input.preview {
        writer.scratch()
    } else {
        writer
    };
    let rendered = render_all(input, &writer);
    if let Some(cache) = input.cache {
        cache.flush();
    }
    match rendered {
        Ok(Rendered {
            files,
            mut keys,
            rendered,
            summary_hashes,
        }) => {
            let last: Option<Vec<&str>> = input
                .previous
                .map(|p| p.keys().map(String::as_str).collect());
            let phase = Phase::start();
            let write = writer.commit(last.as_deref())?;
            phase.done("commit");
            // Files made without a key are listed too (with none), so the next build
            // knows every file this one left.
            let keyed: std::collections::HashSet<&str> =
                keys.iter().map(|(path, _)| path.as_str()).collect();
            let unkeyed: Vec<(String, String)> = write
                .files
                .iter()
                .filter(|f| !keyed.contains(f.as_str()))
                .map(|f| (f.clone(), String::new()))
                .collect();
            keys.extend(unkeyed);
            // Only a build that rendered every body knows which entries are still used.
            let full = input.previous.is_none_or(HashMap::is_empty);
            if let (Some(cache), true) = (input.cache, full) {
                cache.prune();
            }
            let posts = input
                .snapshot
                .posts
                .iter()
                .filter(|p| p.post.doc.kind == Kind::Post)
                .count();
            Ok(BuildReport {
                files,
                posts,
                pages: input.snapshot.posts.len() - posts,
                rendered,
                write,
                millis: started.elapsed().as_millis(),
                keys,
                summary_hashes,
            })
        }
        Err(e) => {
            writer.abort();
            Err(e)
        }
    }
}

/// The shared, precomputed state of one build.
struct Plan<'a> {
    input: &'a Build<'a>,
    /// What every page's key starts from: renderer, theme and configuration.
    global_key: blake3::Hasher,
    keys: Mutex<Vec<(String, String)>>,
    rendered: AtomicUsize,
    site: SiteView<'a>,
    base: Context,
    /// Made when first needed: a build after an edit needs few.
    summaries: Vec<OnceLock<PostSummary>>,
    /// The hash of each summary's JSON: what page keys take of it.
    summary_hashes: Vec<SummaryHash>,
    lists: Lists,
    /// Pages whose inputs are the last build's, when that is known.
    unchanged: Option<Unchanged>,
}

struct Rendered {
    /// Files in the site.
    files: usize,
    keys: Vec<(String, String)>,
    rendered: usize,
    summary_hashes: Vec<SummaryHash>,
}

fn render_all(input: &Build, writer: &SiteWriter) -> Result<Rendered, RenderError> {
    let snapshot = input.snapshot;
    let site = SiteView::new(input.config, input.preview);
    let mut base = Context::new();
    base.insert("site", &site);
    let summaries_phase = Phase::start();
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
            let summary = cell.get_or_init(|| summarize(snapshot, post, &input.config.base_url));
            let json = serde_json::to_vec(summary).expect("a summary serializes");
            blake3::hash(&json).into()
        })
        .collect();
    summaries_phase.done("summaries");
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
    let mut global_key = blake3::Hasher::new();
    global_key.update(RENDERER_KEY.as_bytes());
    global_key.update(super::markdown::VERSION.as_bytes());
    global_key.update(input.theme.fingerprint.as_bytes());
    global_key.update(&serde_json::to_vec(input.config).expect("the config serializes"));
    global_key.update(&[u8::from(input.preview)]);
    let plan = Plan {
        input,
        global_key,
        keys: Mutex::new(Vec::new()),
        rendered: AtomicUsize::new(0),
        site,
        base,
        summaries,
        summary_hashes,
        lists,
        unchanged,
    };

    let mut jobs: Vec<Job> = Vec::new();
    let per_page = input.config.posts_per_page;
    let lists = std::iter::once((List::Home, plan.lists.posts.len()))
        .chain(
            plan.lists
                .by_tag
                .iter()
                .enumerate()
                .filter(|(_, p)| !p.is_empty())
                .map(|(t, p)| (List::Tag(t), p.len())),
        )
        .chain(
            plan.lists
                .by_author
                .iter()
                .enumerate()
                .filter(|(_, p)| !p.is_empty())
                .map(|(a, p)| (List::Author(a), p.len())),
        );
    for (list, count) in lists {
        let pages = count.div_ceil(per_page).max(1);
        jobs.extend((1..=pages).map(|page| Job::List { list, page }));
    }
    for (i, post) in snapshot.posts.iter().enumerate() {
        jobs.extend((0..post.post.doc.aliases.len()).map(|alias| Job::Alias { post: i, alias }));
    }
    jobs.push(Job::NotFound);

    let done = AtomicUsize::new(0);
    let total = (snapshot.posts.len() + jobs.len()) as u64;
    let tell = |n: usize| {
        let n = done.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(progress) = input.progress {
            progress(n as u64, total);
        }
    };
    let indexes: Vec<usize> = (0..snapshot.posts.len()).collect();
    let phase = Phase::start();
    for chunk in indexes.chunks(POSTS_PER_CHUNK) {
        plan.render_posts(chunk, writer)?;
        tell(chunk.len());
    }
    phase.done("post pages");
    let phase = Phase::start();
    jobs.par_chunks(64).try_for_each(|jobs| {
        for job in jobs {
            plan.render(job, writer)?;
        }
        tell(jobs.len());
        Ok::<(), RenderError>(())
    })?;
    input.theme.assets.par_iter().try_for_each(|asset| {
        writer.put(
            &asset.output,
            &asset.bytes,
            &format!("theme asset {}", asset.name),
        )
    })?;
    phase.done("lists, aliases and the 404 page");
    let phase = Phase::start();
    plan.copy_media(writer)?;
    phase.done("assets and media");
    let phase = Phase::start();
    let extras = plan.write_feeds_and_maps(writer)?;
    phase.done("feeds and sitemaps");
    let files =
        snapshot.posts.len() + jobs.len() + input.theme.assets.len() + input.media.len() + extras;
    Ok(Rendered {
        files,
        keys: plan
            .keys
            .into_inner()
            .expect("no panic while holding the lock"),
        rendered: plan.rendered.into_inner(),
        summary_hashes: plan.summary_hashes,
    })
}

impl Plan<'_> {
    /// The HTML of the bodies of the posts at `indexes` of the snapshot, by index: from
    /// the cache, else rendered from their Markdown, read from the store in one go.
    fn bodies_html(&self, indexes: &[usize]) -> Result<HashMap<usize, String>, RenderError> {
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
        super::highlight::prepare(
            missing
                .iter()
                .filter(|&&i| last_blocks(i).is_none())
                .filter_map(|&i| markdown.get(&posts[i].post.id).map(String::as_str)),
        );
        let rendered = missing
            .par_iter()
            .map(|&i| {
                let post = &posts[i];
                let source = markdown
                    .get(&post.post.id)
                    .ok_or_else(|| RenderError::MissingBody(post.post.doc.slug.clone()))?;
                let blocks = last_blocks(i)
                    .map(|html| Blocks::of(html))
                    .unwrap_or_default();
                let html = markdown::to_html_reusing(source, &blocks);
                if post.post.sanitized {
                    return Ok((i, super::sanitize::clean(&html)));
                }
                Ok((i, html))
            })
            .collect::<Result<Vec<(usize, String)>, RenderError>>()?;
        if let Some(cache) = self.input.cache {
            let entries = rendered
                .iter()
                .map(|(i, html)| (hash(*i).to_owned(), html.clone()))
                .collect();
            cache.put(entries);
        }
        let mut html: HashMap<usize, String> = rendered.into_iter().collect();
        for &i in indexes {
            if let Some(body) = cached.get(hash(i)) {
                html.insert(i, body.clone());
            }
        }
        Ok(html)
    }

    /// The page `template` with `context` would make at `rel`, unless the last build
    /// made it from the very same inputs (`body` is the hash of a post's Markdown).
    fn prepare(
        &self,
        writer: &SiteWriter,
        rel: String,
        template: &'static str,
        page: PageContext,
        body: Option<&str>,
        what: String,
    ) -> Result<Option<Page>, RenderError> {
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
    fn finish(
        &self,
        writer: &SiteWriter,
        page: Page,
        body: Option<&str>,
    ) -> Result<(), RenderError> {
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
    fn emit(
        &self,
        writer: &SiteWriter,
        rel: String,
        template: &'static str,
        page: PageContext,
        what: String,
    ) -> Result<(), RenderError> {
        match self.prepare(writer, rel, template, page, None, what)? {
            Some(page) => self.finish(writer, page, None),
            None => Ok(()),
        }
    }

    /// Keeps the page at `rel` as the last build made it, when its inputs are known to
    /// be the same (`unchanged`) and the last build keyed it. Returns whether it did.
    fn keep_unchanged(
        &self,
        writer: &SiteWriter,
        unchanged: bool,
        rel: String,
        what: impl FnOnce() -> String,
    ) -> Result<bool, RenderError> {
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

    /// Copies the files of `content/` that changed since the last build (by their
    /// stamp) and keeps the others.
    fn copy_media(&self, writer: &SiteWriter) -> Result<(), RenderError> {
        self.input.media.par_iter().try_for_each(|media| {
            let key = media.key();
            let what = || format!("content file {}", media.rel);
            let same = self.input.previous.and_then(|p| p.get(&media.rel)) == Some(&key);
            if !(same && writer.keep(&media.rel, &what())?) {
                writer.copy(&media.rel, &media.source, &what())?;
            }
            self.record(media.rel.clone(), key);
            Ok(())
        })
    }

    fn summary(&self, i: usize) -> &PostSummary {
        self.summaries[i].get_or_init(|| {
            let snapshot = self.input.snapshot;
            summarize(snapshot, &snapshot.posts[i], &self.input.config.base_url)
        })
    }

    fn record(&self, rel: String, key: String) {
        self.keys
            .lock()
            .expect("no panic while holding the lock")
            .push((rel, key));
    }

    fn page(&self) -> PageContext {
        PageContext {
            values: Vec::new(),
            // The base context (the site) is in the global key already.
            key: self.global_key.clone(),
        }
    }

    fn render(&self, job: &Job, writer: &SiteWriter) -> Result<(), RenderError> {
        match *job {
            Job::List { list, page } => self.render_list(list, page, writer),
            Job::Alias { post, alias } => {
                let doc = &self.input.snapshot.posts[post].post.doc;
                let from = &doc.aliases[alias];
                // As the post's summary has them, without making it.
                let url = post_url(&doc.slug);
                let permalink = views::permalink(&self.input.config.base_url, &doc.slug);
                let rel = output_path(from);
                writer.put(
                    &rel,
                    redirect_page(&url, &permalink).as_bytes(),
                    &format!("alias {from} of {url}"),
                )?;
                Ok(())
            }
            Job::NotFound => {
                let mut context = self.page();
                let mut seo = seo::for_list(
                    &self.site,
                    format!("Page not found - {}", self.site.title),
                    String::new(),
                    "/404.html",
                );
                seo.noindex = true;
                context.insert("seo", &seo);
                context.insert("page_kind", "404");
                self.emit(
                    writer,
                    "404.html".to_owned(),
                    "404.html",
                    context,
                    "the 404 page".to_owned(),
                )
            }
        }
    }

    /// Renders the pages of the posts at `chunk`, reading the bodies of those changed.
    fn render_posts(&self, chunk: &[usize], writer: &SiteWriter) -> Result<(), RenderError> {
        let pages = chunk
            .par_iter()
            .map(|&i| Ok(self.prepare_post(i, writer)?.map(|page| (i, page))))
            .filter_map(Result::transpose)
            .collect::<Result<Vec<_>, RenderError>>()?;
        if pages.is_empty() {
            return Ok(());
        }
        let indexes: Vec<usize> = pages.iter().map(|(i, _)| *i).collect();
        let bodies = self.bodies_html(&indexes)?;
        pages
            .into_par_iter()
            .try_for_each(|(i, page)| self.finish(writer, page, bodies.get(&i).map(String::as_str)))
    }

    fn prepare_post(&self, i: usize, writer: &SiteWriter) -> Result<Option<Page>, RenderError> {
        let snapshot_post = &self.input.snapshot.posts[i];
        let post = &snapshot_post.post;
        let unchanged = self.unchanged.as_ref().is_some_and(|u| u.page(i));
        let rel = output_path(&post_url(&post.doc.slug));
        if self.keep_unchanged(writer, unchanged, rel, || format!("post {}", post.doc.slug))? {
            return Ok(None);
        }
        let summary = self.summary(i);
        let mut context = self.page();
        context.insert("seo", &seo::for_post(&self.site, summary, &post.doc));
        context.insert_post("post", Some(i), &self.summary_hashes);
        context.insert("codeinjection_head", &post.doc.codeinjection_head);
        context.insert("codeinjection_foot", &post.doc.codeinjection_foot);
        let template = match post.doc.kind {
            Kind::Post => {
                // Posts are newest first: the newer one is before, the older one after.
                let (newer, older) = self.lists.neighbours(i).unwrap_or_default();
                context.insert_post("newer", newer, &self.summary_hashes);
                context.insert_post("older", older, &self.summary_hashes);
                context.insert("page_kind", "post");
                "post.html"
            }
            Kind::Page => {
                context.insert("page_kind", "page");
                "page.html"
            }
        };
        self.prepare(
            writer,
            output_path(&summary.url),
            template,
            context,
            Some(&snapshot_post.digest.hash),
            format!("post {}", summary.slug),
        )
    }

    fn render_list(&self, list: List, page: usize, writer: &SiteWriter) -> Result<(), RenderError> {
        let snapshot = self.input.snapshot;
        if let Some(unchanged) = &self.unchanged {
            let (unchanged, base) = match list {
                List::Home => (unchanged.home(page), "/".to_owned()),
                List::Tag(t) => (unchanged.tag(t, page), tag_url(&snapshot.tags[t].slug)),
                List::Author(a) => (
                    unchanged.author(a, page),
                    author_url(&snapshot.authors[a].slug),
                ),
            };
            let url = page_url(&base, page);
            if self.keep_unchanged(writer, unchanged, output_path(&url), || {
                format!("list {url}")
            })? {
                return Ok(());
            }
        }
        let per_page = self.input.config.posts_per_page;
        let mut context = self.page();
        let (items, base, template, title, description) = match list {
            List::Home => (
                &self.lists.posts,
                "/".to_owned(),
                "index.html",
                self.site.title.to_owned(),
                self.site.description.to_owned(),
            ),
            List::Tag(t) => {
                let tag = views::tag_ref(snapshot, t);
                let description = tag
                    .description
                    .clone()
                    .unwrap_or_else(|| format!("Posts tagged {}", tag.name));
                let title = format!("{} - {}", tag.name, self.site.title);
                context.insert("tag", &tag);
                (
                    &self.lists.by_tag[t],
                    tag_url(&tag.slug),
                    "tag.html",
                    title,
                    description,
                )
            }
            List::Author(a) => {
                let author = views::author_ref(snapshot, a);
                let description = author
                    .bio
                    .clone()
                    .unwrap_or_else(|| format!("Posts by {}", author.name));
                let title = format!("{} - {}", author.name, self.site.title);
                context.insert("author", &author);
                (
                    &self.lists.by_author[a],
                    author_url(&author.slug),
                    "author.html",
                    title,
                    description,
                )
            }
        };
        let total = items.len().div_ceil(per_page).max(1);
        let shown: Vec<usize> = items
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .copied()
            .collect();
        let url = page_url(&base, page);
        let title = if page > 1 {
            format!("{title} (page {page})")
        } else {
            title
        };
        context.insert("seo", &seo::for_list(&self.site, title, description, &url));
        context.insert_posts("posts", shown, &self.summary_hashes);
        context.insert("paginator", &Paginator::new(&base, page, total));
        context.insert("page_kind", template.trim_end_matches(".html"));
        self.emit(
            writer,
            output_path(&url),
            template,
            context,
            format!("list {url}"),
        )
    }

    /// rss.xml, sitemap.xml and robots.txt. Returns how many files they are.
    fn write_feeds_and_maps(&self, writer: &SiteWriter) -> Result<usize, RenderError> {
        let config = self.input.config;
        let snapshot = self.input.snapshot;
        let newest: Vec<usize> = self
            .lists
            .posts
            .iter()
            .take(config.feed_limit)
            .copied()
            .collect();
        let mut bodies = self.bodies_html(&newest)?;
        let items: Vec<(&PostSummary, String)> = newest
            .iter()
            .map(|i| (self.summary(*i), bodies.remove(i).unwrap_or_default()))
            .collect();
        writer.put("rss.xml", feeds::rss(config, &items).as_bytes(), "the feed")?;

        // From the documents, as summaries have them: a build after an edit makes few
        // summaries, and the sitemap lists every post.
        let doc = |i: usize| &snapshot.posts[i].post.doc;
        let newest_of = |list: &[usize]| {
            list.iter()
                .filter_map(|&i| doc(i).updated_at.or(doc(i).published_at))
                .max()
                .map(crate::store::timestamp)
        };
        let mut entries = vec![sitemap::Entry {
            loc: format!("{}/", config.base_url),
            lastmod: self
                .lists
                .posts
                .first()
                .and_then(|&i| views::updated(doc(i))),
        }];
        entries.extend(snapshot.posts.iter().map(|p| sitemap::Entry {
            loc: views::permalink(&config.base_url, &p.post.doc.slug),
            lastmod: views::updated(&p.post.doc),
        }));
        for (t, list) in self
            .lists
            .by_tag
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
        {
            entries.push(sitemap::Entry {
                loc: seo::absolute(&config.base_url, &tag_url(&snapshot.tags[t].slug)),
                lastmod: newest_of(list),
            });
        }
        for (a, list) in self
            .lists
            .by_author
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
        {
            entries.push(sitemap::Entry {
                loc: seo::absolute(&config.base_url, &author_url(&snapshot.authors[a].slug)),
                lastmod: newest_of(list),
            });
        }
        let maps = sitemap::sitemaps(&config.base_url, &entries);
        for (name, xml) in &maps {
            writer.put(name, xml.as_bytes(), "the sitemap")?;
        }
        let robots = if self.input.preview {
            "User-agent: *\nDisallow: /\n".to_owned()
        } else {
            format!(
                "User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
                config.base_url
            )
        };
        writer.put("robots.txt", robots.as_bytes(), "robots.txt")?;
        Ok(maps.len() + 2)
    }
}

/// `/hello/` -> `hello/index.html`; `/old.html` stays a file.
fn output_path(url: &str) -> String {
    let path = url.trim_start_matches('/');
    if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else if path.ends_with(".html") {
        path.to_owned()
    } else {
        format!("{path}/index.html")
    }
}

/// A page that sends browsers and crawlers on to `url`.
fn redirect_page(url: &str, permalink: &str) -> String {
    let mut href = String::new();
    pulldown_cmark_escape::escape_html(&mut href, url).expect("writing to a String cannot fail");
    let mut canonical = String::new();
    pulldown_cmark_escape::escape_html(&mut canonical, permalink)
        .expect("writing to a String cannot fail");
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Redirecting…</title>\
         <link rel=\"canonical\" href=\"{canonical}\"><meta name=\"robots\" content=\"noindex\">\
         <meta http-equiv=\"refresh\" content=\"0; url={href}\"></head>\
         <body><p>This page moved to <a href=\"{href}\">{href}</a>.</p></body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::ThemeSource;
    use crate::store::posts::Digest;
    use crate::store::snapshot::SnapshotPost;
    use crate::store::{PostDoc, Status, StoredPost};

    /// Bodies that count who asks for them.
    struct Counting {
        bodies: HashMap<i64, String>,
        asked: Mutex<Vec<i64>>,
    }

    impl Bodies for Counting {
        fn markdown(&self, ids: &[i64]) -> Result<HashMap<i64, String>, RenderError> {
            self.asked
                .lock()
                .expect("no panic while holding the lock")
                .extend(ids);
            self.bodies.markdown(ids)
        }
    }

    fn snapshot(bodies: &HashMap<i64, String>) -> Snapshot {
        let mut posts: Vec<SnapshotPost> = bodies
            .iter()
            .map(|(&id, markdown)| SnapshotPost {
                post: StoredPost {
                    id,
                    revision: 1,
                    doc: PostDoc {
                        slug: format!("post-{id}"),
                        title: format!("Post {id}"),
                        status: Status::Published,
                        published_at: chrono::DateTime::from_timestamp(1_700_000_000 + id, 0),
                        ..PostDoc::default()
                    },
                    source_path: None,
                    source_hash: None,
                    archived: false,
                    sanitized: false,
                },
                digest: Digest::of(markdown),
                tags: Vec::new(),
                authors: Vec::new(),
            })
            .collect();
        posts.sort_by_key(|p| std::cmp::Reverse(p.post.doc.published_at));
        Snapshot {
            posts,
            ..Snapshot::default()
        }
    }

    #[test]
    fn a_build_reads_only_the_bodies_it_renders() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        // The cache's queries run on a runtime's threads, not the build's.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let cache = runtime
            .block_on(BodyCache::open(&dir.path().join("cache")))
            .expect("cache");
        let theme = Theme::load(&ThemeSource::Embedded, None).expect("theme");
        let config = SiteConfig::default();
        let mut bodies: HashMap<i64, String> = (1..=3)
            .map(|id| {
                (
                    id,
                    format!("Body of post {id}.\n\n```rust\nfn f() {{}}\n```\n"),
                )
            })
            .collect();
        let build_with = |bodies: &HashMap<i64, String>, previous: &HashMap<String, String>| {
            let counting = Counting {
                bodies: bodies.clone(),
                asked: Mutex::new(Vec::new()),
            };
            let report = build(
                &Build {
                    snapshot: &snapshot(bodies),
                    bodies: &counting,
                    theme: &theme,
                    config: &config,
                    media: &[],
                    preview: false,
                    cache: Some(&cache),
                    previous: Some(previous),
                    last: None,
                    progress: None,
                },
                &out,
            )
            .expect("build");
            let mut asked = counting.asked.into_inner().expect("no panic");
            asked.sort_unstable();
            (report, asked)
        };

        let (first, asked) = build_with(&bodies, &HashMap::new());
        assert_eq!(asked, [1, 2, 3], "a first build reads every body, once");
        let keys: HashMap<String, String> = first.keys.into_iter().collect();

        bodies.insert(2, "Body of post 2, edited.\n".to_owned());
        let (second, asked) = build_with(&bodies, &keys);
        assert_eq!(
            asked,
            [2],
            "only the edited body is read; the others are cached"
        );
        assert!(second
            .write
            .written
            .contains(&"post-2/index.html".to_owned()));
        assert!(!second
            .write
            .written
            .contains(&"post-1/index.html".to_owned()));
        let page = std::fs::read_to_string(out.join("post-2/index.html")).expect("page");
        assert!(page.contains("edited"), "{page}");

        let keys: HashMap<String, String> = second.keys.into_iter().collect();
        let (third, asked) = build_with(&bodies, &keys);
        assert!(asked.is_empty(), "nothing changed, nothing read: {asked:?}");
        assert_eq!(third.rendered, 0);
    }

    #[test]
    fn output_paths() {
        assert_eq!(output_path("/"), "index.html");
        assert_eq!(output_path("/hello/"), "hello/index.html");
        assert_eq!(output_path("/tag/x/page/2/"), "tag/x/page/2/index.html");
        assert_eq!(output_path("/old/post.html"), "old/post.html");
        assert_eq!(output_path("/old/post"), "old/post/index.html");
    }
}
