//! What the importer keeps of the files posts came from: each post's path in
//! `content/`, the file's hash and stamp, so an unchanged file is recognised without
//! being read.

use sqlx::SqliteConnection;

use super::{Result, StoreError};

/// Where a post was imported from: a path relative to `content/`, the file's hash, and
/// its size and modification time when read (see [`file_stamp`](crate::disk::file_stamp)).
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub path: &'a str,
    pub hash: &'a str,
    pub stamp: &'a str,
}

/// A post that came from a file, as the importer needs to know it.
#[derive(Debug, Clone)]
pub struct SourceRecord {
    pub path: String,
    pub id: i64,
    pub hash: String,
    pub stamp: String,
    pub slug: String,
    pub archived: bool,
    /// Archived by someone (the trash), not because the file went.
    pub trashed: bool,
}

/// Gives post `id` a slug no file or post can have, so that another may take its
/// slug in the same transaction (two files that swap slugs).
pub async fn park_slug(conn: &mut SqliteConnection, id: i64) -> Result<()> {
    sqlx::query("UPDATE posts SET slug = '~moving~' || id WHERE id = ?")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records where a post's file is and what it hashed to, without a new revision.
pub async fn set_source(conn: &mut SqliteConnection, id: i64, source: Source<'_>) -> Result<()> {
    // Touches no rendered column, so the store's version stays as it is.
    sqlx::query("UPDATE posts SET source_path = ?, source_hash = ?, source_stamp = ? WHERE id = ?")
        .bind(source.path)
        .bind(source.hash)
        .bind(source.stamp)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Every post that came from a file, archived or not.
pub async fn sources(conn: &mut SqliteConnection) -> Result<Vec<SourceRecord>> {
    // One JSON row rather than a row per post: rows cross to this thread one at a time,
    // and this runs on every publish.
    let json: String = sqlx::query_scalar(
        "SELECT json_group_array(json_array(source_path, id, coalesce(source_hash, ''), \
         coalesce(source_stamp, ''), slug, deleted_at IS NOT NULL, trashed)) \
         FROM posts WHERE source_path IS NOT NULL",
    )
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<(String, i64, String, String, String, i64, i64)> =
        serde_json::from_str(&json).map_err(|e| StoreError::CorruptSources(e.to_string()))?;
    Ok(rows
        .into_iter()
        .map(
            |(path, id, hash, stamp, slug, archived, trashed)| SourceRecord {
                path,
                id,
                hash,
                stamp,
                slug,
                archived: archived != 0,
                trashed: trashed != 0,
            },
        )
        .collect())
}

/// Whether a post other than `id` came from the file `path`.
pub async fn path_taken(conn: &mut SqliteConnection, path: &str, id: i64) -> Result<bool> {
    let taken: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM posts WHERE source_path = ? AND id <> ? LIMIT 1")
            .bind(path)
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(taken.is_some())
}

/// What the last push sent of each file of `content/` (path -> hash).
pub async fn pushed(
    conn: &mut SqliteConnection,
) -> Result<std::collections::BTreeMap<String, String>> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT path, hash FROM pushed_files")
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Records what a push sent (`hash`) or removed (`None`) of the file `path`.
pub async fn set_pushed(conn: &mut SqliteConnection, path: &str, hash: Option<&str>) -> Result<()> {
    match hash {
        Some(hash) => {
            sqlx::query(
                "INSERT INTO pushed_files (path, hash) VALUES (?, ?) \
                 ON CONFLICT (path) DO UPDATE SET hash = excluded.hash",
            )
            .bind(path)
            .bind(hash)
            .execute(conn)
            .await?
        }
        None => {
            sqlx::query("DELETE FROM pushed_files WHERE path = ?")
                .bind(path)
                .execute(conn)
                .await?
        }
    };
    Ok(())
}

/// Slug -> title of every post not archived that came from no file.
pub async fn fileless(
    conn: &mut SqliteConnection,
) -> Result<std::collections::HashMap<String, String>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT slug, title FROM posts WHERE source_path IS NULL AND deleted_at IS NULL",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The ids of posts not archived that came from no file.
pub async fn fileless_ids(conn: &mut SqliteConnection) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM posts WHERE source_path IS NULL AND deleted_at IS NULL ORDER BY id",
    )
    .fetch_all(conn)
    .await?)
}
