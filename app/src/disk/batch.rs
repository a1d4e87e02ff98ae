//! A batch of writes and removals under one folder (a push from CI) that lands
//! entirely or leaves every file as it was, even when the process is killed half way:
//! a journal names every file the batch touches before the first one changes, and
//! [`recover`] puts back a batch it finds unfinished at the next start.
//!
//! Written by hand: the crates that write files atomically do one file at a time.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::atomic::{stage, sync_dir, temp_name, write};

/// The journal of the batch under way in a folder (hidden: never imported or served).
const JOURNAL: &str = ".folio-batch.json";

/// A hidden file of folio's older than this at a start is a leftover of a write that
/// was killed: no write takes that long.
const STALE: Duration = Duration::from_secs(10 * 60);

/// One file a batch touches.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    target: PathBuf,
    /// Its new version, staged beside it (none for a removal).
    staged: Option<PathBuf>,
    /// Where its previous version waits until the batch is whole.
    previous: PathBuf,
}

/// Files to write and files to remove under `root`, applied together.
pub struct Batch;

impl Batch {
    /// Writes every file and removes every other, or (on the first failure) puts
    /// back what it had changed and returns the error.
    pub fn apply(
        root: &Path,
        writes: Vec<(PathBuf, Vec<u8>)>,
        deletes: Vec<PathBuf>,
    ) -> std::io::Result<()> {
        Self::begin(root, writes, deletes)?.finish()
    }

    /// [`Batch::apply`], with the previous versions kept until the caller's next step
    /// (an import of the files) says whether the batch stays ([`Applied::finish`]) or
    /// goes ([`Applied::undo`]). A process killed in between is rolled back by
    /// [`recover`], as the journal says.
    pub fn begin(
        root: &Path,
        writes: Vec<(PathBuf, Vec<u8>)>,
        deletes: Vec<PathBuf>,
    ) -> std::io::Result<Applied> {
        Self::begin_until(root, writes, deletes, usize::MAX)
    }

    /// [`Batch::apply`], stopping dead after `steps` files changed as a kill would
    /// (the tests' way to cut a batch short).
    #[cfg(test)]
    fn apply_until(
        root: &Path,
        writes: Vec<(PathBuf, Vec<u8>)>,
        deletes: Vec<PathBuf>,
        steps: usize,
    ) -> std::io::Result<()> {
        let applied = Self::begin_until(root, writes, deletes, steps)?;
        if steps < applied.entries.len() {
            return Ok(()); // Killed here: the journal stays for `recover`.
        }
        applied.finish()
    }

    fn begin_until(
        root: &Path,
        writes: Vec<(PathBuf, Vec<u8>)>,
        deletes: Vec<PathBuf>,
        steps: usize,
    ) -> std::io::Result<Applied> {
        let mut entries = Vec::with_capacity(writes.len() + deletes.len());
        for (target, bytes) in &writes {
            match stage(target, bytes) {
                Ok(staged) => entries.push(Entry {
                    previous: temp_name(target, "old"),
                    target: target.clone(),
                    staged: Some(staged),
                }),
                Err(e) => {
                    discard(&entries);
                    return Err(naming(target, e));
                }
            }
        }
        entries.extend(deletes.into_iter().map(|target| Entry {
            previous: temp_name(&target, "old"),
            target,
            staged: None,
        }));
        let journal = root.join(JOURNAL);
        let listed = serde_json::to_vec(&entries).map_err(std::io::Error::other)?;
        if let Err(e) = write(&journal, &listed) {
            discard(&entries);
            return Err(e);
        }
        match entries
            .iter()
            .take(steps)
            .try_for_each(|entry| entry.apply().map_err(|e| naming(&entry.target, e)))
        {
            Ok(()) => Ok(Applied { journal, entries }),
            Err(e) => {
                roll_back(&entries);
                let _ = std::fs::remove_file(&journal);
                Err(e)
            }
        }
    }
}

/// `e`, saying which file it befell.
fn naming(target: &Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", target.display()))
}

/// A batch whose files are all in place, their previous versions kept aside.
#[must_use = "a batch is finished or undone"]
pub struct Applied {
    journal: PathBuf,
    entries: Vec<Entry>,
}

impl Applied {
    /// Keeps the batch: the previous versions and the journal go.
    pub fn finish(self) -> std::io::Result<()> {
        for entry in &self.entries {
            let _ = std::fs::remove_file(&entry.previous);
        }
        let dirs: std::collections::BTreeSet<&Path> = self
            .entries
            .iter()
            .filter_map(|e| e.target.parent())
            .collect();
        for dir in dirs {
            sync_dir(dir)?;
        }
        std::fs::remove_file(&self.journal)
    }

    /// Puts every file back as it was before the batch.
    pub fn undo(self) {
        roll_back(&self.entries);
        let _ = std::fs::remove_file(&self.journal);
    }
}

impl Entry {
    /// Keeps the target's previous version (if any) under `previous`, then puts the
    /// new one in its place or removes it.
    fn apply(&self) -> std::io::Result<()> {
        match std::fs::hard_link(&self.target, &self.previous) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        match &self.staged {
            Some(staged) => std::fs::rename(staged, &self.target),
            None => match std::fs::remove_file(&self.target) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                done => done,
            },
        }
    }

    /// Puts the target back as it was before the batch, whatever step it reached.
    fn undo(&self) {
        if self.previous.exists() {
            let _ = std::fs::rename(&self.previous, &self.target);
        } else if let Some(staged) = &self.staged {
            // No previous version: the target is new if its staged file was moved
            // into place; else the batch never reached it.
            if !staged.exists() {
                let _ = std::fs::remove_file(&self.target);
            }
        }
        if let Some(staged) = &self.staged {
            let _ = std::fs::remove_file(staged);
        }
    }
}

fn discard(entries: &[Entry]) {
    for staged in entries.iter().filter_map(|e| e.staged.as_ref()) {
        let _ = std::fs::remove_file(staged);
    }
}

fn roll_back(entries: &[Entry]) {
    for entry in entries.iter().rev() {
        entry.undo();
    }
}

/// What [`recover`] put right.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Files of an unfinished batch put back as they were.
    pub rolled_back: usize,
    /// Leftover hidden files of killed writes, removed.
    pub removed: usize,
}

/// At a start, before anything reads `root`: puts back a batch that was cut short
/// (its journal is there), and removes the hidden files killed writes left (older
/// than a write takes). Call it only while nothing else writes under `root`.
pub fn recover(root: &Path) -> std::io::Result<Recovered> {
    let mut recovered = Recovered::default();
    let journal = root.join(JOURNAL);
    match std::fs::read(&journal) {
        Ok(bytes) => {
            // A journal that does not parse was cut short itself: the batch had not
            // begun, and its staged files go with the sweep below.
            if let Ok(entries) = serde_json::from_slice::<Vec<Entry>>(&bytes) {
                let inside: Vec<Entry> = entries
                    .into_iter()
                    .filter(|e| within(root, &e.target))
                    .collect();
                roll_back(&inside);
                recovered.rolled_back = inside.len();
            }
            std::fs::remove_file(&journal)?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let now = SystemTime::now();
    for entry in walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
    {
        let name = entry.file_name().to_string_lossy();
        let stale = entry
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|at| now.duration_since(at).ok())
            .is_some_and(|age| age > STALE);
        if entry.file_type().is_file() && is_leftover(&name) && stale {
            std::fs::remove_file(entry.path())?;
            recovered.removed += 1;
        }
    }
    Ok(recovered)
}

/// Whether `path` names a file under `root` (a journal names nothing else; one that
/// does is not followed out of the folder).
fn within(root: &Path, path: &Path) -> bool {
    path.starts_with(root)
        && path
            .components()
            .all(|c| !matches!(c, std::path::Component::ParentDir))
}

/// Whether `name` is one of the hidden names a write stages under
/// (`.{name}.new-1a2b3c4d`, `.{name}.old-1a2b3c4d`).
fn is_leftover(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.') else {
        return false;
    };
    let Some((_, tail)) = rest.rsplit_once('.') else {
        return false;
    };
    let Some(nonce) = tail
        .strip_prefix("new-")
        .or_else(|| tail.strip_prefix("old-"))
    else {
        return false;
    };
    nonce.len() == 8 && nonce.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn a_batch_that_fails_half_way_changes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a.md");
        let gone = dir.path().join("gone.md");
        std::fs::write(&a, "old a").expect("write");
        std::fs::write(&gone, "kept").expect("write");
        // The second write's target is a folder: renaming a file over it fails.
        let blocked = dir.path().join("b.md");
        std::fs::create_dir_all(blocked.join("inside")).expect("mkdir");
        let result = Batch::apply(
            dir.path(),
            vec![
                (a.clone(), b"new a".to_vec()),
                (blocked.clone(), b"b".to_vec()),
            ],
            vec![gone.clone()],
        );
        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&a).expect("a"), "old a");
        assert_eq!(std::fs::read_to_string(&gone).expect("gone"), "kept");
        let names = names(dir.path());
        assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");

        Batch::apply(
            dir.path(),
            vec![(a.clone(), b"new a".to_vec())],
            vec![gone.clone()],
        )
        .expect("apply");
        assert_eq!(std::fs::read_to_string(&a).expect("a"), "new a");
        assert!(!gone.exists());
        assert!(!dir.path().join(JOURNAL).exists());
    }

    /// A batch undone after it was applied whole (the import of its files failed)
    /// leaves the folder as it was.
    #[test]
    fn an_applied_batch_undone_leaves_the_folder_as_it_was() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, fresh, gone) = (
            dir.path().join("a.md"),
            dir.path().join("posts/fresh.md"),
            dir.path().join("gone.md"),
        );
        std::fs::write(&a, "old a").expect("write");
        std::fs::write(&gone, "kept").expect("write");
        let applied = Batch::begin(
            dir.path(),
            vec![
                (a.clone(), b"new a".to_vec()),
                (fresh.clone(), b"fresh".to_vec()),
            ],
            vec![gone.clone()],
        )
        .expect("begin");
        assert_eq!(std::fs::read_to_string(&a).expect("a"), "new a");
        assert!(fresh.exists() && !gone.exists());
        applied.undo();
        assert_eq!(std::fs::read_to_string(&a).expect("a"), "old a");
        assert_eq!(std::fs::read_to_string(&gone).expect("gone"), "kept");
        assert!(!fresh.exists());
        let names = names(dir.path());
        assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
    }

    /// Killed after each step in turn, a batch is put back whole at the next start:
    /// changed files as they were, new files gone, removed files back, no hidden
    /// file left.
    #[test]
    fn a_batch_killed_at_any_step_is_put_back_at_the_next_start() {
        for steps in 0..4 {
            let dir = tempfile::tempdir().expect("tempdir");
            let posts = dir.path().join("posts");
            std::fs::create_dir_all(&posts).expect("mkdir");
            let (a, b, fresh, gone) = (
                posts.join("a.md"),
                posts.join("b.md"),
                posts.join("fresh.md"),
                posts.join("gone.md"),
            );
            for (file, text) in [(&a, "old a"), (&b, "old b"), (&gone, "kept")] {
                std::fs::write(file, text).expect("write");
            }
            Batch::apply_until(
                dir.path(),
                vec![
                    (a.clone(), b"new a".to_vec()),
                    (fresh.clone(), b"fresh".to_vec()),
                    (b.clone(), b"new b".to_vec()),
                ],
                vec![gone.clone()],
                steps,
            )
            .expect("cut short");
            let recovered = recover(dir.path()).expect("recover");
            assert_eq!(recovered.rolled_back, 4, "after {steps} steps");
            assert_eq!(std::fs::read_to_string(&a).expect("a"), "old a");
            assert_eq!(std::fs::read_to_string(&b).expect("b"), "old b");
            assert_eq!(std::fs::read_to_string(&gone).expect("gone"), "kept");
            assert!(!fresh.exists(), "after {steps} steps");
            let names = names(dir.path());
            assert!(
                names.iter().all(|n| !n.starts_with('.')),
                "after {steps} steps: {names:?}"
            );
            assert_eq!(recover(dir.path()).expect("again"), Recovered::default());
        }
    }

    #[test]
    fn only_old_leftovers_of_folios_own_names_are_swept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let old = SystemTime::now() - Duration::from_secs(3600);
        let leftover = dir.path().join(".a.md.new-0badcafe");
        let recent = dir.path().join(".b.md.new-00c0ffee");
        let theirs = dir.path().join(".gitkeep");
        for file in [&leftover, &recent, &theirs] {
            std::fs::write(file, "x").expect("write");
        }
        for file in [&leftover, &theirs] {
            std::fs::File::options()
                .write(true)
                .open(file)
                .and_then(|f| f.set_modified(old))
                .expect("dated");
        }
        assert_eq!(recover(dir.path()).expect("recover").removed, 1);
        assert!(!leftover.exists() && recent.exists() && theirs.exists());
        assert!(is_leftover(".photo.jpg.old-12ab34cd"));
        assert!(!is_leftover(".photo.jpg.old-12ab34c") && !is_leftover("a.new-12ab34cd"));
    }
}
