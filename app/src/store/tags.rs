//! Tags and the post-tag relation. A tag whose name starts with `#` is internal
//! (as in Ghost): kept with the post, never shown on the site.

use sqlx::{Row, SqliteConnection};

use super::relation::Relation;
use super::Result;

pub(crate) const POST_TAGS: Relation = Relation {
    link: "post_tags",
    column: "tag_id",
    table: "tags",
    slug_of: slug_for,
};

/// A tag as the renderer and the API see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// Creates or updates the tag with this slug (a migration keeps the slugs it had).
pub async fn upsert(
    conn: &mut SqliteConnection,
    slug: &str,
    name: &str,
    description: Option<&str>,
) -> Result<()> {
    let now = super::timestamp(chrono::Utc::now());
    sqlx::query(
        "INSERT INTO tags (slug, name, description, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4) \
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name, description = excluded.description, \
         updated_at = excluded.updated_at \
         WHERE name IS NOT excluded.name OR description IS NOT excluded.description",
    )
    .bind(slug)
    .bind(name)
    .bind(description)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
