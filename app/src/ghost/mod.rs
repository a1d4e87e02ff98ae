//! `folio import ghost EXPORT.json [--images DIR]`: a Ghost blog's posts, pages,
//! tags, authors and settings into the store, at the URLs Ghost gave them.
//!
//! One transaction: any error leaves the store as it was. Importing the same export
//! again changes nothing; a newer one updates changed posts as new revisions.

mod documents;
mod export;
mod html;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::store::posts::{self};
use crate::store::tags;
use crate::store::users::{self, Author};
use crate::store::{Store, StoreError};
use export::Export;

/// Exports larger than this are refused unless asked for: the whole file is read.
pub const DEFAULT_MAX_BYTES: u64 = 512 * 1024 * 1024;

/// Ghost versions whose export format this reads.
const VERSIONS: [&str; 3] = ["4", "5", "6"];

/// Revisions made by this importer say so.
const ORIGIN: &str = "ghost import";

#[derive(Debug, thiserror::Error)]
pub enum GhostError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is {size} bytes, more than the limit of {limit} (raise it with --max-bytes)")]
    TooBig {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("{path} is not valid JSON (truncated?): {message}")]
    Json { path: PathBuf, message: String },
    #[error("{path} is not a Ghost export: {reason}")]
    NotGhost { path: PathBuf, reason: String },
    #[error("{path}: Ghost {version} exports are not supported (Ghost 4, 5 and 6 are)")]
    Version { path: PathBuf, version: String },
    #[error("{path}: {what}")]
    Invalid { path: PathBuf, what: String },
    #[error("copying {path}: {source}")]
    Copy {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an import did, and everything a person should look at afterwards.
#[derive(Debug, Default, Serialize)]
pub struct GhostReport {
    pub version: String,
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub tags: usize,
    pub authors: usize,
    /// Per post slug: cards kept as raw HTML (`bookmark`, `gallery`...).
    pub cards_kept_as_html: BTreeMap<String, Vec<String>>,
    /// Per post slug: other elements kept as raw HTML (`<iframe>`...).
    pub elements_kept_as_html: BTreeMap<String, Vec<String>>,
    /// Files copied from `--images` (and its sibling `files/`, `media/`) into content/.
    pub media_copied: usize,
    /// Files the posts point at that were not found (or not looked for: no --images).
    pub media_missing: Vec<String>,
    pub warnings: Vec<String>,
}

pub struct GhostOptions<'a> {
    /// Ghost's `content/images` folder (its siblings `files/` and `media/` too).
    pub images: Option<&'a Path>,
    /// The site's content folder, where media files are copied.
    pub content: &'a Path,
    pub max_bytes: u64,
    /// Ghost's permalink pattern when it was not `/{slug}/`, e.g.
    /// `/{year}/{month}/{slug}/`: old URLs become aliases.
    pub permalink: Option<&'a str>,
}

/// Reads and checks an export without touching anything.
fn read(path: &Path, max_bytes: u64) -> Result<Export, GhostError> {
    let size = std::fs::metadata(path)
        .map_err(|source| GhostError::Read {
            path: path.to_owned(),
            source,
        })?
        .len();
    if size > max_bytes {
        return Err(GhostError::TooBig {
            path: path.to_owned(),
            size,
            limit: max_bytes,
        });
    }
    let bytes = std::fs::read(path).map_err(|source| GhostError::Read {
        path: path.to_owned(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| GhostError::Json {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
    let not_ghost = |reason: &str| GhostError::NotGhost {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    // `{"db": [export]}` or the export itself.
    let export = match value.get("db") {
        Some(db) => db
            .get(0)
            .ok_or_else(|| not_ghost("its `db` list is empty"))?
            .clone(),
        None => value,
    };
    let version = export
        .pointer("/meta/version")
        .and_then(|v| v.as_str())
        .ok_or_else(|| not_ghost("no meta.version"))?
        .to_owned();
    if export.pointer("/data/posts").is_none() {
        return Err(not_ghost("no data.posts table"));
    }
    let major = version.split('.').next().unwrap_or_default();
    if !VERSIONS.contains(&major) {
        return Err(GhostError::Version {
            path: path.to_owned(),
            version,
        });
    }
    serde_path_to_error::deserialize(export).map_err(|e| GhostError::Invalid {
        path: path.to_owned(),
        what: format!("{}: {}", e.path(), e.inner()),
    })
}

/// Imports the export at `path` into `store`.
pub async fn import(
    store: &Store,
    path: &Path,
    options: &GhostOptions<'_>,
) -> Result<GhostReport, GhostError> {
    let export = read(path, options.max_bytes)?;
    let mut report = GhostReport {
        version: export.meta.version.clone(),
        ..GhostReport::default()
    };
    let invalid = |what: String| GhostError::Invalid {
        path: path.to_owned(),
        what,
    };
    let data = &export.data;
    let docs = documents::all(data, options, &mut report).map_err(invalid)?;

    // Media first: a failed copy leaves the store untouched; extra files lose nothing.
    copy_media(options, &mut report)?;

    let mut tx = store.write().await?;
    for user in &data.users {
        let author = Author {
            id: 0,
            slug: user.slug.clone(),
            name: user.name.clone(),
            bio: user.bio.clone(),
            profile_image: user
                .profile_image
                .as_deref()
                .map(|u| html::rewrite_urls(u, &mut Vec::new())),
            website: user.website.clone(),
            location: user.location.clone(),
            aliases: Vec::new(),
        };
        users::upsert(&mut tx, &author, user.email.as_deref()).await?;
    }
    for tag in &data.tags {
        tags::upsert(&mut tx, &tag.slug, &tag.name, tag.description.as_deref()).await?;
    }
    report.tags = data.tags.len();
    report.authors = data.users.len();
    for doc in &docs {
        match posts::id_by_slug(&mut tx, &doc.slug).await? {
            None => {
                posts::insert(&mut tx, doc, None, ORIGIN).await?;
                report.added += 1;
            }
            Some(id) => {
                let current = posts::load(&mut tx, id)
                    .await?
                    .ok_or_else(|| invalid(format!("post {id} vanished during the import")))?;
                if let Some(file) = &current.source_path {
                    return Err(invalid(format!(
                        "the slug {:?} is taken by content/{file}, which is not from Ghost: rename one of them",
                        doc.slug
                    )));
                }
                if current.doc == *doc && !current.archived {
                    report.unchanged += 1;
                } else {
                    posts::update(&mut tx, id, doc, None, ORIGIN).await?;
                    report.updated += 1;
                }
            }
        }
    }
    // The site's title and description, as settings (they override folio.toml).
    let mut settings = Vec::new();
    for key in ["title", "description"] {
        if let Some(value) = data.setting(key).filter(|v| !v.is_empty()) {
            settings.push((key.to_owned(), serde_json::Value::String(value)));
        }
    }
    crate::store::settings::save(&mut tx, &settings).await?;
    tx.commit().await?;
    Ok(report)
}

/// Copies the files the posts point at from Ghost's content folder; what cannot be
/// found stays in `media_missing`.
fn copy_media(options: &GhostOptions<'_>, report: &mut GhostReport) -> Result<(), GhostError> {
    // `--images .../content/images`: files/ and media/ are its siblings.
    let ghost_content = options
        .images
        .map(|images| images.parent().unwrap_or(images));
    let mut missing = Vec::new();
    for rel in std::mem::take(&mut report.media_missing) {
        // Checked again here: the one rule for paths, links included, on both sides.
        let Ok(target) = crate::disk::confine::resolve(options.content, &rel) else {
            report.warnings.push(format!("media path refused: {rel:?}"));
            continue;
        };
        let Some(source) = ghost_content
            .and_then(|dir| crate::disk::confine::resolve(dir, &rel).ok())
            .filter(|s| s.is_file())
        else {
            // Not found in Ghost's folder: fine if the site has it already.
            if !target.is_file() {
                missing.push(rel);
            }
            continue;
        };
        if target.is_file()
            && std::fs::metadata(&target).map(|m| m.len()).ok()
                == std::fs::metadata(&source).map(|m| m.len()).ok()
        {
            continue;
        }
        let copy_error = |source| GhostError::Copy {
            path: target.clone(),
            source,
        };
        let dir = target.parent().unwrap_or(options.content);
        std::fs::create_dir_all(dir).map_err(copy_error)?;
        // Complete or absent: copied beside, then renamed into place.
        let temp = dir.join(format!(".ghost-import-{}", std::process::id()));
        std::fs::copy(&source, &temp).map_err(copy_error)?;
        std::fs::rename(&temp, &target).map_err(copy_error)?;
        report.media_copied += 1;
    }
    report.media_missing = missing;
    Ok(())
}
