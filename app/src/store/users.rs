//! Users: the authors of posts (and, with the admin API, the people who log in),
//! and the post-author relation.

use sqlx::{Row, SqliteConnection};

use super::relation::Refused;
use super::relation::Relation;
use super::tags::vanished;
use super::{timestamp, Result, Store};

pub(crate) const POST_AUTHORS: Relation = Relation {
    link: "post_authors",
    column: "user_id",
    table: "users",
    aliases: "user_aliases",
    slug_of: author_slug,
    aliases_found: "user_id NOT IN (SELECT user_id FROM accounts WHERE user_id IS NOT NULL)",
};

/// The URL slug of an author's name.
pub fn author_slug(name: &str) -> String {
    slug::slugify(name)
}

/// An author as the renderer sees it.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct Author {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub bio: Option<String>,
    pub profile_image: Option<String>,
    pub website: Option<String>,
    pub location: Option<String>,
    /// The wide image at the top of the author's page.
    #[serde(default)]
    pub cover_image: Option<String>,
    /// An X handle (`@name`), as Ghost keeps it.
    #[serde(default)]
    pub twitter: Option<String>,
    /// A Facebook page's name (or address), as Ghost keeps it.
    #[serde(default)]
    pub facebook: Option<String>,
    /// The other networks of Ghost's staff profiles.
    #[serde(default)]
    pub social: Social,
    /// Slugs it had before a rename, whose pages redirect to its own.
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl Author {
    /// An author known by name alone (a preview's).
    pub fn named(id: i64, name: &str) -> Self {
        Author {
            id,
            slug: author_slug(name),
            name: name.to_owned(),
            ..Author::default()
        }
    }
}

/// What can be edited of an author's profile.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AuthorFields {
    pub name: String,
    pub slug: String,
    pub bio: Option<String>,
    pub profile_image: Option<String>,
    pub website: Option<String>,
    pub location: Option<String>,
    #[serde(default)]
    pub cover_image: Option<String>,
    #[serde(default)]
    pub twitter: Option<String>,
    #[serde(default)]
    pub facebook: Option<String>,
    #[serde(default)]
    pub social: Social,
}

/// An author's accounts on the networks of Ghost's staff profiles other than X and
/// Facebook, each as Ghost keeps it (`name.bsky.social`, `@name@mastodon.social`,
/// `@name`) or as the address of the page; the author's page links each.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(default, deny_unknown_fields)]
pub struct Social {
    pub bluesky: Option<String>,
    pub mastodon: Option<String>,
    pub threads: Option<String>,
    pub instagram: Option<String>,
    pub linkedin: Option<String>,
    pub youtube: Option<String>,
    pub tiktok: Option<String>,
}

impl Social {
    /// Each network's field name and account, in the order pages list them.
    pub fn accounts(&self) -> [(&'static str, &Option<String>); 7] {
        [
            ("bluesky", &self.bluesky),
            ("mastodon", &self.mastodon),
            ("threads", &self.threads),
            ("instagram", &self.instagram),
            ("linkedin", &self.linkedin),
            ("youtube", &self.youtube),
            ("tiktok", &self.tiktok),
        ]
    }

    /// The same, to change them.
    pub fn accounts_mut(&mut self) -> [(&'static str, &mut Option<String>); 7] {
        [
            ("bluesky", &mut self.bluesky),
            ("mastodon", &mut self.mastodon),
            ("threads", &mut self.threads),
            ("instagram", &mut self.instagram),
            ("linkedin", &mut self.linkedin),
            ("youtube", &mut self.youtube),
            ("tiktok", &mut self.tiktok),
        ]
    }

    /// As the `social` column keeps it: a JSON object, or NULL for none.
    fn column(&self) -> Option<String> {
        let any = self.accounts().iter().any(|(_, a)| a.is_some());
        any.then(|| serde_json::to_string(self).expect("accounts serialize"))
    }

    fn from_column(text: Option<String>) -> Self {
        text.and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }
}

impl From<&Author> for AuthorFields {
    fn from(author: &Author) -> Self {
        AuthorFields {
            name: author.name.clone(),
            slug: author.slug.clone(),
            bio: author.bio.clone(),
            profile_image: author.profile_image.clone(),
            website: author.website.clone(),
            location: author.location.clone(),
            cover_image: author.cover_image.clone(),
            twitter: author.twitter.clone(),
            facebook: author.facebook.clone(),
            social: author.social.clone(),
        }
    }
}

/// An author and the account that writes as them, if any.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Profile {
    #[serde(flatten)]
    pub author: Author,
    pub account_id: Option<i64>,
    pub username: Option<String>,
}

const COLUMNS: &str = "u.id, u.slug, u.name, u.bio, u.profile_image, u.website, u.location, \
    u.cover_image, u.twitter, u.facebook, u.social, \
    (SELECT json_group_array(a.slug) FROM user_aliases a WHERE a.user_id = u.id) AS aliases";

fn author_of(r: &sqlx::sqlite::SqliteRow) -> Result<Author> {
    let aliases: String = r.try_get("aliases")?;
    Ok(Author {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        name: r.try_get("name")?,
        bio: r.try_get("bio")?,
        profile_image: r.try_get("profile_image")?,
        website: r.try_get("website")?,
        location: r.try_get("location")?,
        cover_image: r.try_get("cover_image")?,
        twitter: r.try_get("twitter")?,
        facebook: r.try_get("facebook")?,
        social: Social::from_column(r.try_get("social")?),
        aliases: super::relation::json_list(&aliases, "user_aliases")?,
    })
}

/// Every user, in slug order.
pub async fn all(conn: &mut SqliteConnection) -> Result<Vec<Author>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM users u ORDER BY u.slug"))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(author_of).collect()
}

async fn one(conn: &mut SqliteConnection, id: i64) -> Result<Option<Author>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users u WHERE u.id = ?"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(author_of).transpose()
}

/// The profiles that only say an account's login name: named as its username, on no
/// post. They stay out of `authors.yaml` (login names stay private; nothing of them is
/// published).
pub async fn unnamed_accounts(conn: &mut SqliteConnection) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT u.id FROM users u JOIN accounts a ON a.user_id = u.id \
         WHERE u.name = a.username AND u.bio IS NULL AND u.profile_image IS NULL \
         AND NOT EXISTS (SELECT 1 FROM post_authors p WHERE p.user_id = u.id)",
    )
    .fetch_all(conn)
    .await?)
}

/// Gives the author `slug` the old slugs `olds` they lack; returns those another has.
pub async fn add_old_slugs(
    conn: &mut SqliteConnection,
    slug: &str,
    olds: &[String],
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<String>> {
    POST_AUTHORS.add_old_slugs(conn, slug, olds, at).await
}

/// Creates or updates the author with `author.slug` (a migration keeps the slugs it
/// had). An `email` of `None` leaves the one stored (`authors.yaml` has none).
pub async fn upsert(
    conn: &mut SqliteConnection,
    author: &Author,
    email: Option<&str>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let now = timestamp(at);
    sqlx::query(
        "INSERT INTO users (slug, name, email, bio, profile_image, website, location, created_at, \
         updated_at, cover_image, twitter, facebook, social) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11, ?12) \
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name, \
         email = coalesce(excluded.email, email), bio = excluded.bio, \
         profile_image = excluded.profile_image, website = excluded.website, \
         location = excluded.location, updated_at = excluded.updated_at, \
         cover_image = excluded.cover_image, twitter = excluded.twitter, \
         facebook = excluded.facebook, social = excluded.social \
         WHERE name IS NOT excluded.name OR email IS NOT coalesce(excluded.email, email) \
         OR bio IS NOT excluded.bio \
         OR profile_image IS NOT excluded.profile_image OR website IS NOT excluded.website \
         OR location IS NOT excluded.location OR cover_image IS NOT excluded.cover_image \
         OR twitter IS NOT excluded.twitter OR facebook IS NOT excluded.facebook \
         OR social IS NOT excluded.social",
    )
    .bind(&author.slug)
    .bind(&author.name)
    .bind(email)
    .bind(&author.bio)
    .bind(&author.profile_image)
    .bind(&author.website)
    .bind(&author.location)
    .bind(now)
    .bind(&author.cover_image)
    .bind(&author.twitter)
    .bind(&author.facebook)
    .bind(author.social.column())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Changes author `id`'s profile in the caller's transaction; a new slug keeps the old
/// one as an alias (its page redirects, and files naming the old name still find the
/// author).
pub async fn update(
    conn: &mut SqliteConnection,
    id: i64,
    fields: &AuthorFields,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<std::result::Result<Author, Refused>> {
    let Some(before) = one(conn, id).await? else {
        return Ok(Err(Refused::NotFound));
    };
    if let Some(refused) = POST_AUTHORS
        .taken(conn, Some(id), &fields.name, &fields.slug)
        .await?
    {
        return Ok(Err(refused));
    }
    if before.slug != fields.slug {
        POST_AUTHORS
            .keep_old_slug(conn, id, &before.slug, at)
            .await?;
    }
    sqlx::query(
        "UPDATE users SET slug = ?, name = ?, bio = ?, profile_image = ?, website = ?, \
         location = ?, cover_image = ?, twitter = ?, facebook = ?, social = ?, updated_at = ? \
         WHERE id = ?",
    )
    .bind(&fields.slug)
    .bind(&fields.name)
    .bind(&fields.bio)
    .bind(&fields.profile_image)
    .bind(&fields.website)
    .bind(&fields.location)
    .bind(&fields.cover_image)
    .bind(&fields.twitter)
    .bind(&fields.facebook)
    .bind(fields.social.column())
    .bind(timestamp(at))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    let author = one(conn, id).await?.ok_or_else(|| vanished("user"))?;
    Ok(Ok(author))
}

/// `authors.yaml` names an author by a slug no author has, listing one an author had:
/// that author is renamed (see [`update`]). `None` when it is not a rename.
pub async fn rename_from(
    conn: &mut SqliteConnection,
    olds: &[String],
    fields: &AuthorFields,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Option<std::result::Result<Author, Refused>>> {
    let Some(id) = POST_AUTHORS.renamed(conn, olds, &fields.slug).await? else {
        return Ok(None);
    };
    Ok(Some(update(conn, id, fields, at).await?))
}

impl Store {
    /// Every author, with the account that writes as them.
    pub async fn profiles(&self) -> Result<Vec<Profile>> {
        let mut conn = self.read().await?;
        let authors = all(&mut conn).await?;
        let accounts: Vec<(i64, i64, String)> =
            sqlx::query_as("SELECT user_id, id, username FROM accounts WHERE user_id IS NOT NULL")
                .fetch_all(&mut *conn)
                .await?;
        Ok(authors
            .into_iter()
            .map(|author| {
                let account = accounts.iter().find(|(user, _, _)| *user == author.id);
                Profile {
                    account_id: account.map(|a| a.1),
                    username: account.map(|a| a.2.clone()),
                    author,
                }
            })
            .collect())
    }

    /// The name and e-mail an author's changes are signed with (a Git commit's
    /// author).
    pub async fn identity(&self, id: i64) -> Result<Option<(String, Option<String>)>> {
        let mut conn = self.read().await?;
        Ok(sqlx::query_as("SELECT name, email FROM users WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?)
    }

    /// One author, by id.
    pub async fn author(&self, id: i64) -> Result<Option<Author>> {
        let mut conn = self.read().await?;
        one(&mut conn, id).await
    }

    /// Changes an author's profile (see [`update`]).
    pub async fn update_author(
        &self,
        id: i64,
        fields: &AuthorFields,
    ) -> Result<std::result::Result<Author, Refused>> {
        let mut tx = self.write().await?;
        let updated = update(&mut tx, id, fields, self.now()).await?;
        tx.commit().await?;
        Ok(updated)
    }
}
