//! The builds folder beside the output folder: the two complete builds its link
//! switches between, the record of how the stale one is behind the published one,
//! and the mark of a switch whose records are not kept yet.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{io_error, WriteError};

/// The two builds the link switches between.
pub(super) const TREES: [&str; 2] = ["a", "b"];

/// The file in the builds folder that says which build is behind the published one,
/// and in which files.
pub(super) const BEHIND: &str = "behind.json";

/// Written before the link moves; removed by [`settle`] once whoever keeps records
/// of builds (page keys, the memory of the last build) has those of this one. Found
/// at the start of a publish, it says those records may be of another build than the
/// one published: a build was killed in between.
pub(super) const UNSETTLED: &str = "unsettled";

/// Whether the records of the last build into `out` may not be of the build it shows.
pub fn unsettled(out: &Path) -> bool {
    siblings(out).0.join(UNSETTLED).exists()
}

/// Says the records of the build `out` shows are kept.
pub fn settle(out: &Path) -> io::Result<()> {
    // Not flushed: lost in a power cut, the next publish compares every page, which
    // costs time, never correctness.
    match fs::remove_file(siblings(out).0.join(UNSETTLED)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[derive(Serialize, serde::Deserialize)]
pub(super) struct Behind {
    pub build: String,
    pub files: Vec<String>,
}

/// The hidden siblings of the output folder `out`: the builds folder, and the name
/// the new link is made under before it replaces `out`.
pub(super) fn siblings(out: &Path) -> (PathBuf, PathBuf) {
    let name = out
        .file_name()
        .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    (
        out.with_file_name(format!(".{name}.builds")),
        out.with_file_name(format!(".{name}.next")),
    )
}

/// Held while a build writes beside `out`: a second `folio publish` (or a server)
/// on the same folder waits for it, told which process holds it. Within a process
/// builds of one site take turns already (and tests hold several writers), so the
/// lock is taken once per process and counted.
pub(super) struct BuildLock(PathBuf);

/// The locks this process holds: the locked file, and how many writers share it.
static HELD: std::sync::LazyLock<std::sync::Mutex<HashMap<PathBuf, (fs::File, usize)>>> =
    std::sync::LazyLock::new(Default::default);

impl BuildLock {
    pub(super) fn take(out: &Path) -> Result<Self, WriteError> {
        use std::io::{Seek, Write};
        let name = out
            .file_name()
            .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
        let path = out.with_file_name(format!(".{name}.lock"));
        let mut held = HELD.lock().expect("no panic while holding the lock");
        if let Some((_, writers)) = held.get_mut(&path) {
            *writers += 1;
            return Ok(Self(path));
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(io_error(parent))?;
        }
        let mut file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_error(&path))?;
        let flock = |op| rustix::fs::flock(&file, op).map_err(std::io::Error::from);
        if flock(rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
            let holder = fs::read_to_string(&path).unwrap_or_default();
            tracing::warn!(
                "{}: another build (process {}) is writing this output folder; waiting for it",
                out.display(),
                holder.trim()
            );
            flock(rustix::fs::FlockOperation::LockExclusive).map_err(io_error(&path))?;
        }
        // The holder's id, for whoever waits next.
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(file, "{}", std::process::id());
        held.insert(path.clone(), (file, 1));
        Ok(Self(path))
    }
}

impl Drop for BuildLock {
    fn drop(&mut self) {
        let mut held = HELD.lock().expect("no panic while holding the lock");
        if let Some((_, writers)) = held.get_mut(&self.0) {
            *writers -= 1;
            if *writers == 0 {
                // Closing the file releases the lock.
                held.remove(&self.0);
            }
        }
    }
}

/// The published build behind `out`: the folder its link points at, `out` itself
/// when it is a plain folder with files in it, or none.
pub(super) fn published(out: &Path) -> Result<Option<PathBuf>, WriteError> {
    match fs::symlink_metadata(out) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let target = fs::read_link(out).map_err(io_error(out))?;
            let dir = out.parent().unwrap_or(Path::new("")).join(target);
            Ok(dir.is_dir().then_some(dir))
        }
        Ok(meta) if meta.is_dir() => {
            let mut entries = fs::read_dir(out).map_err(io_error(out))?;
            Ok(entries.next().is_some().then(|| out.to_owned()))
        }
        Ok(_) => Err(io_error(out)(io::Error::other(
            "the output folder is a file: move it away",
        ))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(out)(e)),
    }
}

/// Whether `a` and `b` are the same file (hard links to one inode).
pub(super) fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::symlink_metadata(a), fs::symlink_metadata(b)) {
        (Ok(a), Ok(b)) => a.is_file() && a.ino() == b.ino() && a.dev() == b.dev(),
        _ => false,
    }
}

/// Removes whatever is at `path` (a file, or a folder where a file goes).
pub(super) fn clear(path: &Path) -> Result<(), WriteError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path).map_err(io_error(path)),
        Ok(_) => fs::remove_file(path).map_err(io_error(path)),
        // Nothing there, or a file where a folder of the path would be.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            Ok(())
        }
        Err(e) => Err(io_error(path)(e)),
    }
}

/// Makes the folder `target` goes in. In the build being brought up to date, a file
/// may stand where a folder now goes (a page that became a folder): it goes.
pub(super) fn make_parent(target: &Path) -> Result<(), WriteError> {
    let Some(dir) = target.parent() else {
        return Ok(());
    };
    if fs::create_dir_all(dir).is_ok() {
        return Ok(());
    }
    for ancestor in dir.ancestors().collect::<Vec<_>>().into_iter().rev() {
        if fs::symlink_metadata(ancestor).is_ok_and(|m| !m.is_dir()) {
            fs::remove_file(ancestor).map_err(io_error(ancestor))?;
        }
    }
    fs::create_dir_all(dir).map_err(io_error(dir))
}

/// Removes the folders above `path` (up to `root`, not included) that are empty.
pub(super) fn remove_empty_parents(root: &Path, path: &Path) {
    let mut dir = path.parent();
    while let Some(d) = dir.filter(|d| *d != root) {
        // Only succeeds when empty, which is what we want.
        if fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Every file under `dir`, as relative paths.
pub(super) fn files_under(dir: &Path) -> Result<Vec<String>, WriteError> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let entry = entry.map_err(|e| WriteError::Io {
            path: dir.to_owned(),
            source: e.into(),
        })?;
        if !entry.file_type().is_dir() {
            files.push(crate::disk::relative_path(dir, entry.path()));
        }
    }
    Ok(files)
}
