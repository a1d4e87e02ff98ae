//! Rendered post bodies kept on disk between builds, keyed by a hash of the Markdown
//! and of the renderer's version. Markdown and build-time highlighting are most of a
//! build's work; with the cache warm, a full build only runs the templates.
//!
//! The cache is an optimisation, never a source of truth: a missing, unreadable or
//! unwritable entry is rendered again.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::markdown;

/// Changes whenever the HTML the renderer makes from Markdown may change.
const RENDERER_KEY: &str = concat!("folio ", env!("CARGO_PKG_VERSION"), " markdown v1");

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

    /// The HTML of `markdown`, from the cache or freshly rendered (and then cached).
    pub fn html(&self, source: &str) -> String {
        let mut hasher = blake3::Hasher::new();
        hasher.update(RENDERER_KEY.as_bytes());
        hasher.update(source.as_bytes());
        let key = hasher.finalize().to_hex().to_string();
        let path = self.dir.join(&key[..2]).join(format!("{}.html", &key[2..]));
        self.used
            .lock()
            .expect("no panic while holding the lock")
            .insert(key);
        if let Ok(html) = fs::read_to_string(&path) {
            return html;
        }
        let html = markdown::to_html(source);
        if let Err(e) = store(&path, &html) {
            tracing::debug!("cannot cache a rendered body in {}: {e}", path.display());
        }
        html
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
        let first = cache.html("# Hi\n\n```rust\nfn a() {}\n```\n");
        assert_eq!(
            first,
            markdown::to_html("# Hi\n\n```rust\nfn a() {}\n```\n")
        );
        let entries = || {
            walkdir::WalkDir::new(dir.path())
                .min_depth(2)
                .into_iter()
                .count()
        };
        assert_eq!(entries(), 1);
        // A cached entry is what is served, even if it was tampered with.
        let file = walkdir::WalkDir::new(dir.path())
            .min_depth(2)
            .into_iter()
            .flatten()
            .next()
            .expect("an entry");
        fs::write(file.path(), "<p>cached</p>").expect("write");
        assert_eq!(
            cache.html("# Hi\n\n```rust\nfn a() {}\n```\n"),
            "<p>cached</p>"
        );

        let next = BodyCache::new(dir.path());
        next.html("other");
        next.prune();
        assert_eq!(entries(), 1, "the unused entry is gone, the used one stays");
    }
}
