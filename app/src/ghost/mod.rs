//! `folio import ghost EXPORT.json [--images DIR]`: a Ghost blog's posts, pages,
//! tags, authors and settings into the store, at the URLs Ghost gave them.
//!
//! One transaction: any error leaves the store as it was. Importing the same export
//! again changes nothing; a newer one updates changed posts as new revisions.

mod cards;
mod documents;
mod export;
mod html;
mod profiles;
pub mod verify;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::content::redirects::{self, Redirect};
use crate::store::posts::{self};
use crate::store::tags;
use crate::store::users;
use crate::store::{Change, Store, StoreError};
pub use documents::PREVIEW_TAG;
use export::Export;

/// Exports larger than this are refused unless asked for: an import holds about 2.6
/// times the file (its posts, typed, and their Markdown), so the default fits a
/// 512 MiB pod beside the server.
pub const DEFAULT_MAX_BYTES: u64 = 128 * 1024 * 1024;

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
    /// The store has the import; writing it to the content folder failed.
    #[error("the import is in the store, but its files could not be written: {0}")]
    Files(#[from] crate::content::ContentError),
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
    /// Per post slug: how much of its Markdown is HTML blocks, in percent (posts
    /// that are all Markdown are not listed).
    pub html_share: BTreeMap<String, u8>,
    /// Files copied from `--images` (and its sibling `files/`, `media/`) into content/.
    pub media_copied: usize,
    /// Files the posts point at that were not found (or not looked for: no --images).
    pub media_missing: Vec<String>,
    /// Redirects imported with `--redirects`, and those (patterns) only `folio serve`
    /// answers: a bucket has no redirect for them.
    pub redirects: usize,
    pub redirects_not_for_buckets: Vec<String>,
    /// What `--members` did, and to which posts (by slug).
    pub members: Members,
    pub members_posts: Vec<String>,
    /// Post files written to the content folder (with `tags.yaml`, `authors.yaml`
    /// and `site.yaml`): the import is part of the folder, and survives a rebuild.
    pub files_written: usize,
    pub warnings: Vec<String>,
}

/// What becomes of Ghost's posts for members (`visibility` members, paid or tiers):
/// a static site has no members, so publishing them gives paid content away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Members {
    /// Imported whole, as drafts (nothing public, nothing lost).
    #[default]
    Draft,
    /// Published with only the part before Ghost's `<!--members-only-->` marker, and
    /// the theme's note that the rest is for members.
    Preview,
    /// Published whole, to everyone, on purpose.
    Public,
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
    pub members: Members,
    /// Ghost's `redirects.yaml` or `redirects.json`: merged into `content/redirects.yaml`.
    pub redirects: Option<&'a Path>,
}

impl<'a> GhostOptions<'a> {
    /// An import into `content` with every option at its default (as the CLI's): no
    /// images folder, the default size limit, `/{slug}/` addresses, members' posts as
    /// drafts, no redirects file.
    pub fn into_folder(content: &'a Path) -> Self {
        Self {
            images: None,
            content,
            max_bytes: DEFAULT_MAX_BYTES,
            permalink: None,
            members: Members::default(),
            redirects: None,
        }
    }
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
    let open = || {
        std::fs::File::open(path)
            .map(std::io::BufReader::new)
            .map_err(|source| GhostError::Read {
                path: path.to_owned(),
                source,
            })
    };
    let json_error = |e: serde_json::Error| GhostError::Json {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let not_ghost = |reason: &str| GhostError::NotGhost {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    // Read twice rather than held whole: first its shape (every value skipped), then
    // straight into the typed export. A JSON tree of the file took 5 times its size.
    let shape: export::Shape = serde_json::from_reader(open()?).map_err(json_error)?;
    let wrapped = shape.db.is_some();
    let (meta, data) = match shape.db {
        Some(db) => {
            let first = db
                .into_iter()
                .next()
                .ok_or_else(|| not_ghost("its `db` list is empty"))?;
            (first.meta, first.data)
        }
        None => (shape.meta, shape.data),
    };
    let version = meta
        .and_then(|m| m.version)
        .ok_or_else(|| not_ghost("no meta.version"))?;
    if data.and_then(|d| d.posts).is_none() {
        return Err(not_ghost("no data.posts table"));
    }
    let major = version.split('.').next().unwrap_or_default();
    if !VERSIONS.contains(&major) {
        return Err(GhostError::Version {
            path: path.to_owned(),
            version,
        });
    }
    let invalid = |e: serde_path_to_error::Error<serde_json::Error>| GhostError::Invalid {
        path: path.to_owned(),
        what: format!("{}: {}", e.path(), e.inner()),
    };
    let mut json = serde_json::Deserializer::from_reader(open()?);
    if wrapped {
        let file: export::Wrapped = serde_path_to_error::deserialize(&mut json).map_err(invalid)?;
        file.db
            .into_iter()
            .next()
            .ok_or_else(|| not_ghost("its `db` list is empty"))
    } else {
        serde_path_to_error::deserialize(&mut json).map_err(invalid)
    }
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
        members: options.members,
        ..GhostReport::default()
    };
    let invalid = |what: String| GhostError::Invalid {
        path: path.to_owned(),
        what,
    };
    let data = &export.data;
    let docs = documents::all(data, options, &mut report).map_err(invalid)?;
    // Checked before anything is written; written once the store has the posts.
    let redirects = match options.redirects {
        Some(file) => Some(read_redirects(file, options.content, &mut report)?),
        None => None,
    };

    let (authors, tag_fields) = profiles::profiles(data, &mut report);
    report.media_missing.sort();
    report.media_missing.dedup();

    // Media first: a failed copy leaves the store untouched; extra files lose nothing.
    copy_media(options, &mut report)?;

    let change = Change {
        by: ORIGIN,
        at: store.now(),
    };
    let now = change.at;
    let reading = crate::content::save::Reading { author: "", now };
    let mut tx = store.write().await?;
    for (author, email) in &authors {
        users::upsert(&mut tx, author, email.as_deref(), now).await?;
    }
    for fields in &tag_fields {
        tags::upsert(&mut tx, fields, now).await?;
    }
    report.tags = data.tags.len();
    report.authors = data.users.len();
    let writing = (change, reading, options.content);
    write_posts(&mut tx, &docs, writing, path, &mut report).await?;
    let settings = profiles::site_settings(data, &mut report);
    crate::store::settings::save(&mut tx, &settings, now).await?;
    tx.commit().await?;
    if let Some(rules) = redirects {
        let target = options.content.join(redirects::FILE);
        std::fs::create_dir_all(options.content)
            .and_then(|()| {
                crate::disk::atomic::write(&target, redirects::to_yaml(&rules).as_bytes())
            })
            .map_err(|source| GhostError::Copy {
                path: target.clone(),
                source,
            })?;
    }
    // The content folder is the site: the imported posts, tags, authors and settings
    // become its files.
    report.files_written =
        crate::content::save::write_missing(store, options.content, reading).await?;
    Ok(report)
}

/// Adds or updates the posts `docs` in `tx`, found by their slugs. A post with a
/// file is updated only if it came from the same Ghost post (by its Ghost id), and
/// its file is written again; a file of another origin keeps its slug.
async fn write_posts(
    tx: &mut crate::store::Connection,
    docs: &[crate::store::PostDoc],
    (change, reading, content): (Change<'_>, crate::content::save::Reading<'_>, &Path),
    export: &Path,
    report: &mut GhostReport,
) -> Result<(), GhostError> {
    let invalid = |what: String| GhostError::Invalid {
        path: export.to_owned(),
        what,
    };
    for doc in docs {
        let Some(id) = posts::id_by_slug(tx, &doc.slug).await? else {
            posts::insert(tx, doc, None, change).await?;
            report.added += 1;
            continue;
        };
        let current = posts::load(tx, id)
            .await?
            .ok_or_else(|| invalid(format!("post {id} vanished during the import")))?;
        let from_ghost = current.doc.feed_id.is_some() && current.doc.feed_id == doc.feed_id;
        if let Some(file) = current.source_path.as_ref().filter(|_| !from_ghost) {
            return Err(invalid(format!(
                "the slug {:?} is taken by content/{file}, which is not from Ghost: rename one of them",
                doc.slug
            )));
        }
        if current.doc == *doc && !current.archived {
            report.unchanged += 1;
            continue;
        }
        posts::update(tx, id, doc, None, change).await?;
        if current.source_path.is_some() {
            crate::content::save::write_post(tx, content, id, reading).await?;
        }
        report.updated += 1;
    }
    Ok(())
}

/// Ghost's redirects in `file`, after those `content/redirects.yaml` has (a rule for
/// the same `from` is replaced), checked as a whole. Patterns are noted: a bucket
/// cannot express them (only `folio serve` answers them).
fn read_redirects(
    file: &Path,
    content: &Path,
    report: &mut GhostReport,
) -> Result<Vec<Redirect>, GhostError> {
    let text = std::fs::read_to_string(file).map_err(|source| GhostError::Read {
        path: file.to_owned(),
        source,
    })?;
    let invalid = |e: crate::content::ContentError| GhostError::Invalid {
        path: file.to_owned(),
        what: e.to_string(),
    };
    let name = file.display().to_string();
    let imported = redirects::parse(&text, &name).map_err(invalid)?;
    let mut rules = redirects::load(content).map_err(invalid)?;
    rules.retain(|old| !imported.iter().any(|new| new.from == old.from));
    report.redirects = imported.len();
    report.redirects_not_for_buckets = imported
        .iter()
        .filter(|r| r.plain_path().is_none())
        .map(|r| format!("{} -> {}", r.from, r.to))
        .collect();
    rules.extend(imported);
    // The merge as a whole: a loop through old and new rules is refused too.
    redirects::parse(&redirects::to_yaml(&rules), &name).map_err(invalid)?;
    Ok(rules)
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
        crate::disk::atomic::copy(&source, &target).map_err(copy_error)?;
        report.media_copied += 1;
    }
    report.media_missing = missing;
    Ok(())
}
