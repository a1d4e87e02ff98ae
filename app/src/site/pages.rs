//! The pages of a build: a snapshot of the store and a theme in, the output folder out.
//!
//! Every output file is one job; jobs run in parallel on rayon and stream their bytes
//! to the [`SiteWriter`], so the rendered site is never held in memory at once. Posts
//! go a chunk at a time: the bodies a chunk renders are read from the store for it,
//! so neither are all bodies. Which pages are rendered at all is decided by their keys
//! ([`super::keys`]) and what the last build knew ([`super::last`]).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use super::keys::Page;
use super::last::SummaryHash;
use super::lists;
use super::plan::{RenderInput, RenderPlan};
use super::Phase;
use super::PublishError;
use crate::output::{SiteWriter, WriteReport};
use crate::render::seo;
use crate::render::views::{output_path, post_url};
use crate::store::Kind;

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

/// Posts rendered together: their bodies are read from the store in one query and
/// held until the chunk is written.
const POSTS_PER_CHUNK: usize = 256;

/// Renders the site into `out`; on any error the published folder is left as it was.
pub(super) fn render_site(input: &RenderInput, out: &Path) -> Result<BuildReport, PublishError> {
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

struct Rendered {
    /// Files in the site.
    files: usize,
    keys: Vec<(String, String)>,
    rendered: usize,
    summary_hashes: Vec<SummaryHash>,
}

fn render_all(input: &RenderInput, writer: &SiteWriter) -> Result<Rendered, PublishError> {
    let snapshot = input.snapshot;
    let plan = RenderPlan::new(input);
    let jobs = lists::jobs(&plan);
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
        Ok::<(), PublishError>(())
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
    let extras = plan.write_feeds_and_maps(writer)? + plan.write_icons(writer)?;
    phase.done("feeds and sitemaps");
    let phase = Phase::start();
    let extras = extras + plan.write_search(writer)?;
    phase.done("search index");
    let files = snapshot.posts.len()
        + jobs.len()
        + input.theme.assets.len()
        + input.media.len()
        + input.images.variants().count()
        + extras;
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

impl RenderPlan<'_> {
    /// Copies the files of `content/` and the variants of its images that changed
    /// since the last build (by their stamp, and hash) and keeps the others.
    pub(super) fn copy_media(&self, writer: &SiteWriter) -> Result<(), PublishError> {
        self.input.media.par_iter().try_for_each(|media| {
            let key = media.key();
            let what = || format!("content file {}", media.rel);
            let same = self.input.previous.and_then(|p| p.get(&media.rel)) == Some(&key);
            if !(same && writer.keep(&media.rel, &what())?) {
                writer.copy(&media.rel, &media.source, &what())?;
            }
            self.record(media.rel.clone(), key);
            Ok::<(), PublishError>(())
        })?;
        let variants: Vec<&crate::images::Variant> = self.input.images.variants().collect();
        variants.par_iter().try_for_each(|variant| {
            let what = || format!("image variant {}", variant.rel);
            let same = self.input.previous.and_then(|p| p.get(&variant.rel)) == Some(&variant.key);
            if !(same && writer.keep(&variant.rel, &what())?) {
                writer.copy(&variant.rel, &variant.source, &what())?;
            }
            self.record(variant.rel.clone(), variant.key.clone());
            Ok(())
        })
    }

    /// Renders the pages of the posts at `chunk`, reading the bodies of those changed.
    pub(super) fn render_posts(
        &self,
        chunk: &[usize],
        writer: &SiteWriter,
    ) -> Result<(), PublishError> {
        let pages = chunk
            .par_iter()
            .map(|&i| Ok(self.prepare_post(i, writer)?.map(|page| (i, page))))
            .filter_map(Result::transpose)
            .collect::<Result<Vec<_>, PublishError>>()?;
        if pages.is_empty() {
            return Ok(());
        }
        let indexes: Vec<usize> = pages.iter().map(|(i, _)| *i).collect();
        let bodies = self.bodies_html(&indexes)?;
        let images = self.input.images;
        pages.into_par_iter().try_for_each(|(i, page)| {
            // The featured image, when there is one, is the page's first.
            let first = self.input.snapshot.posts[i]
                .post
                .doc
                .featured_image
                .is_none();
            let body = bodies.get(&i).map(|html| images.responsive(html, first));
            self.finish(writer, page, body.as_deref())
        })
    }

    fn prepare_post(&self, i: usize, writer: &SiteWriter) -> Result<Option<Page>, PublishError> {
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
                let related = self.lists.related(i, &snapshot_post.tags);
                context.insert_posts("related", related, &self.summary_hashes);
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
}
