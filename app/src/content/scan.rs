//! The first reading of `content/` in an import: every Markdown file found, stamped,
//! and checked against what the store knows of it, before the store is touched.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use super::frontmatter::{self, Defaults};
use super::ContentError;
use crate::disk::relative_path;
use crate::store::posts::Digest;
use crate::store::sources::{Source, SourceRecord};
use crate::store::{Kind, PostDoc};

/// A Markdown file as its first reading found it.
pub(super) struct FileRead {
    /// Where it is.
    pub(super) file: PathBuf,
    /// Its path relative to `content/`.
    pub(super) path: String,
    pub(super) hash: String,
    pub(super) stamp: String,
}

impl FileRead {
    pub(super) fn source(&self) -> Source<'_> {
        Source {
            path: &self.path,
            hash: &self.hash,
            stamp: &self.stamp,
        }
    }
}

/// A file's document, and whether its raw HTML is cleaned (`sanitize: true`: an
/// author wrote it in the admin).
pub(super) struct Parsed {
    pub(super) doc: PostDoc,
    pub(super) sanitize: bool,
}

/// What the first reading of a file keeps.
pub(super) enum Scanned {
    /// A file the store has a post for: its document if the content changed; if not,
    /// `restamp` says its stamp did (a fresh checkout) and is to be recorded.
    Known {
        read: FileRead,
        doc: Option<Box<Parsed>>,
        restamp: bool,
    },
    /// A file new to the store: its slug only. It is read again when written, a few
    /// thousand at a time, so a first import of 100,000 files never holds them all
    /// (1.3 GB when it did).
    New { read: FileRead, slug: String },
    /// A file left out of this import (named in a warning): it is there, so its post,
    /// if it has one, stays as it was and is not pruned.
    LeftOut { path: String },
}

/// A Markdown file of `content/`: where it is, its path relative to `content/`, and
/// its stamp (see [`crate::disk::file_stamp`]).
pub(super) type Stamped = (PathBuf, String, String);

/// Every Markdown file under `dir` (see [`markdown_files`]), stamped.
pub(super) fn stamp_files(dir: &Path) -> Result<Vec<Stamped>, ContentError> {
    markdown_files(dir)?
        .into_par_iter()
        .map(|file| {
            let meta = std::fs::metadata(&file).map_err(|source| ContentError::Read {
                path: file.clone(),
                source,
            })?;
            let path = relative_path(dir, &file);
            Ok((file, path, crate::disk::file_stamp(&meta)))
        })
        .collect()
}

/// How files are read: what their front matter defaults to, and whom the import's
/// revisions name.
#[derive(Clone)]
pub(super) struct Parsing {
    pub(super) author: std::sync::Arc<str>,
    pub(super) now: DateTime<Utc>,
    /// Who the revisions the import makes are by.
    pub(super) by: &'static str,
}

impl Parsing {
    /// Parses `bytes`, the content of the file `read`.
    fn parse(
        &self,
        read: &FileRead,
        bytes: &[u8],
    ) -> Result<frontmatter::ParsedFile, ContentError> {
        let text = std::str::from_utf8(bytes).map_err(|e| ContentError::NotUtf8 {
            path: read.path.clone(),
            offset: e.valid_up_to(),
        })?;
        let defaults = Defaults {
            slug: slug::slugify(read.file.file_stem().unwrap_or_default().to_string_lossy()),
            kind: if read.path.starts_with("pages/") {
                Kind::Page
            } else {
                Kind::Post
            },
            author: &self.author,
            now: self.now,
        };
        frontmatter::parse(&read.path, text, &defaults)
    }

    /// Reads and parses again files the scan read, side by side, with the digests of
    /// their bodies. A file is expected as the scan found it: the slugs were checked
    /// on that content.
    pub(super) async fn again(
        self,
        files: Vec<FileRead>,
    ) -> Result<(Vec<FileRead>, Vec<(Parsed, Digest)>), ContentError> {
        if files.is_empty() {
            return Ok((files, Vec::new()));
        }
        tokio::task::spawn_blocking(move || {
            let docs = files
                .par_iter()
                .map(|read| {
                    let bytes = std::fs::read(&read.file).map_err(|source| ContentError::Read {
                        path: read.file.clone(),
                        source,
                    })?;
                    if blake3::hash(&bytes).to_hex().as_str() != read.hash {
                        return Err(ContentError::Invalid {
                            path: read.path.clone(),
                            message: "changed while being imported; import again".into(),
                        });
                    }
                    let parsed = self.parse(read, &bytes)?;
                    let digest = Digest::of(&parsed.doc.markdown);
                    let (doc, sanitize) = (parsed.doc, parsed.sanitize);
                    Ok((Parsed { doc, sanitize }, digest))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok((files, docs))
        })
        .await
        .expect("reading does not panic")
    }
}

/// Reads every file of `files` whose stamp is not the one in `known` (by path, posts
/// not archived), and parses those whose hash is not either.
pub(super) fn scan(
    files: Vec<Stamped>,
    known: &HashMap<String, SourceRecord>,
    parsing: &Parsing,
) -> Result<(Vec<Scanned>, Vec<String>), ContentError> {
    let results: Vec<Result<(Scanned, Vec<String>), ContentError>> = files
        .into_par_iter()
        .map(|(file, path, stamp)| {
            let record = known.get(&path);
            scan_one(file, path, stamp, record, parsing)
        })
        .collect();
    let mut scanned = Vec::with_capacity(results.len());
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok((s, w)) => {
                scanned.push(s);
                warnings.extend(w);
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(ContentError::Files(errors));
    }
    Ok((scanned, warnings))
}

/// The first reading of one file: unchanged by its stamp (not read), unchanged by
/// its hash (read, not parsed), or parsed.
fn scan_one(
    file: PathBuf,
    path: String,
    stamp: String,
    record: Option<&SourceRecord>,
    parsing: &Parsing,
) -> Result<(Scanned, Vec<String>), ContentError> {
    let live = record.filter(|k| !k.archived);
    if let Some(k) = live.filter(|k| k.stamp == stamp) {
        let read = FileRead {
            file,
            path,
            hash: k.hash.clone(),
            stamp,
        };
        let scanned = Scanned::Known {
            read,
            doc: None,
            restamp: false,
        };
        return Ok((scanned, Vec::new()));
    }
    let bytes = std::fs::read(&file).map_err(|source| ContentError::Read {
        path: file.clone(),
        source,
    })?;
    let hash = blake3::hash(&bytes).to_hex().to_string();
    // A post in the trash stays there while its file is the one it came from.
    let still_trashed = record.is_some_and(|k| k.trashed && k.hash == hash);
    let unchanged = still_trashed || live.is_some_and(|k| k.hash == hash);
    let read = FileRead {
        file,
        path,
        hash,
        stamp,
    };
    if unchanged {
        let scanned = Scanned::Known {
            read,
            doc: None,
            restamp: true,
        };
        return Ok((scanned, Vec::new()));
    }
    let mut parsed = match parsing.parse(&read, &bytes) {
        Err(left_out @ ContentError::ReservedSlug { .. }) => {
            let warning = left_out.to_string();
            return Ok((Scanned::LeftOut { path: read.path }, vec![warning]));
        }
        parsed => parsed?,
    };
    if record.is_some_and(|k| k.trashed) {
        parsed.warnings.push(format!(
            "{}: the file changed since its post was trashed: the post is back",
            read.path
        ));
    }
    let scanned = if record.is_some() {
        Scanned::Known {
            read,
            doc: Some(Box::new(Parsed {
                doc: parsed.doc,
                sanitize: parsed.sanitize,
            })),
            restamp: false,
        }
    } else {
        Scanned::New {
            read,
            slug: parsed.doc.slug,
        }
    };
    Ok((scanned, parsed.warnings))
}

/// Two files may not claim one slug (an unchanged file claims its stored slug).
pub(super) fn check_slugs(
    scanned: &[Scanned],
    known: &HashMap<String, SourceRecord>,
) -> Result<(), ContentError> {
    // Files that all claim their stored slugs cannot clash: the store holds each slug
    // once. (Most publishes, where nothing changed: no 10,000-entry map to build.)
    let stored = |file: &Scanned| {
        matches!(
            file,
            Scanned::Known { doc: None, .. } | Scanned::LeftOut { .. }
        )
    };
    if scanned.iter().all(stored) {
        return Ok(());
    }
    let mut owners: HashMap<&str, &str> = HashMap::new();
    let mut errors = Vec::new();
    for file in scanned {
        let (read, slug) = match file {
            Scanned::Known {
                read,
                doc: Some(doc),
                ..
            } => (read, doc.doc.slug.as_str()),
            Scanned::Known {
                read, doc: None, ..
            } => (read, known[&read.path].slug.as_str()),
            Scanned::New { read, slug } => (read, slug.as_str()),
            Scanned::LeftOut { .. } => continue,
        };
        if let Some(first) = owners.insert(slug, &read.path) {
            errors.push(ContentError::DuplicateSlug {
                slug: slug.to_owned(),
                first: first.to_owned(),
                second: read.path.clone(),
            });
        }
    }
    match errors.len() {
        0 => Ok(()),
        1 => Err(errors.remove(0)),
        _ => Err(ContentError::Files(errors)),
    }
}

/// The Markdown files under `dir`, sorted, skipping hidden files and folders and
/// editor leftovers (`#x.md#`, `x.md~`, `.x.md.swp`).
pub(crate) fn markdown_files(dir: &Path) -> Result<Vec<PathBuf>, ContentError> {
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = entry.map_err(|e| ContentError::Read {
            path: e.path().map_or_else(|| dir.to_owned(), Path::to_owned),
            source: e.into(),
        })?;
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_file() && name.ends_with(".md") && !name.starts_with('#') {
            files.push(entry.into_path());
        }
    }
    // Sorted once here: walkdir's sorting takes every name apart for every comparison
    // (a fifth of a publish at 10,000 files). Byte order: any fixed order will do.
    files.sort_unstable_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
    Ok(files)
}
