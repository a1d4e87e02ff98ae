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
use std::path::Path;

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;

use super::carry::{carry_over, Carried};
use super::scan::{check_slugs, scan, stamp_files, FileRead, Parsed, Parsing, Scanned};
use super::ContentError;
use crate::store::posts::{self, Digest, NewPost};
use crate::store::sources::{self, Source, SourceRecord};
use crate::store::{Change, Connection, PostDoc, Status, Store, Write};

/// New posts written per transaction. One transaction for 100,000 posts grew SQLite's
/// log to the size of the store and copied it all at the end: 20 s where transactions
/// of 5,000, each log copied and then reused, took 16.5 s. (Three in unit tests, so a
/// few files take several.)
const NEW_PER_TRANSACTION: usize = if cfg!(test) { 3 } else { 5_000 };

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Posts whose file is gone, archived because of `--prune`.
    pub archived: usize,
    /// Posts whose file is gone, left as they were (no `--prune`).
    pub missing: usize,
    pub warnings: Vec<String>,
    /// The files added or changed (paths in the content folder): what a CI job's
    /// publish checks the links of.
    #[serde(skip)]
    pub changed: Vec<String>,
    /// Posts published from a file without `date`: dated by this import, and the
    /// date written to the file, so a store rebuilt from the files keeps it.
    #[serde(skip)]
    dated: Vec<i64>,
}

impl ImportReport {
    /// True when the import changed what a build would render.
    pub fn changed(&self) -> bool {
        self.added + self.updated + self.archived > 0
    }
}

/// Imports every Markdown file under `dir`. With `prune`, posts whose file
/// disappeared are archived (kept, with their revisions, but no longer rendered).
pub async fn import_dir(
    store: &Store,
    dir: &Path,
    prune: bool,
    default_author: &str,
    now: DateTime<Utc>,
) -> Result<ImportReport, ContentError> {
    import_folder(store, dir, prune, (default_author, now), "import").await
}

/// [`import_dir`] without `--prune`, its revisions made `by` someone other than the
/// import itself (a Ghost import, which wrote the files it reads).
pub async fn import_as(
    store: &Store,
    dir: &Path,
    default_author: &str,
    now: DateTime<Utc>,
    by: &'static str,
) -> Result<ImportReport, ContentError> {
    import_folder(store, dir, false, (default_author, now), by).await
}

async fn import_folder(
    store: &Store,
    dir: &Path,
    prune: bool,
    (default_author, now): (&str, DateTime<Utc>),
    by: &'static str,
) -> Result<ImportReport, ContentError> {
    let (scanned, warnings, known, mut parsing) =
        first_reading(store, dir, default_author, now).await?;
    parsing.by = by;
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
            Scanned::LeftOut { path } => {
                present.insert(path);
            }
        }
    }
    let mut tx = store.write().await?;
    // Tags and authors first: the posts find them by the names they give.
    let site_warnings = super::site_files::import(&mut tx, dir, parsing.now).await?;
    report.warnings.extend(site_warnings);
    write_edited(&mut tx, edited, &known, &parsing, &mut report).await?;
    let (fresh, taken_over) = adopt(&mut tx, new, &parsing, &mut report).await?;
    let mut tx = write_new(store, tx, fresh, &parsing, &mut report).await?;
    for (path, k) in &known {
        // A post taken over is not missing, though the file it came from is.
        if k.archived || present.contains(path) || taken_over.contains(&k.id) {
            continue;
        }
        if prune {
            posts::archive(&mut tx, k.id, parsing.now).await?;
            report.archived += 1;
        } else {
            report.missing += 1;
        }
    }
    write_dates(&mut tx, dir, &parsing, &mut report).await?;
    tx.commit().await?;
    Ok(report)
}

/// Writes the date this import gave them to the files of posts published without
/// one (a one-line patch of each). A file that cannot be written keeps its post's
/// date in the store only, with a warning.
async fn write_dates(
    tx: &mut Write,
    dir: &Path,
    parsing: &Parsing,
    report: &mut ImportReport,
) -> Result<(), ContentError> {
    let reading = super::save::Reading {
        author: &parsing.author,
        now: parsing.now,
    };
    for id in std::mem::take(&mut report.dated) {
        match super::save::write_post(tx, dir, id, reading).await {
            Ok(()) => {}
            Err(ContentError::Store(e)) => return Err(e.into()),
            Err(e) => report.warnings.push(format!(
                "{e}: the date the post was first published at is kept in the store only"
            )),
        }
    }
    Ok(())
}

/// What the store knows of files, keyed by path.
type Known = HashMap<String, SourceRecord>;

/// The first reading of `dir`: every file checked (front matter, slugs), against what
/// the store knows of it; any error stops the import before the store is touched.
async fn first_reading(
    store: &Store,
    dir: &Path,
    default_author: &str,
    now: DateTime<Utc>,
) -> Result<(Vec<Scanned>, Vec<String>, Known, Parsing), ContentError> {
    let started = std::time::Instant::now();
    // The files are found and stamped while SQLite reads what it knows of them.
    let dir_owned = dir.to_owned();
    let stamped = tokio::task::spawn_blocking(move || stamp_files(&dir_owned));
    let mut conn = store.read().await?;
    let known: Known = sources::sources(&mut conn)
        .await?
        .into_iter()
        .map(|record| (record.path.clone(), record))
        .collect();
    drop(conn);
    let stamped = stamped.await.expect("stamping does not panic")?;
    // Both readings of a file parse it alike: same author, same "now".
    let parsing = Parsing {
        author: default_author.into(),
        now,
        by: "import",
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
    Ok((scanned, warnings, known, parsing))
}

/// Writes the files already in the store that changed, first: a slug one of them
/// gives up is then free for a new file. Moved-away slugs are parked first, so two
/// files may swap slugs.
async fn write_edited(
    tx: &mut Write,
    edited: Vec<(FileRead, Option<Box<Parsed>>, bool)>,
    known: &Known,
    parsing: &Parsing,
    report: &mut ImportReport,
) -> Result<(), ContentError> {
    for (read, doc, _) in &edited {
        let (Some(doc), Some(k)) = (doc, known.get(&read.path)) else {
            continue;
        };
        if doc.doc.slug != k.slug {
            sources::park_slug(tx, k.id).await?;
        }
    }
    for (read, doc, restamp) in edited {
        let id = known[&read.path].id;
        match doc {
            Some(doc) => edit(tx, id, (*doc, parsing), read.source(), report).await?,
            None => {
                if restamp {
                    sources::set_source(tx, id, read.source()).await?;
                }
                report.unchanged += 1;
            }
        }
    }
    Ok(())
}

/// New files that take over a post by its slug (a file renamed, a post first written
/// in the admin), read after the parking so a slug given up is free. Returns the
/// files left to create and the posts taken over.
async fn adopt(
    tx: &mut Write,
    new: Vec<(FileRead, String)>,
    parsing: &Parsing,
    report: &mut ImportReport,
) -> Result<(Vec<FileRead>, HashSet<i64>), ContentError> {
    let slug_ids = if new.is_empty() {
        HashMap::new()
    } else {
        posts::ids_by_slug(tx).await?
    };
    let (adopted, fresh): (Vec<_>, Vec<_>) = new
        .into_iter()
        .partition(|(_, slug)| slug_ids.contains_key(slug));
    let adopted_ids: Vec<i64> = adopted.iter().map(|(_, slug)| slug_ids[slug]).collect();
    let adopted: Vec<FileRead> = adopted.into_iter().map(|(read, _)| read).collect();
    let (adopted, docs) = parsing.clone().again(adopted).await?;
    for ((read, (parsed, _)), id) in adopted.iter().zip(docs).zip(&adopted_ids) {
        edit(tx, *id, (parsed, parsing), read.source(), report).await?;
    }
    let fresh = fresh.into_iter().map(|(read, _)| read).collect();
    Ok((fresh, adopted_ids.into_iter().collect()))
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
        let sanitize: Vec<bool> = docs.iter().map(|(p, _)| p.sanitize).collect();
        let undated: Vec<bool> = docs
            .iter()
            .map(|(p, _)| p.doc.status != Status::Draft && p.doc.published_at.is_none())
            .collect();
        let docs: Vec<(PostDoc, Digest)> = docs
            .into_iter()
            .map(|(p, digest)| (keep_publish_date(p.doc, None, parsing.now), digest))
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
        let change = Change {
            by: parsing.by,
            at: parsing.now,
        };
        let ids = posts::insert_many(&mut tx, &items, change).await?;
        for (id, _) in ids.iter().zip(&sanitize).filter(|(_, s)| **s) {
            posts::set_sanitized(&mut tx, *id, true).await?;
        }
        let dated = ids.iter().zip(&undated).filter(|(_, u)| **u);
        report.dated.extend(dated.map(|(id, _)| *id));
        report.added += items.len();
        report.changed.extend(
            items
                .iter()
                .filter_map(|i| i.source.map(|s| s.path.to_owned())),
        );
    }
    Ok(tx)
}

/// Makes post `id`'s document `doc`, unless it is that already, and cleans its HTML
/// as the file says.
async fn edit(
    tx: &mut Connection,
    id: i64,
    (parsed, parsing): (Parsed, &Parsing),
    source: Source<'_>,
    report: &mut ImportReport,
) -> Result<(), ContentError> {
    let now = parsing.now;
    let stored = posts::load(tx, id).await?.expect("the id was just read");
    if parsed.doc.status != Status::Draft && parsed.doc.published_at.is_none() {
        report.dated.push(id);
    }
    let doc = keep_publish_date(parsed.doc, stored.doc.published_at, now);
    posts::set_sanitized(tx, id, parsed.sanitize).await?;
    if doc == stored.doc && !stored.archived {
        sources::set_source(tx, id, source).await?;
        report.unchanged += 1;
    } else {
        let change = Change {
            by: parsing.by,
            at: now,
        };
        let revision = posts::update(tx, id, &doc, Some(source), change).await?;
        report.updated += 1;
        report.changed.push(source.path.to_owned());
        if let Carried::Conflict(fields) = carry_over(tx, id, revision, &doc).await? {
            report.warnings.push(format!(
                "{}: the post's unpublished changes and this file both changed {}: the \
                 changes wait, to be compared with the live post in the editor",
                source.path,
                fields.join(", ")
            ));
        }
    }
    Ok(())
}

/// A published or scheduled post keeps the date it first got: a file without `date`
/// is dated when first imported, not again on each edit.
fn keep_publish_date(
    mut doc: PostDoc,
    stored: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> PostDoc {
    if doc.status != Status::Draft && doc.published_at.is_none() {
        // The store keeps whole seconds; compare like with like.
        doc.published_at = Some(stored.unwrap_or_else(|| now.trunc_subsecs(0)));
    }
    doc
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
        let report = import_dir(&store, &content, false, "Ada", Utc::now())
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

        let again = import_dir(&store, &content, false, "Ada", Utc::now())
            .await
            .expect("import");
        assert_eq!((again.added, again.unchanged), (0, 8));
        store.close().await;
    }
}
