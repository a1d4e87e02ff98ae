//! `[git]`: the content folder is a working copy of a Git repository. The server
//! clones it on an empty volume, commits every change a person makes in the admin
//! (author: that person; committer: folio) and pushes it, and pulls what CI and
//! people push (on a signed webhook, on `folio sync`, or every `poll_seconds`), then
//! imports and publishes it. Pushes are never forced; commits wait in the folder
//! while the remote is down. See `docs/git-sync.md`.

mod repo;
mod sync;
mod transport;
pub mod webhook;

pub use crate::config::GitConfig;
pub use repo::{FileVersion, Sides};
pub use sync::{Git, GitStatus, Person, Pulled};

/// Commits what changed in the working copy `dir` as folio's (`folio import ghost`
/// run beside the server: one commit); with `[git]`, the server pushes it at its
/// next sync. `None` when nothing changed, or `dir` is no working copy (yet: the
/// server's first start with `[git]` commits it).
pub fn commit_folder(
    config: &GitConfig,
    dir: &std::path::Path,
    message: &str,
) -> Result<Option<String>, GitError> {
    let repo = match config.remote.as_deref() {
        Some(remote) => repo::Repo::open_or_init(dir, remote, &config.branch)?,
        None if dir.join(".git").exists() => repo::Repo::open_local(dir)?,
        None => return Ok(None),
    };
    if repo.head().is_none() {
        return Ok(None);
    }
    let folio = git2::Signature::now(&config.committer_name, &config.committer_email)?;
    Ok(repo
        .commit_all(&folio, &folio, message)?
        .map(|id| id.to_string()))
}

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// libgit2's message alone: not a source too, or a chain of errors would say it
    /// twice, the second time with libgit2's class and code.
    #[error("{}", .0.message())]
    Git(git2::Error),
    #[error("the content folder: {0}")]
    Folder(String),
    #[error("the remote refused the push: {0}")]
    Refused(String),
    #[error("FOLIO_GIT_TOKEN: {0}")]
    Credential(String),
    #[error("the content store: {0}")]
    Store(#[from] crate::store::StoreError),
}

impl From<git2::Error> for GitError {
    fn from(e: git2::Error) -> Self {
        Self::Git(e)
    }
}
