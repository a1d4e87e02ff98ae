//! Tags and the post-tag relation. A tag whose name starts with `#` is internal
//! (as in Ghost): kept with the post, never shown on the site.

use chrono::Utc;
use sqlx::{Row, SqliteConnection};

use super::relation::Relation;
use super::{timestamp, Result};

pub(crate) const POST_TAGS: Relation = Relation {
    link: "post_tags",
    column: "tag_id",
    table: "tags",
};

/// A tag as the renderer and the API see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tag {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub internal: bool,
}

/// The URL slug of a tag name: Ghost's `hash-` prefix for internal tags.
pub fn slug_for(name: &str) -> String {
    match name.strip_prefix('#') {
        Some(rest) => format!("hash-{}", slug::slugify(rest)),
        None => slug::slugify(name),
    }
}

/// The id of the tag called `name` (matched by slug, so `Rust` and `rust` are one
/// tag), created when missing.
pub async fn ensure(conn: &mut SqliteConnection, name: &str) -> Result<i64> {
    let slug = slug_for(name);
    if let Some(id) = sqlx::query_scalar("SELECT id FROM tags WHERE slug = ?")
        .bind(&slug)
        .fetch_optional(&mut *conn)
        .await?
    {
        return Ok(id);
    }
    let now = timestamp(Utc::now());
    Ok(sqlx::query_scalar(
        "INSERT INTO tags (slug, name, internal, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&slug)
    .bind(name)
    .bind(name.starts_with('#'))
    .bind(&now)
    .bind(&now)
    .fetch_one(&mut *conn)
    .await?)
}

/// Makes the tags called `names` the post's tags, in that order, creating missing ones.
pub async fn set_for_post(
    conn: &mut SqliteConnection,
    post_id: i64,
    names: &[String],
) -> Result<()> {
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        ids.push(ensure(conn, name).await?);
    }
    POST_TAGS.set(conn, post_id, &ids).await
}

/// Every tag, in slug order.
pub async fn all(conn: &mut SqliteConnection) -> Result<Vec<Tag>> {
    let rows = sqlx::query("SELECT id, slug, name, description, internal FROM tags ORDER BY slug")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Tag {
                id: r.try_get("id")?,
                slug: r.try_get("slug")?,
                name: r.try_get("name")?,
                description: r.try_get("description")?,
                internal: r.try_get("internal")?,
            })
        })
        .collect()
}
