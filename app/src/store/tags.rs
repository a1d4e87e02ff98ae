//! Tags and the post-tag relation. A tag whose name starts with `#` is internal
//! (as in Ghost): kept with the post, never shown on the site.

use sqlx::{Row, SqliteConnection};

use super::relation::{Refused, Relation};
use super::{timestamp, Result, Store, StoreError};

pub(crate) const POST_TAGS: Relation = Relation {
    link: "post_tags",
    column: "tag_id",
    table: "tags",
    aliases: "tag_aliases",
    slug_of: slug_for,
    aliases_found: "true",
};

/// A tag as the renderer and the API see it.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct Tag {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub feature_image: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
    pub internal: bool,
    /// Slugs it had before a rename, whose pages redirect to its own.
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl Tag {
    /// A tag known by its name alone (a preview's).
    pub fn named(id: i64, name: &str) -> Self {
        Tag {
            id,
            slug: slug_for(name),
            name: name.to_owned(),
            internal: name.starts_with('#'),
            ..Tag::default()
        }
    }
}

/// What can be edited of a tag.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct TagFields {
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub feature_image: Option<String>,
    pub meta_title: Option<String>,
    pub meta_description: Option<String>,
}

impl From<&Tag> for TagFields {
    fn from(tag: &Tag) -> Self {
        TagFields {
            name: tag.name.clone(),
            slug: tag.slug.clone(),
            description: tag.description.clone(),
            feature_image: tag.feature_image.clone(),
            meta_title: tag.meta_title.clone(),
            meta_description: tag.meta_description.clone(),
        }
    }
}

/// The internal tag of a members post of which only the public part is in the site
/// (a Ghost import makes it): the theme says the rest is for members
/// (`post.members_preview`). Here, below the importer and the renderer, which both
/// name it.
pub const PREVIEW_TAG: &str = "#members-preview";

/// The URL slug of a tag name: Ghost's `hash-` prefix for internal tags.
pub fn slug_for(name: &str) -> String {
    match name.strip_prefix('#') {
        Some(rest) => format!("hash-{}", slug::slugify(rest)),
        None => slug::slugify(name),
    }
}

const COLUMNS: &str = "t.id, t.slug, t.name, t.description, t.feature_image, t.meta_title, \
    t.meta_description, t.internal, \
    (SELECT json_group_array(a.slug) FROM tag_aliases a WHERE a.tag_id = t.id) AS aliases";

fn tag_of(r: &sqlx::sqlite::SqliteRow) -> Result<Tag> {
    let aliases: String = r.try_get("aliases")?;
    Ok(Tag {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        feature_image: r.try_get("feature_image")?,
        meta_title: r.try_get("meta_title")?,
        meta_description: r.try_get("meta_description")?,
        internal: r.try_get("internal")?,
        aliases: super::relation::json_list(&aliases, "tag_aliases")?,
    })
}

/// Every tag, in slug order.
pub async fn all(conn: &mut SqliteConnection) -> Result<Vec<Tag>> {
    let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM tags t ORDER BY t.slug"))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(tag_of).collect()
}

async fn one(conn: &mut SqliteConnection, id: i64) -> Result<Option<Tag>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM tags t WHERE t.id = ?"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(tag_of).transpose()
}

/// Creates or updates the tag with this slug (a migration keeps the slugs it had).
pub async fn upsert(
    conn: &mut SqliteConnection,
    fields: &TagFields,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let now = timestamp(at);
    sqlx::query(
        "INSERT INTO tags (slug, name, description, feature_image, meta_title, meta_description, \
         created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) \
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name, description = excluded.description, \
         feature_image = excluded.feature_image, meta_title = excluded.meta_title, \
         meta_description = excluded.meta_description, updated_at = excluded.updated_at \
         WHERE name IS NOT excluded.name OR description IS NOT excluded.description \
         OR feature_image IS NOT excluded.feature_image OR meta_title IS NOT excluded.meta_title \
         OR meta_description IS NOT excluded.meta_description",
    )
    .bind(&fields.slug)
    .bind(&fields.name)
    .bind(&fields.description)
    .bind(&fields.feature_image)
    .bind(&fields.meta_title)
    .bind(&fields.meta_description)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Changes tag `id` to `fields` in the caller's transaction; a new slug keeps the old
/// one (its pages redirect).
pub async fn update(
    conn: &mut SqliteConnection,
    id: i64,
    fields: &TagFields,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<std::result::Result<Tag, Refused>> {
    let Some(before) = one(conn, id).await? else {
        return Ok(Err(Refused::NotFound));
    };
    if let Some(refused) = POST_TAGS
        .taken(conn, Some(id), &fields.name, &fields.slug)
        .await?
    {
        return Ok(Err(refused));
    }
    if before.slug != fields.slug {
        POST_TAGS.keep_old_slug(conn, id, &before.slug, at).await?;
    }
    sqlx::query(
        "UPDATE tags SET slug = ?, name = ?, description = ?, feature_image = ?, meta_title = ?, \
         meta_description = ?, updated_at = ? WHERE id = ?",
    )
    .bind(&fields.slug)
    .bind(&fields.name)
    .bind(&fields.description)
    .bind(&fields.feature_image)
    .bind(&fields.meta_title)
    .bind(&fields.meta_description)
    .bind(timestamp(at))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(Ok(one(conn, id).await?.ok_or_else(|| vanished("tag"))?))
}

/// The tag that `tags.yaml` renames: none has `fields.slug` yet, and one has a slug
/// of `olds` (the old slugs the file lists). Renamed, it keeps its posts and its old
/// address; `None` when there is no such tag.
pub async fn rename_from(
    conn: &mut SqliteConnection,
    olds: &[String],
    fields: &TagFields,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Option<std::result::Result<Tag, Refused>>> {
    let Some(id) = POST_TAGS.renamed(conn, olds, &fields.slug).await? else {
        return Ok(None);
    };
    Ok(Some(update(conn, id, fields, at).await?))
}

/// Gives the tag `slug` the old slugs `olds` it lacks; returns those another tag has.
pub async fn add_old_slugs(
    conn: &mut SqliteConnection,
    slug: &str,
    olds: &[String],
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<String>> {
    POST_TAGS.add_old_slugs(conn, slug, olds, at).await
}

impl Store {
    /// One tag, by id.
    pub async fn tag(&self, id: i64) -> Result<Option<Tag>> {
        let mut conn = self.read().await?;
        one(&mut conn, id).await
    }

    /// Creates a tag; returns it.
    pub async fn create_tag(
        &self,
        fields: &TagFields,
    ) -> Result<std::result::Result<Tag, Refused>> {
        let mut tx = self.write().await?;
        if let Some(refused) = POST_TAGS
            .taken(&mut tx, None, &fields.name, &fields.slug)
            .await?
        {
            return Ok(Err(refused));
        }
        let now = timestamp(self.now());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tags (slug, name, description, feature_image, meta_title, meta_description, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&fields.slug)
        .bind(&fields.name)
        .bind(&fields.description)
        .bind(&fields.feature_image)
        .bind(&fields.meta_title)
        .bind(&fields.meta_description)
        .bind(&now)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        let tag = one(&mut tx, id).await?.ok_or_else(|| vanished("tag"))?;
        tx.commit().await?;
        Ok(Ok(tag))
    }

    /// Changes a tag; a new slug keeps the old one as an alias (its page redirects).
    pub async fn update_tag(
        &self,
        id: i64,
        fields: &TagFields,
    ) -> Result<std::result::Result<Tag, Refused>> {
        let mut tx = self.write().await?;
        let updated = update(&mut tx, id, fields, self.now()).await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Deletes a tag: its posts keep their other tags. Returns whether it was there.
    pub async fn delete_tag(&self, id: i64) -> Result<bool> {
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM post_tags WHERE tag_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let gone = sqlx::query("DELETE FROM tags WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(gone > 0)
    }
}

pub(crate) fn vanished(what: &str) -> StoreError {
    StoreError::Unreadable {
        what: what.to_owned(),
        message: "the row written is not there".to_owned(),
    }
}
