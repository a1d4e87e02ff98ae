//! The one place that writes the output folder.
//!
//! The output folder (`public`) is a symbolic link to one of two complete builds kept
//! beside it, `.public.builds/a` and `.public.builds/b`. A build brings the other one
//! (what the build before last left, or a half-made one if a build was killed) up to
//! date in place, unseen: a file the published build has with the same bytes becomes
//! a hard link to it, a changed one a new file, and whatever the site no longer has
//! goes. The builds folder records how the stale build differs from the published
//! one (the last build's changes), so a build after one edit touches those files and
//! its own, not every page; without that record every file is checked once. Once it
//! is complete and its new files are on disk, one rename points the link at it. A reader, and a build
//! killed at any moment, sees the old site or the new one, never a mix; a failed
//! build leaves the published one as it was.
//!
//! An output folder that is a plain folder (made by hand, or by an earlier version)
//! is the published build for the first build, and is then exchanged for the link.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread::JoinHandle;

use rayon::prelude::*;
use serde::Serialize;

use super::trees::{
    clear, files_under, make_parent, published, remove_empty_parents, same_file, siblings, Behind,
    BuildLock, BEHIND, TREES, UNSETTLED,
};
use super::{io_error, WriteError};

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
    /// Files left out: a path two parts of the site write, or one that would leave
    /// the folder. The rest of the site is published.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The paths a build has claimed: its files, and the folders they are in (a file
/// and a folder cannot share a path either).
#[derive(Default)]
struct Claims {
    files: HashSet<String>,
    folders: HashSet<String>,
    warnings: Vec<String>,
}

impl Claims {
    /// Takes `rel` for `what`; false, with a warning, when the path is taken or
    /// not one this folder may hold.
    fn claim(&mut self, rel: &str, what: &str) -> bool {
        if let Err(e) = confined(rel) {
            self.warnings.push(format!("{what} is left out: {e}"));
            return false;
        }
        let mut ancestors = rel.match_indices('/').map(|(at, _)| &rel[..at]);
        let taken = self.files.contains(rel)
            || self.folders.contains(rel)
            || ancestors.any(|folder| self.files.contains(folder));
        if taken {
            self.warnings.push(format!(
                "two parts of the site write {rel}: {what} is left out"
            ));
            return false;
        }
        for (at, _) in rel.match_indices('/') {
            self.folders.insert(rel[..at].to_owned());
        }
        self.files.insert(rel.to_owned());
        true
    }
}

/// Whether the build may write `rel`: plain segments that stay in the folder (the
/// rule of [`crate::disk::confine`]), or a hidden file at the top (the build's own
/// records, such as `.redirects.json`).
fn confined(rel: &str) -> Result<(), crate::disk::confine::PathError> {
    let plain = match rel.strip_prefix('.') {
        Some(rest) if !rest.contains('/') => rest,
        _ => rel,
    };
    crate::disk::confine::segments(plain).map(drop)
}

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
    claims: Mutex<Claims>,
    written: Mutex<Vec<String>>,
    stale: Stale,
    /// Whether new files are flushed to disk before the switch (not for a preview,
    /// which nobody publishes).
    durable: bool,
    /// One build at a time per output folder, across processes.
    _lock: BuildLock,
}

/// What is known of how the build being brought up to date differs from the
/// published one.
enum Stale {
    /// Only in these files: the changes of the last build, which made the published
    /// one from it. Every other file is already right.
    Behind(HashSet<String>),
    /// Nothing (a first build, or one after a build was killed): each file kept is
    /// checked, and what the folder holds is listed while the build renders; what
    /// the build does not claim goes at the commit.
    Unknown(Option<JoinHandle<Vec<String>>>),
}

impl SiteWriter {
    /// Starts a build into `out`.
    pub fn begin(out: &Path) -> Result<Self, WriteError> {
        let lock = BuildLock::take(out)?;
        let base = published(out)?;
        let (builds, link) = siblings(out);
        fs::create_dir_all(&builds).map_err(io_error(&builds))?;
        let _ = fs::remove_file(&link);
        let next_name = match &base {
            Some(base) if *base == builds.join(TREES[0]) => TREES[1],
            _ => TREES[0],
        };
        let next = builds.join(next_name);
        // Read before the build changes anything: from then on it no longer holds.
        let behind = fs::read(builds.join(BEHIND))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Behind>(&bytes).ok())
            .filter(|b| {
                b.build == next_name && base.as_ref().is_some_and(|b| b.starts_with(&builds))
            });
        // Anything else in the builds folder is not ours to keep.
        for entry in fs::read_dir(&builds).map_err(io_error(&builds))? {
            let path = entry.map_err(io_error(&builds))?.path();
            let ours =
                TREES.iter().any(|t| path == builds.join(t)) || path == builds.join(UNSETTLED);
            if !ours {
                clear(&path)?;
            }
        }
        // A file, or a link, where the build goes: start over.
        if fs::symlink_metadata(&next).is_ok_and(|m| !m.is_dir()) {
            clear(&next)?;
        }
        // The word that this build is behind is gone before the build is touched.
        crate::disk::atomic::sync_dir(&builds).map_err(io_error(&builds))?;
        fs::create_dir_all(&next).map_err(io_error(&next))?;
        let stale = match behind {
            Some(behind) => Stale::Behind(behind.files.into_iter().collect()),
            None => {
                let next = next.clone();
                // Tolerant: the build replaces files under it meanwhile. A file it
                // misses is a stray the next build finds.
                Stale::Unknown(Some(std::thread::spawn(move || {
                    walkdir::WalkDir::new(&next)
                        .min_depth(1)
                        .into_iter()
                        .filter_map(Result::ok)
                        .filter(|e| !e.file_type().is_dir())
                        .map(|e| crate::disk::relative_path(&next, e.path()))
                        .collect()
                })))
            }
        };
        Ok(Self {
            out: out.to_owned(),
            base,
            next,
            next_name,
            claims: Mutex::new(Claims::default()),
            written: Mutex::new(Vec::new()),
            stale,
            durable: true,
            _lock: lock,
        })
    }

    /// This build's new files need not survive a power cut (a preview's).
    pub fn scratch(mut self) -> Self {
        self.durable = false;
        self
    }

    /// Adds the file `rel` (a relative path with `/`) to the site; `what` names its
    /// origin in the warning when two parts of the site claim the same path (the
    /// second is left out) or the path would leave the folder.
    pub fn put(&self, rel: &str, bytes: &[u8], what: &str) -> Result<(), WriteError> {
        if let Some(base) = self.base.as_ref().filter(|_| confined(rel).is_ok()) {
            if crate::disk::atomic::same_content(&base.join(rel), bytes) && self.keep(rel, what)? {
                return Ok(());
            }
        }
        if !self.claim(rel, what) {
            return Ok(());
        }
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
    /// it then, or `put` leaves it out); true when it is kept, or left out with a
    /// warning because another part of the site has the path.
    pub fn keep(&self, rel: &str, what: &str) -> Result<bool, WriteError> {
        // A path out of the folder is never looked up: `put` names it in a warning.
        let base = self.base.as_ref().filter(|_| confined(rel).is_ok());
        let Some(published) = base.map(|b| b.join(rel)) else {
            return Ok(false);
        };
        // The same as the published file already: nothing to touch.
        let current = matches!(&self.stale, Stale::Behind(behind) if !behind.contains(rel));
        let target = self.next.join(rel);
        let linked = current || same_file(&published, &target);
        if !linked && !published.is_file() {
            return Ok(false);
        }
        if !self.claim(rel, what) {
            return Ok(true);
        }
        if !linked {
            clear(&target)?;
            make_parent(&target)?;
            if fs::hard_link(&published, &target).is_err() {
                // Another file system, or one without links: a copy does as well.
                fs::copy(&published, &target).map_err(io_error(&published))?;
            }
        }
        Ok(true)
    }

    /// Adds a copy of the file `source` as `rel`.
    pub fn copy(&self, rel: &str, source: &Path, what: &str) -> Result<(), WriteError> {
        let bytes = fs::read(source).map_err(io_error(source))?;
        self.put(rel, &bytes, what)
    }

    /// Notes a part of the site the build left out, for the report.
    pub fn warn(&self, warning: String) {
        self.claims
            .lock()
            .expect("no panic while holding the lock")
            .warnings
            .push(warning);
    }

    fn claim(&self, rel: &str, what: &str) -> bool {
        self.claims
            .lock()
            .expect("no panic while holding the lock")
            .claim(rel, what)
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
        let claims =
            std::mem::take(&mut *self.claims.lock().expect("no panic while holding the lock"));
        let (seen, mut warnings) = (claims.files, claims.warnings);
        // The files of the published build: as the last build listed them, or found.
        let published: Vec<String> = match (&self.base, last.filter(|l| !l.is_empty())) {
            (None, _) => Vec::new(),
            (Some(_), Some(last)) => last.iter().map(|rel| (*rel).to_owned()).collect(),
            (Some(base), None) => files_under(base)?,
        };
        // What the build folder holds from before: the published files and those it
        // differs in, or what was found there.
        let before: HashSet<String> = match &mut self.stale {
            Stale::Behind(behind) => behind.iter().chain(&published).cloned().collect(),
            Stale::Unknown(listing) => listing
                .take()
                .expect("listed once")
                .join()
                .expect("listing does not panic")
                .into_iter()
                .collect(),
        };
        for rel in before.iter().filter(|rel| !seen.contains(*rel)) {
            // A file the site no longer has; a folder there now is this build's.
            let path = self.next.join(rel);
            if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
                clear(&path)?;
                remove_empty_parents(&self.next, &path);
            }
        }
        let base = self.base.as_deref();
        let mut removed: Vec<String> = published
            .into_iter()
            .filter(|rel| !seen.contains(rel) && base.is_some_and(|b| b.join(rel).is_file()))
            .collect();
        if self.durable {
            self.flush(&written)?;
        }
        let (builds, _) = siblings(&self.out);
        crate::disk::atomic::write(&builds.join(UNSETTLED), b"").map_err(io_error(&builds))?;
        self.switch()?;
        self.note_behind(&written, &removed);
        written.sort();
        removed.sort();
        warnings.sort();
        Ok(WriteReport {
            unchanged: seen.len() - written.len(),
            written,
            removed,
            files: seen.into_iter().collect(),
            warnings,
        })
    }

    /// Notes that the build just replaced differs from the new one in `written` and
    /// `removed` only, which spares the next build checking every other file. Not
    /// noted (an error, or a plain folder replaced), the next build checks them all.
    fn note_behind(&self, written: &[String], removed: &[String]) {
        let (builds, _) = siblings(&self.out);
        let Some(other) = TREES.iter().find(|t| **t != self.next_name) else {
            return;
        };
        if self.base.as_ref() != Some(&builds.join(other)) {
            return;
        }
        let behind = Behind {
            build: (*other).to_owned(),
            files: written.iter().chain(removed).cloned().collect(),
        };
        // Not flushed: lost or torn in a power cut, the next build checks every file.
        let json = serde_json::to_vec(&behind).expect("a list serializes");
        let (temp, path) = (builds.join(".behind.json"), builds.join(BEHIND));
        if let Err(e) = fs::write(&temp, json).and_then(|()| fs::rename(&temp, &path)) {
            tracing::debug!("{}: {e}", path.display());
        }
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
        crate::disk::atomic::sync_dir(parent.unwrap_or(Path::new("."))).map_err(io_error(&self.out))
    }

    /// Drops the build, leaving the published one as it was (the half-made one is
    /// brought up to date by the next build).
    pub fn abort(mut self) {
        if let Stale::Unknown(listing) = &mut self.stale {
            if let Some(listing) = listing.take() {
                let _ = listing.join();
            }
        }
    }
}
