//! Users: the authors of posts (and, with the admin API, the people who log in),
//! and the post-author relation.

use chrono::Utc;
use sqlx::{Row, SqliteConnection};

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use super::relation::{self, Relation};
use super::{timestamp, Result};

pub(crate) const POST_AUTHORS: Relation = Relation {
    link: "post_authors",
    column: "user_id",
    table: "users",
};

/// An author as the renderer sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Author {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub bio: Option<String>,
    pub profile_image: Option<String>,
    pub website: Option<String>,
}

/// The ids of the authors called `names`, by slug, created when missing. Authors
/// are matched by slug, so `Rust` and `rust` are one.
pub async fn ensure(
    conn: &mut SqliteConnection,
    names: &[&String],
) -> Result<HashMap<String, i64>> {
    let slugs: Vec<String> = names.iter().map(slug::slugify).collect();
    let mut ids = relation::ids_by_slug(conn, "users", &slugs).await?;
    let now = timestamp(Utc::now());
    for (name, slug) in names.iter().zip(slugs) {
        if let Entry::Vacant(entry) = ids.entry(slug) {
            let id = sqlx::query_scalar("INSERT INTO users (slug, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id")
                .bind(entry.key())
                .bind(name)
                .bind(&now)
                .bind(&now)
                .fetch_one(&mut *conn)
                .await?;
            entry.insert(id);
        }
    }
    Ok(ids)
}

/// Makes each post's authors the ones named, in order, creating missing ones.
pub async fn set_for_posts(
    conn: &mut SqliteConnection,
    posts: &[(i64, Vec<String>)],
    fresh: bool,
) -> Result<()> {
    let names: Vec<&String> = posts.iter().flat_map(|(_, names)| names).collect();
    let ids = ensure(conn, &names).await?;
    let links: Vec<(i64, Vec<i64>)> = posts
        .iter()
        .map(|(post, names)| {
            (
                *post,
                names.iter().map(|n| ids[&slug::slugify(n)]).collect(),
            )
        })
        .collect();
    POST_AUTHORS.set(conn, &links, fresh).await
}

/// Every user, in slug order.
pub async fn all(conn: &mut SqliteConnection) -> Result<Vec<Author>> {
    let rows =
        sqlx::query("SELECT id, slug, name, bio, profile_image, website FROM users ORDER BY slug")
            .fetch_all(&mut *conn)
            .await?;
    rows.iter()
        .map(|r| {
            Ok(Author {
                id: r.try_get("id")?,
                slug: r.try_get("slug")?,
                name: r.try_get("name")?,
                bio: r.try_get("bio")?,
                profile_image: r.try_get("profile_image")?,
                website: r.try_get("website")?,
            })
        })
        .collect()
}
