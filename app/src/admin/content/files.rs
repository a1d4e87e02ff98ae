//! Content from CI (`folio publish --remote`): the server says what its `content/`
//! holds (path -> hash), the client sends what differs, the server checks every
//! Markdown file before writing any, then imports (each change a new revision) and
//! publishes. The files land in the server's `content/`, as if committed there.

use std::collections::{BTreeMap, HashMap};
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
use crate::content::frontmatter;
use crate::content::import::ImportReport;
use crate::content::push_plan::{self, Incoming, Plan};
use crate::site::PublishOptions;
use crate::store::sources;

/// Request bodies of this endpoint may carry images.
pub(in crate::admin) const CONTENT_LIMIT: usize = 64 * 1024 * 1024;

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct FileHashes {
    /// Each file's path in `content/` and the BLAKE3 hash of its bytes.
    files: BTreeMap<String, String>,
    /// What the last push sent of each file: where it differs from `files`, the file
    /// changed on the server since (in the admin), and a push leaves it as it is
    /// unless it changed it too.
    pushed: BTreeMap<String, String>,
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
    let mut conn = admin.site.store.read().await?;
    let pushed = sources::pushed(&mut conn).await?;
    Ok(Json(FileHashes { files, pushed }))
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
    /// Replace or remove files even where they changed on the server since the last
    /// push (the admin's changes to them are then lost from the files).
    #[serde(default)]
    force: bool,
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
            "{path}: refused: only Markdown (.md), images (PNG, JPEG, GIF, WebP, AVIF) and \
             the site's data (tags.yaml, authors.yaml, site.yaml, redirects.yaml) can be pushed"
        ));
    }
    if crate::content::SITE_DATA.contains(&path) {
        let text = std::str::from_utf8(bytes).map_err(|_| format!("{path}: not UTF-8"))?;
        return crate::content::check_site_data(path, text).map_err(|e| e.to_string());
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

/// A file of a push, checked: where it goes, its bytes, their hash and, for
/// Markdown, the slug it gives.
struct Checked {
    path: String,
    target: PathBuf,
    bytes: Vec<u8>,
    hash: String,
    slug: Option<String>,
}

/// Files to remove: the path in `content/` and the file.
type Removals = Vec<(String, PathBuf)>;

/// Checks every file of `upload` (paths, types, Markdown parsed as at `now`) without
/// touching disk; returns them and the files to remove.
fn check(
    root: &Path,
    upload: &Upload,
    author: &str,
    now: DateTime<Utc>,
) -> ApiResult<(Vec<Checked>, Removals)> {
    let mut files = Vec::with_capacity(upload.files.len());
    for (i, file) in upload.files.iter().enumerate() {
        let field = format!("files[{i}]");
        let bad = |m: String| ApiError::field(&field, m);
        let target = target(root, &file.path).map_err(bad)?;
        let bytes = STANDARD
            .decode(file.base64.as_bytes())
            .map_err(|e| bad(format!("{}: not base64: {e}", file.path)))?;
        check_kind(&file.path, &bytes).map_err(bad)?;
        let mut slug = None;
        if file.path.ends_with(".md") {
            let text = std::str::from_utf8(&bytes).map_err(|e| {
                bad(format!(
                    "{}: not UTF-8 at byte {}",
                    file.path,
                    e.valid_up_to()
                ))
            })?;
            let reading = crate::content::save::Reading { author, now };
            let defaults = crate::content::save::defaults(&file.path, reading);
            let parsed =
                frontmatter::parse(&file.path, text, &defaults).map_err(|e| bad(e.to_string()))?;
            slug = Some(parsed.doc.slug);
        }
        files.push(Checked {
            path: file.path.clone(),
            target,
            hash: blake3::hash(&bytes).to_hex().to_string(),
            bytes,
            slug,
        });
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
        deletes.push((path.clone(), target));
    }
    Ok((files, deletes))
}

/// What the store knows that a push is checked against: what the last push sent,
/// the slugs of posts from files (by path), and of posts with no file.
struct Known {
    pushed: BTreeMap<String, String>,
    slugs: HashMap<String, String>,
    fileless: HashMap<String, String>,
}

impl Known {
    async fn read(conn: &mut crate::store::Connection) -> ApiResult<Self> {
        let slugs = sources::sources(&mut *conn)
            .await?
            .into_iter()
            .filter(|s| !s.archived)
            .map(|s| (s.path, s.slug))
            .collect();
        Ok(Self {
            pushed: sources::pushed(&mut *conn).await?,
            slugs,
            fileless: sources::fileless(conn).await?,
        })
    }

    /// The three-way plan of a push (see [`push_plan`]), reading the server's files.
    fn plan(&self, root: &Path, files: &[Checked], removals: &[String], force: bool) -> Plan {
        let current = |path: &str| {
            let file = crate::disk::confine::resolve(root, path).ok()?;
            let bytes = std::fs::read(file).ok()?;
            Some(blake3::hash(&bytes).to_hex().to_string())
        };
        let incoming: Vec<Incoming> = files
            .iter()
            .map(|f| Incoming {
                path: &f.path,
                hash: f.hash.clone(),
                slug: f.slug.clone(),
            })
            .collect();
        let server = push_plan::Server {
            current: &current,
            pushed: &self.pushed,
            slugs: &self.slugs,
            fileless: &self.fileless,
        };
        push_plan::plan(&incoming, removals, &server, force)
    }
}

/// What a push did.
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct Pushed {
    /// Files written.
    written: usize,
    /// Files changed on the server since the last push, and not by this one: left as
    /// the server has them (take them into Git).
    kept: Vec<String>,
    /// The import, on the last batch (`publish: true`).
    import: Option<ImportReport>,
    /// The publish, on the last batch.
    publish: Option<PublishSummary>,
}

/// With `[git]`, files come in through the repository only: a push here would be
/// committed on the server and race what people push to Git.
fn not_in_git(admin: &Admin) -> ApiResult<()> {
    match &admin.git {
        Some(git) if git.has_remote() => Err(ApiError::conflict(
            "this server's content folder is a clone of its [git] remote: push to Git instead, then run `folio sync`",
        )),
        _ => Ok(()),
    }
}

/// Writes and removes files in `content/` (all checked first, each against what the
/// last push sent, so no change made on the server is overwritten unasked), and on
/// the last batch imports and publishes them.
#[utoipa::path(post, path = "/content", tag = "media", request_body = Upload,
    responses((status = 200, body = Pushed)))]
pub(in crate::admin) async fn upload(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Json<Pushed>> {
    caller.require(Need::PushContent)?;
    not_in_git(&admin)?;
    let upload: Upload = from_json(body)?;
    let root = admin.site.paths.content.clone();
    let (author, now) = (admin.site.current_config().default_author, admin.now());
    // The store's write transaction is held from the check to the record of what was
    // written: the admin, which writes files in its own, cannot write one between.
    let mut tx = admin.site.store.write().await?;
    let known = Known::read(&mut tx).await?;
    // Everything is checked before anything is written, off the async threads (front
    // matter parsing is CPU work).
    let (upload, files, removals, plan) = tokio::task::spawn_blocking(move || {
        let (files, deletes) = check(&root, &upload, &author, now)?;
        let paths: Vec<String> = deletes.iter().map(|(p, _)| p.clone()).collect();
        let plan = known.plan(&root, &files, &paths, upload.force);
        Ok::<_, ApiError>((upload, files, deletes, plan))
    })
    .await
    .map_err(ApiError::internal)??;
    if !plan.conflicts.is_empty() {
        // Both sides hear of it: the push fails, and the audit log (which the owner
        // reads in the admin) names each file that was refused.
        drop(tx);
        let files = plan.conflicts.join("; ");
        caller
            .audit(&admin, "content.push_refused", None, Some(&files))
            .await;
        return Err(ApiError::conflict(format!(
            "nothing was written:\n  {}",
            plan.conflicts.join("\n  ")
        )));
    }
    let mut files: Vec<Option<Checked>> = files.into_iter().map(Some).collect();
    let written: Vec<Checked> = plan.write.iter().filter_map(|&i| files[i].take()).collect();
    let removed: Removals = removals
        .into_iter()
        .filter(|(path, _)| plan.remove.contains(path))
        .collect();
    let writes = written
        .iter()
        .map(|f| (f.target.clone(), f.bytes.clone()))
        .collect();
    let deletes = removed.iter().map(|(_, t)| t.clone()).collect();
    let root = admin.site.paths.content.clone();
    tokio::task::spawn_blocking(move || crate::disk::batch::Batch::apply(&root, writes, deletes))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    for file in &written {
        sources::set_pushed(&mut tx, &file.path, Some(&file.hash)).await?;
    }
    for (path, _) in &removed {
        sources::set_pushed(&mut tx, path, None).await?;
    }
    tx.commit().await?;
    let detail = format!("{} files, {} removed", written.len(), removed.len());
    caller
        .audit(&admin, "content.pushed", None, Some(&detail))
        .await;
    let mut pushed = Pushed {
        written: written.len(),
        kept: plan.kept,
        import: None,
        publish: None,
    };
    if !upload.publish {
        return Ok(Json(pushed));
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
    pushed.publish = report.build.as_ref().map(|b| PublishSummary::from(Some(b)));
    pushed.import = report.import;
    Ok(Json(pushed))
}
