//! `folio publish --bucket s3://BUCKET/PREFIX`: the rendered site into an
//! S3-compatible bucket (S3 behind CloudFront, Cloudflare R2, Hetzner Object
//! Storage, MinIO), uploading only what changed, in an order that never breaks the
//! live site: new assets first, then pages, then feeds and the sitemap, and only
//! then deletions. A manifest object records the hash of every file uploaded, so
//! changes are found by content, whatever the bucket's ETags are.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};

use crate::build::Progress;
use crate::config::HeaderRule;
use crate::output::delivery;

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
struct Manifest {
    version: u32,
    /// Site path -> blake3 of its bytes.
    files: BTreeMap<String, String>,
}

struct Local {
    path: String,
    file: PathBuf,
    size: u64,
    hash: String,
}

/// Header rules from `folio.toml`, checked once: the first whose glob matches a
/// path sets its headers; the defaults fill the rest.
pub struct Headers {
    rules: Vec<(globset::GlobMatcher, HeaderRule)>,
    cdn_max_age: u32,
    /// The pages' Content-Security-Policy, stored as object metadata for the CDN to
    /// send (a CloudFront response headers policy or a Cloudflare transform rule).
    csp: Option<String>,
}

impl Headers {
    pub fn new(
        rules: &[HeaderRule],
        cdn_max_age: u32,
        csp: Option<&str>,
    ) -> Result<Self, BucketError> {
        let rules = rules
            .iter()
            .map(|rule| {
                globset::Glob::new(&rule.glob)
                    .map(|g| (g.compile_matcher(), rule.clone()))
                    .map_err(|e| {
                        BucketError::Rules(format!(
                            "folio.toml: deploy.headers glob {:?}: {e}",
                            rule.glob
                        ))
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            rules,
            cdn_max_age,
            csp: csp.map(str::to_owned),
        })
    }

    /// (Content-Type, Cache-Control) of a site path.
    pub fn for_path(&self, path: &str) -> (String, String) {
        let rule = self
            .rules
            .iter()
            .find(|(glob, _)| glob.is_match(path))
            .map(|(_, r)| r);
        let content_type = rule
            .and_then(|r| r.content_type.clone())
            .unwrap_or_else(|| delivery::content_type(path));
        let cache_control = rule
            .and_then(|r| r.cache_control.clone())
            .unwrap_or_else(|| delivery::cache_control(path, self.cdn_max_age));
        (content_type, cache_control)
    }

    /// The Content-Security-Policy of a site path: pages only.
    pub fn csp_for(&self, path: &str) -> Option<&str> {
        self.csp.as_deref().filter(|_| path.ends_with(".html"))
    }
}

/// The order of uploads: what pages need, then pages, then what lists pages.
fn phase(path: &str) -> u8 {
    if path.ends_with(".html") {
        1
    } else if delivery::is_page(path) {
        2
    } else {
        0
    }
}

/// The URL a site path is served at.
fn url_of(path: &str) -> String {
    match path.strip_suffix("index.html") {
        Some(dir) => format!("/{dir}"),
        None => format!("/{path}"),
    }
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
    let rest = url
        .strip_prefix("s3://")
        .filter(|r| !r.is_empty())
        .ok_or_else(|| BucketError::Url(url.to_owned()))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let prefix = prefix.trim_matches('/').to_owned();
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .or_else(|_| std::env::var("AWS_ENDPOINT"))
        .unwrap_or_else(|_| "AWS".to_owned());
    let store: Arc<dyn ObjectStore> = Arc::new(
        AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_allow_http(endpoint.starts_with("http://"))
            .build()
            .map_err(|e| BucketError::Config(e.to_string()))?,
    );
    let key = |path: &str| -> ObjectPath {
        if prefix.is_empty() {
            ObjectPath::from(path)
        } else {
            ObjectPath::from(format!("{prefix}/{path}"))
        }
    };
    let explain = |what: &'static str, path: &str, e: object_store::Error| -> BucketError {
        let message = e.to_string();
        if message.contains("NoSuchBucket") {
            BucketError::NoBucket {
                bucket: bucket.to_owned(),
                endpoint: endpoint.clone(),
            }
        } else if [
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
            "AccessDenied",
            "403 Forbidden",
        ]
        .iter()
        .any(|m| message.contains(m))
        {
            BucketError::Access {
                bucket: bucket.to_owned(),
                message: first_line(&message),
            }
        } else {
            BucketError::Transfer {
                what,
                path: path.to_owned(),
                message: first_line(&message),
            }
        }
    };

    // What the site has.
    let root = out.to_owned();
    let local = tokio::task::spawn_blocking(move || local_files(&root))
        .await
        .expect("hashing does not panic")?;

    // What the bucket has.
    let under = (!prefix.is_empty()).then(|| ObjectPath::from(prefix.as_str()));
    let listed: Vec<object_store::ObjectMeta> = store
        .list(under.as_ref())
        .try_collect()
        .await
        .map_err(|e| explain("listing", bucket, e))?;
    let strip = |location: &ObjectPath| -> String {
        let text = location.to_string();
        match prefix.is_empty() {
            true => text,
            false => text
                .strip_prefix(&format!("{prefix}/"))
                .unwrap_or(&text)
                .to_owned(),
        }
    };
    let remote: HashMap<String, u64> = listed
        .iter()
        .map(|m| (strip(&m.location), m.size))
        .collect();
    let manifest: Manifest = match store.get(&key(MANIFEST)).await {
        Ok(found) => {
            let bytes = found
                .bytes()
                .await
                .map_err(|e| explain("reading", MANIFEST, e))?;
            serde_json::from_slice(&bytes).unwrap_or_default()
        }
        Err(object_store::Error::NotFound { .. }) => Manifest::default(),
        Err(e) => return Err(explain("reading", MANIFEST, e)),
    };

    // The plan.
    let mut uploads: Vec<(&Local, &'static str)> = Vec::new();
    let mut unchanged = 0;
    for file in &local {
        let op = match remote.get(&file.path) {
            None => Some("upload"),
            Some(size)
                if *size != file.size || manifest.files.get(&file.path) != Some(&file.hash) =>
            {
                Some("update")
            }
            Some(_) => None,
        };
        match op {
            Some(op) => uploads.push((file, op)),
            None => unchanged += 1,
        }
    }
    uploads.sort_by_key(|(file, _)| (phase(&file.path), file.path.clone()));
    let wanted: std::collections::HashSet<&str> = local.iter().map(|f| f.path.as_str()).collect();
    let mut deletes: Vec<(String, u64)> = if options.delete {
        remote
            .iter()
            .filter(|(path, _)| path.as_str() != MANIFEST && !wanted.contains(path.as_str()))
            .map(|(path, size)| (path.clone(), *size))
            .collect()
    } else {
        Vec::new()
    };
    deletes.sort();

    let mut report = BucketReport {
        bucket: url.to_owned(),
        dry_run: options.dry_run,
        unchanged,
        ..BucketReport::default()
    };
    for (file, op) in &uploads {
        report.changes.push(Change {
            op,
            path: file.path.clone(),
            bytes: file.size,
        });
    }
    for (path, bytes) in &deletes {
        report.changes.push(Change {
            op: "delete",
            path: path.clone(),
            bytes: *bytes,
        });
    }
    report.uploaded_bytes = uploads.iter().map(|(f, _)| f.size).sum();
    report.changed_pages = report
        .changes
        .iter()
        .filter(|c| c.path.ends_with(".html"))
        .map(|c| url_of(&c.path))
        .collect();
    if options.dry_run {
        report.millis = started.elapsed().as_millis();
        return Ok(report);
    }

    // Uploads, phase by phase: a page goes up only once everything it links to is there.
    let total = (uploads.len() + deletes.len()) as u64;
    let done = std::sync::atomic::AtomicU64::new(0);
    let tick = || {
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if let Some(progress) = &progress {
            progress(n, total);
        }
    };
    let mut manifest = manifest;
    for current in 0..=2u8 {
        let batch: Vec<&Local> = uploads
            .iter()
            .filter(|(f, _)| phase(&f.path) == current)
            .map(|(f, _)| *f)
            .collect();
        let results: Vec<Result<&Local, BucketError>> = futures_util::stream::iter(batch)
            .map(|file| {
                let store = store.clone();
                let key = key(&file.path);
                let (content_type, cache_control) = headers.for_path(&file.path);
                let csp = headers.csp_for(&file.path).map(str::to_owned);
                async move {
                    let bytes =
                        tokio::fs::read(&file.file)
                            .await
                            .map_err(|source| BucketError::Io {
                                path: file.file.clone(),
                                source,
                            })?;
                    let mut attributes = Attributes::new();
                    attributes.insert(Attribute::ContentType, content_type.into());
                    attributes.insert(Attribute::CacheControl, cache_control.into());
                    if let Some(csp) = csp {
                        attributes.insert(
                            Attribute::Metadata("content-security-policy".into()),
                            csp.into(),
                        );
                    }
                    let put = PutOptions {
                        attributes,
                        ..PutOptions::default()
                    };
                    store
                        .put_opts(&key, PutPayload::from(bytes), put)
                        .await
                        .map(|_| file)
                        .map_err(|e| explain("uploading", &file.path, e))
                }
            })
            .buffer_unordered(options.concurrency.max(1))
            .inspect(|_| tick())
            .collect()
            .await;
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
            // What went up is recorded, so the next run does not send it again.
            let _ = write_manifest(&*store, &key(MANIFEST), &manifest).await;
            return Err(e);
        }
    }
    for (path, _) in &deletes {
        match store.delete(&key(path)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(explain("deleting", path, e)),
        }
        manifest.files.remove(path);
        tick();
    }
    manifest.version = 1;
    manifest
        .files
        .retain(|path, _| wanted.contains(path.as_str()));
    write_manifest(&*store, &key(MANIFEST), &manifest)
        .await
        .map_err(|e| explain("writing", MANIFEST, e))?;
    report.millis = started.elapsed().as_millis();
    Ok(report)
}

async fn write_manifest(
    store: &dyn ObjectStore,
    key: &ObjectPath,
    manifest: &Manifest,
) -> Result<(), object_store::Error> {
    let bytes = serde_json::to_vec(manifest).expect("the manifest serializes");
    let mut attributes = Attributes::new();
    attributes.insert(Attribute::ContentType, "application/json".into());
    attributes.insert(Attribute::CacheControl, "no-store".into());
    store
        .put_opts(
            key,
            PutPayload::from(bytes),
            PutOptions {
                attributes,
                ..PutOptions::default()
            },
        )
        .await
        .map(|_| ())
}

/// Every file of the site (no hidden ones), with its size and hash.
fn local_files(out: &Path) -> Result<Vec<Local>, BucketError> {
    use rayon::prelude::*;
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(out).sort_by_file_name() {
        let entry = entry.map_err(|e| BucketError::Io {
            path: out.to_owned(),
            source: e.into(),
        })?;
        let rel = entry.path().strip_prefix(out).unwrap_or(entry.path());
        let hidden = rel
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
        if hidden || !entry.file_type().is_file() {
            continue;
        }
        let path = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        files.push((path, entry.path().to_owned()));
    }
    files
        .into_par_iter()
        .map(|(path, file)| {
            let bytes = std::fs::read(&file).map_err(|source| BucketError::Io {
                path: file.clone(),
                source,
            })?;
            Ok(Local {
                path,
                size: bytes.len() as u64,
                hash: blake3::hash(&bytes).to_hex().to_string(),
                file,
            })
        })
        .collect()
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}
