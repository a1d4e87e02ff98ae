//! Revisions: every version a post ever had, its document as JSON. The current
//! revision's body is the post's own (in `post_bodies`); a revision gets its body
//! when a newer one supersedes it.

use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::doc::{Change, PostDoc};
use super::{timestamp, Result, StoreError};

/// Appends revisions: (post id, number, document), each the post's current one, so
/// stored without its body: that is in `post_bodies` already, and keeping it twice
/// doubled what an import writes.
pub(super) async fn record_revisions(
    conn: &mut SqliteConnection,
    docs: &[(i64, i64, &PostDoc)],
    change: Change<'_>,
) -> Result<()> {
    let now = timestamp(change.at);
    let mut insert = QueryBuilder::<Sqlite>::new(
        "INSERT INTO revisions (post_id, number, source, created_at, document) ",
    );
    insert.push_values(docs, |mut row, (id, number, doc)| {
        row.push_bind(*id)
            .push_bind(*number)
            .push_bind(change.by)
            .push_bind(&now)
            .push_bind(document_without_body(doc));
    });
    insert.build().execute(&mut *conn).await?;
    Ok(())
}

/// A document as JSON, all but its `markdown`.
fn document_without_body(doc: &PostDoc) -> String {
    let mut fields = serde_json::to_value(doc).expect("a PostDoc serializes");
    if let serde_json::Value::Object(fields) = &mut fields {
        fields.remove("markdown");
    }
    fields.to_string()
}

/// Gives the revision post `id` just left (its row already counts the new one) the
/// body still in `post_bodies`, before the new revision replaces it there.
pub(super) async fn keep_superseded_body(conn: &mut SqliteConnection, id: i64) -> Result<()> {
    sqlx::query(
        "UPDATE revisions SET document = json_set(document, '$.markdown', \
             (SELECT markdown FROM post_bodies WHERE post_id = ?1)) \
         WHERE post_id = ?1 AND number = (SELECT revision - 1 FROM posts WHERE id = ?1) \
             AND json_type(document, '$.markdown') IS NULL",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The document of revision `number` of post `id`, body included.
pub async fn document(
    conn: &mut SqliteConnection,
    id: i64,
    number: i64,
) -> Result<Option<PostDoc>> {
    let row = sqlx::query(&format!(
        "SELECT {DOCUMENT} AS document FROM revisions WHERE post_id = ? AND number = ?"
    ))
    .bind(id)
    .bind(number)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| parse(id, &r)).transpose()
}

/// A revision's document with its body: the current revision's is the post's (see
/// [`record_revisions`]).
const DOCUMENT: &str = "CASE WHEN json_type(document, '$.markdown') IS NULL \
     THEN json_set(document, '$.markdown', \
         (SELECT markdown FROM post_bodies WHERE post_id = revisions.post_id)) \
     ELSE document END";

fn parse(id: i64, row: &sqlx::sqlite::SqliteRow) -> Result<PostDoc> {
    let document: String = row.try_get("document")?;
    serde_json::from_str(&document).map_err(|e| StoreError::Corrupt {
        post: id,
        field: "revision document",
        message: e.to_string(),
    })
}

/// The revisions of a post, oldest first: (number, origin, created_at, document).
pub async fn revisions(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Vec<(i64, String, String, PostDoc)>> {
    let rows = sqlx::query(&format!(
        "SELECT number, source, created_at, {DOCUMENT} AS document \
         FROM revisions WHERE post_id = ? ORDER BY number"
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("number")?,
                r.try_get("source")?,
                r.try_get("created_at")?,
                parse(id, r)?,
            ))
        })
        .collect()
}
