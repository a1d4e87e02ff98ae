//! `folio import ghost EXPORT.json [--images DIR]`: a Ghost blog's posts, pages,
//! tags, authors and settings into the content folder, then the store, at the URLs
//! Ghost gave them.
//!
//! The files are written in one batch and imported like any change to the folder
//! (`files`); any error puts the files back and leaves the store as it was.
//! Importing the same export again changes nothing; a newer one updates changed
//! posts as new revisions.

mod cards;
mod design;
mod documents;
mod export;
mod files;
mod html;
mod profiles;
pub mod verify;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::DEFAULT_AUTHOR;
use crate::content::redirects::{self, Redirect};
use crate::content::save::Reading;
use crate::content::site_files;
use crate::disk::batch::Batch;
use crate::store::users::{self, Author};
use crate::store::{Store, StoreError};
pub use documents::PREVIEW_TAG;

/// Ghost's HTML as Markdown, as the import converts a post (cards Markdown cannot
/// express stay HTML blocks): for clients that send HTML to the Ghost API.
pub fn html_to_markdown(html: &str) -> String {
    html::convert(html).markdown
}
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
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The import's files could not be written: none was, and the store is as it was.
    #[error("the import's files could not be written (nothing changed): {0}")]
    Files(std::io::Error),
    /// The content folder could not be read or imported: nothing changed.
    #[error(transparent)]
    Content(#[from] crate::content::ContentError),
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
    /// Ghost's staff and the roles to invite them as (the import makes no account).
    pub staff: Vec<Staff>,
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
    /// Links into Ghost's members portal ("Subscribe" buttons) in the bodies, now to
    /// the site's `/subscribe/` (to `members_url`, else the feed).
    pub portal_links: usize,
    /// What `--members` did, and to which posts (by slug).
    pub members: Members,
    pub members_posts: Vec<String>,
    /// Post files written to the content folder (with `tags.yaml`, `authors.yaml`
    /// and `site.yaml`): the import is part of the folder, and survives a rebuild.
    pub files_written: usize,
    pub warnings: Vec<String>,
}

/// A person of Ghost's staff.
#[derive(Debug, Clone, Serialize)]
pub struct Staff {
    pub name: String,
    /// Their slug: the username to invite them under.
    pub slug: String,
    /// Their role in Ghost, as Ghost names it.
    pub ghost_role: String,
    /// The same role here.
    pub role: crate::store::Role,
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
    /// The site's content folder: the import becomes its files.
    pub content: &'a Path,
    /// Who a file without `authors` is by (folio.toml's `default_author`): the
    /// import reads the whole folder.
    pub author: &'a str,
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
    /// images folder, folio.toml's default author, the default size limit, `/{slug}/`
    /// addresses, members' posts as drafts, no redirects file.
    pub fn into_folder(content: &'a Path) -> Self {
        Self {
            images: None,
            content,
            author: DEFAULT_AUTHOR,
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
        Some(file) => read_redirects(file, options.content, &mut report)?,
        None => redirects::load(options.content).map_err(|e| invalid(e.to_string()))?,
    };
    let sized = verify::resized_media(data);
    let (redirects, added) = with_media_addresses(redirects, &sized, &mut report);
    let redirects = (options.redirects.is_some() || added).then_some(redirects);

    let (authors, tag_fields) = profiles::profiles(data, &mut report);
    report.media_missing.sort();
    report.media_missing.dedup();

    // Media first: a failed copy leaves the store untouched; extra files lose nothing.
    copy_media(options, &mut report)?;

    let now = store.now();
    let author = options.author;
    let reading = Reading { author, now };
    let content = options.content;
    std::fs::create_dir_all(content).map_err(|source| GhostError::Write {
        path: content.to_owned(),
        source,
    })?;
    // Planned against the folder as it is: what it holds, imported.
    crate::content::import_dir(store, content, false, author, now).await?;
    let mut conn = store.read().await?;
    let files = files::post_files(&mut conn, content, &docs, (reading, path), &mut report).await?;
    let settings = profiles::site_settings(data, &mut report);
    let profiles: Vec<Author> = authors.iter().map(|(a, _)| a.clone()).collect();
    let mut writes = files.writes;
    let site = site_files::merged(&mut conn, content, &tag_fields, &profiles, &settings).await?;
    writes.extend(site);
    drop(conn);
    if let Some(rules) = redirects {
        let yaml = redirects::to_yaml(&rules).into_bytes();
        writes.push((content.join(redirects::FILE), yaml));
    }
    report.tags = data.tags.len();
    report.authors = data.users.len();
    report.staff = profiles::staff(data, &mut report);
    let batch = Batch::begin(content, writes, Vec::new()).map_err(GhostError::Files)?;
    match learn(store, (content, author, now), &files.posts, &authors).await {
        Ok(warnings) => report.warnings.extend(warnings),
        Err(e) => {
            batch.undo();
            return Err(e);
        }
    }
    batch.finish().map_err(GhostError::Files)?;
    Ok(report)
}

/// Imports the content folder with the Ghost import's files in it (its revisions say
/// so), checks that each Ghost post came in from its file, and keeps the authors'
/// e-mails (an account's, not the public profile's: not in `authors.yaml`). Returns
/// the import's warnings.
async fn learn(
    store: &Store,
    (content, author, now): (&Path, &str, chrono::DateTime<chrono::Utc>),
    posts: &[(String, String)],
    authors: &[(Author, Option<String>)],
) -> Result<Vec<String>, GhostError> {
    let imported = crate::content::import::import_as(store, content, author, now, ORIGIN).await?;
    let mut tx = store.write().await?;
    files::check_imported(&mut tx, posts, &imported.warnings).await?;
    for (author, email) in authors {
        if email.is_some() {
            users::upsert(&mut tx, author, email.as_deref(), now).await?;
        }
    }
    tx.commit().await?;
    Ok(imported.warnings)
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

/// Ghost's media addresses (`/content/images/...`, its resized copies under `size/`,
/// `/content/files/...`, `/content/media/...`): every share card, feed reader, hotlink
/// and image search points there. They answer with a redirect to the same file here
/// ([`redirects::GHOST_MEDIA`]), and each resized address the export names gets a
/// plain rule too, so that a build puts the file there for buckets. The rules go
/// into `content/redirects.yaml`; whether any was missing.
fn with_media_addresses(
    mut rules: Vec<Redirect>,
    sized: &std::collections::BTreeSet<String>,
    report: &mut GhostReport,
) -> (Vec<Redirect>, bool) {
    let missing: Vec<Redirect> = redirects::GHOST_MEDIA
        .iter()
        .filter(|(from, _)| !rules.iter().any(|r| r.from == *from))
        .map(|(from, to)| Redirect {
            from: (*from).to_owned(),
            to: (*to).to_owned(),
            status: 301,
        })
        .collect();
    let original = regex::Regex::new(redirects::GHOST_MEDIA[0].0).expect("a valid pattern");
    let plain: Vec<Redirect> = sized
        .iter()
        .filter(|from| !rules.iter().any(|r| &r.from == *from))
        .filter_map(|from| {
            let to = original.replace(from, redirects::GHOST_MEDIA[0].1);
            let rule = Redirect {
                from: from.clone(),
                to: to.into_owned(),
                status: 301,
            };
            // Only what reads as a plain path: others stay the pattern's.
            (rule.plain_path().as_ref() == Some(from)).then_some(rule)
        })
        .collect();
    if missing.is_empty() && plain.is_empty() {
        return (rules, false);
    }
    report
        .redirects_not_for_buckets
        .extend(missing.iter().map(|r| format!("{} -> {}", r.from, r.to)));
    // Before any other pattern: a broader rule of the blog's must not take them.
    let first = missing.len();
    rules.splice(0..0, missing);
    rules.splice(first..first, plain);
    (rules, true)
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
