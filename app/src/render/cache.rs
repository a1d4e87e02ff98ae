//! Rendered post bodies kept on disk between builds, keyed by the hash of the Markdown
//! (its [`Digest`](crate::store::posts::Digest)) and the renderer's version. Markdown
//! and build-time highlighting are most of a build's work; with the cache warm, a full
//! build only runs the templates, and reads no body from the store.
//!
//! The cache is an optimisation, never a source of truth: a missing, unreadable or
//! unwritable entry is rendered again.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct BodyCache {
    dir: PathBuf,
    used: Mutex<HashSet<String>>,
}

impl BodyCache {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
            used: Mutex::new(HashSet::new()),
        }
    }

    /// Where the HTML of the body whose Markdown hashes to `body_hash` is kept; the
    /// entry counts as used by this build.
    fn entry(&self, body_hash: &str) -> PathBuf {
        let mut hasher = blake3::Hasher::new();
        hasher.update(super::markdown::VERSION.as_bytes());
        hasher.update(body_hash.as_bytes());
        let key = hasher.finalize().to_hex().to_string();
        let path = self.dir.join(&key[..2]).join(format!("{}.html", &key[2..]));
        self.used
            .lock()
            .expect("no panic while holding the lock")
            .insert(key);
        path
    }

    /// The cached HTML of the body whose Markdown hashes to `body_hash`.
    pub fn get(&self, body_hash: &str) -> Option<String> {
        fs::read_to_string(self.entry(body_hash)).ok()
    }

    /// Keeps `html`, the body whose Markdown hashes to `body_hash`.
    pub fn put(&self, body_hash: &str, html: &str) {
        let path = self.entry(body_hash);
        if let Err(e) = store(&path, html) {
            tracing::debug!("cannot cache a rendered body in {}: {e}", path.display());
        }
    }

    /// Removes entries no body of this build used: after a full build, that is every
    /// entry of edited, deleted or unpublished posts.
    pub fn prune(&self) {
        let used = self.used.lock().expect("no panic while holding the lock");
        for entry in walkdir::WalkDir::new(&self.dir)
            .min_depth(2)
            .max_depth(2)
            .into_iter()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy();
            let prefix = entry
                .path()
                .parent()
                .and_then(Path::file_name)
                .map(|p| p.to_string_lossy());
            let key = format!(
                "{}{}",
                prefix.unwrap_or_default(),
                name.trim_end_matches(".html")
            );
            if !used.contains(&key) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// Writes an entry through a temporary file, so a reader never sees half of one.
fn store(path: &Path, html: &str) -> std::io::Result<()> {
    let dir = path.parent().expect("entries live in a folder");
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{:?}.tmp",
        std::process::id(),
        std::thread::current().id()
    ));
    fs::write(&tmp, html)?;
    fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_misses_and_pruning() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = BodyCache::new(dir.path());
        assert_eq!(cache.get("abc"), None);
        cache.put("abc", "<p>a</p>");
        assert_eq!(cache.get("abc").as_deref(), Some("<p>a</p>"));
        assert_eq!(cache.get("abd"), None);
        let entries = || {
            walkdir::WalkDir::new(dir.path())
                .min_depth(2)
                .into_iter()
                .count()
        };
        assert_eq!(entries(), 1);

        let next = BodyCache::new(dir.path());
        next.put("other", "<p>o</p>");
        next.prune();
        assert_eq!(entries(), 1, "the unused entry is gone, the used one stays");
        assert_eq!(next.get("other").as_deref(), Some("<p>o</p>"));
    }
}
