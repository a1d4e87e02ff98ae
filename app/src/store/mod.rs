//! The content store: one SQLite file reached through sqlx, its schema embedded
//! from `migrations/`. Each submodule owns one table or aggregate, and every SQL
//! statement of folio is in one of them. Callers read through [`Store::read`] and
//! write through [`Store::write`] (`BEGIN IMMEDIATE`); the pool stays here.

pub mod accounts;
pub mod audit;
pub mod backup;
mod bodies;
pub mod digest;
mod doc;
pub mod ghost_keys;
pub mod invites;
pub mod listing;
pub mod pending;
pub mod posts;
mod relation;
pub mod revisions;
pub mod sessions;
pub mod settings;
pub mod snapshot;
pub mod sources;
pub mod state;
pub mod tags;
pub mod tokens;
pub mod users;
pub mod webhooks;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};

use crate::clock::Clock;

pub use accounts::{Account, Role, Taken};
pub use doc::{Change, Kind, PostDoc, Status, StoredPost};
pub use relation::{Refused, MAX_ALIASES};
pub use snapshot::Snapshot;
/// The connection the store's functions take: a [`Read`] or a [`Write`].
pub use sqlx::SqliteConnection as Connection;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the database folder {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database {path}: {source}")]
    Open { path: PathBuf, source: sqlx::Error },
    #[error("cannot migrate the database {path}: {source}")]
    Migrate {
        path: PathBuf,
        source: sqlx::migrate::MigrateError,
    },
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("the database's record of imported files cannot be read: {0}")]
    CorruptSources(String),
    #[error("cannot read {what} from the database: {message}")]
    Unreadable { what: String, message: String },
    #[error("the setting {0} in the database is not valid JSON: {1}")]
    CorruptSetting(String, String),
    #[error("corrupt {field} in the database for post {post}: {message}")]
    Corrupt {
        post: i64,
        field: &'static str,
        message: String,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Rows per multi-row statement: each statement is a round trip to SQLite's thread,
/// and 200 rows stay far below SQLite's limit of bound values.
const BATCH: usize = 200;

/// A handle on the database; cheap to clone.
/// Creates `path` empty with mode 0600 if it is missing, and takes away group and
/// other access if it has any: the database holds password hashes and sealed TOTP
/// secrets. SQLite gives its WAL and shared-memory files the database's mode.
pub(crate) fn private_file(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let meta = std::fs::metadata(path)?;
        let mode = meta.permissions().mode();
        if meta.is_file() && mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))?;
        }
    }
    Ok(())
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
    /// Where every time the store writes comes from (a test's, or the system's).
    clock: Clock,
}

/// Brings the schema at `path` up to date on a connection of its own with foreign keys
/// off, as SQLite documents for schema changes: a migration that rebuilds a table
/// (to change a CHECK) drops the old one, which would otherwise delete every row that
/// refers to it. The keys are checked once all have run.
async fn migrate(path: &Path, options: &SqliteConnectOptions) -> Result<()> {
    use sqlx::{ConnectOptions, Connection};
    let failed = |source| StoreError::Migrate {
        path: path.to_owned(),
        source,
    };
    let mut conn = options
        .clone()
        .foreign_keys(false)
        .connect()
        .await
        .map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
    // None on a new file (no table yet).
    let before = last_migration(&mut conn).await;
    sqlx::migrate!("../migrations")
        .run(&mut conn)
        .await
        .map_err(failed)?;
    // Checked only when a migration ran: a start with nothing to do stays quick.
    let ran = last_migration(&mut conn).await != before;
    let broken: Vec<(String,)> = if ran {
        sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
            .fetch_all(&mut conn)
            .await?
    } else {
        Vec::new()
    };
    conn.close().await?;
    if let Some((table,)) = broken.first() {
        return Err(failed(sqlx::migrate::MigrateError::Execute(
            sqlx::Error::Protocol(format!(
                "a migration left rows of {table} that refer to nothing"
            )),
        )));
    }
    Ok(())
}

/// The newest migration applied, if any.
async fn last_migration(conn: &mut sqlx::SqliteConnection) -> Option<i64> {
    sqlx::query_scalar::<_, Option<i64>>("SELECT max(version) FROM _sqlx_migrations")
        .fetch_one(conn)
        .await
        .ok()
        .flatten()
}

impl Store {
    /// Opens (creating when missing) the database at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_owned(),
                source,
            })?;
        }
        private_file(path).map_err(|source| StoreError::CreateDir {
            path: path.to_owned(),
            source,
        })?;
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|source| StoreError::Open {
                path: path.to_owned(),
                source,
            })?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        migrate(path, &options).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                path: path.to_owned(),
                source,
            })?;
        let store = Self {
            pool,
            path: path.to_owned(),
            clock: Clock::system(),
        };
        store.fill_digests().await?;
        Ok(store)
    }

    /// The store, reading the time from `clock` (a test's).
    pub fn with_clock(self, clock: Clock) -> Self {
        Self { clock, ..self }
    }

    /// The clock every time the store writes comes from.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The time now, by [`Store::clock`].
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The database file (its WAL and shared-memory files sit beside it).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The database file and its WAL: what the database takes on disk.
    pub fn files(&self) -> Vec<PathBuf> {
        let wal = format!("{}-wal", self.path.display());
        vec![self.path.clone(), PathBuf::from(wal)]
    }

    /// The pool, for the store's own statements only: callers go through [`Store::read`]
    /// and [`Store::write`], so that every transaction is opened one way.
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A connection for a sequence of reads.
    pub async fn read(&self) -> Result<Read> {
        Ok(Read(self.pool.acquire().await?))
    }

    /// A write transaction. It takes the write lock first (`BEGIN IMMEDIATE`): what
    /// it reads stays true until it commits, so checks and writes see the same store,
    /// and two writers never deadlock upgrading a read lock. Dropped uncommitted, it
    /// rolls back.
    pub async fn write(&self) -> Result<Write> {
        Ok(Write(self.pool.begin_with("BEGIN IMMEDIATE").await?))
    }

    /// A read transaction: reads that see one state of the store (a snapshot of the
    /// site) while writers go on.
    pub(crate) async fn read_transaction(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin().await?)
    }

    /// Answers when the database does; what `/readyz` asks.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Waits for running queries and closes every connection, checkpointing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A connection of the store, for reads; the store's functions take it as a
/// `&mut SqliteConnection`.
pub struct Read(PoolConnection<Sqlite>);

/// A write transaction of the store (see [`Store::write`]).
pub struct Write(Transaction<'static, Sqlite>);

impl Write {
    pub async fn commit(self) -> Result<()> {
        Ok(self.0.commit().await?)
    }
}

impl std::ops::Deref for Read {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.0
    }
}

impl std::ops::DerefMut for Read {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.0
    }
}

impl std::ops::Deref for Write {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.0
    }
}

impl std::ops::DerefMut for Write {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.0
    }
}

/// The one text form of a timestamp in the database: RFC 3339, UTC, whole seconds.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(crate) fn parse_timestamp(post: i64, field: &'static str, text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt {
            post,
            field,
            message: e.to_string(),
        })
}
