//! Off-site backups in an S3-compatible bucket (`folio backup --to`, `folio restore
//! --from`): everything a restore onto an empty volume needs, the database and the
//! content folder (its uploads with it) unless Git holds the folder.
//!
//! In the bucket, under its prefix:
//! - `blobs/<BLAKE3 of the bytes>`: each file's bytes once, whichever backups name
//!   them, so a night's backup uploads the database and what changed, not every image
//!   again;
//! - `sets/<UTC time>.json`: one backup, naming the blob of the database and of each
//!   file of the content folder. It is written last: a backup cut short leaves no
//!   set, and blobs no set names are removed by the next retention pass.
//!
//! A restore reads a set, downloads every blob beside its destination, checks each
//! against its hash (and the database with SQLite's integrity check) and only then
//! puts the database and the folder in place, keeping what was there beside them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::deploy::bucket::{BucketError, S3};
use crate::disk::confine::PathError;
use crate::store::backup::BackupError;
use crate::store::Store;

mod files;
mod restore;
mod transfer;

pub use files::content_files;
pub use restore::{list, restore, RestoreReport};

/// The version of the set's format this build writes and reads.
const FORMAT: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum OffsiteError {
    #[error(transparent)]
    Bucket(#[from] BucketError),
    #[error(transparent)]
    Backup(#[from] BackupError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the bucket {bucket} holds no backup under {prefix:?}")]
    NoBackup { bucket: String, prefix: String },
    #[error("there is no backup {0} in the bucket (folio restore --from ... lists them when none is named)")]
    NoSuchSet(String),
    #[error("the backup {set} is not one this folio reads: {reason}")]
    Unreadable { set: String, reason: String },
    #[error("the backup {set} names a path folio does not write: {source}")]
    Path { set: String, source: PathError },
    #[error("{0} changed while it was backed up: run the backup again")]
    Changed(String),
    #[error("{path} came back with other bytes than were backed up (BLAKE3 {found}, not {wanted}): the bucket's copy is damaged")]
    Damaged {
        path: String,
        wanted: String,
        found: String,
    },
}

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OffsiteError + '_ {
    move |source| OffsiteError::Io {
        path: path.to_owned(),
        source,
    }
}

/// One file of a backup: where it goes back to and the blob of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// `folio.db`, or a path under the content folder (`posts/hello.md`).
    pub path: String,
    pub blake3: String,
    pub bytes: u64,
}

/// One backup, as `sets/<name>.json` holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Set {
    pub format: u32,
    /// The folio that made it.
    pub folio: String,
    pub posts: i64,
    pub database: Entry,
    /// The content folder's files; none when Git holds the folder.
    pub content: Option<Vec<Entry>>,
    /// The repository that holds the content folder, when it was left out for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_in_git: Option<String>,
}

/// What a backup did.
#[derive(Debug, Serialize)]
pub struct BackupReport {
    pub bucket: String,
    pub set: String,
    pub posts: i64,
    pub files: usize,
    pub bytes: u64,
    /// Blobs the bucket did not have yet.
    pub uploaded: usize,
    pub uploaded_bytes: u64,
    pub content_in_git: Option<String>,
    /// Sets removed by retention, and the blobs no remaining set names.
    pub removed_sets: Vec<String>,
    pub removed_blobs: usize,
}

/// What the content folder is to a backup: its files, or the repository that has it.
pub enum Content<'a> {
    Folder(&'a Path),
    InGit(String),
}

/// Backs the store and `content` up into the bucket `url` as the set `name` (a UTC
/// time: sets sort by it), then keeps the newest `keep` sets. The database copy is
/// made in `scratch` (a folder on the volume) and removed after.
pub async fn back_up(
    store: &Store,
    content: Content<'_>,
    url: &str,
    name: &str,
    keep: Option<usize>,
    scratch: &Path,
) -> Result<BackupReport, OffsiteError> {
    let s3 = S3::open(url)?;
    let copy = scratch.join(format!(".offsite-{name}.db"));
    let _ = std::fs::remove_file(&copy);
    store.backup_to(&copy).await?;
    let folder = match &content {
        Content::Folder(dir) => Some(*dir),
        Content::InGit(_) => None,
    };
    let made = async {
        let posts = crate::store::backup::check(&copy).await?.posts;
        let database = files::entry("folio.db", &copy)?;
        let files = folder.map(content_files).transpose()?;
        let set = Set {
            format: FORMAT,
            folio: env!("CARGO_PKG_VERSION").to_owned(),
            posts,
            database,
            content: files,
            content_in_git: match content {
                Content::InGit(remote) => Some(remote),
                Content::Folder(_) => None,
            },
        };
        transfer::upload_set(&s3, name, &set, &copy, folder).await
    };
    let result = made.await;
    let _ = std::fs::remove_file(&copy);
    let mut report = result?;
    if let Some(keep) = keep {
        let (sets, blobs) = transfer::retain(&s3, keep.max(1)).await?;
        report.removed_sets = sets;
        report.removed_blobs = blobs;
    }
    Ok(report)
}
