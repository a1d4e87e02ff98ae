//! Users: the authors of posts (and, with the admin API, the people who log in),
//! and the post-author relation.

use sqlx::{Row, SqliteConnection};

use super::relation::Relation;
use super::Result;

pub(crate) const POST_AUTHORS: Relation = Relation {
    link: "post_authors",
    column: "user_id",
    table: "users",
    slug_of: author_slug,
};

/// The URL slug of an author's name.
pub fn author_slug(name: &str) -> String {
    slug::slugify(name)
}

/// An author as the renderer sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Author {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub bio: Option<String>,
    pub profile_image: Option<String>,
    pub website: Option<String>,
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

/// Creates or updates the author with `author.slug` (a migration keeps the slugs it had).
pub async fn upsert(
    conn: &mut SqliteConnection,
    author: &Author,
    email: Option<&str>,
) -> Result<()> {
    let now = super::timestamp(chrono::Utc::now());
    sqlx::query(
        "INSERT INTO users (slug, name, email, bio, profile_image, website, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) \
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name, email = excluded.email, bio = excluded.bio, \
         profile_image = excluded.profile_image, website = excluded.website, updated_at = excluded.updated_at \
         WHERE name IS NOT excluded.name OR email IS NOT excluded.email OR bio IS NOT excluded.bio \
         OR profile_image IS NOT excluded.profile_image OR website IS NOT excluded.website",
    )
    .bind(&author.slug)
    .bind(&author.name)
    .bind(email)
    .bind(&author.bio)
    .bind(&author.profile_image)
    .bind(&author.website)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
