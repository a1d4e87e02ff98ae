//! The fingerprint of everything a build reads: when it equals the last build's for
//! the same output folder, a publish has nothing to do.

use std::path::Path;

use chrono::Utc;

use super::{Paths, PublishError, Site};
use crate::config::SiteConfig;
use crate::render::media::{self, Media};
use crate::render::ThemeSource;

/// What a build's pages are made with besides the store: the renderer, the
/// configuration, drafts or not, and `theme` (what [`files`] hashed).
pub fn frame(config: &SiteConfig, drafts: bool, theme: blake3::Hash) -> String {
    let config = serde_json::to_string(config).expect("the config serializes");
    let mut hasher = blake3::Hasher::new();
    // A renderer that makes different pages from the same inputs renders again.
    hasher.update(crate::render::site::RENDERER_KEY.as_bytes());
    hasher.update(crate::render::markdown::VERSION.as_bytes());
    hasher.update(&[u8::from(drafts)]);
    hasher.update(config.as_bytes());
    hasher.update(theme.as_bytes());
    hasher.finalize().to_hex().to_string()
}

/// The fingerprint of a build of `site` with `frame` and `media` right now.
pub async fn of_build(site: &Site, frame: &str, media: &[Media]) -> Result<String, PublishError> {
    let version = site.store.version().await?;
    // A scheduled post coming due changes the site without any write to the store.
    let due = site.store.due_count(Utc::now()).await?;
    let mut hasher = blake3::Hasher::new();
    hasher.update(frame.as_bytes());
    hasher.update(&version.to_le_bytes());
    hasher.update(&due.to_le_bytes());
    // Images and other files copied from content/: names, sizes and times suffice.
    for file in media {
        hasher.update(file.rel.as_bytes());
        hasher.update(file.stamp.as_bytes());
    }
    Ok(hasher.finalize().to_hex().to_string())
}

/// Hashes the theme and the template overrides, and finds the files of `content/` a
/// build copies, on a blocking thread: a publish starts it before its import, so the
/// two walks of `content/` run side by side.
pub fn files(paths: &Paths) -> tokio::task::JoinHandle<(blake3::Hash, Vec<Media>)> {
    let paths = paths.clone();
    tokio::task::spawn_blocking(move || {
        let mut hasher = blake3::Hasher::new();
        match &paths.theme {
            ThemeSource::Dir(dir) => hash_tree(&mut hasher, dir),
            ThemeSource::Embedded => {
                hasher.update(b"embedded theme");
            }
        }
        hash_tree(&mut hasher, &paths.templates);
        (hasher.finalize(), media::find(&paths.content))
    })
}

/// Adds the files under `dir` (not Markdown: the store has those) and their contents
/// to `hasher`.
fn hash_tree(hasher: &mut blake3::Hasher, dir: &Path) {
    for entry in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if !entry.file_type().is_file() || entry.file_name().to_string_lossy().ends_with(".md") {
            continue;
        }
        hasher.update(entry.path().to_string_lossy().as_bytes());
        if let Ok(bytes) = std::fs::read(entry.path()) {
            hasher.update(&bytes);
        }
    }
}
