//! The file system as every writer of folio uses it: paths confined to the folder
//! they name ([`confine`]), writes seen whole or not at all ([`atomic`]; [`batch`]
//! for many at once), and the two facts about a file the build keeps: its path
//! relative to a folder and its stamp.

pub mod atomic;
pub mod batch;
pub mod confine;

use std::path::Path;

/// The path of `file` relative to `root`, with `/` separators, as stored in the database.
pub fn relative_path(root: &Path, file: &Path) -> String {
    // Paths from walking `root` start with it as text: strip that without parsing
    // components, which shows in the profile of a publish with nothing to do.
    if let (Some(root), Some(file)) = (root.to_str(), file.to_str()) {
        if let Some(rest) = file.strip_prefix(root) {
            let rest = rest.trim_start_matches(std::path::MAIN_SEPARATOR);
            return rest.replace(std::path::MAIN_SEPARATOR, "/");
        }
    }
    let rel = file.strip_prefix(root).unwrap_or(file);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
/// Size and modification time of a file, to recognise it unchanged without reading it.
pub fn file_stamp(meta: &std::fs::Metadata) -> String {
    let modified = meta
        .modified()
        .ok()
        .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("{}:{modified}", meta.len())
}
