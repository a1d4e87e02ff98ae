//! The files a backup holds, each with the BLAKE3 of its bytes, and where a restore
//! puts each one back (never outside the folder it restores).

use std::io::Read;
use std::path::{Path, PathBuf};

use super::{io, Entry, OffsiteError};

/// The entry of `file`, backed up as `path`; its bytes read in blocks, whatever its size.
pub(super) fn entry(path: &str, file: &Path) -> Result<Entry, OffsiteError> {
    let mut hasher = blake3::Hasher::new();
    let mut reader = std::fs::File::open(file).map_err(io(file))?;
    let mut block = vec![0; 1 << 16];
    let mut bytes = 0;
    loop {
        let n = reader.read(&mut block).map_err(io(file))?;
        if n == 0 {
            break;
        }
        hasher.update(&block[..n]);
        bytes += n as u64;
    }
    Ok(Entry {
        path: path.to_owned(),
        blake3: hasher.finalize().to_hex().to_string(),
        bytes,
    })
}

/// Every file of the content folder `dir`, sorted by path. Hidden files and folders
/// (`.git`, a push's staged files) and symbolic links are not the site's, and stay out.
pub fn content_files(dir: &Path) -> Result<Vec<Entry>, OffsiteError> {
    let mut entries = Vec::new();
    if !dir.exists() {
        return Ok(entries);
    }
    let walk = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !e.file_name().to_string_lossy().starts_with('.'));
    for found in walk {
        let found = found.map_err(|e| OffsiteError::Io {
            path: e.path().unwrap_or(dir).to_owned(),
            source: e.into(),
        })?;
        if found.file_type().is_file() {
            let rel = crate::disk::relative_path(dir, found.path());
            entries.push(entry(&rel, found.path())?);
        }
    }
    Ok(entries)
}

/// Where the backed-up `path` of `set` goes under `root`: a plain relative path that
/// stays inside it, or an error naming it (a set is read from a bucket others may
/// write to).
pub(super) fn destination(set: &str, root: &Path, path: &str) -> Result<PathBuf, OffsiteError> {
    crate::disk::confine::resolve(root, path).map_err(|source| OffsiteError::Path {
        set: set.to_owned(),
        source,
    })
}
