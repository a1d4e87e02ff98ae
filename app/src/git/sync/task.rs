//! The sync task of `folio serve`: it pushes what waits (a rejected push pulls
//! first, a conflict sets the admin's commits aside on a branch of their own) and
//! pulls when asked or on a timer.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::{Git, Pulled};
use crate::git::GitError;
use crate::site::Publisher;

/// A push that failed is tried again after 1, 2, 4... seconds, at most this long.
const RETRY: Duration = Duration::from_secs(30);

impl Git {
    /// Pushes the commits that wait; a remote that moved on is pulled first (and the
    /// push tried again), never overwritten.
    pub async fn push(&self, publisher: &Arc<Publisher>) -> Result<(), GitError> {
        for _ in 0..3 {
            match self.with_repo(|repo| repo.push()).await {
                Ok(true) => {
                    {
                        let mut status =
                            self.status.lock().expect("no panic while holding the lock");
                        status.last_push = Some(Utc::now());
                        status.last_error = None;
                    }
                    self.refresh().await;
                    return Ok(());
                }
                Ok(false) => {
                    if self.pull_and_publish(publisher).await? == Pulled::Conflict {
                        return Err(self.set_aside().await);
                    }
                }
                Err(e) => {
                    self.failed(&e);
                    return Err(e);
                }
            }
        }
        Err(GitError::Refused(
            "the remote kept moving; trying again later".into(),
        ))
    }

    /// The sync task of `folio serve`: pushes what waits (at once, then again after
    /// a failure, waiting longer each time up to [`RETRY`]), pulls when asked and
    /// every `poll_seconds`.
    pub async fn run(self: Arc<Self>, publisher: Arc<Publisher>) {
        if !self.has_remote() {
            return;
        }
        let poll =
            (self.config.poll_seconds > 0).then(|| Duration::from_secs(self.config.poll_seconds));
        let mut failures = 0u32;
        let mut first = true;
        loop {
            if !first {
                let backoff = Duration::from_secs(1 << failures.min(5)).min(RETRY);
                let wait = match poll {
                    Some(poll) if failures > 0 => poll.min(backoff),
                    Some(poll) => poll,
                    None if failures > 0 => backoff,
                    None => Duration::from_secs(3600),
                };
                let timed_out = tokio::time::timeout(wait, self.wake.notified())
                    .await
                    .is_err();
                let asked = self.pull_asked.swap(false, Ordering::SeqCst);
                if asked || (timed_out && poll.is_some()) {
                    if let Err(e) = self.pull_and_publish(&publisher).await {
                        tracing::warn!("git: pull failed: {e}");
                    }
                }
            }
            first = false;
            // Commits made beside the server (`folio import ghost`) count too.
            self.refresh().await;
            failures = match self.status().unpushed {
                0 => 0,
                _ => match self.push(&publisher).await {
                    Ok(()) => 0,
                    Err(e) => {
                        tracing::warn!("git: push failed, the commits wait: {e}");
                        failures + 1
                    }
                },
            };
        }
    }

    /// In conflict: the commits made here go to a branch of their own on the remote
    /// (never over anyone's), and the status names it.
    async fn set_aside(&self) -> GitError {
        let branch = match self.with_repo(|repo| repo.push_conflict()).await {
            Ok(branch) => branch,
            Err(e) => return e,
        };
        let mut status = self.status.lock().expect("no panic while holding the lock");
        let files = status.conflict.join(", ");
        let name = branch.clone().unwrap_or_default();
        status.conflict_branch = branch;
        let message = format!(
            "the remote changed the same lines as the admin in {files}: the admin's commits are on the branch {name}; merge it in Git"
        );
        status.last_error = Some(message.clone());
        GitError::Refused(message)
    }
}
