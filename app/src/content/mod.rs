//! Markdown files <-> the store: front matter parsing, `folio import`, `folio export`.

mod author_entry;
mod carry;
pub mod export;
mod front_errors;
pub mod frontmatter;
pub mod import;
pub mod media;
pub mod post_file;
pub mod push_plan;
pub mod redirects;
pub mod save;
mod scan;
pub mod site_files;

use std::path::{Path, PathBuf};

use crate::store::StoreError;

pub use export::export_dir;
pub use import::{import_dir, ImportReport};

/// The files of `content/` a push from CI may carry (`folio publish --remote`):
/// Markdown and the raster images `/media` accepts. Anything else (HTML, SVG,
/// scripts) would be published as it is, on the site's origin, so it is committed
/// where the site is built instead.
pub const PUSHABLE: [&str; 7] = ["md", "png", "jpg", "jpeg", "gif", "webp", "avif"];

/// The files of the site's data at the top of `content/`, which a push carries too.
pub const SITE_DATA: [&str; 4] = [
    site_files::TAGS,
    site_files::AUTHORS,
    site_files::SETTINGS,
    redirects::FILE,
];

/// Whether a push may carry `path`: one of [`SITE_DATA`], or a file whose extension
/// [`PUSHABLE`] has.
pub fn pushable(path: &str) -> bool {
    SITE_DATA.contains(&path)
        || path
            .rsplit_once('.')
            .is_some_and(|(_, ext)| PUSHABLE.contains(&ext.to_ascii_lowercase().as_str()))
}

/// Checks the text of `name`, one of [`SITE_DATA`], as an import would read it.
pub fn check_site_data(name: &str, text: &str) -> Result<(), ContentError> {
    if name == redirects::FILE {
        redirects::parse(text, name).map(|_| ())
    } else {
        site_files::check(name, text)
    }
}

/// Every file of `content/` (hidden ones aside) with the blake3 of its bytes.
pub fn hashes(dir: &Path) -> std::collections::BTreeMap<String, String> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(dir).ok()?;
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>();
            if rel.iter().any(|c| c.starts_with('.') || c.ends_with('~')) {
                return None;
            }
            let bytes = std::fs::read(e.path()).ok()?;
            Some((rel.join("/"), blake3::hash(&bytes).to_hex().to_string()))
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    #[error("{path}:{line}: {message}")]
    Syntax {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    /// A file whose slug is an address the site writes itself: left out of the
    /// import (named in a warning), never a reason to stop it.
    #[error(
        "{path}: the slug {slug:?} is an address the site writes itself (feeds, sitemaps, \
         search, lists, images): the file is left out; give it another `slug`"
    )]
    ReservedSlug { path: String, slug: String },
    #[error(
        "{path}: not valid UTF-8 (first invalid byte at offset {offset}); save the file as UTF-8"
    )]
    NotUtf8 { path: String, offset: usize },
    #[error("slug {slug:?} is used by both {first} and {second}; give one of them another `slug`")]
    DuplicateSlug {
        slug: String,
        first: String,
        second: String,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} file(s) could not be imported, nothing was changed:\n  {}", .0.len(), list(.0))]
    Files(Vec<ContentError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One file's error, as `--json` gives it.
#[derive(Debug, serde::Serialize)]
pub struct FileError {
    /// In the content folder; none when the error is not a file's.
    pub path: Option<String>,
    /// From 1, in the file.
    pub line: Option<usize>,
    pub message: String,
}

impl ContentError {
    /// The files at fault, each with its line when known.
    pub fn by_file(&self) -> Vec<FileError> {
        let one = |path: &str, line, message: &str| FileError {
            path: Some(path.to_owned()),
            line,
            message: message.to_owned(),
        };
        match self {
            ContentError::Files(all) => all.iter().flat_map(ContentError::by_file).collect(),
            ContentError::Syntax {
                path,
                line,
                message,
            } => vec![one(path, Some(*line), message)],
            ContentError::Invalid { path, message } => vec![one(path, None, message)],
            other => vec![FileError {
                path: None,
                line: None,
                message: other.to_string(),
            }],
        }
    }
}

fn list(errors: &[ContentError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// First segments of paths the site or the server own whole: a generated file, or
/// a folder only the build or the server fills.
const GENERATED: &[&str] = &[
    "admin",
    "assets",
    "images",
    "rss",
    "rss.xml",
    "search",
    "search.json",
    "sitemap.xml",
    "robots.txt",
    "404.html",
    "index.html",
    "healthz",
    "readyz",
    "metrics",
];

/// First segments of the folders of list pages (`/tag/x/`, `/author/x/`, `/page/2/`).
const LISTS: &[&str] = &["tag", "author", "page"];

/// Whether the site path `path` (`/search.json`, `sitemap-2.xml`, a slug) is under an
/// address the site writes itself: a post or an alias there would take the place of a
/// generated file (the feed, a sitemap, the search index, an image variant) or a list
/// page.
pub fn is_reserved(path: &str) -> bool {
    is_generated(path) || LISTS.contains(&first_segment(path).as_str())
}

/// Whether the site path `path` is under an address owned whole by the build or the
/// server: no redirect page may be written there either.
pub fn is_generated(path: &str) -> bool {
    let first = first_segment(path);
    let sitemap = first.starts_with("sitemap") && first.ends_with(".xml");
    sitemap || GENERATED.contains(&first.as_str())
}

/// The first segment of a site path, lowercase (addresses are matched without case).
fn first_segment(path: &str) -> String {
    let path = path.trim_start_matches('/');
    path.split('/').next().unwrap_or(path).to_ascii_lowercase()
}

/// A slug is one URL path segment: lowercase letters, digits and `-`, `_`, `.`
/// (not leading), so it is the same on every file system and every CDN.
pub fn validate_slug(slug: &str) -> Result<(), String> {
    if slug.is_empty() {
        return Err("is empty".into());
    }
    if slug.len() > 200 {
        return Err("is longer than 200 characters".into());
    }
    if let Some(c) = slug
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "contains {c:?}; use lowercase letters, digits, `-`, `_` and `.`"
        ));
    }
    if slug.starts_with('.') || slug.contains("..") {
        return Err("may not start with `.` or contain `..`".into());
    }
    if is_reserved(slug) {
        return Err("is reserved for the site's own pages".into());
    }
    Ok(())
}

/// An alias is an old URL path such as `/2019/05/old-title/`: absolute, and each
/// segment safe as a file name.
pub fn validate_alias(alias: &str) -> Result<(), String> {
    let path = alias.strip_prefix('/').ok_or("must start with `/`")?;
    if path.is_empty() {
        return Err("cannot redirect the home page".into());
    }
    if is_reserved(path) {
        return Err(format!(
            "is under /{}, an address the site writes itself",
            first_segment(path)
        ));
    }
    for segment in path.trim_end_matches('/').split('/') {
        if segment.is_empty() || segment == "." || segment == ".." || segment.starts_with('.') {
            return Err(format!("has an unsafe segment {segment:?}"));
        }
        if let Some(c) = segment
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '~')))
        {
            return Err(format!("contains {c:?}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_aliases() {
        for ok in ["hello", "a-b_c.1", "2024-review"] {
            assert!(validate_slug(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a/b",
            "..",
            "a..b",
            ".hidden",
            "Caps",
            "sp ace",
            "q?",
            "tag",
            "é",
            "search.json",
            "sitemap-1.xml",
            "search",
        ] {
            assert!(validate_slug(bad).is_err(), "{bad}");
        }
        assert!(validate_alias("/2019/05/old-title/").is_ok());
        for bad in [
            "relative/",
            "/",
            "/a/../b/",
            "/a//b",
            "/a?b",
            "/.git/",
            "/search.json",
            "/sitemap.xml",
            "/Sitemap-2.xml",
            "/images/size/w600/a.jpg",
            "/index.html",
            "/rss/",
        ] {
            assert!(validate_alias(bad).is_err(), "{bad}");
        }
    }
}
