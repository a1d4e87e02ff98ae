//! The ordered many-to-many links from posts to tags and to authors, which have the
//! same shape: (post_id, other_id, sort_order), read back as the other side's names.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::{timestamp, Result, StoreError};

/// Why an edit of a tag or an author was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    NotFound,
    /// Another row has this name (names are compared without case).
    NameTaken,
    /// Another row has this slug, or had it (its old page redirects there).
    SlugTaken,
}

/// Old slugs a tag or an author keeps (the newest): each is a redirect page, so
/// renames cannot fill the site.
pub const MAX_ALIASES: i64 = 5;

/// One link table; the names are fixed identifiers, never user input.
pub(crate) struct Relation {
    /// The link table, e.g. `post_tags`.
    pub link: &'static str,
    /// Its column pointing at the other table, e.g. `tag_id`.
    pub column: &'static str,
    /// The other table, e.g. `tags`; its `name` column is what is read back.
    pub table: &'static str,
    /// The slugs rows of `table` had before a rename: (slug, `column`), the same
    /// column name as the link's.
    pub aliases: &'static str,
    /// The slug a name is matched by, so `Rust` and `rust` are one tag.
    pub slug_of: fn(&str) -> String,
    /// Which rows' old slugs a new link may find (SQL on the aliases table): an
    /// account's old slugs never attach a byline to it, or an author could take
    /// bylines meant for others by renaming their slug to them first.
    pub aliases_found: &'static str,
}

impl Relation {
    /// Whether `name` or `slug` belong to a row of the other table (or to its old
    /// slugs) other than `id`.
    pub(crate) async fn taken(
        &self,
        conn: &mut SqliteConnection,
        id: Option<i64>,
        name: &str,
        slug: &str,
    ) -> Result<Option<Refused>> {
        let (table, aliases, column) = (self.table, self.aliases, self.column);
        let other = id.unwrap_or(-1);
        let sql = format!("SELECT 1 FROM {table} WHERE lower(name) = lower(?) AND id != ?");
        if sqlx::query(&sql)
            .bind(name)
            .bind(other)
            .fetch_optional(&mut *conn)
            .await?
            .is_some()
        {
            return Ok(Some(Refused::NameTaken));
        }
        let sql = format!(
            "SELECT 1 FROM {table} WHERE slug = ?1 AND id != ?2 \
             UNION ALL SELECT 1 FROM {aliases} WHERE slug = ?1 AND {column} != ?2"
        );
        let slug_taken = sqlx::query(&sql)
            .bind(slug)
            .bind(other)
            .fetch_optional(&mut *conn)
            .await?
            .is_some();
        Ok(slug_taken.then_some(Refused::SlugTaken))
    }

    /// Keeps `old`, the slug row `id` leaves in a rename, as an old slug (its page
    /// redirects), with only the newest [`MAX_ALIASES`] of them.
    pub(crate) async fn keep_old_slug(
        &self,
        conn: &mut SqliteConnection,
        id: i64,
        old: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let (aliases, column) = (self.aliases, self.column);
        sqlx::query(&format!(
            "INSERT OR REPLACE INTO {aliases} (slug, {column}, renamed_at) VALUES (?, ?, ?)"
        ))
        .bind(old)
        .bind(id)
        // To the millisecond: renames in one second keep their order.
        .bind(at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .execute(&mut *conn)
        .await?;
        sqlx::query(&format!(
            "DELETE FROM {aliases} WHERE {column} = ?1 AND slug NOT IN (SELECT slug \
             FROM {aliases} WHERE {column} = ?1 ORDER BY renamed_at DESC LIMIT ?2)"
        ))
        .bind(id)
        .bind(MAX_ALIASES)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// The row a data file renames: none has the slug `new` yet, and one has a slug
    /// of `olds` (the old slugs the file lists).
    pub(crate) async fn renamed(
        &self,
        conn: &mut SqliteConnection,
        olds: &[String],
        new: &str,
    ) -> Result<Option<i64>> {
        if !ids_by_slug(conn, self.table, &[new.to_owned()])
            .await?
            .is_empty()
        {
            return Ok(None);
        }
        let found = ids_by_slug(conn, self.table, olds).await?;
        Ok(olds.iter().find_map(|old| found.get(old)).copied())
    }

    /// Gives the row whose slug is `slug` the old slugs `olds` (a file's list) it does
    /// not have yet; returns those left out, which another row has as its slug or an
    /// old one.
    pub(crate) async fn add_old_slugs(
        &self,
        conn: &mut SqliteConnection,
        slug: &str,
        olds: &[String],
        at: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let (aliases, column) = (self.aliases, self.column);
        let Some(&id) = ids_by_slug(conn, self.table, &[slug.to_owned()])
            .await?
            .get(slug)
        else {
            return Ok(Vec::new());
        };
        let mut left = Vec::new();
        for old in olds.iter().filter(|o| *o != slug) {
            let as_slug = ids_by_slug(conn, self.table, std::slice::from_ref(old)).await?;
            let owner: Option<i64> =
                sqlx::query_scalar(&format!("SELECT {column} FROM {aliases} WHERE slug = ?"))
                    .bind(old)
                    .fetch_optional(&mut *conn)
                    .await?;
            match owner {
                _ if !as_slug.is_empty() => left.push(old.clone()),
                Some(owner) if owner != id => left.push(old.clone()),
                Some(_) => {}
                None => self.keep_old_slug(conn, id, old, at).await?,
            }
        }
        Ok(left)
    }

    /// The ids of the rows called `names`, by name: the row of that exact name, else
    /// the row of its slug (so `Rust` and `rust` are one tag), else the row that had
    /// that slug before a rename (a file naming a tag renamed in the admin finds it),
    /// else a new row (made `at`).
    pub(crate) async fn ensure(
        &self,
        conn: &mut SqliteConnection,
        names: &[&String],
        at: DateTime<Utc>,
    ) -> Result<HashMap<String, i64>> {
        let exact: Vec<String> = names.iter().map(|n| (*n).clone()).collect();
        let mut ids = ids_by_column(conn, self.table, "name", &exact).await?;
        let missing: Vec<&String> = names
            .iter()
            .copied()
            .filter(|n| !ids.contains_key(*n))
            .collect();
        let slugs: Vec<String> = missing.iter().map(|n| (self.slug_of)(n)).collect();
        let mut by_slug = ids_by_slug(conn, self.table, &slugs).await?;
        let unknown: Vec<String> = slugs
            .iter()
            .filter(|s| !by_slug.contains_key(*s))
            .cloned()
            .collect();
        by_slug.extend(self.ids_by_alias(conn, &unknown).await?);
        let now = timestamp(at);
        let insert = format!(
            "INSERT INTO {} (slug, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
            self.table
        );
        for (name, slug) in missing.into_iter().zip(slugs) {
            let id = match by_slug.entry(slug) {
                Entry::Occupied(entry) => *entry.get(),
                Entry::Vacant(entry) => {
                    let id = sqlx::query_scalar(&insert)
                        .bind(entry.key())
                        .bind(name)
                        .bind(&now)
                        .bind(&now)
                        .fetch_one(&mut *conn)
                        .await?;
                    *entry.insert(id)
                }
            };
            ids.insert(name.clone(), id);
        }
        Ok(ids)
    }

    /// The rows that had the slugs `slugs` before a rename, by old slug.
    async fn ids_by_alias(
        &self,
        conn: &mut SqliteConnection,
        slugs: &[String],
    ) -> Result<HashMap<String, i64>> {
        let mut ids = HashMap::new();
        for chunk in slugs.chunks(1000) {
            let mut select = QueryBuilder::<Sqlite>::new(format!(
                "SELECT slug, {} FROM {} WHERE {} AND slug IN (",
                self.column, self.aliases, self.aliases_found
            ));
            let mut list = select.separated(", ");
            for slug in chunk {
                list.push_bind(slug);
            }
            select.push(")");
            let rows: Vec<(String, i64)> = select.build_query_as().fetch_all(&mut *conn).await?;
            ids.extend(rows);
        }
        Ok(ids)
    }

    /// Makes each post's links the rows named, in order, creating missing ones (made
    /// `at`).
    pub(crate) async fn set_named(
        &self,
        conn: &mut SqliteConnection,
        posts: &[(i64, Vec<String>)],
        fresh: bool,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let names: Vec<&String> = posts.iter().flat_map(|(_, names)| names).collect();
        let ids = self.ensure(conn, &names, at).await?;
        let links: Vec<(i64, Vec<i64>)> = posts
            .iter()
            .map(|(post, names)| (*post, names.iter().map(|n| ids[n]).collect()))
            .collect();
        self.set(conn, &links, fresh).await
    }

    /// Makes each post's links the given ids, in order (duplicates after the first are
    /// dropped). `fresh` skips clearing links new posts cannot have yet.
    pub(crate) async fn set(
        &self,
        conn: &mut SqliteConnection,
        links: &[(i64, Vec<i64>)],
        fresh: bool,
    ) -> Result<()> {
        if !fresh && !links.is_empty() {
            let mut delete = QueryBuilder::<Sqlite>::new(format!(
                "DELETE FROM {} WHERE post_id IN (",
                self.link
            ));
            let mut list = delete.separated(", ");
            for (post_id, _) in links {
                list.push_bind(*post_id);
            }
            delete.push(")").build().execute(&mut *conn).await?;
        }
        let rows: Vec<(i64, i64, i64)> = links
            .iter()
            .flat_map(|(post_id, ids)| {
                ids.iter()
                    .enumerate()
                    .map(move |(order, id)| (*post_id, *id, order as i64))
            })
            .collect();
        // One statement per batch of links: each statement is a round trip to SQLite's thread.
        for chunk in rows.chunks(1000) {
            let mut insert = QueryBuilder::<Sqlite>::new(format!(
                "INSERT OR IGNORE INTO {} (post_id, {}, sort_order) ",
                self.link, self.column
            ));
            insert.push_values(chunk, |mut row, (post_id, id, order)| {
                row.push_bind(*post_id).push_bind(*id).push_bind(*order);
            });
            insert.build().execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// The names linked to one post, in order.
    pub(crate) async fn names_for_post(
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

    /// The ids linked to every post (or to the posts `only`), in order, by post id.
    pub(crate) async fn ids_by_post(
        &self,
        conn: &mut SqliteConnection,
        only: Option<&[i64]>,
    ) -> Result<HashMap<i64, Vec<i64>>> {
        // One JSON value rather than a row per post: rows cross a thread one by one.
        let filter = if only.is_some() {
            "WHERE post_id IN (SELECT value FROM json_each(?))"
        } else {
            ""
        };
        let sql = format!(
            "SELECT json_group_object(post_id, ids) FROM (SELECT post_id, \
             group_concat({column}, ',' ORDER BY sort_order) AS ids FROM {link} {filter} \
             GROUP BY post_id)",
            link = self.link,
            column = self.column
        );
        let mut query = sqlx::query_scalar(&sql);
        if let Some(ids) = only {
            query = query.bind(serde_json::to_string(ids).expect("ids serialize"));
        }
        let json: String = query.fetch_one(&mut *conn).await?;
        let rows: HashMap<i64, String> =
            serde_json::from_str(&json).map_err(|e| StoreError::Unreadable {
                what: self.link.to_owned(),
                message: e.to_string(),
            })?;
        let map = rows
            .into_iter()
            .map(|(post, ids)| {
                (
                    post,
                    ids.split(',').filter_map(|id| id.parse().ok()).collect(),
                )
            })
            .collect();
        Ok(map)
    }
}

/// A JSON array of strings read from SQLite (`json_group_array`).
pub(crate) fn json_list(json: &str, what: &str) -> Result<Vec<String>> {
    serde_json::from_str(json).map_err(|e| StoreError::Unreadable {
        what: what.to_owned(),
        message: e.to_string(),
    })
}

/// The ids of the rows of `table` whose slug is in `slugs`, by slug.
pub(crate) async fn ids_by_slug(
    conn: &mut SqliteConnection,
    table: &'static str,
    slugs: &[String],
) -> Result<HashMap<String, i64>> {
    ids_by_column(conn, table, "slug", slugs).await
}

/// The ids of the rows of `table` whose `column` is in `values`, by value (the first
/// row when several share one).
async fn ids_by_column(
    conn: &mut SqliteConnection,
    table: &'static str,
    column: &'static str,
    values: &[String],
) -> Result<HashMap<String, i64>> {
    let mut ids = HashMap::with_capacity(values.len());
    for chunk in values.chunks(1000) {
        let mut select = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {column}, min(id) FROM {table} WHERE {column} IN ("
        ));
        let mut list = select.separated(", ");
        for value in chunk {
            list.push_bind(value);
        }
        select.push(format!(") GROUP BY {column}"));
        let rows: Vec<(String, i64)> = select.build_query_as().fetch_all(&mut *conn).await?;
        ids.extend(rows);
    }
    Ok(ids)
}
