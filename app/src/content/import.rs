//! `folio import`: a folder of Markdown files into the store.
//!
//! Files are read and parsed in parallel first; any error stops the import before the
//! store is touched. Unchanged files (same content hash) are skipped, and a changed file
//! whose parsed document equals the stored one only updates its recorded hash, so
//! re-running, or importing an export, adds no revision.
//!
//! Edits, deletions and the first [`NEW_PER_TRANSACTION`] new posts are one
//! transaction; more new posts than that (a first import of a large site) are written
//! in further transactions of that many. Each leaves whole posts, and an import that
//! fails half-way through them (a full disk) adds the rest when run again.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SubsecRound, Utc};
use rayon::prelude::*;
use serde::Serialize;

use super::frontmatter::{self, Defaults};
use super::{relative_path, ContentError};
use crate::store::posts::{self, Digest, NewPost, Source, SourceRecord};
use crate::store::{Kind, PostDoc, Status, Store};

/// New posts written per transaction. One transaction for 100,000 posts grew SQLite's
/// log to the size of the store and copied it all at the end: 20 s where transactions
/// of 5,000, each log copied and then reused, took 16.5 s.
/// (Three in unit tests, so a few files take several.)
const NEW_PER_TRANSACTION: usize = if cfg!(test) { 3 } else { 5_000 };

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Posts whose file is gone, archived because of `--prune`.
    pub archived: usize,
    /// Posts whose file is gone, left as they were (no `--prune`).
    pub missing: usize,
    pub warnings: Vec<String>,
}

impl ImportReport {
    /// True when the import changed what a build would render.
    pub fn changed(&self) -> bool {
        self.added + self.updated + self.archived > 0
    }
}

/// A file read from disk: unchanged (same stamp or hash as stored), or parsed.
struct Scanned {
    path: String,
    hash: String,
    stamp: String,
    /// The document, and the digest of its body made here, side by side with the others.
    parsed: Option<(PostDoc, Digest)>,
    /// Unchanged content whose stamp changed (a fresh checkout): record the new stamp.
    restamp: bool,
}

/// Imports every Markdown file under `dir`. With `prune`, posts whose file
/// disappeared are archived (kept, with their revisions, but no longer rendered).
pub async fn import_dir(
    store: &Store,
    dir: &Path,
    prune: bool,
    default_author: &str,
) -> Result<ImportReport, ContentError> {
    let started = std::time::Instant::now();
    // The files are found and stamped while SQLite reads what it knows of them.
    let dir_owned = dir.to_owned();
    let stamped = tokio::task::spawn_blocking(move || stamp_files(&dir_owned));
    let mut conn = store.pool().acquire().await?;
    let known: HashMap<String, SourceRecord> = posts::sources(&mut conn)
        .await?
        .into_iter()
        .map(|record| (record.path.clone(), record))
        .collect();
    drop(conn);
    let stamped = stamped.await.expect("stamping does not panic")?;

    let author = default_author.to_owned();
    let (scanned, warnings, known) = tokio::task::spawn_blocking(move || {
        scan(stamped, &known, &author).map(|(s, w)| (s, w, known))
    })
    .await
    .expect("the scan does not panic")?;
    check_slugs(&scanned, &known)?;
    tracing::debug!(
        millis = started.elapsed().as_millis() as u64,
        files = scanned.len(),
        "import: read the files' records and stamps"
    );

    let mut report = ImportReport {
        warnings,
        ..ImportReport::default()
    };
    let present: HashSet<String> = scanned.iter().map(|s| s.path.clone()).collect();
    let mut tx = store.pool().begin().await?;
    // Files already in the store first, so a slug one of them gives up is free
    // for a new file; moved-away slugs are parked first so two files may swap slugs.
    // Documents move from here into the store, never copied: at 100,000 posts a copy
    // of them all is a gigabyte.
    let (existing, new): (Vec<Scanned>, Vec<Scanned>) = scanned
        .into_iter()
        .partition(|s| known.contains_key(&s.path));
    for file in &existing {
        let (Some((doc, _)), Some(k)) = (&file.parsed, known.get(&file.path)) else {
            continue;
        };
        if doc.slug != k.slug {
            sqlx::query("UPDATE posts SET slug = '~moving~' || id WHERE id = ?")
                .bind(k.id)
                .execute(&mut *tx)
                .await?;
        }
    }
    // Read after the parking, so a slug given up is free.
    let any_new = new.iter().any(|f| f.parsed.is_some());
    let slug_ids = if any_new {
        posts::ids_by_slug(&mut tx).await?
    } else {
        HashMap::new()
    };
    let mut fresh: Vec<(PostDoc, Digest, Scanned)> = Vec::new();
    for mut file in existing.into_iter().chain(new) {
        let parsed = file.parsed.take();
        let source = Source {
            path: &file.path,
            hash: &file.hash,
            stamp: &file.stamp,
        };
        let Some((doc, digest)) = parsed else {
            if file.restamp {
                posts::set_source(&mut tx, known[&file.path].id, source).await?;
            }
            report.unchanged += 1;
            continue;
        };
        let target = match known.get(&file.path) {
            Some(k) => Some(k.id),
            None => slug_ids.get(&doc.slug).copied(),
        };
        match target {
            Some(id) => {
                let stored = posts::load(&mut tx, id)
                    .await?
                    .expect("the id was just read");
                let doc = keep_publish_date(doc, stored.doc.published_at);
                if doc == stored.doc && !stored.archived {
                    posts::set_source(&mut tx, id, source).await?;
                    report.unchanged += 1;
                } else {
                    posts::update(&mut tx, id, &doc, Some(source), "import").await?;
                    report.updated += 1;
                }
            }
            None => fresh.push((keep_publish_date(doc, None), digest, file)),
        }
    }
    let items: Vec<NewPost> = fresh
        .iter()
        .map(|(doc, digest, file)| NewPost {
            doc,
            source: Some(Source {
                path: &file.path,
                hash: &file.hash,
                stamp: &file.stamp,
            }),
            digest,
        })
        .collect();
    for (n, chunk) in items.chunks(NEW_PER_TRANSACTION).enumerate() {
        if n > 0 {
            tx.commit().await?;
            tx = store.pool().begin().await?;
        }
        posts::insert_many(&mut tx, chunk, "import").await?;
    }
    report.added += items.len();
    for (path, k) in &known {
        if k.archived || present.contains(path) {
            continue;
        }
        if prune {
            posts::archive(&mut tx, k.id).await?;
            report.archived += 1;
        } else {
            report.missing += 1;
        }
    }
    tx.commit().await?;
    Ok(report)
}

/// A published or scheduled post keeps the date it first got: a file without `date`
/// is dated when first imported, not again on each edit.
fn keep_publish_date(mut doc: PostDoc, stored: Option<DateTime<Utc>>) -> PostDoc {
    if doc.status != Status::Draft && doc.published_at.is_none() {
        doc.published_at = // The store keeps whole seconds; compare like with like.
        Some(stored.unwrap_or_else(|| Utc::now().trunc_subsecs(0)));
    }
    doc
}

/// A Markdown file of `content/`: where it is, its path relative to `content/`, and
/// its stamp (see [`posts::file_stamp`]).
type Stamped = (PathBuf, String, String);

/// Every Markdown file under `dir` (see [`markdown_files`]), stamped.
fn stamp_files(dir: &Path) -> Result<Vec<Stamped>, ContentError> {
    markdown_files(dir)?
        .into_par_iter()
        .map(|file| {
            let meta = std::fs::metadata(&file).map_err(|source| ContentError::Read {
                path: file.clone(),
                source,
            })?;
            let path = relative_path(dir, &file);
            Ok((file, path, posts::file_stamp(&meta)))
        })
        .collect()
}

/// Reads every file of `files` whose stamp is not the one in `known` (by path, posts
/// not archived), and parses those whose hash is not either.
fn scan(
    files: Vec<Stamped>,
    known: &HashMap<String, SourceRecord>,
    default_author: &str,
) -> Result<(Vec<Scanned>, Vec<String>), ContentError> {
    let now = Utc::now();
    let results: Vec<Result<(Scanned, Vec<String>), ContentError>> = files
        .into_par_iter()
        .map(|(file, path, stamp)| {
            let read_error = |source| ContentError::Read {
                path: file.clone(),
                source,
            };
            let known = known
                .get(&path)
                .filter(|k| !k.archived)
                .map(|k| (&k.hash, &k.stamp));
            let unchanged = |hash: String, stamp: String, restamp: bool| {
                let scanned = Scanned {
                    path: path.clone(),
                    hash,
                    stamp,
                    parsed: None,
                    restamp,
                };
                Ok((scanned, Vec::new()))
            };
            if let Some((hash, known_stamp)) = known.filter(|(_, s)| **s == stamp) {
                return unchanged(hash.clone(), known_stamp.clone(), false);
            }
            let bytes = std::fs::read(&file).map_err(read_error)?;
            let hash = blake3::hash(&bytes).to_hex().to_string();
            if known.is_some_and(|(h, _)| **h == hash) {
                return unchanged(hash, stamp, true);
            }
            let text = std::str::from_utf8(&bytes).map_err(|e| ContentError::NotUtf8 {
                path: path.clone(),
                offset: e.valid_up_to(),
            })?;
            let defaults = Defaults {
                slug: slug::slugify(file.file_stem().unwrap_or_default().to_string_lossy()),
                kind: if path.starts_with("pages/") {
                    Kind::Page
                } else {
                    Kind::Post
                },
                author: default_author,
                now,
            };
            let parsed = frontmatter::parse(&path, text, &defaults)?;
            let digest = Digest::of(&parsed.doc.markdown);
            let scanned = Scanned {
                path,
                hash,
                stamp,
                parsed: Some((parsed.doc, digest)),
                restamp: false,
            };
            Ok((scanned, parsed.warnings))
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

/// Two files may not claim one slug (an unchanged file claims its stored slug).
fn check_slugs(
    scanned: &[Scanned],
    known: &HashMap<String, SourceRecord>,
) -> Result<(), ContentError> {
    let mut owners: HashMap<&str, &str> = HashMap::new();
    let mut errors = Vec::new();
    for file in scanned {
        let slug = match &file.parsed {
            Some((doc, _)) => doc.slug.as_str(),
            None => known[&file.path].slug.as_str(),
        };
        if let Some(first) = owners.insert(slug, &file.path) {
            errors.push(ContentError::DuplicateSlug {
                slug: slug.to_owned(),
                first: first.to_owned(),
                second: file.path.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn new_posts_beyond_one_transaction_all_arrive_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let content = dir.path().join("content");
        std::fs::create_dir_all(&content).expect("mkdir");
        for n in 0..8 {
            let text = format!("---\ntitle: Post {n}\ntags: [Rust]\n---\nBody {n}.\n");
            std::fs::write(content.join(format!("post-{n}.md")), text).expect("write");
        }
        let store = Store::open(&dir.path().join("folio.db"))
            .await
            .expect("store");
        let report = import_dir(&store, &content, false, "Ada")
            .await
            .expect("import");
        assert_eq!(report.added, 8);
        let counts: (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM post_bodies), \
                    (SELECT count(*) FROM revisions), (SELECT count(*) FROM post_tags)",
        )
        .fetch_one(store.pool())
        .await
        .expect("counts");
        assert_eq!(counts, (8, 8, 8, 8));

        let again = import_dir(&store, &content, false, "Ada")
            .await
            .expect("import");
        assert_eq!((again.added, again.unchanged), (0, 8));
        store.close().await;
    }
}
