//! Tags and the post-tag relation. A tag whose name starts with `#` is internal
//! (as in Ghost): kept with the post, never shown on the site.

use chrono::Utc;
use sqlx::{Row, SqliteConnection};

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use super::relation::{self, Relation};
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

/// The ids of the tags called `names`, by slug, created when missing. Tags
/// are matched by slug, so `Rust` and `rust` are one.
pub async fn ensure(
    conn: &mut SqliteConnection,
    names: &[&String],
) -> Result<HashMap<String, i64>> {
    let slugs: Vec<String> = names.iter().map(|n| slug_for(n)).collect();
    let mut ids = relation::ids_by_slug(conn, "tags", &slugs).await?;
    let now = timestamp(Utc::now());
    for (name, slug) in names.iter().zip(slugs) {
        if let Entry::Vacant(entry) = ids.entry(slug) {
            let id = sqlx::query_scalar("INSERT INTO tags (slug, name, internal, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id")
                .bind(entry.key())
                .bind(name)
                .bind(name.starts_with('#'))
                .bind(&now)
                .bind(&now)
                .fetch_one(&mut *conn)
                .await?;
            entry.insert(id);
        }
    }
    Ok(ids)
}

/// Makes each post's tags the ones named, in order, creating missing ones.
pub async fn set_for_posts(
    conn: &mut SqliteConnection,
    posts: &[(i64, Vec<String>)],
    fresh: bool,
) -> Result<()> {
    let names: Vec<&String> = posts.iter().flat_map(|(_, names)| names).collect();
    let ids = ensure(conn, &names).await?;
    let links: Vec<(i64, Vec<i64>)> = posts
        .iter()
        .map(|(post, names)| (*post, names.iter().map(|n| ids[&slug_for(n)]).collect()))
        .collect();
    POST_TAGS.set(conn, &links, fresh).await
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
