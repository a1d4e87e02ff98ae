//! `folio restore --from`: a backup set brought back from the bucket. Every blob is
//! downloaded and checked beside its destination first; only then are the database
//! and the content folder put in place, what was there kept beside them.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::files::destination;
use super::transfer::{get_file, read_set, sets};
use super::{io, OffsiteError, Set};
use crate::deploy::bucket::S3;

#[derive(Debug, Serialize)]
pub struct RestoreReport {
    pub bucket: String,
    pub set: String,
    pub posts: i64,
    /// Files of the content folder restored; none when Git holds the folder.
    pub files: Option<usize>,
    pub content_in_git: Option<String>,
    /// Where the database and the folder that were there are kept.
    pub kept_database: Option<PathBuf>,
    pub kept_content: Option<PathBuf>,
}

/// The sets in the bucket `url`, oldest first, each read.
pub async fn list(url: &str) -> Result<Vec<(String, Set)>, OffsiteError> {
    let s3 = S3::open(url)?;
    let mut found = Vec::new();
    for name in sets(&s3).await? {
        let set = read_set(&s3, &name).await?;
        found.push((name, set));
    }
    Ok(found)
}

/// Restores the set `name` (the newest when none is named) of the bucket `url` into
/// the database `db` and the folder `content`. Run with the server stopped.
pub async fn restore(
    url: &str,
    name: Option<&str>,
    db: &Path,
    content: &Path,
) -> Result<RestoreReport, OffsiteError> {
    let s3 = S3::open(url)?;
    let name = match name {
        Some(name) => name.to_owned(),
        None => sets(&s3)
            .await?
            .pop()
            .ok_or_else(|| OffsiteError::NoBackup {
                bucket: s3.name.clone(),
                prefix: s3.prefix.clone(),
            })?,
    };
    let set = read_set(&s3, &name).await?;
    let db_dir = parent(db);
    std::fs::create_dir_all(db_dir).map_err(io(db_dir))?;
    let db_copy = db_dir.join(".restore-download.db");
    let staging = beside(content, ".restore-partial", true);
    let downloaded = download(&s3, &name, &set, &db_copy, &staging).await;
    if let Err(e) = downloaded {
        let _ = std::fs::remove_file(&db_copy);
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    // The database first: SQLite checks it before anything is replaced.
    let checked = crate::store::backup::restore(&db_copy, db).await;
    let _ = std::fs::remove_file(&db_copy);
    if let Err(e) = checked {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e.into());
    }
    let kept_database = Some(db_dir.join(format!(
        "{}.before-restore",
        db.file_name().and_then(|n| n.to_str()).unwrap_or("folio.db")
    )))
    .filter(|kept| kept.exists());
    let kept_content = match set.content {
        Some(_) => put_in_place(&staging, content)?,
        None => None,
    };
    Ok(RestoreReport {
        bucket: s3.name,
        set: name,
        posts: set.posts,
        files: set.content.as_ref().map(Vec::len),
        content_in_git: set.content_in_git,
        kept_database,
        kept_content,
    })
}

/// Every blob of `set`: the database into `db_copy`, the content files under `staging`.
async fn download(
    s3: &S3,
    name: &str,
    set: &Set,
    db_copy: &Path,
    staging: &Path,
) -> Result<(), OffsiteError> {
    let _ = std::fs::remove_file(db_copy);
    get_file(s3, &set.database, db_copy).await?;
    if let Some(entries) = &set.content {
        if staging.exists() {
            std::fs::remove_dir_all(staging).map_err(io(staging))?;
        }
        std::fs::create_dir_all(staging).map_err(io(staging))?;
        for entry in entries {
            let to = destination(name, staging, &entry.path)?;
            get_file(s3, entry, &to).await?;
        }
    }
    Ok(())
}

/// Moves the restored folder `staging` to `content`; a folder with files already
/// there is kept as `<content>.before-restore` (replacing an older one).
fn put_in_place(staging: &Path, content: &Path) -> Result<Option<PathBuf>, OffsiteError> {
    let mut kept = None;
    if content.exists() {
        let empty = std::fs::read_dir(content)
            .map_err(io(content))?
            .next()
            .is_none();
        if empty {
            std::fs::remove_dir(content).map_err(io(content))?;
        } else {
            let before = beside(content, ".before-restore", false);
            if before.exists() {
                std::fs::remove_dir_all(&before).map_err(io(&before))?;
            }
            std::fs::rename(content, &before).map_err(io(content))?;
            kept = Some(before);
        }
    }
    std::fs::rename(staging, content).map_err(io(content))?;
    Ok(kept)
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// `<dir>/<name><suffix>` beside `path` (hidden with `hidden`): on the same volume,
/// so that a rename puts it in place at once.
fn beside(path: &Path, suffix: &str, hidden: bool) -> PathBuf {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("content");
    let dot = if hidden { "." } else { "" };
    parent(path).join(format!("{dot}{name}{suffix}"))
}
