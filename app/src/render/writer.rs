//! The one place that writes the output folder.
//!
//! The output folder (`public`) is a symbolic link to one of two complete builds kept
//! beside it, `.public.builds/a` and `.public.builds/b`. A build brings the other one
//! (what the build before last left, or a half-made one if a build was killed) up to
//! date in place, unseen: a file the published build has with the same bytes becomes
//! a hard link to it, a changed one a new file, and whatever the site no longer has
//! goes. A file already linked to the published one costs two `stat`s, so a build
//! after one edit touches a few files, not every page. Once it is complete and its
//! new files are on disk, one rename points the link at it. A reader, and a build
//! killed at any moment, sees the old site or the new one, never a mix; a failed
//! build leaves the published one as it was.
//!
//! An output folder that is a plain folder (made by hand, or by an earlier version)
//! is the published build for the first build, and is then exchanged for the link.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;

use rayon::prelude::*;
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

/// The two builds the link switches between.
const TREES: [&str; 2] = ["a", "b"];

/// Up to this many new files are flushed one by one; more, by one flush of the file
/// system (which also waits for whatever else is writing there).
const FLUSH_EACH_MAX: usize = 512;

pub struct SiteWriter {
    out: PathBuf,
    /// The published build, if there is one: what unchanged files link to.
    base: Option<PathBuf>,
    /// The build being brought up to date.
    next: PathBuf,
    /// Its name in the builds folder, which the link will point at.
    next_name: &'static str,
    seen: Mutex<HashSet<String>>,
    written: Mutex<Vec<String>>,
    /// The files `next` holds from before, listed while the build renders: those the
    /// build does not claim go at the commit.
    listing: Option<JoinHandle<Vec<String>>>,
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

/// Whether `a` and `b` are the same file (hard links to one inode).
fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::symlink_metadata(a), fs::symlink_metadata(b)) {
        (Ok(a), Ok(b)) => a.is_file() && a.ino() == b.ino() && a.dev() == b.dev(),
        _ => false,
    }
}

/// Removes whatever is at `path` (a file, or a folder where a file goes).
fn clear(path: &Path) -> Result<(), WriteError> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path).map_err(io_error(path)),
        Ok(_) => fs::remove_file(path).map_err(io_error(path)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error(path)(e)),
    }
}

impl SiteWriter {
    /// Starts a build into `out`.
    pub fn begin(out: &Path) -> Result<Self, WriteError> {
        let base = published(out)?;
        let (builds, link) = siblings(out);
        fs::create_dir_all(&builds).map_err(io_error(&builds))?;
        let _ = fs::remove_file(&link);
        let next_name = match &base {
            Some(base) if *base == builds.join(TREES[0]) => TREES[1],
            _ => TREES[0],
        };
        let next = builds.join(next_name);
        // Anything else in the builds folder is not ours to keep.
        for entry in fs::read_dir(&builds).map_err(io_error(&builds))? {
            let path = entry.map_err(io_error(&builds))?.path();
            let ours = TREES.iter().any(|t| path == builds.join(t));
            if !ours {
                clear(&path)?;
            }
        }
        // A file, or a link, where the build goes: start over.
        if fs::symlink_metadata(&next).is_ok_and(|m| !m.is_dir()) {
            clear(&next)?;
        }
        fs::create_dir_all(&next).map_err(io_error(&next))?;
        let listing = {
            let next = next.clone();
            // Tolerant: the build replaces files under it meanwhile. A file it misses
            // is a stray the next build finds.
            Some(std::thread::spawn(move || {
                walkdir::WalkDir::new(&next)
                    .min_depth(1)
                    .into_iter()
                    .filter_map(Result::ok)
                    .filter(|e| !e.file_type().is_dir())
                    .map(|e| crate::content::relative_path(&next, e.path()))
                    .collect()
            }))
        };
        Ok(Self {
            out: out.to_owned(),
            base,
            next,
            next_name,
            seen: Mutex::new(HashSet::new()),
            written: Mutex::new(Vec::new()),
            listing,
        })
    }

    /// Adds the file `rel` (a relative path with `/`) to the site; `what` names its
    /// origin in the error when two parts of the site claim the same path.
    pub fn put(&self, rel: &str, bytes: &[u8], what: &str) -> Result<(), WriteError> {
        if let Some(base) = &self.base {
            if same_content(&base.join(rel), bytes) && self.keep(rel, what)? {
                return Ok(());
            }
        }
        self.claim(rel, what)?;
        let target = self.next.join(rel);
        // Never written through: the file there may be a link to the published one.
        clear(&target)?;
        make_parent(&target)?;
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
        if !same_file(&published, &target) {
            if !published.is_file() {
                return Ok(false);
            }
            clear(&target)?;
            make_parent(&target)?;
            if fs::hard_link(&published, &target).is_err() {
                // Another file system, or one without links: a copy does as well.
                fs::copy(&published, &target).map_err(io_error(&published))?;
            }
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

    /// Publishes the build: drops what it no longer has, flushes its new files to
    /// disk and points the output folder at it. `last` lists the files of the previous
    /// build into this folder when it is known, which spares walking the published
    /// build to report what went.
    pub fn commit(mut self, last: Option<&[&str]>) -> Result<WriteReport, WriteError> {
        let mut written = std::mem::take(
            &mut *self
                .written
                .lock()
                .expect("no panic while holding the lock"),
        );
        let seen = std::mem::take(&mut *self.seen.lock().expect("no panic while holding the lock"));
        let before = self
            .listing
            .take()
            .expect("listed once")
            .join()
            .expect("listing does not panic");
        for rel in before.iter().filter(|rel| !seen.contains(*rel)) {
            let path = self.next.join(rel);
            clear(&path)?;
            remove_empty_parents(&self.next, &path);
        }
        let mut removed: Vec<String> = match (&self.base, last.filter(|l| !l.is_empty())) {
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
        self.flush(&written)?;
        self.switch()?;
        written.sort();
        removed.sort();
        Ok(WriteReport {
            unchanged: seen.len() - written.len(),
            written,
            removed,
            files: seen.into_iter().collect(),
        })
    }

    /// Puts the new files on disk before anything points at them. The folders they
    /// are in need no flush of their own: journaled file systems (ext4, XFS) commit
    /// metadata in order, so the link's rename is never on disk without them.
    fn flush(&self, written: &[String]) -> Result<(), WriteError> {
        if written.len() > FLUSH_EACH_MAX {
            let dir = fs::File::open(&self.next).map_err(io_error(&self.next))?;
            return rustix::fs::syncfs(&dir).map_err(|e| io_error(&self.next)(e.into()));
        }
        written.par_iter().try_for_each(|rel| {
            let path = self.next.join(rel);
            fs::File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(io_error(&path))
        })
    }

    /// Points the output folder at the new build, in one rename.
    fn switch(&self) -> Result<(), WriteError> {
        let (builds, link) = siblings(&self.out);
        let builds_name = builds.file_name().unwrap_or_default();
        let target = Path::new(builds_name).join(self.next_name);
        std::os::unix::fs::symlink(&target, &link).map_err(io_error(&link))?;
        let is_folder = fs::symlink_metadata(&self.out).is_ok_and(|m| m.is_dir());
        if is_folder {
            // A plain folder cannot be renamed over: exchange it with the link, then
            // move it in as the other build, which the next build brings up to date.
            let other = TREES.iter().find(|t| **t != self.next_name).expect("two");
            let old = builds.join(other);
            clear(&old)?;
            let exchanged = rustix::fs::renameat_with(
                rustix::fs::CWD,
                &link,
                rustix::fs::CWD,
                &self.out,
                rustix::fs::RenameFlags::EXCHANGE,
            );
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

    /// Drops the build, leaving the published one as it was (the half-made one is
    /// brought up to date by the next build).
    pub fn abort(mut self) {
        if let Some(listing) = self.listing.take() {
            let _ = listing.join();
        }
    }
}

/// Makes the folder `target` goes in. In the build being brought up to date, a file
/// may stand where a folder now goes (a page that became a folder): it goes.
fn make_parent(target: &Path) -> Result<(), WriteError> {
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
fn remove_empty_parents(root: &Path, path: &Path) {
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
        // A build killed half way: a changed file, a stray one, a link never renamed.
        let interrupted = SiteWriter::begin(&out).expect("begin");
        interrupted.put("a.html", b"half", "test").expect("put");
        interrupted
            .put("stray.html", b"stray", "test")
            .expect("put");
        std::mem::forget(interrupted);
        let (builds, link) = siblings(&out);
        std::os::unix::fs::symlink("nowhere", &link).expect("link");
        fs::create_dir_all(builds.join("7")).expect("a folder not ours");

        let writer = SiteWriter::begin(&out).expect("begin");
        writer.put("a.html", b"b", "test").expect("put");
        writer.commit(None).expect("commit");
        assert_eq!(read(&out.join("a.html")), "b");
        assert!(!out.join("stray.html").exists());
        assert!(fs::symlink_metadata(&link).is_err());
        let mut left: Vec<String> = fs::read_dir(&builds)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["a", "b"]);
    }

    #[test]
    fn a_file_that_became_a_folder_and_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        for round in 0..4 {
            let writer = SiteWriter::begin(&out).expect("begin");
            if round % 2 == 0 {
                writer.put("x", b"file", "test").expect("put");
            } else {
                writer.put("x/index.html", b"folder", "test").expect("put");
            }
            writer.commit(None).expect("commit");
            let expected = if round % 2 == 0 { "x" } else { "x/index.html" };
            assert_eq!(common_files(&out), [expected], "round {round}");
        }
    }

    fn common_files(out: &Path) -> Vec<String> {
        files_under(&fs::canonicalize(out).expect("resolve")).expect("files")
    }
}
