//! The one place that writes the output folder.
//!
//! The output folder (`public`) is a symbolic link to one complete build, kept in a
//! folder beside it (`.public.builds/<n>`). A build writes the next one there: a file
//! whose bytes the published build already has is a hard link to it, any other a new
//! file. When the whole build is written and flushed to disk, one rename points the
//! link at it. A reader, and a build killed at any moment, sees the old site or the
//! new one, never a mix; a failed build leaves the published one as it was. What an
//! interrupted build left behind goes at the start of the next.
//!
//! An output folder that is a plain folder (made by hand, or by an earlier version)
//! is the published build for the first build, and is then exchanged for the link.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;

use serde::Serialize;

/// What a build changed in the output folder.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct WriteReport {
    /// Files new or changed, as paths relative to the output folder, sorted.
    pub written: Vec<String>,
    pub unchanged: usize,
    /// Files removed because the site no longer has them, sorted.
    pub removed: Vec<String>,
    /// Every file of the site now.
    #[serde(skip)]
    pub files: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("two parts of the site write {path} (the second is {what})")]
    Collision { path: String, what: String },
}

pub struct SiteWriter {
    out: PathBuf,
    /// The published build, if there is one: what unchanged files link to.
    base: Option<PathBuf>,
    /// The folder this build is written into.
    next: PathBuf,
    /// The name `next` has in the builds folder, which the link points at.
    next_name: String,
    seen: Mutex<HashSet<String>>,
    written: Mutex<Vec<String>>,
    /// Removing what earlier builds left, while this one renders.
    sweeping: Option<JoinHandle<()>>,
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The hidden siblings of the output folder `out`: the builds folder, and the name
/// the new link is made under before it replaces `out`.
fn siblings(out: &Path) -> (PathBuf, PathBuf) {
    let name = out
        .file_name()
        .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    (
        out.with_file_name(format!(".{name}.builds")),
        out.with_file_name(format!(".{name}.next")),
    )
}

/// The published build behind `out`: the folder its link points at, `out` itself
/// when it is a plain folder with files in it, or none.
fn published(out: &Path) -> Result<Option<PathBuf>, WriteError> {
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

impl SiteWriter {
    /// Starts a build into `out`.
    pub fn begin(out: &Path) -> Result<Self, WriteError> {
        let base = published(out)?;
        let (builds, link) = siblings(out);
        fs::create_dir_all(&builds).map_err(io_error(&builds))?;
        let _ = fs::remove_file(&link);
        // Everything in the builds folder but the published build is a build that was
        // replaced or interrupted: numbered folders, and anything else of ours.
        let mut leftovers = Vec::new();
        let mut last = 0u64;
        for entry in fs::read_dir(&builds).map_err(io_error(&builds))? {
            let path = entry.map_err(io_error(&builds))?.path();
            if let Some(n) = path
                .file_name()
                .and_then(|n| n.to_str()?.parse::<u64>().ok())
            {
                last = last.max(n);
            }
            if Some(&path) != base.as_ref() {
                leftovers.push(path);
            }
        }
        let next_name = (last + 1).to_string();
        let next = builds.join(&next_name);
        fs::create_dir(&next).map_err(io_error(&next))?;
        let sweeping = (!leftovers.is_empty()).then(|| {
            std::thread::spawn(move || {
                for path in leftovers {
                    let _ = fs::remove_dir_all(&path).or_else(|_| fs::remove_file(&path));
                }
            })
        });
        Ok(Self {
            out: out.to_owned(),
            base,
            next,
            next_name,
            seen: Mutex::new(HashSet::new()),
            written: Mutex::new(Vec::new()),
            sweeping,
        })
    }

    /// Adds the file `rel` (a relative path with `/`) to the site; `what` names its
    /// origin in the error when two parts of the site claim the same path.
    pub fn put(&self, rel: &str, bytes: &[u8], what: &str) -> Result<(), WriteError> {
        self.claim(rel, what)?;
        let target = self.next.join(rel);
        make_parent(&target)?;
        if let Some(base) = &self.base {
            let published = base.join(rel);
            if same_content(&published, bytes) && fs::hard_link(&published, &target).is_ok() {
                return Ok(());
            }
        }
        fs::write(&target, bytes).map_err(io_error(&target))?;
        self.written
            .lock()
            .expect("no panic while holding the lock")
            .push(rel.to_owned());
        Ok(())
    }

    /// Keeps the published file `rel` as it is, as part of this build. Returns false,
    /// claiming nothing, when the published build does not have it (the caller makes
    /// it then).
    pub fn keep(&self, rel: &str, what: &str) -> Result<bool, WriteError> {
        let Some(published) = self.base.as_ref().map(|b| b.join(rel)) else {
            return Ok(false);
        };
        let target = self.next.join(rel);
        make_parent(&target)?;
        if let Err(e) = fs::hard_link(&published, &target) {
            if !published.is_file() {
                return Ok(false);
            }
            if e.kind() == io::ErrorKind::AlreadyExists {
                return Err(WriteError::Collision {
                    path: rel.to_owned(),
                    what: what.to_owned(),
                });
            }
            // Another file system, or one without links: a copy does as well.
            fs::copy(&published, &target).map_err(io_error(&published))?;
        }
        self.claim(rel, what)?;
        Ok(true)
    }

    /// Adds a copy of the file `source` as `rel`.
    pub fn copy(&self, rel: &str, source: &Path, what: &str) -> Result<(), WriteError> {
        let bytes = fs::read(source).map_err(io_error(source))?;
        self.put(rel, &bytes, what)
    }

    fn claim(&self, rel: &str, what: &str) -> Result<(), WriteError> {
        let fresh = self
            .seen
            .lock()
            .expect("no panic while holding the lock")
            .insert(rel.to_owned());
        if fresh {
            Ok(())
        } else {
            Err(WriteError::Collision {
                path: rel.to_owned(),
                what: what.to_owned(),
            })
        }
    }

    /// Publishes the build: flushes it to disk and points the output folder at it.
    /// `last` lists the files of the previous build into this folder when it is
    /// known, which spares walking the published build to report what went.
    pub fn commit(mut self, last: Option<&[&str]>) -> Result<WriteReport, WriteError> {
        let mut written = std::mem::take(
            &mut *self
                .written
                .lock()
                .expect("no panic while holding the lock"),
        );
        let seen = std::mem::take(&mut *self.seen.lock().expect("no panic while holding the lock"));
        let removed = match (&self.base, last.filter(|l| !l.is_empty())) {
            (None, _) => Vec::new(),
            (Some(base), Some(last)) => last
                .iter()
                .filter(|rel| !seen.contains(**rel) && base.join(rel).is_file())
                .map(|rel| (*rel).to_owned())
                .collect(),
            (Some(base), None) => files_under(base)?
                .into_iter()
                .filter(|rel| !seen.contains(rel))
                .collect(),
        };
        // One flush of the file system the build is on, rather than one per file:
        // the new build is on disk before anything points at it.
        let dir = fs::File::open(&self.next).map_err(io_error(&self.next))?;
        rustix::fs::syncfs(&dir).map_err(|e| io_error(&self.next)(e.into()))?;
        self.switch()?;
        if let Some(sweeping) = self.sweeping.take() {
            let _ = sweeping.join();
        }
        written.sort();
        let mut removed = removed;
        removed.sort();
        Ok(WriteReport {
            unchanged: seen.len() - written.len(),
            written,
            removed,
            files: seen.into_iter().collect(),
        })
    }

    /// Points the output folder at the new build, in one rename.
    fn switch(&self) -> Result<(), WriteError> {
        let (builds, link) = siblings(&self.out);
        let builds_name = builds.file_name().unwrap_or_default();
        let target = Path::new(builds_name).join(&self.next_name);
        std::os::unix::fs::symlink(&target, &link).map_err(io_error(&link))?;
        let is_folder = fs::symlink_metadata(&self.out).is_ok_and(|m| m.is_dir());
        if is_folder {
            // A plain folder cannot be renamed over: exchange it with the link, then
            // move it among the builds, where the next build removes it.
            let exchanged = rustix::fs::renameat_with(
                rustix::fs::CWD,
                &link,
                rustix::fs::CWD,
                &self.out,
                rustix::fs::RenameFlags::EXCHANGE,
            );
            let old = builds.join(format!("{}-plain", self.next_name));
            match exchanged {
                Ok(()) => fs::rename(&link, &old).map_err(io_error(&link))?,
                // A file system without exchange: two renames, a moment without a site.
                Err(_) => {
                    fs::rename(&self.out, &old).map_err(io_error(&self.out))?;
                    fs::rename(&link, &self.out).map_err(io_error(&self.out))?;
                }
            }
        } else {
            fs::rename(&link, &self.out).map_err(io_error(&self.out))?;
        }
        let parent = self.out.parent().filter(|p| !p.as_os_str().is_empty());
        crate::atomic::sync_dir(parent.unwrap_or(Path::new("."))).map_err(io_error(&self.out))
    }

    /// Drops the build, leaving the published one as it was.
    pub fn abort(mut self) {
        let _ = fs::remove_dir_all(&self.next);
        if let Some(sweeping) = self.sweeping.take() {
            let _ = sweeping.join();
        }
    }
}

fn make_parent(target: &Path) -> Result<(), WriteError> {
    match target.parent() {
        Some(dir) => fs::create_dir_all(dir).map_err(io_error(dir)),
        None => Ok(()),
    }
}

/// Every file under `dir`, as relative paths.
fn files_under(dir: &Path) -> Result<Vec<String>, WriteError> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let entry = entry.map_err(|e| WriteError::Io {
            path: dir.to_owned(),
            source: e.into(),
        })?;
        if !entry.file_type().is_dir() {
            files.push(crate::content::relative_path(dir, entry.path()));
        }
    }
    Ok(files)
}

fn same_content(path: &Path, bytes: &[u8]) -> bool {
    match fs::metadata(path) {
        Ok(meta) if meta.len() == bytes.len() as u64 => {
            fs::read(path).is_ok_and(|old| old == bytes)
        }
        _ => false,
    }
}

/// Writes one file through a temporary file and a rename, unless it already holds
/// `bytes`. Returns whether it wrote.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    if same_content(path, bytes) {
        return Ok(false);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut file = fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, path)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn read(path: &Path) -> String {
        fs::read_to_string(path).expect("read")
    }

    #[test]
    fn a_build_writes_changed_links_unchanged_and_drops_stale() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        fs::create_dir_all(out.join("old")).expect("mkdir");
        fs::write(out.join("old/index.html"), "stale").expect("write");
        fs::write(out.join("same.txt"), "same").expect("write");
        let writer = SiteWriter::begin(&out).expect("begin");
        writer.put("same.txt", b"same", "test").expect("put");
        writer.put("new/index.html", b"new", "test").expect("put");
        assert!(
            !out.join("new/index.html").exists(),
            "nothing is published before commit"
        );
        assert!(matches!(
            writer.put("same.txt", b"x", "again"),
            Err(WriteError::Collision { .. })
        ));
        let report = writer.commit(None).expect("commit");
        assert_eq!(report.written, vec!["new/index.html"]);
        assert_eq!(report.removed, vec!["old/index.html"]);
        assert_eq!(report.unchanged, 1);
        assert!(fs::symlink_metadata(&out).expect("out").is_symlink());
        assert!(!out.join("old").exists());
        assert_eq!(read(&out.join("new/index.html")), "new");

        // The next build links what did not change to the published file.
        let before = fs::metadata(out.join("same.txt")).expect("meta").ino();
        let writer = SiteWriter::begin(&out).expect("begin");
        writer.put("same.txt", b"same", "test").expect("put");
        assert!(writer.keep("new/index.html", "test").expect("keep"));
        let report = writer.commit(None).expect("commit");
        assert!(report.written.is_empty(), "{report:?}");
        assert_eq!(
            fs::metadata(out.join("same.txt")).expect("meta").ino(),
            before
        );
        assert_eq!(read(&out.join("new/index.html")), "new");
    }

    #[test]
    fn with_the_last_file_list_only_listed_files_are_looked_for() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        fs::create_dir_all(out.join("old/deep")).expect("mkdir");
        fs::write(out.join("old/deep/index.html"), "stale").expect("write");
        fs::write(out.join("keep.txt"), "keep").expect("write");
        let writer = SiteWriter::begin(&out).expect("begin");
        writer.put("keep.txt", b"keep", "test").expect("put");
        let report = writer
            .commit(Some(&[
                "old/deep/index.html",
                "keep.txt",
                "gone-already.txt",
            ]))
            .expect("commit");
        assert_eq!(report.removed, ["old/deep/index.html"]);
        assert_eq!(report.files, ["keep.txt"]);
        assert!(!out.join("old").exists());
    }

    #[test]
    fn a_fresh_site_appears_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        let writer = SiteWriter::begin(&out).expect("begin");
        writer.put("a/index.html", b"a", "test").expect("put");
        assert!(!out.exists(), "nothing is published before commit");
        assert!(
            !writer.keep("b.html", "test").expect("keep"),
            "nothing to keep"
        );
        let report = writer.commit(None).expect("commit");
        assert_eq!(report.written, vec!["a/index.html"]);
        assert_eq!(read(&out.join("a/index.html")), "a");
    }

    #[test]
    fn abort_leaves_the_published_build_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        let writer = SiteWriter::begin(&out).expect("begin");
        writer.put("a.html", b"a", "test").expect("put");
        writer.commit(None).expect("commit");
        let writer = SiteWriter::begin(&out).expect("begin");
        writer.put("a.html", b"changed", "test").expect("put");
        writer
            .put("new/deep/index.html", b"new", "test")
            .expect("put");
        writer.abort();
        assert_eq!(read(&out.join("a.html")), "a");
        let left: Vec<_> = fs::read_dir(&out)
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(left, ["a.html"]);
    }

    #[test]
    fn an_interrupted_build_is_swept_by_the_next() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        let writer = SiteWriter::begin(&out).expect("begin");
        writer.put("a.html", b"a", "test").expect("put");
        writer.commit(None).expect("commit");
        // A build killed half way: its folder and a link never renamed.
        let interrupted = SiteWriter::begin(&out).expect("begin");
        interrupted.put("a.html", b"half", "test").expect("put");
        std::mem::forget(interrupted);
        let (builds, link) = siblings(&out);
        std::os::unix::fs::symlink("nowhere", &link).expect("link");
        assert_eq!(fs::read_dir(&builds).expect("list").count(), 2);

        let writer = SiteWriter::begin(&out).expect("begin");
        writer.put("a.html", b"b", "test").expect("put");
        writer.commit(None).expect("commit");
        assert_eq!(read(&out.join("a.html")), "b");
        assert!(!link.exists() && fs::symlink_metadata(&link).is_err());
        let left: Vec<String> = fs::read_dir(&builds)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        // The build before stays for readers that were in the middle of a file.
        assert_eq!(left.len(), 2, "{left:?}");
    }
}
