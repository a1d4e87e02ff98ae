//! What a sync does: the site's files against the bucket's objects and manifest,
//! in the order that never breaks the live site.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::{BucketError, BucketReport, Change, Manifest, MANIFEST};
use crate::output::delivery;

/// A file of the site.
pub(super) struct Local {
    pub path: String,
    pub file: PathBuf,
    pub size: u64,
    pub hash: String,
}

/// The changes a sync makes: uploads in phase order, then deletions.
pub(super) struct Plan<'a> {
    pub uploads: Vec<(&'a Local, &'static str)>,
    pub deletes: Vec<(String, u64)>,
    pub unchanged: usize,
    /// Every path the site has: what the manifest keeps.
    pub wanted: HashSet<&'a str>,
}

impl<'a> Plan<'a> {
    /// Uploads what is new or changed (by size, or by hash against the manifest),
    /// deletes (when `delete`) what the site no longer has.
    pub(super) fn new(
        local: &'a [Local],
        remote: &HashMap<String, u64>,
        manifest: &Manifest,
        delete: bool,
    ) -> Self {
        let mut uploads: Vec<(&Local, &'static str)> = Vec::new();
        let mut unchanged = 0;
        for file in local {
            let op = match remote.get(&file.path) {
                None => Some("upload"),
                Some(size)
                    if *size != file.size || manifest.files.get(&file.path) != Some(&file.hash) =>
                {
                    Some("update")
                }
                Some(_) => None,
            };
            match op {
                Some(op) => uploads.push((file, op)),
                None => unchanged += 1,
            }
        }
        uploads.sort_by_key(|(file, _)| (phase(&file.path), file.path.clone()));
        let wanted: HashSet<&str> = local.iter().map(|f| f.path.as_str()).collect();
        let mut deletes: Vec<(String, u64)> = if delete {
            remote
                .iter()
                .filter(|(path, _)| path.as_str() != MANIFEST && !wanted.contains(path.as_str()))
                .map(|(path, size)| (path.clone(), *size))
                .collect()
        } else {
            Vec::new()
        };
        deletes.sort();
        Self {
            uploads,
            deletes,
            unchanged,
            wanted,
        }
    }

    /// The uploads of one phase.
    pub(super) fn phase(&self, current: u8) -> Vec<&'a Local> {
        self.uploads
            .iter()
            .filter(|(f, _)| phase(&f.path) == current)
            .map(|(f, _)| *f)
            .collect()
    }

    /// What the report says before anything is sent.
    pub(super) fn report(&self, url: &str, dry_run: bool) -> BucketReport {
        let mut changes: Vec<Change> = self
            .uploads
            .iter()
            .map(|(file, op)| Change {
                op,
                path: file.path.clone(),
                bytes: file.size,
            })
            .collect();
        changes.extend(self.deletes.iter().map(|(path, bytes)| Change {
            op: "delete",
            path: path.clone(),
            bytes: *bytes,
        }));
        let changed_pages = changes
            .iter()
            .filter(|c| c.path.ends_with(".html"))
            .map(|c| url_of(&c.path))
            .collect();
        BucketReport {
            bucket: url.to_owned(),
            dry_run,
            unchanged: self.unchanged,
            uploaded_bytes: self.uploads.iter().map(|(f, _)| f.size).sum(),
            changes,
            changed_pages,
            millis: 0,
        }
    }
}

/// The order of uploads: what pages need, then pages, then what lists pages.
pub(super) fn phase(path: &str) -> u8 {
    if path.ends_with(".html") {
        1
    } else if delivery::is_page(path) {
        2
    } else {
        0
    }
}

/// The URL a site path is served at.
fn url_of(path: &str) -> String {
    match path.strip_suffix("index.html") {
        Some(dir) => format!("/{dir}"),
        None => format!("/{path}"),
    }
}

/// Every file of the site (no hidden ones), with its size and hash.
pub(super) fn local_files(out: &Path) -> Result<Vec<Local>, BucketError> {
    use rayon::prelude::*;
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(out).sort_by_file_name() {
        let entry = entry.map_err(|e| BucketError::Io {
            path: out.to_owned(),
            source: e.into(),
        })?;
        let rel = entry.path().strip_prefix(out).unwrap_or(entry.path());
        let hidden = rel
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
        if hidden || !entry.file_type().is_file() {
            continue;
        }
        let path = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        files.push((path, entry.path().to_owned()));
    }
    files
        .into_par_iter()
        .map(|(path, file)| {
            let bytes = std::fs::read(&file).map_err(|source| BucketError::Io {
                path: file.clone(),
                source,
            })?;
            Ok(Local {
                path,
                size: bytes.len() as u64,
                hash: blake3::hash(&bytes).to_hex().to_string(),
                file,
            })
        })
        .collect()
}
