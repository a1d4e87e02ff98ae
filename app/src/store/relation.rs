//! The ordered many-to-many links from posts to tags and to authors, which have the
//! same shape: (post_id, other_id, sort_order), read back as the other side's names.

use std::collections::HashMap;

use sqlx::{Row, SqliteConnection};

use super::Result;

/// One link table; the names are fixed identifiers, never user input.
pub(crate) struct Relation {
    /// The link table, e.g. `post_tags`.
    pub link: &'static str,
    /// Its column pointing at the other table, e.g. `tag_id`.
    pub column: &'static str,
    /// The other table, e.g. `tags`; its `name` column is what is read back.
    pub table: &'static str,
}

impl Relation {
    /// Makes `ids` the post's links, in that order (duplicates after the first are dropped).
    pub async fn set(&self, conn: &mut SqliteConnection, post_id: i64, ids: &[i64]) -> Result<()> {
        sqlx::query(&format!("DELETE FROM {} WHERE post_id = ?", self.link))
            .bind(post_id)
            .execute(&mut *conn)
            .await?;
        let insert = format!(
            "INSERT OR IGNORE INTO {} (post_id, {}, sort_order) VALUES (?, ?, ?)",
            self.link, self.column
        );
        for (order, id) in ids.iter().enumerate() {
            sqlx::query(&insert)
                .bind(post_id)
                .bind(id)
                .bind(order as i64)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// The names linked to one post, in order.
    pub async fn names_for_post(
        &self,
        conn: &mut SqliteConnection,
        post_id: i64,
    ) -> Result<Vec<String>> {
        let sql = format!(
            "SELECT o.name FROM {link} l JOIN {table} o ON o.id = l.{column} \
             WHERE l.post_id = ? ORDER BY l.sort_order",
            link = self.link,
            table = self.table,
            column = self.column
        );
        Ok(sqlx::query_scalar(&sql)
            .bind(post_id)
            .fetch_all(&mut *conn)
            .await?)
    }

    /// The ids linked to every post, in order, by post id.
    pub async fn ids_by_post(&self, conn: &mut SqliteConnection) -> Result<HashMap<i64, Vec<i64>>> {
        let sql = format!(
            "SELECT post_id, {column} AS other FROM {link} ORDER BY post_id, sort_order",
            link = self.link,
            column = self.column
        );
        let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
        for row in sqlx::query(&sql).fetch_all(&mut *conn).await? {
            map.entry(row.try_get("post_id")?)
                .or_default()
                .push(row.try_get("other")?);
        }
        Ok(map)
    }
}
