//! A post saved in the admin, written to its file in the content folder: the folder
//! stays the whole site, so it can be committed, and a store imported from it again
//! holds the same posts.
//!
//! The file is written in the store's write transaction, before it commits, and
//! recorded as the post's source (path, hash, stamp), so the next import sees it
//! unchanged. The file is replaced atomically: readers and the watcher see the old
//! text or the new one. If the commit then fails, the file holds a save the store
//! lacks; the next import takes it in, as the folder is the truth.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::frontmatter::Defaults;
use super::post_file::file_text;
use super::ContentError;
use crate::store::{posts, sources, Connection, Kind, StoredPost};

/// Who a file without `author` is by, and the time its dates are read at.
#[derive(Debug, Clone, Copy)]
pub struct Reading<'a> {
    pub author: &'a str,
    pub now: DateTime<Utc>,
}

/// Writes post `id` as the store holds it in `tx` to its file under `root`, or removes
/// the file of a post in the trash (the store keeps its path, for a restore).
pub async fn write_post(
    tx: &mut Connection,
    root: &Path,
    id: i64,
    reading: Reading<'_>,
) -> Result<(), ContentError> {
    let post = posts::load(tx, id)
        .await?
        .ok_or_else(|| ContentError::Invalid {
            path: format!("post {id}"),
            message: "not in the store".into(),
        })?;
    if post.archived {
        if let Some(rel) = &post.source_path {
            remove(&root.join(rel))?;
        }
        return Ok(());
    }
    let rel = match &post.source_path {
        Some(rel) => rel.clone(),
        None => new_path(tx, root, &post).await?,
    };
    let file = crate::disk::confine::resolve(root, &rel).map_err(|e| ContentError::Invalid {
        path: rel.clone(),
        message: e.to_string(),
    })?;
    let existing = match std::fs::read(&file) {
        Ok(bytes) => String::from_utf8(bytes).ok(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(ContentError::Read { path: file, source }),
    };
    let defaults = defaults(&rel, reading);
    let text = file_text(
        &post.doc,
        post.sanitized,
        existing.as_deref().map(|t| (t, &defaults)),
    );
    let write = |e| ContentError::Write {
        path: file.clone(),
        source: e,
    };
    if existing.as_deref() != Some(text.as_str()) {
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(write)?;
        }
        crate::disk::atomic::write(&file, text.as_bytes()).map_err(write)?;
    }
    let meta = std::fs::metadata(&file).map_err(write)?;
    let hash = blake3::hash(text.as_bytes()).to_hex().to_string();
    let stamp = crate::disk::file_stamp(&meta);
    let source = sources::Source {
        path: &rel,
        hash: &hash,
        stamp: &stamp,
    };
    sources::set_source(tx, id, source).await?;
    Ok(())
}

/// What the import assumes of the file `rel` where its front matter is silent.
pub fn defaults<'a>(rel: &str, reading: Reading<'a>) -> Defaults<'a> {
    let stem = Path::new(rel).file_stem().unwrap_or_default();
    Defaults {
        slug: slug::slugify(stem.to_string_lossy()),
        kind: if rel.starts_with("pages/") {
            Kind::Page
        } else {
            Kind::Post
        },
        author: reading.author,
        now: reading.now,
    }
}

/// A file for a post first written in the admin: `posts/<slug>.md` or
/// `pages/<slug>.md`, or with the post's id added when that file exists already.
async fn new_path(
    tx: &mut Connection,
    root: &Path,
    post: &StoredPost,
) -> Result<String, ContentError> {
    let folder = match post.doc.kind {
        Kind::Post => "posts",
        Kind::Page => "pages",
    };
    let slug = &post.doc.slug;
    for rel in [
        format!("{folder}/{slug}.md"),
        format!("{folder}/{slug}-{}.md", post.id),
    ] {
        let on_disk = root.join(&rel).exists();
        if !on_disk && !sources::path_taken(tx, &rel, post.id).await? {
            return Ok(rel);
        }
    }
    Err(ContentError::Invalid {
        path: format!("{folder}/{slug}.md"),
        message: "another file holds this name; rename it".into(),
    })
}

/// Removes `file`, if it is there.
fn remove(file: &Path) -> Result<(), ContentError> {
    match std::fs::remove_file(file) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(ContentError::Write {
            path: file.to_owned(),
            source,
        }),
    }
}

/// Writes every post the store has and the content folder does not (posts written in
/// the admin before it wrote files, a Ghost import's), and `tags.yaml`,
/// `authors.yaml` and `site.yaml`; returns how many post files were written.
pub async fn write_missing(
    store: &crate::store::Store,
    root: &Path,
    reading: Reading<'_>,
) -> Result<usize, ContentError> {
    let mut tx = store.write().await?;
    let ids = sources::fileless_ids(&mut tx).await?;
    for &id in &ids {
        write_post(&mut tx, root, id, reading).await?;
    }
    // The data files as they are first (a new store, on a folder from Git, has not
    // read them yet): written back from a store that lacks them, they would be lost.
    for warning in super::site_files::import(&mut tx, root, reading.now).await? {
        tracing::warn!("{warning}");
    }
    super::site_files::write(&mut tx, root).await?;
    tx.commit().await?;
    Ok(ids.len())
}
