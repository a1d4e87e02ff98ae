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

/// Copies of `media` at the addresses Ghost served them from, for a site whose
/// redirects send those addresses here (`redirects.yaml` has [`GHOST_MEDIA`]'s rule,
/// which a Ghost import writes): `/content/images/a.jpg` for `images/a.jpg`, and each
/// resized address with a plain redirect to a file (`/content/images/size/w600/a.jpg`
/// -> `/images/a.jpg`). A bucket or a CDN cannot answer patterns, and a redirect page
/// at an image's address is a broken image: the file itself answers on any host.
///
/// [`GHOST_MEDIA`]: super::redirects::GHOST_MEDIA
pub fn at_old_addresses(media: &[Media], rules: &[super::redirects::Redirect]) -> Vec<Media> {
    let (pattern, _) = super::redirects::GHOST_MEDIA[1];
    if !rules.iter().any(|r| r.from == pattern) {
        return Vec::new();
    }
    let by_rel: std::collections::HashMap<&str, &Media> =
        media.iter().map(|m| (m.rel.as_str(), m)).collect();
    let copy = |rel: String, of: &Media| Media {
        rel,
        source: of.source.clone(),
        stamp: of.stamp.clone(),
    };
    let mut copies: Vec<Media> = media
        .iter()
        .filter(|m| {
            ["images/", "files/", "media/"]
                .iter()
                .any(|p| m.rel.starts_with(p))
        })
        .map(|m| copy(format!("content/{}", m.rel), m))
        .collect();
    let mut seen: std::collections::HashSet<String> =
        copies.iter().map(|m| m.rel.clone()).collect();
    for rule in rules {
        let Some(from) = rule.plain_path() else {
            continue;
        };
        // Files have their decoded names (`a%20b.jpg` is `a b.jpg`).
        let decoded = |path: &str| {
            let path = path.trim_start_matches('/');
            crate::disk::confine::decoded(path).unwrap_or_else(|| path.to_owned())
        };
        let (from, to) = (decoded(&from), decoded(&rule.to));
        let is_file = !from.ends_with('/') && !by_rel.contains_key(from.as_str());
        if let (true, Some(of)) = (is_file, by_rel.get(to.as_str())) {
            if from.starts_with("content/") && seen.insert(from.clone()) {
                copies.push(copy(from, of));
            }
        }
    }
    copies
}
