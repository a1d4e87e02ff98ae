//! Changes saved to a published post and not published yet. The post's row stays
//! what the site shows; its pending changes wait beside it until the post is updated
//! (they become its next revision) or they are discarded.

use serde::Serialize;
use sqlx::{Row, SqliteConnection};

use super::doc::{Change, PostDoc};
use super::{timestamp, Result, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pending {
    /// The post's revision they were made on.
    pub base_revision: i64,
    /// How many saves made them: a save must name the count it saw.
    pub saves: i64,
    pub document: PostDoc,
    /// Last written by an author: published, the body is cleaned.
    pub sanitized: bool,
    pub saved_by: String,
    pub saved_at: String,
}

/// The pending changes of post `id`, if it has any.
pub async fn get(conn: &mut SqliteConnection, id: i64) -> Result<Option<Pending>> {
    let Some(row) = sqlx::query(
        "SELECT base_revision, saves, document, sanitized, saved_by, saved_at FROM post_pending \
         WHERE post_id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let document: String = row.try_get("document")?;
    let document = serde_json::from_str(&document).map_err(|e| StoreError::Corrupt {
        post: id,
        field: "pending document",
        message: e.to_string(),
    })?;
    Ok(Some(Pending {
        base_revision: row.try_get("base_revision")?,
        saves: row.try_get("saves")?,
        document,
        sanitized: row.try_get::<i64, _>("sanitized")? != 0,
        saved_by: row.try_get("saved_by")?,
        saved_at: row.try_get("saved_at")?,
    }))
}

/// Saves `doc` as the pending changes of post `id`, `sanitized` if an author wrote
/// them, one save more than before; returns them. New changes are made on revision
/// `base`; changes already pending keep the revision they were made on, unless
/// `rebase` (the editor compared them with `base` and carries them over it).
pub async fn save(
    conn: &mut SqliteConnection,
    id: i64,
    (base, rebase): (i64, bool),
    doc: &PostDoc,
    sanitized: bool,
    change: Change<'_>,
) -> Result<Pending> {
    let document = serde_json::to_string(doc).expect("a PostDoc serializes");
    sqlx::query(
        "INSERT INTO post_pending \
         (post_id, base_revision, saves, document, sanitized, saved_by, saved_at) \
         VALUES (?1, ?2, 1, ?3, ?6, ?4, ?5) ON CONFLICT (post_id) DO UPDATE SET \
         base_revision = CASE WHEN ?7 THEN ?2 ELSE base_revision END, \
         saves = saves + 1, document = ?3, sanitized = ?6, \
         saved_by = ?4, saved_at = ?5",
    )
    .bind(id)
    .bind(base)
    .bind(document)
    .bind(change.by)
    .bind(timestamp(change.at))
    .bind(sanitized)
    .bind(rebase)
    .execute(&mut *conn)
    .await?;
    Ok(get(conn, id).await?.expect("just saved"))
}

/// Makes `doc` the pending changes of post `id`, made on revision `base`: the changes
/// merged with a newer revision (`content::carry`). Who saved them and how many
/// saves stay: an editor open on the old revision is refused its next save, and
/// reloads the merge.
pub async fn carry(conn: &mut SqliteConnection, id: i64, base: i64, doc: &PostDoc) -> Result<()> {
    let document = serde_json::to_string(doc).expect("a PostDoc serializes");
    sqlx::query("UPDATE post_pending SET base_revision = ?2, document = ?3 WHERE post_id = ?1")
        .bind(id)
        .bind(base)
        .bind(document)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Drops the pending changes of post `id` (published, or discarded).
pub async fn discard(conn: &mut SqliteConnection, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM post_pending WHERE post_id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
