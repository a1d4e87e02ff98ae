//! Content from CI (`folio publish --remote`): the server says what its `content/`
//! holds (path -> hash), the client sends what differs, the server checks every
//! Markdown file before writing any, then imports (each change a new revision) and
//! publishes. The files land in the server's `content/`, as if committed there.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::auth::{Caller, Need};
use crate::admin::error::{from_json, ApiError, ApiResult, Body};
use crate::admin::sitewide::publish::PublishSummary;
use crate::admin::Admin;
use crate::content::frontmatter::{self, Defaults};
use crate::content::import::ImportReport;
use crate::site::PublishOptions;
use crate::store::Kind;

/// Request bodies of this endpoint may carry images.
pub(in crate::admin) const CONTENT_LIMIT: usize = 64 * 1024 * 1024;

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct FileHashes {
    /// Each file's path in `content/` and the BLAKE3 hash of its bytes.
    files: std::collections::BTreeMap<String, String>,
}

/// What the server's `content/` holds: path and hash of each file.
#[utoipa::path(get, path = "/content", tag = "media", responses((status = 200, body = FileHashes)))]
pub(in crate::admin) async fn list(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Json<FileHashes>> {
    caller.require(Need::PushContent)?;
    let dir = admin.site.paths.content.clone();
    let files = tokio::task::spawn_blocking(move || crate::content::hashes(&dir))
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(FileHashes { files }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::admin) struct Upload {
    #[serde(default)]
    files: Vec<File>,
    /// Paths to remove (posts whose file is gone are then archived, not deleted).
    #[serde(default)]
    delete: Vec<String>,
    /// Import and publish after writing (the last batch of a push).
    #[serde(default)]
    publish: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::admin) struct File {
    path: String,
    base64: String,
}

/// Top-level names the build writes itself: a pushed file there would shadow them.
const GENERATED: [&str; 6] = [
    "assets",
    "robots.txt",
    "sitemap.xml",
    "404.html",
    "rss.xml",
    "index.html",
];

/// What a pushed file may be: Markdown, or an image of a type `/media` accepts whose
/// bytes are that type. Anything else (HTML, SVG, scripts) would be published as it
/// is, on the site's origin.
fn check_kind(path: &str, bytes: &[u8]) -> Result<(), String> {
    let first = path.split('/').next().unwrap_or_default();
    if GENERATED.contains(&first) {
        return Err(format!(
            "{path}: refused: it would shadow the site's own {first}"
        ));
    }
    if !crate::content::pushable(path) {
        return Err(format!(
            "{path}: refused: only Markdown (.md) and images (PNG, JPEG, GIF, WebP, AVIF) \
             can be pushed"
        ));
    }
    if path.ends_with(".md") {
        return Ok(());
    }
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let ext = match ext.as_deref() {
        Some("jpeg") => "jpg",
        Some(ext) => ext,
        None => "",
    };
    let actual =
        crate::admin::content::media::image_extension(bytes).map_err(|m| format!("{path}: {m}"))?;
    if actual == ext {
        Ok(())
    } else {
        Err(format!("{path}: the file is a {actual} image, not {ext}"))
    }
}

/// The file a pushed path names inside `content/`.
fn target(root: &Path, path: &str) -> Result<PathBuf, String> {
    crate::disk::confine::resolve(root, path).map_err(|e| e.to_string())
}

/// Files to write (path, bytes) and files to remove.
type Changes = (Vec<(PathBuf, Vec<u8>)>, Vec<PathBuf>);

/// Checks every file of a push (paths, types, front matter) without touching disk.
/// Checks every file of `upload` (Markdown parsed as at `now`) before any is written.
fn check(root: &Path, upload: &Upload, author: &str, now: DateTime<Utc>) -> ApiResult<Changes> {
    let mut writes = Vec::with_capacity(upload.files.len());
    for (i, file) in upload.files.iter().enumerate() {
        let field = format!("files[{i}]");
        let bad = |m: String| ApiError::field(&field, m);
        let path = target(root, &file.path).map_err(bad)?;
        let bytes = STANDARD
            .decode(file.base64.as_bytes())
            .map_err(|e| bad(format!("{}: not base64: {e}", file.path)))?;
        check_kind(&file.path, &bytes).map_err(bad)?;
        if file.path.ends_with(".md") {
            let text = std::str::from_utf8(&bytes).map_err(|e| {
                bad(format!(
                    "{}: not UTF-8 at byte {}",
                    file.path,
                    e.valid_up_to()
                ))
            })?;
            let stem = Path::new(&file.path).file_stem().unwrap_or_default();
            let defaults = Defaults {
                slug: slug::slugify(stem.to_string_lossy()),
                kind: if file.path.starts_with("pages/") {
                    Kind::Page
                } else {
                    Kind::Post
                },
                author,
                now,
            };
            frontmatter::parse(&file.path, text, &defaults).map_err(|e| bad(e.to_string()))?;
        }
        writes.push((path, bytes));
    }
    let mut deletes = Vec::with_capacity(upload.delete.len());
    for (i, path) in upload.delete.iter().enumerate() {
        let field = format!("delete[{i}]");
        let target = target(root, path).map_err(|m| ApiError::field(&field, m))?;
        // Only what could have been pushed can be removed.
        if !crate::content::pushable(path) || target.is_dir() {
            return Err(ApiError::field(
                &field,
                format!("{path}: only Markdown files and images can be removed"),
            ));
        }
        deletes.push(target);
    }
    Ok((writes, deletes))
}

/// What a push did.
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct Pushed {
    /// Files written.
    written: usize,
    /// The import, on the last batch (`publish: true`).
    import: Option<ImportReport>,
    /// The publish, on the last batch.
    publish: Option<PublishSummary>,
}

/// Writes and removes files in `content/` (all checked first), and on the last batch
/// imports and publishes them.
#[utoipa::path(post, path = "/content", tag = "media", request_body = Upload,
    responses((status = 200, body = Pushed)))]
pub(in crate::admin) async fn upload(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Json<Pushed>> {
    caller.require(Need::PushContent)?;
    let upload: Upload = from_json(body)?;
    let root = admin.site.paths.content.clone();
    let (author, now) = (admin.site.current_config().default_author, admin.now());
    // Everything is checked before anything is written, off the async threads (front
    // matter parsing is CPU work).
    let (upload, writes, deletes) = tokio::task::spawn_blocking(move || {
        check(&root, &upload, &author, now).map(|(w, d)| (upload, w, d))
    })
    .await
    .map_err(ApiError::internal)??;
    let written = writes.len();
    let root = admin.site.paths.content.clone();
    tokio::task::spawn_blocking(move || crate::disk::batch::Batch::apply(&root, writes, deletes))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    caller
        .audit(
            &admin,
            "content.pushed",
            None,
            Some(&format!("{written} files, {} removed", upload.delete.len())),
        )
        .await;
    if !upload.publish {
        return Ok(Json(Pushed {
            written,
            import: None,
            publish: None,
        }));
    }
    let options = PublishOptions {
        import: true,
        prune: !upload.delete.is_empty(),
        ..admin.publisher.options()
    };
    let report = admin.site.publish(options).await?;
    admin.publisher.changed();
    caller
        .audit(&admin, "publish", None, Some("remote push"))
        .await;
    Ok(Json(Pushed {
        written,
        publish: report.build.as_ref().map(|b| PublishSummary::from(Some(b))),
        import: report.import,
    }))
}
