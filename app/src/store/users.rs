//! Users: the authors of posts (and, with the admin API, the people who log in),
//! and the post-author relation.

use chrono::Utc;
use sqlx::{Row, SqliteConnection};

use super::relation::Relation;
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

/// The id of the author called `name` (matched by slug), created when missing.
pub async fn ensure(conn: &mut SqliteConnection, name: &str) -> Result<i64> {
    let slug = slug::slugify(name);
    if let Some(id) = sqlx::query_scalar("SELECT id FROM users WHERE slug = ?")
        .bind(&slug)
        .fetch_optional(&mut *conn)
        .await?
    {
        return Ok(id);
    }
    let now = timestamp(Utc::now());
    Ok(sqlx::query_scalar(
        "INSERT INTO users (slug, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(&slug)
    .bind(name)
    .bind(&now)
    .bind(&now)
    .fetch_one(&mut *conn)
    .await?)
}

/// Makes the authors called `names` the post's authors, in that order.
pub async fn set_for_post(
    conn: &mut SqliteConnection,
    post_id: i64,
    names: &[String],
) -> Result<()> {
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        ids.push(ensure(conn, name).await?);
    }
    POST_AUTHORS.set(conn, post_id, &ids).await
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
