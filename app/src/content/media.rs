//! Files of `content/` other than Markdown (images, downloads), copied into the site
//! as they are. Each is keyed by its size and modification time, so a publish copies
//! only those that changed since the last build.

use std::path::{Path, PathBuf};

/// One file to copy.
#[derive(Debug, Clone)]
pub struct Media {
    /// Where it goes in the site, relative, with `/`.
    pub rel: String,
    pub source: PathBuf,
    /// See [`crate::disk::file_stamp`].
    pub stamp: String,
}

impl Media {
    /// What the page keys hold for this file.
    pub fn key(&self) -> String {
        format!("media {}", self.stamp)
    }
}

/// Every file under `dir` except Markdown, hidden files and folders and the site's
/// data at its top (`redirects.yaml`, `tags.yaml`..., read by the build, never
/// published), sorted; none when `dir` does not exist.
pub fn find(dir: &Path) -> Vec<Media> {
    let mut found: Vec<Media> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && !e.file_name().to_string_lossy().ends_with(".md"))
        .filter(|e| {
            let name = e.file_name().to_string_lossy();
            !(e.depth() == 1 && super::SITE_DATA.contains(&name.as_ref()))
        })
        .filter_map(|e| {
            let stamp = crate::disk::file_stamp(&e.metadata().ok()?);
            Some(Media {
                rel: crate::disk::relative_path(dir, e.path()),
                source: e.into_path(),
                stamp,
            })
        })
        .collect();
    // Sorted here rather than by walkdir, which takes names apart for every comparison.
    found.sort_unstable_by(|a, b| a.rel.cmp(&b.rel));
    found
}
