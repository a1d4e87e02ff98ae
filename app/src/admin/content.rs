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
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{Caller, Need};
use super::error::{from_json, ApiError, ApiResult};
use super::Admin;
use crate::content::frontmatter::{self, Defaults};
use crate::publish::PublishOptions;
use crate::store::Kind;

/// Request bodies of this endpoint may carry images.
pub const CONTENT_LIMIT: usize = 64 * 1024 * 1024;

pub async fn list(State(admin): State<Arc<Admin>>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Need::ReadContent)?;
    let dir = admin.site.paths.content.clone();
    let files = tokio::task::spawn_blocking(move || crate::content::hashes(&dir))
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(json!({ "files": files })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Upload {
    #[serde(default)]
    files: Vec<File>,
    /// Paths to remove (posts whose file is gone are then archived, not deleted).
    #[serde(default)]
    delete: Vec<String>,
    /// Import and publish after writing (the last batch of a push).
    #[serde(default)]
    publish: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    path: String,
    base64: String,
}

/// A path inside `content/`: relative, plain segments, nothing hidden.
fn inside(root: &Path, path: &str) -> Result<PathBuf, String> {
    let segments: Vec<&str> = path.split('/').collect();
    let plain = !path.is_empty()
        && segments
            .iter()
            .all(|s| !s.is_empty() && !s.starts_with('.') && !s.contains('\\') && !s.contains(':'));
    if !plain {
        return Err(format!(
            "{path:?} is not a plain relative path inside content/"
        ));
    }
    Ok(segments.iter().fold(root.to_owned(), |p, s| p.join(s)))
}

pub async fn upload(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    caller.require(Need::WriteContent)?;
    let upload: Upload = from_json(body)?;
    if upload.publish {
        caller.require(Need::Publish)?;
    }
    let root = admin.site.paths.content.clone();
    // Everything is checked before anything is written.
    let mut writes = Vec::with_capacity(upload.files.len());
    for (i, file) in upload.files.iter().enumerate() {
        let field = format!("files[{i}]");
        let target = inside(&root, &file.path).map_err(|m| ApiError::field(&field, m))?;
        let bytes = STANDARD
            .decode(file.base64.as_bytes())
            .map_err(|e| ApiError::field(&field, format!("{}: not base64: {e}", file.path)))?;
        if file.path.ends_with(".md") {
            let text = std::str::from_utf8(&bytes).map_err(|e| {
                ApiError::field(
                    &field,
                    format!("{}: not UTF-8 at byte {}", file.path, e.valid_up_to()),
                )
            })?;
            let stem = Path::new(&file.path).file_stem().unwrap_or_default();
            let defaults = Defaults {
                slug: slug::slugify(stem.to_string_lossy()),
                kind: if file.path.starts_with("pages/") {
                    Kind::Page
                } else {
                    Kind::Post
                },
                author: &admin.site.config.default_author,
                now: chrono::Utc::now(),
            };
            frontmatter::parse(&file.path, text, &defaults)
                .map_err(|e| ApiError::field(&field, e.to_string()))?;
        }
        writes.push((target, bytes));
    }
    let mut deletes = Vec::with_capacity(upload.delete.len());
    for (i, path) in upload.delete.iter().enumerate() {
        deletes.push(inside(&root, path).map_err(|m| ApiError::field(&format!("delete[{i}]"), m))?);
    }
    let written = writes.len();
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        for (target, bytes) in writes {
            if let Some(dir) = target.parent() {
                std::fs::create_dir_all(dir)?;
            }
            // Complete or absent: the watcher and the importer never see half a file.
            let name = target
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let temp = target.with_file_name(format!(".{name}.upload"));
            std::fs::write(&temp, &bytes)?;
            std::fs::rename(&temp, &target)?;
        }
        for target in deletes {
            match std::fs::remove_file(&target) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    admin
        .audit(
            Some(&caller.actor()),
            "content.pushed",
            None,
            &caller.ip,
            Some(&format!("{written} files, {} removed", upload.delete.len())),
        )
        .await;
    if !upload.publish {
        return Ok(Json(
            json!({ "written": written, "import": null, "publish": null }),
        ));
    }
    let options = PublishOptions {
        import: true,
        prune: !upload.delete.is_empty(),
        ..admin.publisher.options()
    };
    let report = admin.site.publish(options).await?;
    admin.publisher.changed();
    admin
        .audit(
            Some(&caller.actor()),
            "publish",
            None,
            &caller.ip,
            Some("remote push"),
        )
        .await;
    Ok(Json(json!({
        "written": written,
        "import": report.import,
        "publish": report.build.as_ref().map(|b| json!({
            "rendered": b.rendered,
            "written": b.write.written,
            "deleted": b.write.removed,
            "millis": b.millis,
        })),
    })))
}
