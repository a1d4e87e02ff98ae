//! Rendered post bodies kept between builds, keyed by the hash of the Markdown
//! (its [`Digest`](crate::store::posts::Digest)) and the Markdown renderer's version.
//! Markdown and build-time highlighting are most of a build's work; with the cache
//! warm, a full build only runs the templates, and reads no body from the store.
//!
//! The entries live in one SQLite file (`bodies.db` in the cache folder), read and
//! written a chunk of posts at a time: a file per entry cost a cold 10k build 10,000
//! file creations, a third of all it made. The cache is an optimisation, never a
//! source of truth: a missing, unreadable or unwritable entry is rendered again, and
//! a cache file that cannot be opened is started afresh.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::sqlite::{
    SqliteAutoVacuum, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::SqlitePool;
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

const FILE: &str = "bodies.db";

/// Chunks of bodies waiting to be written before [`BodyCache::put`] waits.
const MAX_QUEUED_WRITES: usize = 4;

pub(super) struct BodyCache {
    pool: SqlitePool,
    /// Builds run on blocking threads; the cache's queries run on this runtime.
    runtime: Handle,
    /// The keys this build asked for or stored, for [`BodyCache::prune`].
    used: Mutex<HashSet<String>>,
    /// Writes under way.
    writes: Mutex<Vec<JoinHandle<Result<(), sqlx::Error>>>>,
    /// The keys of the writes under way: a build that asks again for a body it just
    /// rendered (the feed repeats the newest posts) waits for its write rather than
    /// render it twice.
    pending: Arc<Mutex<HashSet<String>>>,
}

impl BodyCache {
    /// Opens the cache in `dir`, creating it if needed. A file that is not a usable
    /// cache (damaged, or from something else) is removed and made anew.
    pub(super) async fn open(dir: &Path) -> Result<Self, sqlx::Error> {
        std::fs::create_dir_all(dir)?;
        remove_entry_files(dir);
        let path = dir.join(FILE);
        let pool = match connect(&path).await {
            Ok(pool) => pool,
            Err(e) => {
                tracing::warn!("starting the body cache {} afresh: {e}", path.display());
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
                connect(&path).await?
            }
        };
        Ok(Self {
            pool,
            runtime: Handle::current(),
            used: Mutex::new(HashSet::new()),
            writes: Mutex::new(Vec::new()),
            pending: Arc::new(Mutex::new(HashSet::new())),
        })
    }

    /// The cached HTML of each of `body_hashes` that has an entry, by body hash.
    /// Must not be called on one of the runtime's own threads.
    pub(super) fn get(&self, body_hashes: &[&str]) -> HashMap<String, String> {
        let keys: HashMap<String, &str> = body_hashes.iter().map(|h| (key(h), *h)).collect();
        self.mark_used(keys.keys());
        let written_soon = {
            let pending = self
                .pending
                .lock()
                .expect("no panic while holding the lock");
            keys.keys().any(|k| pending.contains(k))
        };
        if written_soon {
            self.flush();
        }
        let wanted =
            serde_json::to_string(&keys.keys().collect::<Vec<_>>()).expect("strings serialize");
        let rows: Result<Vec<(String, String)>, sqlx::Error> = self.runtime.block_on(
            sqlx::query_as(
                "SELECT key, html FROM bodies WHERE key IN (SELECT value FROM json_each(?))",
            )
            .bind(wanted)
            .fetch_all(&self.pool),
        );
        match rows {
            Ok(rows) => rows
                .into_iter()
                .filter_map(|(k, html)| keys.get(&k).map(|h| ((*h).to_owned(), html)))
                .collect(),
            Err(e) => {
                tracing::debug!("cannot read the body cache: {e}");
                HashMap::new()
            }
        }
    }

    /// Keeps each `(body hash, HTML)` of `entries`. The write goes on in the
    /// background while the build renders on; [`BodyCache::flush`] waits for it.
    pub(super) fn put(&self, entries: Vec<(String, String)>) {
        if entries.is_empty() {
            return;
        }
        let entries: Vec<(String, String)> = entries
            .into_iter()
            .map(|(h, html)| (key(&h), html))
            .collect();
        self.mark_used(entries.iter().map(|(k, _)| k));
        self.pending
            .lock()
            .expect("no panic while holding the lock")
            .extend(entries.iter().map(|(k, _)| k.clone()));
        let (pool, pending) = (self.pool.clone(), self.pending.clone());
        let write = self.runtime.spawn(async move {
            let written = async {
                let mut tx = pool.begin().await?;
                for (key, html) in &entries {
                    sqlx::query("INSERT OR REPLACE INTO bodies (key, html) VALUES (?, ?)")
                        .bind(key)
                        .bind(html)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await
            }
            .await;
            let mut pending = pending.lock().expect("no panic while holding the lock");
            for (key, _) in &entries {
                pending.remove(key);
            }
            written
        });
        let mut writes = self.writes.lock().expect("no panic while holding the lock");
        writes.push(write);
        // Rendering may outpace SQLite: past a few chunks queued, wait for the oldest,
        // so the bodies waiting to be written stay a few megabytes.
        if writes.len() > MAX_QUEUED_WRITES {
            let oldest = writes.remove(0);
            drop(writes);
            self.wait(vec![oldest]);
        }
    }

    /// Waits for the writes [`BodyCache::put`] started.
    pub(super) fn flush(&self) {
        let writes =
            std::mem::take(&mut *self.writes.lock().expect("no panic while holding the lock"));
        self.wait(writes);
    }

    fn wait(&self, writes: Vec<JoinHandle<Result<(), sqlx::Error>>>) {
        self.runtime.block_on(async {
            for write in writes {
                match write.await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::debug!("cannot write the body cache: {e}"),
                    Err(e) => tracing::debug!("a body cache write did not finish: {e}"),
                }
            }
        });
    }

    /// Removes entries no body of this build used: after a full build, that is every
    /// entry of edited, deleted or unpublished posts.
    pub(super) fn prune(&self) {
        self.flush();
        let used = self.used.lock().expect("no panic while holding the lock");
        let pruned = self.runtime.block_on(async {
            let keys: Vec<(String,)> = sqlx::query_as("SELECT key FROM bodies")
                .fetch_all(&self.pool)
                .await?;
            let mut tx = self.pool.begin().await?;
            for (key,) in keys.iter().filter(|(k,)| !used.contains(k)) {
                sqlx::query("DELETE FROM bodies WHERE key = ?")
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            // Gives the freed pages back to the file system.
            sqlx::query("PRAGMA incremental_vacuum")
                .execute(&self.pool)
                .await
        });
        if let Err(e) = pruned {
            tracing::debug!("cannot prune the body cache: {e}");
        }
    }

    fn mark_used<'k>(&self, keys: impl Iterator<Item = &'k String>) {
        self.used
            .lock()
            .expect("no panic while holding the lock")
            .extend(keys.cloned());
    }
}

/// An entry's key: the body's hash and the version of the renderer that made it.
fn key(body_hash: &str) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(crate::render::markdown::VERSION.as_bytes());
    hasher.update(body_hash.as_bytes());
    hasher.finalize().to_hex().to_string()
}

async fn connect(path: &Path) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::from_str("sqlite:")?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // A cache may lose its last writes on a crash; it never loses a post.
        .synchronous(SqliteSynchronous::Normal)
        .auto_vacuum(SqliteAutoVacuum::Incremental)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY NOT NULL, html TEXT NOT NULL)",
    )
    .execute(&pool)
    .await?;
    // Reading proves the file is a database with the table we expect.
    sqlx::query("SELECT count(*) FROM bodies LIMIT 1")
        .execute(&pool)
        .await?;
    Ok(pool)
}

/// Earlier versions kept one file per entry in folders `00`..`ff`: those go.
fn remove_entry_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let old = name.len() == 2 && name.bytes().all(|b| b.is_ascii_hexdigit());
        if old && entry.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime")
    }

    fn entries(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(h, html)| ((*h).to_owned(), (*html).to_owned()))
            .collect()
    }

    #[test]
    fn hits_misses_and_pruning() {
        let rt = runtime();
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("ab")).expect("an old entry folder");
        let cache = rt.block_on(BodyCache::open(dir.path())).expect("open");
        assert!(!dir.path().join("ab").exists(), "the old layout is removed");
        assert!(cache.get(&["abc"]).is_empty());
        cache.put(entries(&[("abc", "<p>a</p>"), ("abd", "<p>d</p>")]));
        cache.flush();
        let got = cache.get(&["abc", "nope"]);
        assert_eq!(got.len(), 1);
        assert_eq!(got["abc"], "<p>a</p>");
        drop(cache);

        let next = rt.block_on(BodyCache::open(dir.path())).expect("reopen");
        next.put(entries(&[("other", "<p>o</p>")]));
        next.flush();
        assert_eq!(next.get(&["abc"])["abc"], "<p>a</p>", "kept across opens");
        next.prune();
        assert!(
            next.get(&["abd"]).is_empty(),
            "the entry this build did not use is gone"
        );
        assert_eq!(next.get(&["other"])["other"], "<p>o</p>");
        assert_eq!(next.get(&["abc"])["abc"], "<p>a</p>");
    }

    #[test]
    fn a_damaged_cache_file_is_started_afresh() {
        let rt = runtime();
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(FILE), b"this is not a database, not at all")
            .expect("write");
        let cache = rt.block_on(BodyCache::open(dir.path())).expect("open");
        cache.put(entries(&[("abc", "<p>a</p>")]));
        cache.flush();
        assert_eq!(cache.get(&["abc"])["abc"], "<p>a</p>");
    }
}
