//! The one rule for every path a request, a push or an import names inside a folder
//! (`content/`, the output): a relative path of plain segments, decoded once, that
//! never leaves the folder and never goes through a symbolic link.
//!
//! Checking the text is not enough: `content/images` may be a link to `/etc`, so
//! [`resolve`] also looks at each component that exists on disk.

use std::path::{Path, PathBuf};

/// Longest path accepted, in bytes; file systems refuse more anyway, with worse errors.
pub const MAX_PATH: usize = 1024;
/// Longest segment (file or folder name), in bytes.
pub const MAX_SEGMENT: usize = 255;

/// Why a path was refused; the message names the path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("{0:?} is not a plain relative path (no empty, `.`, `..` or hidden segments, no `\\`, `:` or control characters)")]
    NotPlain(String),
    #[error("{path:?} is too long (at most {max} bytes)")]
    TooLong { path: String, max: usize },
    #[error("{0:?} goes through a symbolic link")]
    Link(String),
}

/// The segments of `path` (`images/a.png`) when every one is plain: not empty, not
/// hidden (which also refuses `.` and `..`), without `\`, `:` or control characters.
pub fn segments(path: &str) -> Result<Vec<&str>, PathError> {
    let shown: String = path.chars().take(200).collect();
    if path.len() > MAX_PATH {
        return Err(PathError::TooLong {
            path: shown,
            max: MAX_PATH,
        });
    }
    let segments: Vec<&str> = path.split('/').collect();
    for segment in &segments {
        if segment.len() > MAX_SEGMENT {
            return Err(PathError::TooLong {
                path: shown,
                max: MAX_SEGMENT,
            });
        }
        let plain = !segment.is_empty()
            && !segment.starts_with('.')
            && !segment
                .chars()
                .any(|c| c == '\\' || c == ':' || c.is_control());
        if !plain {
            return Err(PathError::NotPlain(shown));
        }
    }
    Ok(segments)
}

/// `path` under `root`, once [`segments`] accepts it and no component of it that
/// exists is a symbolic link. What does not exist yet (a folder to create) is fine:
/// it will be created as a real folder.
pub fn resolve(root: &Path, path: &str) -> Result<PathBuf, PathError> {
    let mut full = root.to_owned();
    let mut on_disk = true;
    for segment in segments(path)? {
        full.push(segment);
        if !on_disk {
            continue;
        }
        match std::fs::symlink_metadata(&full) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(PathError::Link(path.chars().take(200).collect()))
            }
            Ok(_) => {}
            // Nothing further down can exist either.
            Err(_) => on_disk = false,
        }
    }
    Ok(full)
}

/// A URL path (`/a%2Fb/`) percent-decoded, for checks that must see what the file
/// lookup will see.
pub fn decoded(url_path: &str) -> Option<String> {
    percent_encoding::percent_decode_str(url_path)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_pass() {
        for good in ["a.md", "images/2026/01/x.png", "posts/é.md"] {
            assert!(segments(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "a//b",
            "../x",
            "images/../../x",
            ".hidden",
            "a/./b",
            "a\\b",
            "c:x",
            "a\0b",
            "a\nb",
        ] {
            assert!(
                matches!(segments(bad), Err(PathError::NotPlain(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            segments(&"a".repeat(300)),
            Err(PathError::TooLong { .. })
        ));
        assert!(matches!(
            segments(&"a/".repeat(600)),
            Err(PathError::TooLong { .. })
        ));
    }

    #[test]
    fn a_link_anywhere_on_the_way_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("content");
        std::fs::create_dir_all(root.join("images")).expect("mkdir");
        std::os::unix::fs::symlink("/etc", root.join("etc")).expect("link");
        std::os::unix::fs::symlink("/etc/hostname", root.join("images/h.png")).expect("link");
        assert_eq!(
            resolve(&root, "images/new/x.png"),
            Ok(root.join("images/new/x.png"))
        );
        assert!(matches!(
            resolve(&root, "etc/shadow"),
            Err(PathError::Link(_))
        ));
        assert!(matches!(
            resolve(&root, "images/h.png"),
            Err(PathError::Link(_))
        ));
    }
}
