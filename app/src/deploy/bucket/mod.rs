//! `folio publish --bucket s3://BUCKET/PREFIX`: the rendered site into an
//! S3-compatible bucket (S3 behind CloudFront, Cloudflare R2, Hetzner Object
//! Storage, MinIO), uploading only what changed, in an order that never breaks the
//! live site: new assets first, then pages, then feeds and the sitemap, and only
//! then deletions. A manifest object records the hash of every file uploaded, so
//! changes are found by content, whatever the bucket's ETags are.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use futures_util::future::BoxFuture;
use futures_util::{FutureExt, StreamExt};
use serde::{Deserialize, Serialize};

mod headers;
mod plan;
mod redirect_object;
mod s3;
mod target;

pub use headers::Headers;
pub use s3::S3;

use crate::site::Progress;
use plan::{Local, Plan};
use target::Bucket;

/// Where the manifest lives, under the prefix. Hidden: the site has no dotfiles.
const MANIFEST: &str = ".folio-manifest.json";

#[derive(Debug, thiserror::Error)]
pub enum BucketError {
    #[error("{0:?} is not a bucket URL: use s3://BUCKET or s3://BUCKET/PREFIX")]
    Url(String),
    #[error("the bucket settings: {0}")]
    Config(String),
    #[error("the bucket {bucket} refused the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY): {message}")]
    Access { bucket: String, message: String },
    #[error("there is no bucket {bucket} at {endpoint} (AWS_ENDPOINT_URL, AWS_REGION)")]
    NoBucket { bucket: String, endpoint: String },
    #[error("{what} {path}: {message}")]
    Transfer {
        what: &'static str,
        path: String,
        message: String,
    },
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Rules(String),
}

#[derive(Debug, Clone, Copy)]
pub struct BucketOptions {
    /// Print the plan, change nothing.
    pub dry_run: bool,
    /// Delete objects the site no longer has (after every upload).
    pub delete: bool,
    /// Transfers at once.
    pub concurrency: usize,
}

/// One change, in the order it was (or would be) made.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// `upload` (new), `update` or `delete`.
    pub op: &'static str,
    pub path: String,
    pub bytes: u64,
}

#[derive(Debug, Default, Serialize)]
pub struct BucketReport {
    pub bucket: String,
    pub dry_run: bool,
    pub changes: Vec<Change>,
    pub unchanged: usize,
    pub uploaded_bytes: u64,
    /// URL paths of pages added, changed or removed: what a CDN cache purge needs.
    pub changed_pages: Vec<String>,
    pub millis: u128,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Manifest {
    pub version: u32,
    /// Site path -> blake3 of its bytes.
    pub files: BTreeMap<String, String>,
}

/// Syncs the site in `out` to the bucket at `url`.
pub async fn sync(
    out: &Path,
    url: &str,
    headers: &Headers,
    options: BucketOptions,
    progress: Option<Progress>,
) -> Result<BucketReport, BucketError> {
    let started = Instant::now();
    let bucket = Bucket::open(url)?;
    let root = out.to_owned();
    let local = tokio::task::spawn_blocking(move || plan::local_files(&root));
    let (remote, manifest) = tokio::try_join!(bucket.list(), bucket.manifest())?;
    let local = local.await.expect("hashing does not panic")?;
    let plan = Plan::new(&local, &remote, &manifest, options.delete);
    let mut report = plan.report(url, options.dry_run);
    if !options.dry_run {
        let redirects = redirect_pages(out);
        let sending = Sending {
            headers,
            redirects: &redirects,
            options,
        };
        apply(&bucket, &plan, manifest, &sending, progress).await?;
    }
    report.millis = started.elapsed().as_millis();
    Ok(report)
}

/// How objects go up: their headers, which are redirects, how many at once.
struct Sending<'a> {
    headers: &'a Headers,
    /// Site path of a redirect page -> where it sends readers.
    redirects: &'a std::collections::HashMap<String, String>,
    options: BucketOptions,
}

/// The redirect pages of the site in `out` (plain paths of the build's redirects):
/// site path -> target. None readable: no redirect objects, pages only.
fn redirect_pages(out: &Path) -> std::collections::HashMap<String, String> {
    use crate::content::redirects::{Redirect, SERVED};
    let rules: Vec<Redirect> = std::fs::read(out.join(SERVED))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    let mut pages = std::collections::HashMap::new();
    for rule in rules {
        if let Some(path) = rule.plain_path() {
            let file = crate::render::views::output_path(&path);
            pages.entry(file).or_insert(rule.to);
        }
    }
    pages
}

/// Uploads phase by phase (a page goes up only once everything it links to is
/// there), then deletes, then writes the manifest. A failed phase records what went
/// up, so the next run does not send it again.
async fn apply(
    bucket: &Bucket,
    plan: &Plan<'_>,
    mut manifest: Manifest,
    sending: &Sending<'_>,
    progress: Option<Progress>,
) -> Result<(), BucketError> {
    let (headers, options) = (sending.headers, sending.options);
    let total = (plan.uploads.len() + plan.deletes.len()) as u64;
    let done = std::sync::atomic::AtomicU64::new(0);
    let tick = || {
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if let Some(progress) = &progress {
            progress(n, total);
        }
    };
    for current in 0..=2u8 {
        // Boxed, and driven by a loop rather than stream adapters: the future is
        // then Send for a task to run (the server's deploy spawns the sync).
        let uploads: Vec<BoxFuture<'_, Result<&Local, BucketError>>> = plan
            .phase(current)
            .into_iter()
            .map(|file| {
                let redirect = sending.redirects.get(&file.path).map(String::as_str);
                bucket.upload(file, headers, redirect).boxed()
            })
            .collect();
        let mut running =
            futures_util::stream::iter(uploads).buffer_unordered(options.concurrency.max(1));
        let mut results = Vec::new();
        while let Some(result) = running.next().await {
            tick();
            results.push(result);
        }
        let mut failure = None;
        for result in results {
            match result {
                Ok(file) => {
                    manifest.files.insert(file.path.clone(), file.hash.clone());
                }
                Err(e) => failure = failure.or(Some(e)),
            }
        }
        if let Some(e) = failure {
            let _ = bucket.write_manifest(&manifest).await;
            return Err(e);
        }
    }
    for (path, _) in &plan.deletes {
        bucket.delete(path).await?;
        manifest.files.remove(path);
        tick();
    }
    manifest.version = 1;
    manifest
        .files
        .retain(|path, _| plan.wanted.contains(path.as_str()));
    bucket.write_manifest(&manifest).await
}
