//! The server's side of `[git]`: the working copy behind a lock, a commit per change,
//! and the task that pushes what waits and pulls what arrives.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use git2::Signature;
use serde::Serialize;

mod task;

use super::repo::{FileVersion, Integrated, Repo, Sides};
use super::transport::{self, Credential};
use super::{GitConfig, GitError};
use crate::site::{Publisher, Site};

/// The author of a commit: the person whose change it is.
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub email: String,
}

/// What the admin and `/metrics` show of the working copy.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct GitStatus {
    pub branch: String,
    /// The commit the content folder is at.
    pub head: Option<String>,
    /// Commits made here that the remote does not have yet.
    pub unpushed: usize,
    pub last_push: Option<DateTime<Utc>>,
    pub last_pull: Option<DateTime<Utc>>,
    /// The last failure to reach the remote, until a push or a pull succeeds.
    pub last_error: Option<String>,
    /// Files changed both here and on the remote, on the same lines: the remote's
    /// commits wait until they are resolved (see `docs/git-sync.md`).
    pub conflict: Vec<String>,
    /// The branch the commits made here went to while in conflict: merge it into
    /// the branch in Git to resolve the conflict.
    pub conflict_branch: Option<String>,
}

/// What a pull did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Pulled {
    UpToDate,
    /// New commits are in the folder (then imported and published).
    Changed,
    Conflict,
}

/// The content folder's working copy, shared by the admin and the sync task.
pub struct Git {
    repo: Arc<Mutex<Repo>>,
    config: GitConfig,
    status: Mutex<GitStatus>,
    wake: tokio::sync::Notify,
    pull_asked: AtomicBool,
    /// Pull and checkout wait for the store's writer, so no admin save writes a file
    /// while the folder changes under it; `/metrics` shows the status.
    site: Arc<Site>,
}

impl Git {
    /// At the start of `folio serve`: the site's content folder made a working copy
    /// of the remote (a clone on an empty volume), what changed in it committed, and
    /// the remote's commits brought in. A remote that cannot be reached is an error
    /// only when there is nothing to serve without it (an empty volume).
    pub async fn start(site: Arc<Site>) -> Result<Arc<Self>, GitError> {
        let config = &site.config_at_start.git;
        let dir = &site.paths.content;
        let Some(remote) = config.remote.clone() else {
            return Self::start_local(site).await;
        };
        let credential = crate::config::secret("FOLIO_GIT_TOKEN")
            .map_err(|e| GitError::Credential(e.to_string()))?
            .map(|token| Credential {
                username: config.username.clone(),
                token,
            });
        transport::install(&remote, credential, tokio::runtime::Handle::current());
        let (dir, branch, cfg) = (dir.to_owned(), config.branch.clone(), config.clone());
        let (repo, error) = tokio::task::spawn_blocking(move || open(&dir, &remote, &branch, &cfg))
            .await
            .expect("opening the repository does not panic")?;
        let git = Arc::new(Self {
            repo: Arc::new(Mutex::new(repo)),
            config: config.clone(),
            status: Mutex::new(GitStatus {
                branch: config.branch.clone(),
                last_error: error,
                ..GitStatus::default()
            }),
            wake: tokio::sync::Notify::new(),
            pull_asked: AtomicBool::new(false),
            site: site.clone(),
        });
        git.refresh().await;
        Ok(git)
    }

    /// Without a remote, on a content folder that is a Git working copy: the admin
    /// commits to it, nothing is pushed or pulled.
    async fn start_local(site: Arc<Site>) -> Result<Arc<Self>, GitError> {
        let dir = site.paths.content.clone();
        let repo = tokio::task::spawn_blocking(move || Repo::open_local(&dir))
            .await
            .expect("opening the repository does not panic")?;
        let git = Arc::new(Self {
            repo: Arc::new(Mutex::new(repo)),
            config: site.config_at_start.git.clone(),
            status: Mutex::new(GitStatus::default()),
            wake: tokio::sync::Notify::new(),
            pull_asked: AtomicBool::new(false),
            site,
        });
        git.refresh().await;
        Ok(git)
    }

    /// Who commits (`committer_name`, `committer_email`): folio.
    fn committer(&self) -> (String, String) {
        let config = &self.config;
        (
            config.committer_name.clone(),
            config.committer_email.clone(),
        )
    }

    /// Whether commits go to a remote (`[git]`), not only to the folder's own
    /// repository.
    pub fn has_remote(&self) -> bool {
        self.config.remote.is_some()
    }

    /// The status, as of the last operation.
    pub fn status(&self) -> GitStatus {
        self.status
            .lock()
            .expect("no panic while holding the lock")
            .clone()
    }

    /// Commits what changed in the folder as `author`'s change, and wakes the push.
    /// Nothing changed (a sign-in, unpublished changes kept in the store): no commit.
    pub async fn commit(
        &self,
        author: Person,
        message: String,
    ) -> Result<Option<String>, GitError> {
        let committer = self.committer();
        let done = self
            .with_repo(move |repo| {
                let author = Signature::now(&author.name, &author.email)?;
                let committer = Signature::now(&committer.0, &committer.1)?;
                repo.commit_all(&author, &committer, &message)
            })
            .await?;
        if done.is_some() {
            self.refresh().await;
            self.wake.notify_one();
        }
        Ok(done.map(|id| id.to_string()))
    }

    /// Commits what folio itself wrote into the folder (the files of a site from
    /// before they were kept, the dates an import gives), as folio, so that no
    /// person's next commit carries it.
    pub async fn commit_own(&self, message: &str) {
        let (name, email) = self.committer();
        let folio = Person { name, email };
        if let Err(e) = self.commit(folio, message.to_owned()).await {
            tracing::error!("git: cannot commit {message}: {e}");
        }
    }

    /// The versions of the file `path` (relative to the content folder) in the
    /// branch's history, newest first: the last 50, within the last 5,000 commits.
    pub async fn history(&self, path: &str) -> Result<Vec<FileVersion>, GitError> {
        let path = path.to_owned();
        self.with_repo(move |repo| repo.file_history(&path, 50, 5_000))
            .await
    }

    /// The files in conflict with the remote, each as both sides have it.
    pub async fn conflict(&self) -> Result<Vec<Sides>, GitError> {
        let files = self.status().conflict;
        self.with_repo(move |repo| files.iter().map(|path| repo.sides(path)).collect())
            .await
    }

    /// Wakes the sync task: it pushes what waits (a commit made beside the server).
    pub fn nudge(&self) {
        self.wake.notify_one();
    }

    /// Asks the sync task for a pull (a webhook): it runs soon, once.
    pub fn ask_pull(&self) {
        self.pull_asked.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Fetches and brings the remote's commits into the folder; `Changed` asks the
    /// caller to publish (which imports them).
    pub async fn pull(&self) -> Result<Pulled, GitError> {
        let fetched = self.with_repo(|repo| repo.fetch()).await;
        let integrated = match fetched {
            Ok(_) => self.integrate().await,
            Err(e) => Err(e),
        };
        let integrated = match integrated {
            Ok(done) => done,
            Err(e) => {
                self.failed(&e);
                return Err(e);
            }
        };
        let pulled = {
            let mut status = self.status.lock().expect("no panic while holding the lock");
            status.last_pull = Some(Utc::now());
            status.last_error = None;
            match integrated {
                Integrated::UpToDate => {
                    status.conflict.clear();
                    status.conflict_branch = None;
                    Pulled::UpToDate
                }
                Integrated::Changed => {
                    status.conflict.clear();
                    status.conflict_branch = None;
                    Pulled::Changed
                }
                Integrated::Conflict(files) => {
                    tracing::warn!(files = ?files, "git: the remote changed the same lines as the admin; its commits wait");
                    status.conflict = files;
                    Pulled::Conflict
                }
            }
        };
        self.refresh().await;
        Ok(pulled)
    }

    /// [`Git::pull`], then the publish of what it brought in.
    pub async fn pull_and_publish(&self, publisher: &Arc<Publisher>) -> Result<Pulled, GitError> {
        let pulled = self.pull().await?;
        if pulled == Pulled::Changed {
            self.publish(publisher).await;
        }
        Ok(pulled)
    }

    /// Publishes what came in. The folder is a clone of the remote, so a post whose
    /// file is gone was removed in Git: the import archives it (`--prune`), as it
    /// would be missing from a new pod. The import may date posts published without
    /// a date, in their files: committed as folio's.
    pub async fn publish(&self, publisher: &Arc<Publisher>) -> bool {
        let author = self.site.current_config().default_author;
        let now = self.site.clock().now();
        let content = &self.site.paths.content;
        let pruned =
            crate::content::import_dir(&self.site.store, content, true, &author, now).await;
        match &pruned {
            Ok(report) => report
                .warnings
                .iter()
                .for_each(|w| tracing::warn!("git: {w}")),
            Err(e) => tracing::error!("git: importing the pulled commits failed: {e}"),
        }
        let published = publisher.publish().await;
        publisher.changed();
        self.commit_own("folio: dates of posts published without one")
            .await;
        if let Err(e) = &published {
            tracing::error!("git: publishing the pulled commits failed: {e}");
        }
        published.is_ok()
    }

    /// Brings fetched commits in while no admin save writes (the store's writer is
    /// held), after committing what the folder holds that is not committed.
    async fn integrate(&self) -> Result<Integrated, GitError> {
        let writer = self.site.store.write().await?;
        let committer = self.committer();
        let done = self
            .with_repo(move |repo| {
                let committer = Signature::now(&committer.0, &committer.1)?;
                repo.catch_up(&committer)
            })
            .await;
        drop(writer);
        done
    }

    /// Ends a conflict by `person`'s merge commit that keeps the admin's lines
    /// (`ours`) or the remote's, then publishes it and wakes the push.
    pub async fn resolve(
        &self,
        ours: bool,
        person: Person,
        publisher: &Arc<Publisher>,
    ) -> Result<(), GitError> {
        let writer = self.site.store.write().await?;
        let committer = self.committer();
        let done = self
            .with_repo(move |repo| {
                let author = Signature::now(&person.name, &person.email)?;
                let committer = Signature::now(&committer.0, &committer.1)?;
                repo.resolve(ours, (&author, &committer))
            })
            .await;
        drop(writer);
        done?;
        {
            let mut status = self.status.lock().expect("no panic while holding the lock");
            status.conflict.clear();
            status.conflict_branch = None;
            status.last_error = None;
        }
        self.publish(publisher).await;
        self.refresh().await;
        self.nudge();
        Ok(())
    }

    /// Reads the head and the commits waiting into the status.
    async fn refresh(&self) {
        let remote = self.has_remote();
        let read = self
            .with_repo(move |repo| {
                let unpushed = if remote { repo.unpushed()? } else { 0 };
                Ok((repo.head(), unpushed))
            })
            .await;
        let mut status = self.status.lock().expect("no panic while holding the lock");
        if let Ok((head, unpushed)) = read {
            status.head = head.map(|h| h.to_string());
            status.unpushed = unpushed;
        }
        let time = |t: Option<DateTime<Utc>>| t.map(|t| t.timestamp());
        self.site.metrics.git(
            status.unpushed,
            time(status.last_push),
            time(status.last_pull),
            status.conflict.len(),
        );
    }

    fn failed(&self, e: &GitError) {
        tracing::warn!("git: {e}");
        self.site.metrics.git_failed();
        self.status
            .lock()
            .expect("no panic while holding the lock")
            .last_error = Some(e.to_string());
    }

    async fn with_repo<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Repo) -> Result<T, GitError> + Send + 'static,
    ) -> Result<T, GitError> {
        let repo = self.repo.clone();
        tokio::task::spawn_blocking(move || {
            let repo = repo.lock().expect("no panic while holding the lock");
            work(&repo)
        })
        .await
        .expect("a Git operation does not panic")
    }
}

/// Opens or makes the working copy and catches up with the remote; returns it and
/// the error of a remote that could not be reached (when the folder has a site).
fn open(
    dir: &Path,
    remote: &str,
    branch: &str,
    config: &GitConfig,
) -> Result<(Repo, Option<String>), GitError> {
    let repo = Repo::open_or_init(dir, remote, branch)?;
    let committer = Signature::now(&config.committer_name, &config.committer_email)?;
    let error = match repo.fetch() {
        Ok(_) => {
            if let Integrated::Conflict(files) = repo.catch_up(&committer)? {
                tracing::warn!(files = ?files, "git: the remote changed the same lines as this folder; its commits wait");
            }
            None
        }
        Err(e) if repo.head().is_none() && is_empty(dir) => return Err(e),
        Err(e) => {
            tracing::warn!("git: the remote cannot be reached, serving the folder as it is: {e}");
            Some(e.to_string())
        }
    };
    repo.commit_all(
        &committer,
        &committer,
        "folio: the content folder as the server had it",
    )?;
    Ok((repo, error))
}

/// Whether `dir` holds nothing but Git's own folder.
fn is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .all(|e| e.file_name() == ".git")
        })
        .unwrap_or(true)
}
