//! Posts and pages: the editable document, its row, and its revisions.
//!
//! Every write goes through [`insert_many`] or [`update`], which both append to
//! `revisions`, so every version a post ever had stays in the store. The body of a
//! post's current revision is kept once, in `post_bodies`: its revision's document
//! has no `markdown` until a newer revision supersedes it (see `store::revisions`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::query_builder::Separated;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::bodies::set_bodies;
use super::doc::Change;
use super::revisions::{keep_superseded_body, record_revisions};
use super::sources::Source;
use super::{parse_timestamp, tags, timestamp, users, Result, StoreError, BATCH};

pub use super::digest::Digest;
pub use super::doc::{Kind, PostDoc, Status, StoredPost};

/// Every column of a post, its body from `post_bodies` (`posts` must not be aliased).
pub(crate) const COLUMNS: &str = "id, kind, slug, title, \
    (SELECT markdown FROM post_bodies WHERE post_id = posts.id) AS markdown, excerpt, status, published_at, \
    updated_at, featured_image, meta_title, meta_description, canonical_url, og_title, \
    og_description, og_image, twitter_title, twitter_description, twitter_image, \
    codeinjection_head, codeinjection_foot, aliases, source_path, source_hash, revision, deleted_at, \
    sanitized, featured, featured_image_alt, featured_image_caption, feed_id";

/// The editable columns, in the order [`push_doc`] binds them.
const DOC_COLUMNS: &str = "kind, slug, title, excerpt, status, published_at, updated_at, \
    featured_image, meta_title, meta_description, canonical_url, og_title, og_description, \
    og_image, twitter_title, twitter_description, twitter_image, codeinjection_head, \
    codeinjection_foot, aliases, featured, featured_image_alt, featured_image_caption, feed_id, \
    body_hash, word_count, auto_excerpt";

/// Binds a document's fields in [`DOC_COLUMNS`] order (its body goes to `post_bodies`,
/// its digest here).
fn push_doc<'a>(
    values: &mut Separated<'_, 'a, Sqlite, &'static str>,
    doc: &'a PostDoc,
    digest: &'a Digest,
) {
    values
        .push_bind(doc.kind.as_str())
        .push_bind(&doc.slug)
        .push_bind(&doc.title)
        .push_bind(&doc.excerpt)
        .push_bind(doc.status.as_str())
        .push_bind(doc.published_at.map(timestamp))
        .push_bind(doc.updated_at.map(timestamp))
        .push_bind(&doc.featured_image)
        .push_bind(&doc.meta_title)
        .push_bind(&doc.meta_description)
        .push_bind(&doc.canonical_url)
        .push_bind(&doc.og_title)
        .push_bind(&doc.og_description)
        .push_bind(&doc.og_image)
        .push_bind(&doc.twitter_title)
        .push_bind(&doc.twitter_description)
        .push_bind(&doc.twitter_image)
        .push_bind(&doc.codeinjection_head)
        .push_bind(&doc.codeinjection_foot)
        .push_bind(serde_json::to_string(&doc.aliases).expect("a list of strings serializes"))
        .push_bind(doc.featured)
        .push_bind(&doc.featured_image_alt)
        .push_bind(&doc.featured_image_caption)
        .push_bind(&doc.feed_id);
    values
        .push_bind(&digest.hash)
        .push_bind(digest.word_count as i64)
        .push_bind(&digest.excerpt);
}

/// A post to create: its document, the file it came from, and the digest of its body
/// (made by the caller, which may make many side by side).
pub struct NewPost<'a> {
    pub doc: &'a PostDoc,
    pub source: Option<Source<'a>>,
    pub digest: &'a Digest,
}

/// Creates a post (revision 1) and returns its id.
pub async fn insert(
    conn: &mut SqliteConnection,
    doc: &PostDoc,
    source: Option<Source<'_>>,
    change: Change<'_>,
) -> Result<i64> {
    let digest = Digest::of(&doc.markdown);
    let post = NewPost {
        doc,
        source,
        digest: &digest,
    };
    Ok(insert_many(conn, &[post], change).await?[0])
}

/// Creates posts (revision 1 each), a few statements per batch rather than per post;
/// returns their ids in order. Slugs must be free.
pub async fn insert_many(
    conn: &mut SqliteConnection,
    items: &[NewPost<'_>],
    change: Change<'_>,
) -> Result<Vec<i64>> {
    let now = timestamp(change.at);
    let mut ids = Vec::with_capacity(items.len());
    for chunk in items.chunks(BATCH) {
        let mut insert = QueryBuilder::<Sqlite>::new(format!(
            "INSERT INTO posts ({DOC_COLUMNS}, source_path, source_hash, source_stamp, revision, created_at, modified_at) "
        ));
        insert.push_values(chunk, |mut row, post| {
            push_doc(&mut row, post.doc, post.digest);
            let source = post.source;
            row.push_bind(source.map(|s| s.path))
                .push_bind(source.map(|s| s.hash))
                .push_bind(source.map(|s| s.stamp))
                .push_bind(1)
                .push_bind(&now)
                .push_bind(&now);
        });
        insert.build().execute(&mut *conn).await?;

        let slugs: Vec<String> = chunk.iter().map(|post| post.doc.slug.clone()).collect();
        let by_slug = super::relation::ids_by_slug(conn, "posts", &slugs).await?;
        let chunk_ids: Vec<i64> = slugs.iter().map(|s| by_slug[s]).collect();
        let links = |names: fn(&PostDoc) -> &[String]| -> Vec<(i64, Vec<String>)> {
            chunk
                .iter()
                .zip(&chunk_ids)
                .map(|(post, id)| (*id, names(post.doc).to_vec()))
                .collect()
        };
        tags::POST_TAGS
            .set_named(conn, &links(|d| &d.tags), true, change.at)
            .await?;
        users::POST_AUTHORS
            .set_named(conn, &links(|d| &d.authors), true, change.at)
            .await?;
        let bodies: Vec<(i64, &PostDoc)> = chunk
            .iter()
            .zip(&chunk_ids)
            .map(|(post, id)| (*id, post.doc))
            .collect();
        set_bodies(conn, &bodies).await?;
        let docs: Vec<(i64, i64, &PostDoc)> = chunk
            .iter()
            .zip(&chunk_ids)
            .map(|(post, id)| (*id, 1, post.doc))
            .collect();
        record_revisions(conn, &docs, change).await?;
        ids.extend(chunk_ids);
    }
    Ok(ids)
}

/// Replaces a post's document with `doc` as a new revision, restoring it if archived.
/// Returns the new revision number.
pub async fn update(
    conn: &mut SqliteConnection,
    id: i64,
    doc: &PostDoc,
    source: Option<Source<'_>>,
    change: Change<'_>,
) -> Result<i64> {
    let digest = Digest::of(&doc.markdown);
    let mut update = QueryBuilder::<Sqlite>::new(format!("UPDATE posts SET ({DOC_COLUMNS}) = ("));
    push_doc(&mut update.separated(", "), doc, &digest);
    update
        .push("), source_path = coalesce(")
        .push_bind(source.map(|s| s.path))
        .push(", source_path), source_hash = coalesce(")
        .push_bind(source.map(|s| s.hash))
        .push(", source_hash), source_stamp = coalesce(")
        .push_bind(source.map(|s| s.stamp))
        .push(", source_stamp), revision = revision + 1, deleted_at = NULL, trashed = 0, modified_at = ")
        .push_bind(timestamp(change.at))
        .push(" WHERE id = ")
        .push_bind(id)
        .push(" RETURNING revision");
    let revision: i64 = update.build().fetch_one(&mut *conn).await?.try_get(0)?;
    keep_superseded_body(conn, id).await?;
    set_bodies(conn, &[(id, doc)]).await?;
    tags::POST_TAGS
        .set_named(conn, &[(id, doc.tags.clone())], false, change.at)
        .await?;
    users::POST_AUTHORS
        .set_named(conn, &[(id, doc.authors.clone())], false, change.at)
        .await?;
    record_revisions(conn, &[(id, revision, doc)], change).await?;
    Ok(revision)
}

/// Moves a post to the trash: out of every build, kept with its revisions, and kept
/// there by the import while its file does not change.
pub async fn trash(conn: &mut SqliteConnection, id: i64, at: DateTime<Utc>) -> Result<()> {
    archive(conn, id, at).await?;
    sqlx::query("UPDATE posts SET trashed = 1 WHERE id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Takes a post out of every build, keeping it and its revisions.
pub async fn archive(conn: &mut SqliteConnection, id: i64, at: DateTime<Utc>) -> Result<()> {
    sqlx::query("UPDATE posts SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL")
        .bind(timestamp(at))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Marks whether the post's body is an author's (cleaned when rendered).
pub async fn set_sanitized(conn: &mut SqliteConnection, id: i64, sanitized: bool) -> Result<()> {
    sqlx::query("UPDATE posts SET sanitized = ? WHERE id = ? AND sanitized <> ?")
        .bind(sanitized)
        .bind(id)
        .bind(sanitized)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One post by id, archived or not.
pub async fn load(conn: &mut SqliteConnection, id: i64) -> Result<Option<StoredPost>> {
    let sql = format!("SELECT {COLUMNS} FROM posts WHERE id = ?");
    let Some(row) = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut post = from_row(&row)?;
    post.doc.tags = tags::POST_TAGS.names_for_post(conn, id).await?;
    post.doc.authors = users::POST_AUTHORS.names_for_post(conn, id).await?;
    Ok(Some(post))
}

/// Every post and page not archived, in slug order, with tags and authors.
pub async fn load_all(conn: &mut SqliteConnection) -> Result<Vec<StoredPost>> {
    let sql = format!("SELECT {COLUMNS} FROM posts WHERE deleted_at IS NULL ORDER BY slug");
    let rows = sqlx::query(&sql).fetch_all(&mut *conn).await?;
    let mut posts = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let tag_names = id_names(conn, "tags").await?;
    let author_names = id_names(conn, "users").await?;
    let mut tag_ids = tags::POST_TAGS.ids_by_post(conn, None).await?;
    let mut author_ids = users::POST_AUTHORS.ids_by_post(conn, None).await?;
    let names = |ids: Option<Vec<i64>>, names: &HashMap<i64, String>| {
        ids.unwrap_or_default()
            .iter()
            .filter_map(|id| names.get(id).cloned())
            .collect()
    };
    for post in &mut posts {
        post.doc.tags = names(tag_ids.remove(&post.id), &tag_names);
        post.doc.authors = names(author_ids.remove(&post.id), &author_names);
    }
    Ok(posts)
}

/// id -> name of every row of `tags` or `users`.
async fn id_names(
    conn: &mut SqliteConnection,
    table: &'static str,
) -> Result<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(&format!("SELECT id, name FROM {table}"))
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// slug -> id of every post, archived or not.
pub async fn ids_by_slug(conn: &mut SqliteConnection) -> Result<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT slug, id FROM posts")
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The id of the post whose slug is `slug`, archived or not.
pub async fn id_by_slug(conn: &mut SqliteConnection, slug: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM posts WHERE slug = ?")
        .bind(slug)
        .fetch_optional(&mut *conn)
        .await?)
}

pub(crate) fn from_row(row: &sqlx::sqlite::SqliteRow) -> Result<StoredPost> {
    let id: i64 = row.try_get("id")?;
    let corrupt = |field: &'static str, message: String| StoreError::Corrupt {
        post: id,
        field,
        message,
    };
    let kind: String = row.try_get("kind")?;
    let status: String = row.try_get("status")?;
    let time = |field: &'static str| -> Result<Option<DateTime<Utc>>> {
        row.try_get::<Option<String>, _>(field)?
            .map(|t| parse_timestamp(id, field, &t))
            .transpose()
    };
    let aliases: String = row.try_get("aliases")?;
    let doc = PostDoc {
        kind: Kind::parse(&kind).ok_or_else(|| corrupt("kind", kind.clone()))?,
        slug: row.try_get("slug")?,
        title: row.try_get("title")?,
        status: Status::parse(&status).ok_or_else(|| corrupt("status", status.clone()))?,
        published_at: time("published_at")?,
        updated_at: time("updated_at")?,
        excerpt: row.try_get("excerpt")?,
        tags: Vec::new(),
        authors: Vec::new(),
        featured_image: row.try_get("featured_image")?,
        meta_title: row.try_get("meta_title")?,
        meta_description: row.try_get("meta_description")?,
        canonical_url: row.try_get("canonical_url")?,
        og_title: row.try_get("og_title")?,
        og_description: row.try_get("og_description")?,
        og_image: row.try_get("og_image")?,
        twitter_title: row.try_get("twitter_title")?,
        twitter_description: row.try_get("twitter_description")?,
        twitter_image: row.try_get("twitter_image")?,
        codeinjection_head: row.try_get("codeinjection_head")?,
        codeinjection_foot: row.try_get("codeinjection_foot")?,
        aliases: serde_json::from_str(&aliases).map_err(|e| corrupt("aliases", e.to_string()))?,
        featured: row.try_get("featured")?,
        featured_image_alt: row.try_get("featured_image_alt")?,
        featured_image_caption: row.try_get("featured_image_caption")?,
        feed_id: row.try_get("feed_id")?,
        markdown: row.try_get("markdown")?,
    };
    Ok(StoredPost {
        id,
        revision: row.try_get("revision")?,
        doc,
        source_path: row.try_get("source_path")?,
        source_hash: row.try_get("source_hash")?,
        archived: row.try_get::<Option<String>, _>("deleted_at")?.is_some(),
        sanitized: row.try_get::<i64, _>("sanitized")? != 0,
    })
}

/// Takes a post out of the trash (or the archive).
pub async fn restore(conn: &mut SqliteConnection, id: i64) -> Result<()> {
    sqlx::query("UPDATE posts SET deleted_at = NULL, trashed = 0 WHERE id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
