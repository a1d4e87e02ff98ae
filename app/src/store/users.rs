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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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
