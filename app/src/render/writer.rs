//! The one place that writes the output folder.
//!
//! A build puts every file into a [`SiteWriter`]. Into an empty (or missing) folder,
//! the whole site is written to a staging folder beside it, which becomes the output
//! folder by one rename. Into a published folder, only files whose bytes differ are
//! written, each as a hidden temporary file beside its final name; when the whole build
//! succeeded, [`SiteWriter::commit`] renames them into place (assets first, then pages,
//! then feeds) and removes files the site no longer has. A failed build leaves the
//! published folder as it was, and a reader never sees half a file.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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

/// The suffix of a changed file before it is renamed into place.
const TEMP_SUFFIX: &str = ".folio-tmp";

pub struct SiteWriter {
    out: PathBuf,
    /// Some(folder) when building a fresh site into a staging folder.
    staging: Option<PathBuf>,
    seen: Mutex<HashSet<String>>,
    staged: Mutex<Vec<String>>,
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_owned(),
        source,
    }
}

/// `dir/name` -> `dir/.name.folio-tmp`.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}{TEMP_SUFFIX}"))
}

impl SiteWriter {
    /// Starts a build into `out`.
    pub fn begin(out: &Path) -> Result<Self, WriteError> {
        let empty = match fs::read_dir(out) {
            Ok(mut entries) => entries.next().is_none(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => true,
            Err(e) => return Err(io_error(out)(e)),
        };
        let staging = if empty {
            let name = out
                .file_name()
                .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
            let staging = out.with_file_name(format!(".{name}.staging"));
            if staging.exists() {
                fs::remove_dir_all(&staging).map_err(io_error(&staging))?;
            }
            fs::create_dir_all(&staging).map_err(io_error(&staging))?;
            Some(staging)
        } else {
            None
        };
        Ok(Self {
            out: out.to_owned(),
            staging,
            seen: Mutex::new(HashSet::new()),
            staged: Mutex::new(Vec::new()),
        })
    }

    /// Adds the file `rel` (a relative path with `/`) to the site; `what` names its
    /// origin in the error when two parts of the site claim the same path.
    pub fn put(&self, rel: &str, bytes: &[u8], what: &str) -> Result<(), WriteError> {
        self.claim(rel, what)?;
        let target = match &self.staging {
            Some(staging) => staging.join(rel),
            None => {
                let published = self.out.join(rel);
                if same_content(&published, bytes) {
                    return Ok(());
                }
                temp_path(&published)
            }
        };
        if let Some(dir) = target.parent() {
            fs::create_dir_all(dir).map_err(io_error(dir))?;
        }
        fs::write(&target, bytes).map_err(io_error(&target))?;
        self.staged
            .lock()
            .expect("no panic while holding the lock")
            .push(rel.to_owned());
        Ok(())
    }

    /// Whether `rel` is in the published folder now (never, when building a fresh one).
    pub fn is_published(&self, rel: &str) -> bool {
        self.staging.is_none() && self.out.join(rel).is_file()
    }

    /// Keeps the published file `rel` as it is, as part of this build.
    pub fn keep(&self, rel: &str, what: &str) -> Result<(), WriteError> {
        self.claim(rel, what)
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

    /// Publishes the build: new or changed files in place, stale files removed. `last`
    /// lists the files of the previous build into this folder when it is known: stale
    /// files are among them, which spares walking the whole folder (files put there by
    /// anything else then stay until a build without `last`).
    pub fn commit(self, last: Option<&[&str]>) -> Result<WriteReport, WriteError> {
        let mut staged = self
            .staged
            .into_inner()
            .expect("no panic while holding the lock");
        let seen = self
            .seen
            .into_inner()
            .expect("no panic while holding the lock");
        let mut removed = Vec::new();
        if let Some(staging) = &self.staging {
            // The output folder is empty or missing: the whole site appears at once,
            // unless the empty folder cannot be replaced (a mount point): then it is
            // filled entry by entry.
            if !self.out.exists() || fs::remove_dir(&self.out).is_ok() {
                fs::rename(staging, &self.out).map_err(io_error(&self.out))?;
            } else {
                for entry in fs::read_dir(staging).map_err(io_error(staging))? {
                    let entry = entry.map_err(io_error(staging))?;
                    let to = self.out.join(entry.file_name());
                    fs::rename(entry.path(), &to).map_err(io_error(&to))?;
                }
                let _ = fs::remove_dir(staging);
            }
        } else {
            // Assets before the pages that use them, feeds and sitemap last, so a reader
            // of the live folder never follows a link to a file not yet there.
            staged.sort_by(|a, b| (publish_order(a), a).cmp(&(publish_order(b), b)));
            for rel in &staged {
                let to = self.out.join(rel);
                fs::rename(temp_path(&to), &to).map_err(io_error(&to))?;
            }
            removed = match last.filter(|l| !l.is_empty()) {
                Some(last) => remove_listed(&self.out, last, &seen)?,
                None => remove_stale(&self.out, &seen)?,
            };
        }
        staged.sort();
        Ok(WriteReport {
            unchanged: seen.len() - staged.len(),
            written: staged,
            removed,
            files: seen.into_iter().collect(),
        })
    }
}

/// Removes the files of `last` not in `seen`, and folders they leave empty.
fn remove_listed(
    out: &Path,
    last: &[&str],
    seen: &HashSet<String>,
) -> Result<Vec<String>, WriteError> {
    let mut removed = Vec::new();
    for rel in last.iter().filter(|rel| !seen.contains(**rel)) {
        let path = out.join(rel);
        match fs::remove_file(&path) {
            Ok(()) => removed.push((*rel).to_owned()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_error(&path)(e)),
        }
        remove_empty_parents(out, &path);
    }
    removed.sort();
    Ok(removed)
}

/// Removes the folders above `path` (up to `out`, not included) that are empty.
fn remove_empty_parents(out: &Path, path: &Path) {
    let mut dir = path.parent();
    while let Some(d) = dir.filter(|d| *d != out) {
        // Only succeeds when empty, which is what we want.
        if fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Removes every file under `out` that is not in `seen`, and folders left empty.
fn remove_stale(out: &Path, seen: &HashSet<String>) -> Result<Vec<String>, WriteError> {
    let mut removed = Vec::new();
    for entry in walkdir::WalkDir::new(out).min_depth(1).contents_first(true) {
        let entry = entry.map_err(|e| WriteError::Io {
            path: out.to_owned(),
            source: e.into(),
        })?;
        let rel = crate::content::relative_path(out, entry.path());
        if entry.file_type().is_dir() {
            // Only succeeds when empty, which is what we want.
            let _ = fs::remove_dir(entry.path());
        } else if !seen.contains(&rel) {
            fs::remove_file(entry.path()).map_err(io_error(entry.path()))?;
            // Leftovers of an interrupted build are not part of the site.
            if !rel.ends_with(TEMP_SUFFIX) {
                removed.push(rel);
            }
        }
    }
    removed.sort();
    Ok(removed)
}

impl SiteWriter {
    /// Drops the build, leaving the published folder as it was.
    pub fn abort(self) {
        match &self.staging {
            Some(staging) => {
                let _ = fs::remove_dir_all(staging);
            }
            None => {
                for rel in self
                    .staged
                    .into_inner()
                    .expect("no panic while holding the lock")
                {
                    let path = self.out.join(&rel);
                    let _ = fs::remove_file(temp_path(&path));
                    // Folders made for new pages go again when they are left empty.
                    remove_empty_parents(&self.out, &path);
                }
            }
        }
    }
}

fn publish_order(rel: &str) -> u8 {
    if rel.ends_with(".html") {
        1
    } else if rel.ends_with(".xml") || rel.ends_with(".txt") {
        2
    } else {
        0
    }
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

    #[test]
    fn commit_writes_changed_keeps_unchanged_removes_stale() {
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
        assert!(!out.join("old").exists());
        assert!(!out.join("new/.index.html.folio-tmp").exists());
    }

    #[test]
    fn with_the_last_file_list_only_listed_files_go() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        fs::create_dir_all(out.join("old/deep")).expect("mkdir");
        fs::write(out.join("old/deep/index.html"), "stale").expect("write");
        fs::write(out.join("keep.txt"), "keep").expect("write");
        fs::write(out.join("foreign.txt"), "not ours").expect("write");
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
        assert!(!out.join("old").exists(), "folders left empty go too");
        assert!(
            out.join("foreign.txt").exists(),
            "unlisted files are not looked for"
        );
    }

    #[test]
    fn a_fresh_site_appears_at_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        let writer = SiteWriter::begin(&out).expect("begin");
        writer.put("a/index.html", b"a", "test").expect("put");
        assert!(!out.exists(), "nothing is published before commit");
        let report = writer.commit(None).expect("commit");
        assert_eq!(report.written, vec!["a/index.html"]);
        assert_eq!(
            fs::read_to_string(out.join("a/index.html")).expect("read"),
            "a"
        );
        assert!(!dir.path().join(".public.staging").exists());
    }

    #[test]
    fn abort_leaves_the_folder_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        fs::create_dir_all(&out).expect("mkdir");
        fs::write(out.join("a.html"), "a").expect("write");
        let writer = SiteWriter::begin(&out).expect("begin");
        writer.put("a.html", b"changed", "test").expect("put");
        writer
            .put("new/deep/index.html", b"new", "test")
            .expect("put");
        writer.abort();
        assert_eq!(fs::read_to_string(out.join("a.html")).expect("read"), "a");
        let left: Vec<_> = fs::read_dir(&out)
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(left, ["a.html"]);
    }
}
