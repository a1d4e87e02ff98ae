//! `folio import ghost EXPORT.json [--images DIR]`: a Ghost blog's posts, pages,
//! tags, authors and settings into the store, at the URLs Ghost gave them.
//!
//! One transaction: any error leaves the store as it was. Importing the same export
//! again changes nothing; a newer one updates changed posts as new revisions.

mod export;
mod html;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::content::validate_slug;
use crate::store::posts::{self};
use crate::store::tags;
use crate::store::users::{self, Author};
use crate::store::{Kind, PostDoc, Status, Store, StoreError};
use export::{Data, Export};

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
    let docs = documents(data, options, &mut report).map_err(invalid)?;

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

/// The documents of every post and page, checked; fills the report's per-post notes.
fn documents(
    data: &Data,
    options: &GhostOptions<'_>,
    report: &mut GhostReport,
) -> Result<Vec<PostDoc>, String> {
    let tag_names: HashMap<&str, &str> = data
        .tags
        .iter()
        .map(|t| (t.id.as_str(), t.name.as_str()))
        .collect();
    let user_names: HashMap<&str, &str> = data
        .users
        .iter()
        .map(|u| (u.id.as_str(), u.name.as_str()))
        .collect();
    let user_slugs: HashMap<&str, &str> = data
        .users
        .iter()
        .map(|u| (u.id.as_str(), u.slug.as_str()))
        .collect();
    let tag_slugs: HashMap<&str, &str> = data
        .tags
        .iter()
        .map(|t| (t.id.as_str(), t.slug.as_str()))
        .collect();
    let post_tags = Data::linked(&data.posts_tags, |l| l.tag_id.as_ref());
    let post_authors = Data::linked(&data.posts_authors, |l| l.author_id.as_ref());
    let metas: HashMap<&str, &export::PostMeta> = data
        .posts_meta
        .iter()
        .map(|m| (m.post_id.as_str(), m))
        .collect();

    let mut seen: HashMap<&str, &export::Post> = HashMap::new();
    let mut docs = Vec::with_capacity(data.posts.len());
    for post in &data.posts {
        let kind = if post.kind.as_deref() == Some("page") {
            "page"
        } else {
            "post"
        };
        let title = post.title.clone().unwrap_or_default();
        let name = format!("{kind} {:?} (id {})", post.slug, post.id);
        if let Some(other) = seen.insert(&post.slug, post) {
            return Err(format!(
                "two posts have the slug {:?}: {:?} (id {}) and {:?} (id {})",
                post.slug,
                other.title.clone().unwrap_or_default(),
                other.id,
                title,
                post.id
            ));
        }
        validate_slug(&post.slug).map_err(|m| format!("{name}: the slug {m}"))?;
        let status = match post.status.as_deref() {
            Some("published") => Status::Published,
            Some("scheduled") => Status::Scheduled,
            Some("draft") | None => Status::Draft,
            Some("sent") => {
                report.warnings.push(format!(
                    "{name} was sent by email only: imported as a draft"
                ));
                Status::Draft
            }
            Some(other) => return Err(format!("{name}: unknown status {other:?}")),
        };
        if status == Status::Scheduled && post.published_at.is_none() {
            return Err(format!("{name} is scheduled but has no published_at"));
        }
        let mut tags: Vec<String> = post_tags
            .get(post.id.as_str())
            .into_iter()
            .flatten()
            .filter_map(|id| tag_names.get(id).map(|n| (*n).to_owned()))
            .collect();
        if matches!(
            post.visibility.as_deref(),
            Some("members" | "paid" | "tiers")
        ) {
            report.warnings.push(format!(
                "{name} was for members only in Ghost; folio has no members and publishes it to everyone \
                 (tagged #members-only: make it a draft if that is wrong)"
            ));
            tags.push("#members-only".into());
        }
        let author_ids = post_authors
            .get(post.id.as_str())
            .cloned()
            .unwrap_or_default();
        let authors: Vec<String> = author_ids
            .iter()
            .filter_map(|id| user_names.get(id).map(|n| (*n).to_owned()))
            .collect();
        let body = post.html.as_deref().unwrap_or_default();
        if body.trim().is_empty() {
            report.warnings.push(format!("{name} has an empty body"));
        }
        let converted = html::convert(body);
        if !converted.kept_cards.is_empty() {
            report
                .cards_kept_as_html
                .insert(post.slug.clone(), converted.kept_cards.clone());
        }
        if !converted.kept_elements.is_empty() {
            report
                .elements_kept_as_html
                .insert(post.slug.clone(), converted.kept_elements.clone());
        }
        let mut media = converted.media;
        let meta = metas.get(post.id.as_str());
        let pick =
            |from_meta: Option<&Option<String>>, from_post: &Option<String>| -> Option<String> {
                from_meta
                    .and_then(|m| m.clone())
                    .or_else(|| from_post.clone())
                    .filter(|s| !s.is_empty())
            };
        let mut url = |text: Option<String>| text.map(|t| html::rewrite_urls(&t, &mut media));
        let mut doc = PostDoc {
            kind: if kind == "page" {
                Kind::Page
            } else {
                Kind::Post
            },
            slug: post.slug.clone(),
            title,
            status,
            published_at: post.published_at,
            updated_at: post.updated_at,
            excerpt: post.custom_excerpt.clone().filter(|s| !s.is_empty()),
            tags,
            authors,
            featured_image: url(post.feature_image.clone()),
            meta_title: pick(meta.map(|m| &m.meta_title), &post.meta_title),
            meta_description: pick(meta.map(|m| &m.meta_description), &post.meta_description),
            canonical_url: post.canonical_url.clone().filter(|s| !s.is_empty()),
            og_title: pick(meta.map(|m| &m.og_title), &post.og_title),
            og_description: pick(meta.map(|m| &m.og_description), &post.og_description),
            og_image: url(pick(meta.map(|m| &m.og_image), &post.og_image)),
            twitter_title: pick(meta.map(|m| &m.twitter_title), &post.twitter_title),
            twitter_description: pick(
                meta.map(|m| &m.twitter_description),
                &post.twitter_description,
            ),
            twitter_image: url(pick(meta.map(|m| &m.twitter_image), &post.twitter_image)),
            codeinjection_head: post.codeinjection_head.clone().filter(|s| !s.is_empty()),
            codeinjection_foot: post.codeinjection_foot.clone().filter(|s| !s.is_empty()),
            aliases: Vec::new(),
            markdown: converted.markdown,
        };
        if let (Some(pattern), Kind::Post) = (options.permalink, doc.kind) {
            let primary_tag = post_tags
                .get(post.id.as_str())
                .and_then(|ids| ids.first())
                .and_then(|id| tag_slugs.get(id))
                .copied()
                .unwrap_or("all");
            let primary_author = author_ids
                .first()
                .and_then(|id| user_slugs.get(id))
                .copied()
                .unwrap_or("author");
            if let Some(alias) = permalink(pattern, &doc, &post.id, primary_tag, primary_author) {
                crate::content::validate_alias(&alias)
                    .map_err(|m| format!("{name}: the old URL {alias:?} {m}"))?;
                doc.aliases.push(alias);
            }
        }
        for rel in media {
            // `__GHOST_URL__/content/images/../data/ghost.db` names a file outside the
            // upload folders: never copied, never published.
            match crate::disk::confine::segments(&rel) {
                Ok(_) => report.media_missing.push(rel),
                Err(e) => report
                    .warnings
                    .push(format!("{name}: a media path was refused: {e}")),
            }
        }
        docs.push(doc);
    }
    report.media_missing.sort();
    report.media_missing.dedup();
    Ok(docs)
}

/// The URL Ghost gave a post under a custom permalink pattern, unless it is the
/// `/{slug}/` folio uses anyway.
fn permalink(
    pattern: &str,
    doc: &PostDoc,
    id: &str,
    primary_tag: &str,
    primary_author: &str,
) -> Option<String> {
    let date = doc.published_at.unwrap_or_else(chrono::Utc::now);
    let url = pattern
        .replace("{slug}", &doc.slug)
        .replace("{year}", &date.format("%Y").to_string())
        .replace("{month}", &date.format("%m").to_string())
        .replace("{day}", &date.format("%d").to_string())
        .replace("{id}", id)
        .replace("{primary_tag}", primary_tag)
        .replace("{primary_author}", primary_author);
    let url = if url.ends_with('/') {
        url
    } else {
        format!("{url}/")
    };
    (url != format!("/{}/", doc.slug)).then_some(url)
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
