//! `folio import`: a folder of Markdown files into the store.
//!
//! Files are read and parsed in parallel first; any error stops the import before the
//! store is touched. Unchanged files (same content hash) are skipped, and a changed file
//! whose parsed document equals the stored one only updates its recorded hash, so
//! re-running, or importing an export, adds no revision.
//!
//! A file new to the store is read twice: the first reading checks it (front matter,
//! slug) and keeps its slug only, the second writes it, in batches of
//! [`NEW_PER_TRANSACTION`], each batch read while the one before it is written. A first
//! import of 100,000 files so holds two batches, not every file (230 MB, not 1.3 GB).
//!
//! The whole import is one transaction up to that many new posts; beyond, each batch
//! commits on its own (the last one with the archiving of `--prune`). Each leaves whole
//! posts, and an import that fails half-way through them (a full disk) adds the rest
//! when run again.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SubsecRound, Utc};
use rayon::prelude::*;
use serde::Serialize;

use super::frontmatter::{self, Defaults};
use super::ContentError;
use crate::disk::relative_path;
use crate::store::posts::{self, Digest, NewPost, Source, SourceRecord};
use crate::store::{Connection, Kind, PostDoc, Status, Store, Write};

/// New posts written per transaction. One transaction for 100,000 posts grew SQLite's
/// log to the size of the store and copied it all at the end: 20 s where transactions
/// of 5,000, each log copied and then reused, took 16.5 s. (Three in unit tests, so a
/// few files take several.)
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

/// A Markdown file as its first reading found it.
struct FileRead {
    /// Where it is.
    file: PathBuf,
    /// Its path relative to `content/`.
    path: String,
    hash: String,
    stamp: String,
}

impl FileRead {
    fn source(&self) -> Source<'_> {
        Source {
            path: &self.path,
            hash: &self.hash,
            stamp: &self.stamp,
        }
    }
}

/// What the first reading of a file keeps.
enum Scanned {
    /// A file the store has a post for: its document if the content changed; if not,
    /// `restamp` says its stamp did (a fresh checkout) and is to be recorded.
    Known {
        read: FileRead,
        doc: Option<Box<PostDoc>>,
        restamp: bool,
    },
    /// A file new to the store: its slug only. It is read again when written, a few
    /// thousand at a time, so a first import of 100,000 files never holds them all
    /// (1.3 GB when it did).
    New { read: FileRead, slug: String },
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
    let mut conn = store.read().await?;
    let known: HashMap<String, SourceRecord> = posts::sources(&mut conn)
        .await?
        .into_iter()
        .map(|record| (record.path.clone(), record))
        .collect();
    drop(conn);
    let stamped = stamped.await.expect("stamping does not panic")?;

    // Both readings of a file parse it alike: same author, same "now".
    let parsing = Parsing {
        author: default_author.into(),
        now: Utc::now(),
    };
    let (scanned, warnings, known) = {
        let parsing = parsing.clone();
        tokio::task::spawn_blocking(move || {
            scan(stamped, &known, &parsing).map(|(s, w)| (s, w, known))
        })
        .await
        .expect("the scan does not panic")?
    };
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
    let mut present = HashSet::with_capacity(scanned.len());
    let mut edited = Vec::new();
    let mut new = Vec::new();
    for file in scanned {
        match file {
            Scanned::Known { read, doc, restamp } => {
                present.insert(read.path.clone());
                edited.push((read, doc, restamp));
            }
            Scanned::New { read, slug } => {
                present.insert(read.path.clone());
                new.push((read, slug));
            }
        }
    }
    let mut tx = store.write().await?;
    // Files already in the store first, so a slug one of them gives up is free
    // for a new file; moved-away slugs are parked first so two files may swap slugs.
    for (read, doc, _) in &edited {
        let (Some(doc), Some(k)) = (doc, known.get(&read.path)) else {
            continue;
        };
        if doc.slug != k.slug {
            posts::park_slug(&mut tx, k.id).await?;
        }
    }
    for (read, doc, restamp) in edited {
        let id = known[&read.path].id;
        match doc {
            Some(doc) => edit(&mut tx, id, *doc, read.source(), &mut report).await?,
            None => {
                if restamp {
                    posts::set_source(&mut tx, id, read.source()).await?;
                }
                report.unchanged += 1;
            }
        }
    }
    // A new file may take over a post by its slug (a file renamed, a post first
    // written in the admin): read after the parking, so a slug given up is free.
    let slug_ids = if new.is_empty() {
        HashMap::new()
    } else {
        posts::ids_by_slug(&mut tx).await?
    };
    let (adopted, fresh): (Vec<_>, Vec<_>) = new
        .into_iter()
        .partition(|(_, slug)| slug_ids.contains_key(slug));
    let adopted_ids: Vec<i64> = adopted.iter().map(|(_, slug)| slug_ids[slug]).collect();
    let adopted: Vec<FileRead> = adopted.into_iter().map(|(read, _)| read).collect();
    let (adopted, docs) = parsing.clone().again(adopted).await?;
    for ((read, (doc, _)), id) in adopted.iter().zip(docs).zip(&adopted_ids) {
        edit(&mut tx, *id, doc, read.source(), &mut report).await?;
    }
    // A post taken over is not missing, though the file it came from is.
    let taken_over: HashSet<i64> = adopted_ids.into_iter().collect();

    let fresh = fresh.into_iter().map(|(read, _)| read).collect();
    let mut tx = write_new(store, tx, fresh, &parsing, &mut report).await?;

    for (path, k) in &known {
        if k.archived || present.contains(path) || taken_over.contains(&k.id) {
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

/// Creates the posts of the files `fresh`, in batches of [`NEW_PER_TRANSACTION`], the
/// first in `tx`, each in a transaction of its own after it; returns the last one,
/// still open. Each batch is read while the one before it is written.
async fn write_new(
    store: &Store,
    mut tx: Write,
    fresh: Vec<FileRead>,
    parsing: &Parsing,
    report: &mut ImportReport,
) -> Result<Write, ContentError> {
    let mut batches: Vec<Vec<FileRead>> = Vec::new();
    let mut fresh = fresh.into_iter().peekable();
    while fresh.peek().is_some() {
        batches.push(fresh.by_ref().take(NEW_PER_TRANSACTION).collect());
    }
    let mut batches = batches.into_iter();
    let mut read_next = || {
        let parsing = parsing.clone();
        batches
            .next()
            .map(|batch| tokio::spawn(async move { parsing.again(batch).await }))
    };
    let mut next = read_next();
    let mut first = true;
    while let Some(reading) = next.take() {
        let (batch, docs) = reading.await.expect("reading does not panic")?;
        next = read_next();
        if !first {
            tx.commit().await?;
            tx = store.write().await?;
        }
        first = false;
        let docs: Vec<(PostDoc, Digest)> = docs
            .into_iter()
            .map(|(doc, digest)| (keep_publish_date(doc, None), digest))
            .collect();
        let items: Vec<NewPost> = batch
            .iter()
            .zip(&docs)
            .map(|(read, (doc, digest))| NewPost {
                doc,
                source: Some(read.source()),
                digest,
            })
            .collect();
        posts::insert_many(&mut tx, &items, "import").await?;
        report.added += items.len();
    }
    Ok(tx)
}

/// Makes post `id`'s document `doc`, unless it is that already.
async fn edit(
    tx: &mut Connection,
    id: i64,
    doc: PostDoc,
    source: Source<'_>,
    report: &mut ImportReport,
) -> Result<(), ContentError> {
    let stored = posts::load(tx, id).await?.expect("the id was just read");
    let doc = keep_publish_date(doc, stored.doc.published_at);
    if doc == stored.doc && !stored.archived {
        posts::set_source(tx, id, source).await?;
        report.unchanged += 1;
    } else {
        posts::update(tx, id, &doc, Some(source), "import").await?;
        report.updated += 1;
    }
    Ok(())
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
/// its stamp (see [`crate::disk::file_stamp`]).
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
            Ok((file, path, crate::disk::file_stamp(&meta)))
        })
        .collect()
}

/// How files are parsed: what their front matter defaults to.
#[derive(Clone)]
struct Parsing {
    author: std::sync::Arc<str>,
    now: DateTime<Utc>,
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
    async fn again(
        self,
        files: Vec<FileRead>,
    ) -> Result<(Vec<FileRead>, Vec<(PostDoc, Digest)>), ContentError> {
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
                    let doc = self.parse(read, &bytes)?.doc;
                    let digest = Digest::of(&doc.markdown);
                    Ok((doc, digest))
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
fn scan(
    files: Vec<Stamped>,
    known: &HashMap<String, SourceRecord>,
    parsing: &Parsing,
) -> Result<(Vec<Scanned>, Vec<String>), ContentError> {
    let results: Vec<Result<(Scanned, Vec<String>), ContentError>> = files
        .into_par_iter()
        .map(|(file, path, stamp)| {
            let record = known.get(&path);
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
            let mut parsed = parsing.parse(&read, &bytes)?;
            if record.is_some_and(|k| k.trashed) {
                parsed.warnings.push(format!(
                    "{}: the file changed since its post was trashed: the post is back",
                    read.path
                ));
            }
            let scanned = if record.is_some() {
                Scanned::Known {
                    read,
                    doc: Some(Box::new(parsed.doc)),
                    restamp: false,
                }
            } else {
                Scanned::New {
                    read,
                    slug: parsed.doc.slug,
                }
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
        let (read, slug) = match file {
            Scanned::Known {
                read,
                doc: Some(doc),
                ..
            } => (read, doc.slug.as_str()),
            Scanned::Known {
                read, doc: None, ..
            } => (read, known[&read.path].slug.as_str()),
            Scanned::New { read, slug } => (read, slug.as_str()),
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
        .fetch_one(&mut *store.read().await.expect("a connection"))
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
