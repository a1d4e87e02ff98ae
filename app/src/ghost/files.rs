//! A Ghost import as files of the content folder. The posts become files (a new one
//! each, or the file a post was imported to before, patched), and its tags, authors,
//! settings and redirects are merged into `tags.yaml`, `authors.yaml`, `site.yaml`
//! and `redirects.yaml`. The import writes them all in one batch, then imports the
//! folder as any import does: the folder is the site, and there is one way into the
//! store. An import that fails puts every file back.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::{GhostError, GhostReport};
use crate::content::post_file::file_text;
use crate::content::save::{defaults, Reading};
use crate::store::{posts, sources, Connection, Kind, PostDoc};

/// The file of each Ghost post, to write.
pub(super) struct PostFiles {
    pub(super) writes: Vec<(PathBuf, Vec<u8>)>,
    /// Each post's slug and file: what the import must find in the store after.
    pub(super) posts: Vec<(String, String)>,
}

/// The files of `docs` under `content`, against the store in `conn` (which holds
/// the folder as it is). A post is found by its slug: one imported from the same
/// Ghost post (by Ghost's id) is updated in its file; any other keeps its slug, and
/// the import is refused.
pub(super) async fn post_files(
    conn: &mut Connection,
    content: &Path,
    docs: &[PostDoc],
    (reading, export): (Reading<'_>, &Path),
    report: &mut GhostReport,
) -> Result<PostFiles, GhostError> {
    let invalid = |what: String| GhostError::Invalid {
        path: export.to_owned(),
        what,
    };
    let mut files = PostFiles {
        writes: Vec::new(),
        posts: Vec::with_capacity(docs.len()),
    };
    let mut planned = HashSet::new();
    for doc in docs {
        let current = match posts::id_by_slug(conn, &doc.slug).await? {
            Some(id) => posts::load(conn, id).await?,
            None => None,
        };
        let (rel, existing, sanitize) = match current {
            None => {
                report.added += 1;
                let rel = free_path(conn, content, doc, &planned).await?;
                (rel, None, false)
            }
            Some(current) => {
                let from_ghost =
                    current.doc.feed_id.is_some() && current.doc.feed_id == doc.feed_id;
                if !from_ghost {
                    let holder = match &current.source_path {
                        Some(file) => format!("content/{file}"),
                        None => format!("the post {:?} of the admin", current.doc.title),
                    };
                    return Err(invalid(format!(
                        "the slug {:?} is taken by {holder}, which is not from Ghost: rename one of them",
                        doc.slug
                    )));
                }
                let rel = match current.source_path {
                    Some(rel) => rel,
                    None => free_path(conn, content, doc, &planned).await?,
                };
                if current.doc == *doc && !current.archived {
                    report.unchanged += 1;
                    files.posts.push((doc.slug.clone(), rel));
                    continue;
                }
                report.updated += 1;
                let existing = read(content, &rel)?;
                (rel, existing, current.sanitized)
            }
        };
        let defaults = defaults(&rel, reading);
        let text = file_text(doc, sanitize, existing.as_deref().map(|t| (t, &defaults)));
        let target = confined(content, &rel)?;
        planned.insert(rel.clone());
        files.writes.push((target, text.into_bytes()));
        files.posts.push((doc.slug.clone(), rel));
    }
    report.files_written = files.writes.len();
    Ok(files)
}

/// A file name for a post new to the folder: `posts/<slug>.md` (`pages/` for a
/// page), or with `-2`, `-3`... when another file holds that name.
async fn free_path(
    conn: &mut Connection,
    content: &Path,
    doc: &PostDoc,
    planned: &HashSet<String>,
) -> Result<String, GhostError> {
    let folder = match doc.kind {
        Kind::Post => "posts",
        Kind::Page => "pages",
    };
    for n in 1.. {
        let rel = match n {
            1 => format!("{folder}/{}.md", doc.slug),
            n => format!("{folder}/{}-{n}.md", doc.slug),
        };
        let taken = planned.contains(&rel)
            || content.join(&rel).exists()
            || sources::path_taken(conn, &rel, 0).await?;
        if !taken {
            return Ok(rel);
        }
    }
    unreachable!("some name is free")
}

/// The text of the file `rel`, if it is there.
fn read(content: &Path, rel: &str) -> Result<Option<String>, GhostError> {
    let path = confined(content, rel)?;
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(GhostError::Read { path, source }),
    }
}

/// `rel` under `content`, refused if it would lead out of it.
fn confined(content: &Path, rel: &str) -> Result<PathBuf, GhostError> {
    crate::disk::confine::resolve(content, rel).map_err(|e| GhostError::Invalid {
        path: content.join(rel),
        what: e.to_string(),
    })
}

/// Checks, after the import of the folder, that every Ghost post is in the store from
/// the file written for it: a file the import left out (it could not read it back)
/// fails the Ghost import, which then puts the files back.
pub(super) async fn check_imported(
    conn: &mut Connection,
    posts: &[(String, String)],
    warnings: &[String],
) -> Result<(), GhostError> {
    for (slug, rel) in posts {
        let source = match posts::id_by_slug(conn, slug).await? {
            Some(id) => posts::load(conn, id).await?.and_then(|p| p.source_path),
            None => None,
        };
        if source.as_deref() != Some(rel.as_str()) {
            let why = warnings
                .iter()
                .find(|w| w.contains(rel.as_str()))
                .cloned()
                .unwrap_or_else(|| "it was not imported".to_owned());
            return Err(GhostError::Invalid {
                path: PathBuf::from("content").join(rel),
                what: format!("the post {slug:?} written here did not import back: {why}"),
            });
        }
    }
    Ok(())
}
