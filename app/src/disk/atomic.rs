//! Writes that are seen whole or not at all: a file is written beside its target
//! under a hidden name, flushed to disk, then renamed over it; a batch of such
//! writes (a push from CI) lands entirely or leaves every file as it was.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The hidden name a file is written under before it takes its place. Hidden files
/// are never imported, copied or served.
fn temp_name(target: &Path, purpose: &str) -> PathBuf {
    let name = target
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let nonce: u32 = rand::random();
    target.with_file_name(format!(".{name}.{purpose}-{nonce:08x}"))
}

/// Writes `bytes` to a hidden file beside `target` and flushes it; returns its path.
fn stage(target: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temp = temp_name(target, "new");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    Ok(temp)
}

/// Flushes a folder's entries, so a rename in it survives a power cut.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Replaces `target` with `bytes`: readers see the old file or the new one.
pub fn write(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temp = stage(target, bytes)?;
    if let Err(e) = std::fs::rename(&temp, target) {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    match target.parent() {
        Some(dir) => sync_dir(dir),
        None => Ok(()),
    }
}

/// Writes `bytes` under the first of `names` that is free (a new upload never
/// replaces a file): the file appears whole under that name or not at all, and the
/// name survives a power cut. Returns the path taken.
pub fn create_new(
    dir: &Path,
    names: impl IntoIterator<Item = String>,
    bytes: &[u8],
) -> std::io::Result<PathBuf> {
    let temp = stage(&dir.join("upload"), bytes)?;
    let taken = names
        .into_iter()
        .map(|name| dir.join(name))
        // A hard link fails when the name exists: nothing is replaced.
        .find_map(|path| match std::fs::hard_link(&temp, &path) {
            Ok(()) => Some(Ok(path)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
            Err(e) => Some(Err(e)),
        })
        .unwrap_or_else(|| Err(std::io::Error::other("no free file name")));
    let _ = std::fs::remove_file(&temp);
    sync_dir(dir)?;
    taken
}

/// Replaces `target` with a copy of `source`, seen whole or not at all.
pub fn copy(source: &Path, target: &Path) -> std::io::Result<()> {
    write(target, &std::fs::read(source)?)
}

/// Files to write and files to remove, applied together.
pub struct Batch;

impl Batch {
    /// Writes every file and removes every other, or (on the first failure) puts
    /// back what it had changed and returns the error. Each target's previous
    /// version is kept under a hidden name until the whole batch is in place.
    pub fn apply(writes: Vec<(PathBuf, Vec<u8>)>, deletes: Vec<PathBuf>) -> std::io::Result<()> {
        let mut staged = Vec::with_capacity(writes.len());
        for (target, bytes) in &writes {
            match stage(target, bytes) {
                Ok(temp) => staged.push((temp, target.clone())),
                Err(e) => {
                    for (temp, _) in staged {
                        let _ = std::fs::remove_file(temp);
                    }
                    return Err(e);
                }
            }
        }
        // (target, where its previous version waits, if it had one)
        let mut done: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
        let result = (|| -> std::io::Result<()> {
            for (temp, target) in &staged {
                let backup = keep_previous(target)?;
                done.push((target.clone(), backup));
                std::fs::rename(temp, target)?;
            }
            for target in &deletes {
                if let Some(backup) = keep_previous(target)? {
                    std::fs::remove_file(target)?;
                    done.push((target.clone(), Some(backup)));
                }
            }
            Ok(())
        })();
        match result {
            Ok(()) => {
                for (_, backup) in done {
                    if let Some(backup) = backup {
                        let _ = std::fs::remove_file(backup);
                    }
                }
                let dirs: std::collections::BTreeSet<&Path> = writes
                    .iter()
                    .map(|(t, _)| t.as_path())
                    .chain(deletes.iter().map(PathBuf::as_path))
                    .filter_map(Path::parent)
                    .collect();
                for dir in dirs {
                    sync_dir(dir)?;
                }
                Ok(())
            }
            Err(e) => {
                for (target, backup) in done.into_iter().rev() {
                    match backup {
                        Some(backup) => {
                            let _ = std::fs::rename(backup, &target);
                        }
                        None => {
                            let _ = std::fs::remove_file(&target);
                        }
                    }
                }
                for (temp, _) in staged {
                    let _ = std::fs::remove_file(temp);
                }
                Err(e)
            }
        }
    }
}

/// Hard-links the current `target` (if any) to a hidden name, to put it back later.
fn keep_previous(target: &Path) -> std::io::Result<Option<PathBuf>> {
    let backup = temp_name(target, "old");
    match std::fs::hard_link(target, &backup) {
        Ok(()) => Ok(Some(backup)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether the file at `path` holds exactly `bytes`.
pub fn same_content(path: &Path, bytes: &[u8]) -> bool {
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() == bytes.len() as u64 => {
            std::fs::read(path).is_ok_and(|old| old == bytes)
        }
        _ => false,
    }
}

/// Writes one file through a temporary file and a rename, unless it already holds
/// `bytes`. Returns whether it wrote.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    if same_content(path, bytes) {
        return Ok(false);
    }
    write(path, bytes)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            vec![
                (a.clone(), b"new a".to_vec()),
                (blocked.clone(), b"b".to_vec()),
            ],
            vec![gone.clone()],
        );
        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&a).expect("a"), "old a");
        assert_eq!(std::fs::read_to_string(&gone).expect("gone"), "kept");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");

        Batch::apply(vec![(a.clone(), b"new a".to_vec())], vec![gone.clone()]).expect("apply");
        assert_eq!(std::fs::read_to_string(&a).expect("a"), "new a");
        assert!(!gone.exists());
    }
}
