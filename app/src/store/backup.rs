//! Online backups (`VACUUM INTO`: a consistent copy while the server writes) and
//! restores that check a copy before anything is replaced.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use super::{Result, Store, StoreError};

/// The `build_state` key of the Unix time of the last backup that went through (to a
/// file or a bucket): the server reports it as
/// `folio_backup_last_success_timestamp_seconds`, for the "backup too old" alert.
pub const LAST_BACKUP: &str = "backup_last_success";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a usable folio database: {reason}")]
    Unusable { path: PathBuf, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        BackupError::Store(StoreError::Sql(e))
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

impl Store {
    /// Writes a consistent copy of the database to `target` (which must not exist),
    /// while other connections go on writing. The file appears complete or not at all.
    pub async fn backup_to(&self, target: &Path) -> Result<(), BackupError> {
        if target.exists() {
            return Err(BackupError::Io {
                path: target.to_owned(),
                source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "exists already"),
            });
        }
        let dir = target
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let name = target
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("backup");
        let temp = dir.join(format!(".{name}.partial"));
        let _ = std::fs::remove_file(&temp);
        // VACUUM INTO writes into an empty file as it finds it: made private first.
        super::private_file(&temp).map_err(io(&temp))?;
        sqlx::query("VACUUM INTO ?")
            .bind(temp.to_string_lossy().into_owned())
            .execute(self.pool())
            .await
            .map_err(StoreError::Sql)?;
        std::fs::rename(&temp, target).map_err(io(target))?;
        Ok(())
    }
}

/// What a checked copy holds.
#[derive(Debug)]
pub struct Checked {
    pub posts: i64,
    pub migrations: i64,
}

/// Opens `path` read-only and checks it: SQLite's integrity check, and the tables of
/// a folio store.
pub async fn check(path: &Path) -> Result<Checked, BackupError> {
    let unusable = |reason: String| BackupError::Unusable {
        path: path.to_owned(),
        reason,
    };
    if !path.is_file() {
        return Err(unusable("no such file".into()));
    }
    let mut conn = SqliteConnectOptions::from_str("sqlite:")
        .map_err(|e| unusable(e.to_string()))?
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| unusable(e.to_string()))?;
    let result: Result<Checked, BackupError> = async {
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| unusable(e.to_string()))?;
        if integrity != "ok" {
            return Err(unusable(format!("integrity check failed: {integrity}")));
        }
        let migrations: i64 =
            sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&mut conn)
                .await
                .map_err(|_| unusable("it has no folio schema".into()))?;
        let posts: i64 = sqlx::query_scalar("SELECT count(*) FROM posts")
            .fetch_one(&mut conn)
            .await
            .map_err(|_| unusable("it has no posts table".into()))?;
        Ok(Checked { posts, migrations })
    }
    .await;
    let _ = conn.close().await;
    result
}

/// Replaces the database at `db` with the checked copy `backup`; the database that
/// was there is kept beside it as `<name>.before-restore`. Run with the server stopped.
pub async fn restore(backup: &Path, db: &Path) -> Result<Checked, BackupError> {
    let checked = check(backup).await?;
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    if db.exists() {
        // Fold the WAL into the file, so the kept copy is whole and no stale WAL is
        // replayed onto the restored one.
        let mut conn = SqliteConnectOptions::from_str("sqlite:")
            .map_err(StoreError::Sql)?
            .filename(db)
            .connect()
            .await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut conn)
            .await?;
        conn.close().await?;
        let kept = dir.join(format!(
            "{}.before-restore",
            db.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("folio.db")
        ));
        std::fs::copy(db, &kept).map_err(io(&kept))?;
    }
    let temp = dir.join(".restore.partial");
    std::fs::copy(backup, &temp).map_err(io(&temp))?;
    forget_builds(&temp).await?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::rename(&temp, db).map_err(io(db))?;
    Ok(checked)
}

/// Clears what the store `db` knows of builds (each output folder's fingerprint and
/// page keys): the folders hold builds made since the copy was taken, so the next
/// publish into each renders every page, and the site shows the restored store.
async fn forget_builds(db: &Path) -> Result<(), BackupError> {
    let mut conn = SqliteConnectOptions::from_str("sqlite:")
        .map_err(StoreError::Sql)?
        .filename(db)
        .connect()
        .await?;
    sqlx::query("DELETE FROM page_keys")
        .execute(&mut conn)
        .await?;
    sqlx::query("DELETE FROM build_state WHERE key LIKE 'build:%'")
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// Keeps the `keep` newest files named `folio-*.db` in `dir`; returns those removed.
pub fn prune(dir: &Path, keep: usize) -> Result<Vec<PathBuf>, BackupError> {
    let mut backups: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("folio-") && n.ends_with(".db"))
        })
        .collect();
    // Names carry a UTC timestamp: name order is time order.
    backups.sort();
    let excess = backups.len().saturating_sub(keep);
    let removed: Vec<PathBuf> = backups.into_iter().take(excess).collect();
    for path in &removed {
        std::fs::remove_file(path).map_err(io(path))?;
    }
    Ok(removed)
}
