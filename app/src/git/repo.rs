//! The content folder as a Git working copy, through libgit2: cloned, committed,
//! fetched, merged and pushed, never forced. Every function blocks: the server calls
//! them on a blocking thread, one at a time (the repository is behind a lock).

use std::cell::RefCell;
use std::path::Path;

use git2::{
    build::CheckoutBuilder, FetchOptions, IndexAddOption, Oid, PushOptions, RemoteCallbacks,
    Repository, Signature,
};

use super::GitError;

/// Files of folio's own that never go into Git: a batch's journal, the hidden
/// files of atomic writes, editors' leftovers.
const EXCLUDE: &str = "/.folio-batch.json\n.*.new-*\n.*.old-*\n*~\n.*.swp\n#*#\n";

/// A working copy of `branch` of the remote `origin`.
pub(super) struct Repo {
    repo: Repository,
    branch: String,
}

/// One version of a file in the branch's history: the commit that made it, and the
/// file's text after it (`None`: the commit removed the file).
#[derive(Debug, Clone)]
pub struct FileVersion {
    pub commit: String,
    pub author: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub summary: String,
    pub text: Option<String>,
}

/// A file in conflict with the remote, as each side has it (`None`: not there).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Sides {
    pub path: String,
    /// Where the two sides parted.
    pub base: Option<String>,
    /// Here: the admin's commits.
    pub admin: Option<String>,
    /// The remote's branch.
    pub git: Option<String>,
}

/// What bringing the remote's commits in did.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Integrated {
    /// Nothing new on the remote.
    UpToDate,
    /// The folder moved to the remote's commit (or merged it, cleanly): files changed.
    Changed,
    /// The same lines changed here and there: nothing was changed, these files are
    /// in conflict.
    Conflict(Vec<String>),
}

impl Repo {
    /// Opens the working copy in `dir`, or makes it: a clone of `remote` on an empty
    /// folder; on a folder with files (a site from before Git), the remote's files
    /// it lacks are added and its own committed on top, so nothing of either is lost.
    pub(super) fn open_or_init(dir: &Path, remote: &str, branch: &str) -> Result<Self, GitError> {
        std::fs::create_dir_all(dir).map_err(|e| GitError::Folder(e.to_string()))?;
        let repo = match Repository::open(dir) {
            Ok(repo) if repo.workdir() == Some(dir) || same(repo.workdir(), dir) => repo,
            _ => Repository::init(dir)?,
        };
        std::fs::write(repo.path().join("info/exclude"), EXCLUDE)
            .or_else(|_| {
                std::fs::create_dir_all(repo.path().join("info"))?;
                std::fs::write(repo.path().join("info/exclude"), EXCLUDE)
            })
            .map_err(|e| GitError::Folder(e.to_string()))?;
        match repo.find_remote("origin") {
            Ok(found) if found.url().ok() == Some(remote) => {}
            Ok(_) => repo.remote_set_url("origin", remote)?,
            Err(_) => {
                repo.remote("origin", remote)?;
            }
        }
        if repo.head().is_err() {
            repo.set_head(&format!("refs/heads/{branch}"))?;
        }
        Ok(Self {
            repo,
            branch: branch.to_owned(),
        })
    }

    /// Opens the working copy a person made of the content folder (no `[git]`
    /// remote): the admin commits to its checked-out branch, and nothing is pushed.
    pub(super) fn open_local(dir: &Path) -> Result<Self, GitError> {
        let repo = Repository::open(dir)?;
        let branch = (repo.head().ok())
            .and_then(|head| head.shorthand().ok().map(str::to_owned))
            .unwrap_or_else(|| "main".to_owned());
        std::fs::create_dir_all(repo.path().join("info"))
            .and_then(|()| std::fs::write(repo.path().join("info/exclude"), EXCLUDE))
            .map_err(|e| GitError::Folder(e.to_string()))?;
        Ok(Self { repo, branch })
    }

    fn remote_ref(&self) -> String {
        format!("refs/remotes/origin/{}", self.branch)
    }

    fn local_ref(&self) -> String {
        format!("refs/heads/{}", self.branch)
    }

    /// The commit the folder is at, if any.
    pub(super) fn head(&self) -> Option<Oid> {
        self.repo.refname_to_id(&self.local_ref()).ok()
    }

    /// Commits everything that changed in the folder (new, changed and removed
    /// files), by `author`, with folio as the committer. `None` when nothing changed.
    pub(super) fn commit_all(
        &self,
        author: &Signature<'_>,
        committer: &Signature<'_>,
        message: &str,
    ) -> Result<Option<Oid>, GitError> {
        let mut index = self.repo.index()?;
        index.add_all(["*"], IndexAddOption::DEFAULT, None)?;
        index.update_all(["*"], None)?;
        index.write()?;
        let tree = self.repo.find_tree(index.write_tree()?)?;
        let parent = match self.head() {
            Some(id) => Some(self.repo.find_commit(id)?),
            None => None,
        };
        if parent.as_ref().map(|p| p.tree_id()) == Some(tree.id()) {
            return Ok(None);
        }
        if parent.is_none() && tree.is_empty() {
            return Ok(None);
        }
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        let id = self.repo.commit(
            Some(&self.local_ref()),
            author,
            committer,
            message,
            &tree,
            &parents,
        )?;
        Ok(Some(id))
    }

    /// Fetches the branch from the remote. `false` when the remote has no such
    /// branch yet (a new, empty repository).
    pub(super) fn fetch(&self) -> Result<bool, GitError> {
        let mut remote = self.repo.find_remote("origin")?;
        let refspec = format!("+{}:{}", self.local_ref(), self.remote_ref());
        let mut options = FetchOptions::new();
        options.download_tags(git2::AutotagOption::None);
        remote.fetch(&[refspec.as_str()], Some(&mut options), None)?;
        Ok(self.repo.refname_to_id(&self.remote_ref()).is_ok())
    }

    /// What the folder holds and no commit has (a hand edit, a write cut short)
    /// committed as `committer`'s, then [`Repo::integrate`].
    pub(super) fn catch_up(&self, committer: &Signature<'_>) -> Result<Integrated, GitError> {
        if self.head().is_some() {
            self.commit_all(
                committer,
                committer,
                "folio: changes found in the content folder",
            )?;
        }
        self.integrate(committer)
    }

    /// Brings the fetched commits into the folder: a fast-forward, or a merge commit
    /// when both sides have commits and no line changed on both; otherwise nothing
    /// changes and the conflicting files are named.
    pub(super) fn integrate(&self, committer: &Signature<'_>) -> Result<Integrated, GitError> {
        let Ok(theirs) = self.repo.refname_to_id(&self.remote_ref()) else {
            return Ok(Integrated::UpToDate);
        };
        let Some(ours) = self.head() else {
            self.adopt(theirs)?;
            return Ok(Integrated::Changed);
        };
        if ours == theirs || self.repo.graph_descendant_of(ours, theirs)? {
            return Ok(Integrated::UpToDate);
        }
        if self.repo.graph_descendant_of(theirs, ours)? {
            self.move_to(theirs)?;
            return Ok(Integrated::Changed);
        }
        let (our_commit, their_commit) =
            (self.repo.find_commit(ours)?, self.repo.find_commit(theirs)?);
        let mut index = self.repo.merge_commits(&our_commit, &their_commit, None)?;
        if index.has_conflicts() {
            let mut paths: Vec<String> = index
                .conflicts()?
                .filter_map(Result::ok)
                .filter_map(|c| c.our.or(c.their).or(c.ancestor))
                .map(|entry| String::from_utf8_lossy(&entry.path).into_owned())
                .collect();
            paths.sort();
            paths.dedup();
            return Ok(Integrated::Conflict(paths));
        }
        let tree = self.repo.find_tree(index.write_tree_to(&self.repo)?)?;
        let message = format!("Merge {} of the remote", self.branch);
        let merged = self.repo.commit(
            None,
            committer,
            committer,
            &message,
            &tree,
            &[&our_commit, &their_commit],
        )?;
        self.move_to(merged)?;
        Ok(Integrated::Changed)
    }

    /// Ends a conflict with the remote by a merge commit (by `author`) that keeps,
    /// of each line changed on both sides, the folder's version (`ours`) or the
    /// remote's; both histories stay. A change neither side can win by lines (a file
    /// removed on one side, changed on the other) is refused: resolve it in Git.
    pub(super) fn resolve(
        &self,
        ours: bool,
        (author, committer): (&Signature<'_>, &Signature<'_>),
    ) -> Result<(), GitError> {
        let (Some(head), Ok(theirs)) = (self.head(), self.repo.refname_to_id(&self.remote_ref()))
        else {
            return Err(GitError::Folder("no conflict to resolve".into()));
        };
        let (our_commit, their_commit) =
            (self.repo.find_commit(head)?, self.repo.find_commit(theirs)?);
        let mut options = git2::MergeOptions::new();
        options.file_favor(if ours {
            git2::FileFavor::Ours
        } else {
            git2::FileFavor::Theirs
        });
        let mut index = self
            .repo
            .merge_commits(&our_commit, &their_commit, Some(&options))?;
        if index.has_conflicts() {
            return Err(GitError::Folder(
                "a file was removed on one side and changed on the other: resolve it in Git".into(),
            ));
        }
        let tree = self.repo.find_tree(index.write_tree_to(&self.repo)?)?;
        let kept = if ours { "the admin's" } else { "the remote's" };
        let message = format!("Resolve the conflict with the remote: keep {kept} lines");
        let merged = self.repo.commit(
            None,
            author,
            committer,
            &message,
            &tree,
            &[&our_commit, &their_commit],
        )?;
        self.move_to(merged)
    }

    /// Points the branch at `target` and makes the folder its tree. Files the folder
    /// changed and did not commit stop it (they were committed just before).
    fn move_to(&self, target: Oid) -> Result<(), GitError> {
        let commit = self.repo.find_commit(target)?;
        let mut checkout = CheckoutBuilder::new();
        checkout.safe().recreate_missing(true);
        self.repo
            .checkout_tree(commit.as_object(), Some(&mut checkout))?;
        self.repo
            .reference(&self.local_ref(), target, true, "folio: follow the remote")?;
        self.repo.set_head(&self.local_ref())?;
        // The index as the tree, so the next commit sees only later changes.
        let mut index = self.repo.index()?;
        index.read_tree(&commit.tree()?)?;
        index.write()?;
        Ok(())
    }

    /// A folder without commits takes the remote's history: the remote's files it
    /// lacks are written (all of them, on an empty volume), and the branch and the
    /// index set to the remote's commit, the folder's own files left as they are. A
    /// commit of the folder on top then keeps its files and removes none of the
    /// remote's.
    fn adopt(&self, theirs: Oid) -> Result<(), GitError> {
        self.add_missing(theirs)?;
        let commit = self.repo.find_commit(theirs)?;
        self.repo
            .reference(&self.local_ref(), theirs, true, "folio: take the remote")?;
        self.repo.set_head(&self.local_ref())?;
        let mut index = self.repo.index()?;
        index.read_tree(&commit.tree()?)?;
        index.write()?;
        Ok(())
    }

    /// Writes the files of commit `theirs` the folder lacks.
    fn add_missing(&self, theirs: Oid) -> Result<(), GitError> {
        let Some(workdir) = self.repo.workdir() else {
            return Ok(());
        };
        let tree = self.repo.find_commit(theirs)?.tree()?;
        let mut failed = None;
        tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() != Some(git2::ObjectType::Blob) {
                return git2::TreeWalkResult::Ok;
            }
            let rel = format!("{dir}{}", entry.name().unwrap_or_default());
            let Ok(target) = crate::disk::confine::resolve(workdir, &rel) else {
                return git2::TreeWalkResult::Ok;
            };
            if target.exists() {
                return git2::TreeWalkResult::Ok;
            }
            let written = self
                .repo
                .find_blob(entry.id())
                .map(|blob| crate::disk::atomic::write(&target, blob.content()));
            if let Ok(Err(e)) = written {
                failed = Some(e.to_string());
                return git2::TreeWalkResult::Abort;
            }
            git2::TreeWalkResult::Ok
        })?;
        match failed {
            Some(e) => Err(GitError::Folder(e)),
            None => Ok(()),
        }
    }

    /// Pushes the branch, never forced. `Ok(false)` when the remote refused it
    /// because it moved on (fetch, integrate, push again).
    pub(super) fn push(&self) -> Result<bool, GitError> {
        let pushed = self.push_as(&self.local_ref())?;
        if pushed {
            if let Some(head) = self.head() {
                let message = "folio: pushed";
                self.repo
                    .reference(&self.remote_ref(), head, true, message)?;
            }
        }
        Ok(pushed)
    }

    /// Pushes the commits the remote's branch conflicts with to a branch of their
    /// own, `folio/conflict-<commit>`, where people see them and merge them into
    /// the branch (resolving the conflict with a commit); returns its name.
    pub(super) fn push_conflict(&self) -> Result<Option<String>, GitError> {
        let Some(head) = self.head() else {
            return Ok(None);
        };
        let name = format!("folio/conflict-{}", &head.to_string()[..10]);
        self.push_as(&format!("refs/heads/{name}"))?;
        Ok(Some(name))
    }

    /// Pushes the branch to `target` on the remote, never forced.
    fn push_as(&self, target: &str) -> Result<bool, GitError> {
        let mut remote = self.repo.find_remote("origin")?;
        let refused = RefCell::new(None);
        let mut callbacks = RemoteCallbacks::new();
        callbacks.push_update_reference(|_, status| {
            if let Some(status) = status {
                *refused.borrow_mut() = Some(status.to_owned());
            }
            Ok(())
        });
        let mut options = PushOptions::new();
        options.remote_callbacks(callbacks);
        let refspec = format!("{}:{target}", self.local_ref());
        match remote.push(&[refspec.as_str()], Some(&mut options)) {
            Ok(()) => {}
            Err(e) if e.code() == git2::ErrorCode::NotFastForward => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        drop(options);
        match refused.into_inner() {
            None => Ok(true),
            Some(status) if status.contains("fast-forward") || status.contains("fetch first") => {
                Ok(false)
            }
            Some(status) => Err(GitError::Refused(status)),
        }
    }

    /// The commits of the branch that changed `path`, newest first: at most `limit`,
    /// looking back through at most `depth` commits. A merge that took the file from
    /// one side made no version of its own.
    pub(super) fn file_history(
        &self,
        path: &str,
        limit: usize,
        depth: usize,
    ) -> Result<Vec<FileVersion>, GitError> {
        let Some(head) = self.head() else {
            return Ok(Vec::new());
        };
        let mut walk = self.repo.revwalk()?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
        walk.push(head)?;
        let rel = Path::new(path);
        let blob = |commit: &git2::Commit<'_>| {
            (commit.tree().ok()).and_then(|tree| tree.get_path(rel).ok().map(|e| e.id()))
        };
        let mut versions = Vec::new();
        for id in walk.take(depth) {
            let commit = self.repo.find_commit(id?)?;
            let ours = blob(&commit);
            let changed = match commit.parent_count() {
                0 => ours.is_some(),
                _ => !commit.parents().any(|parent| blob(&parent) == ours),
            };
            if !changed {
                continue;
            }
            let text = match ours {
                Some(id) => {
                    Some(String::from_utf8_lossy(self.repo.find_blob(id)?.content()).into_owned())
                }
                None => None,
            };
            versions.push(FileVersion {
                commit: commit.id().to_string(),
                author: String::from_utf8_lossy(commit.author().name_bytes()).into_owned(),
                at: chrono::DateTime::from_timestamp(commit.time().seconds(), 0)
                    .unwrap_or_default(),
                summary: String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default())
                    .into_owned(),
                text,
            });
            if versions.len() == limit {
                break;
            }
        }
        Ok(versions)
    }

    /// The three versions of `path`, a file in conflict with the remote: where the
    /// two sides parted, here and in Git.
    pub(super) fn sides(&self, path: &str) -> Result<Sides, GitError> {
        let (Some(here), Ok(git)) = (self.head(), self.repo.refname_to_id(&self.remote_ref()))
        else {
            return Err(GitError::Folder("no conflict with the remote".into()));
        };
        let text = |commit: Option<Oid>| -> Result<Option<String>, GitError> {
            let Some(commit) = commit else {
                return Ok(None);
            };
            let tree = self.repo.find_commit(commit)?.tree()?;
            let Ok(entry) = tree.get_path(Path::new(path)) else {
                return Ok(None);
            };
            let blob = self.repo.find_blob(entry.id())?;
            Ok(Some(String::from_utf8_lossy(blob.content()).into_owned()))
        };
        Ok(Sides {
            path: path.to_owned(),
            base: text(self.repo.merge_base(here, git).ok())?,
            admin: text(Some(here))?,
            git: text(Some(git))?,
        })
    }

    /// Commits here that the remote does not have yet.
    pub(super) fn unpushed(&self) -> Result<usize, GitError> {
        let Some(head) = self.head() else {
            return Ok(0);
        };
        match self.repo.refname_to_id(&self.remote_ref()) {
            Ok(remote) => Ok(self.repo.graph_ahead_behind(head, remote)?.0),
            Err(_) => {
                let mut walk = self.repo.revwalk()?;
                walk.push(head)?;
                Ok(walk.count())
            }
        }
    }
}

/// Whether `workdir` (libgit2's, with a trailing slash) is `dir`.
fn same(workdir: Option<&Path>, dir: &Path) -> bool {
    match (workdir.map(Path::canonicalize), dir.canonicalize()) {
        (Some(Ok(a)), Ok(b)) => a == b,
        _ => false,
    }
}
