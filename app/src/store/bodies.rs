//! The bodies of posts (`post_bodies`): the Markdown of each post's current revision,
//! kept once, and read only for the posts a build renders.

use std::collections::HashMap;

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::doc::PostDoc;
use super::Result;
use super::BATCH;

/// Stores the bodies of posts: (id, document).
pub(super) async fn set_bodies(
    conn: &mut SqliteConnection,
    docs: &[(i64, &PostDoc)],
) -> Result<()> {
    let mut upsert = QueryBuilder::<Sqlite>::new("INSERT INTO post_bodies (post_id, markdown) ");
    upsert.push_values(docs, |mut row, (id, doc)| {
        row.push_bind(*id).push_bind(&doc.markdown);
    });
    upsert.push(" ON CONFLICT (post_id) DO UPDATE SET markdown = excluded.markdown");
    upsert.build().execute(&mut *conn).await?;
    Ok(())
}

/// Reads the Markdown of the posts `ids` (archived or not): id -> Markdown.
pub(super) async fn markdown_of(
    conn: &mut SqliteConnection,
    ids: &[i64],
) -> Result<HashMap<i64, String>> {
    let mut bodies = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(BATCH) {
        let mut select = QueryBuilder::<Sqlite>::new(
            "SELECT post_id, markdown FROM post_bodies WHERE post_id IN (",
        );
        let mut list = select.separated(", ");
        for id in chunk {
            list.push_bind(id);
        }
        select.push(")");
        let rows: Vec<(i64, String)> = select.build_query_as().fetch_all(&mut *conn).await?;
        bodies.extend(rows);
    }
    Ok(bodies)
}
