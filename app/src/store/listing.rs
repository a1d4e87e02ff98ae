//! The admin API's views of the store: filtered, paginated post lists and tag counts.

use serde::Serialize;
use sqlx::{FromRow, QueryBuilder, Sqlite};

use super::{Result, Store};

/// Which posts a list shows.
#[derive(Debug, Default, Clone)]
pub struct PostFilter {
    pub kind: Option<String>,
    pub status: Option<String>,
    /// A tag slug.
    pub tag: Option<String>,
    /// An author slug.
    pub author: Option<String>,
    /// Posts credited to this author profile (by id): what an author may list.
    pub author_id: Option<i64>,
    /// Words searched in the title and the Markdown.
    pub text: Option<String>,
    /// The trash instead of the live posts.
    pub trashed: bool,
    pub sort: Sort,
    pub limit: i64,
    pub offset: i64,
}

/// The order of a list. A post's date is its publish date, or its last change while it
/// has none (a draft).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Newest,
    Oldest,
    /// Last changed first.
    Updated,
}

impl Sort {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "newest" => Some(Sort::Newest),
            "oldest" => Some(Sort::Oldest),
            "updated" => Some(Sort::Updated),
            _ => None,
        }
    }

    fn order_by(self) -> &'static str {
        match self {
            Sort::Newest => " ORDER BY coalesce(p.published_at, p.modified_at) DESC, p.id DESC",
            Sort::Oldest => " ORDER BY coalesce(p.published_at, p.modified_at) ASC, p.id ASC",
            Sort::Updated => " ORDER BY p.modified_at DESC, p.id DESC",
        }
    }
}

/// A post in a list: everything but the body.
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct PostListItem {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub slug: String,
    pub title: String,
    pub status: String,
    pub published_at: Option<String>,
    pub updated_at: Option<String>,
    pub modified_at: String,
    pub excerpt: Option<String>,
    pub revision: i64,
    pub deleted_at: Option<String>,
    /// Whether it has changes saved but not published (see `store::pending`).
    pub pending: bool,
    #[sqlx(json)]
    pub tags: Vec<String>,
    #[sqlx(json)]
    pub authors: Vec<String>,
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct TagCount {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub internal: bool,
    pub posts: i64,
}

impl Store {
    /// (posts matching in all, this page of them, in the filter's order).
    pub async fn list_posts(&self, filter: &PostFilter) -> Result<(i64, Vec<PostListItem>)> {
        let mut count = QueryBuilder::<Sqlite>::new("SELECT count(*) FROM posts p WHERE ");
        push_filter(&mut count, filter, self.now());
        let total: i64 = count.build_query_scalar().fetch_one(self.pool()).await?;

        // A scheduled post whose time has come is live: it shows as published.
        let mut select = QueryBuilder::<Sqlite>::new(
            "SELECT p.id, p.kind, p.slug, p.title, \
             CASE WHEN p.status = 'scheduled' AND p.published_at <= ",
        );
        select.push_bind(super::timestamp(self.now())).push(
            " THEN 'published' ELSE p.status END AS status, p.published_at, p.updated_at, \
             p.modified_at, p.excerpt, p.revision, p.deleted_at, \
             EXISTS (SELECT 1 FROM post_pending pp WHERE pp.post_id = p.id) AS pending, \
             (SELECT json_group_array(name) FROM (SELECT t.name FROM post_tags pt \
               JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = p.id ORDER BY pt.sort_order)) AS tags, \
             (SELECT json_group_array(name) FROM (SELECT u.name FROM post_authors pa \
               JOIN users u ON u.id = pa.user_id WHERE pa.post_id = p.id ORDER BY pa.sort_order)) AS authors \
             FROM posts p WHERE ",
        );
        push_filter(&mut select, filter, self.now());
        push_order(&mut select, filter);
        select
            .push(" LIMIT ")
            .push_bind(filter.limit)
            .push(" OFFSET ")
            .push_bind(filter.offset);
        let items = select.build_query_as().fetch_all(self.pool()).await?;
        Ok((total, items))
    }

    /// Every tag with the number of live posts it is on.
    pub async fn tag_counts(&self) -> Result<Vec<TagCount>> {
        Ok(sqlx::query_as(
            "SELECT t.id, t.slug, t.name, t.description, t.internal, \
             (SELECT count(*) FROM post_tags pt JOIN posts p ON p.id = pt.post_id \
              WHERE pt.tag_id = t.id AND p.deleted_at IS NULL) AS posts \
             FROM tags t ORDER BY t.slug",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// [`Store::tag_counts`] of what is on the site: published posts and pages only,
    /// so no tag of a draft alone is shown to the public.
    pub async fn public_tag_counts(&self) -> Result<Vec<TagCount>> {
        Ok(sqlx::query_as(
            "SELECT t.id, t.slug, t.name, t.description, t.internal, \
             (SELECT count(*) FROM post_tags pt JOIN posts p ON p.id = pt.post_id \
              WHERE pt.tag_id = t.id AND p.deleted_at IS NULL AND (p.status = 'published' \
                OR (p.status = 'scheduled' AND p.published_at <= ?))) AS posts \
             FROM tags t ORDER BY t.slug",
        )
        .bind(super::timestamp(self.now()))
        .fetch_all(self.pool())
        .await?)
    }

    /// Whether the post `post_id` is credited to the author profile `user_id`.
    pub async fn credits(&self, post_id: i64, user_id: i64) -> Result<bool> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM post_authors WHERE post_id = ? AND user_id = ?)",
        )
        .bind(post_id)
        .bind(user_id)
        .fetch_one(self.pool())
        .await?)
    }

    /// The author name of a users row.
    pub async fn user_name(&self, id: i64) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT name FROM users WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await?)
    }
}

/// The `WHERE` of a post list; `now` tells live scheduled posts from waiting ones.
fn push_filter(
    query: &mut QueryBuilder<'_, Sqlite>,
    filter: &PostFilter,
    now: chrono::DateTime<chrono::Utc>,
) {
    query.push(if filter.trashed {
        "p.deleted_at IS NOT NULL"
    } else {
        "p.deleted_at IS NULL"
    });
    if let Some(kind) = &filter.kind {
        query.push(" AND p.kind = ").push_bind(kind.clone());
    }
    if let Some(status) = &filter.status {
        let now = super::timestamp(now);
        match status.as_str() {
            "published" => query
                .push(" AND (p.status = 'published' OR (p.status = 'scheduled' AND p.published_at <= ")
                .push_bind(now)
                .push("))"),
            "scheduled" => query
                .push(" AND p.status = 'scheduled' AND p.published_at > ")
                .push_bind(now),
            _ => query.push(" AND p.status = ").push_bind(status.clone()),
        };
    }
    if let Some(tag) = &filter.tag {
        query
            .push(" AND p.id IN (SELECT pt.post_id FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE t.slug = ")
            .push_bind(tag.clone())
            .push(")");
    }
    if let Some(author) = &filter.author {
        query
            .push(" AND p.id IN (SELECT pa.post_id FROM post_authors pa JOIN users u ON u.id = pa.user_id WHERE u.slug = ")
            .push_bind(author.clone())
            .push(")");
    }
    if let Some(id) = filter.author_id {
        query
            .push(" AND p.id IN (SELECT post_id FROM post_authors WHERE user_id = ")
            .push_bind(id)
            .push(")");
    }
    if let Some(text) = &filter.text {
        for word in text.split_whitespace() {
            let pattern = like_pattern(word);
            query
                .push(" AND (p.title LIKE ")
                .push_bind(pattern.clone())
                .push(
                    " ESCAPE '\\' OR (SELECT markdown FROM post_bodies WHERE post_id = p.id) LIKE ",
                )
                .push_bind(pattern)
                .push(" ESCAPE '\\')");
        }
    }
}

/// `word` anywhere, for `LIKE ... ESCAPE '\'`: its own wildcards are meant literally.
fn like_pattern(word: &str) -> String {
    format!(
        "%{}%",
        word.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

/// The filter's order; with a search, the posts with more of its words in their title
/// come first (a title says what a post is about; a word in the text may be in
/// passing).
fn push_order(query: &mut QueryBuilder<'_, Sqlite>, filter: &PostFilter) {
    let words: Vec<&str> = filter
        .text
        .as_deref()
        .map(|t| t.split_whitespace().collect())
        .unwrap_or_default();
    if words.is_empty() {
        query.push(filter.sort.order_by());
        return;
    }
    query.push(" ORDER BY (");
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            query.push(" + ");
        }
        query
            .push("(p.title LIKE ")
            .push_bind(like_pattern(word))
            .push(" ESCAPE '\\')");
    }
    query
        .push(") DESC, ")
        .push(filter.sort.order_by().trim_start_matches(" ORDER BY "));
}

/// A tag or an author of a post, as APIs that name them by id show them.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Credit {
    pub id: i64,
    pub name: String,
    pub slug: String,
}

/// What a post's document does not hold: its tags and authors with their ids, and
/// when it was made and last changed.
#[derive(Debug, Clone, Default)]
pub struct PostRecord {
    /// The revision an update names.
    pub revision: i64,
    pub created_at: String,
    pub modified_at: String,
    pub tags: Vec<Credit>,
    pub authors: Vec<Credit>,
}

impl Store {
    pub async fn post_record(&self, id: i64) -> Result<PostRecord> {
        let (revision, created_at, modified_at): (i64, String, String) =
            sqlx::query_as("SELECT revision, created_at, modified_at FROM posts WHERE id = ?")
                .bind(id)
                .fetch_one(self.pool())
                .await?;
        let tags = sqlx::query_as(
            "SELECT t.id, t.name, t.slug FROM post_tags pt JOIN tags t ON t.id = pt.tag_id \
             WHERE pt.post_id = ? ORDER BY pt.sort_order",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let authors = sqlx::query_as(
            "SELECT u.id, u.name, u.slug FROM post_authors pa JOIN users u ON u.id = pa.user_id \
             WHERE pa.post_id = ? ORDER BY pa.sort_order",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        Ok(PostRecord {
            revision,
            created_at,
            modified_at,
            tags,
            authors,
        })
    }

    /// The authors (by id) credited on a published post or page.
    pub async fn credited_authors(&self) -> Result<std::collections::HashSet<i64>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT pa.user_id FROM post_authors pa JOIN posts p ON p.id = pa.post_id \
             WHERE p.deleted_at IS NULL AND (p.status = 'published' \
               OR (p.status = 'scheduled' AND p.published_at <= ?))",
        )
        .bind(super::timestamp(self.now()))
        .fetch_all(self.pool())
        .await?;
        Ok(ids.into_iter().collect())
    }

    /// The post whose feed id (the Ghost id an import kept) is `feed_id`.
    pub async fn post_by_feed_id(&self, feed_id: &str) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM posts WHERE feed_id = ?")
            .bind(feed_id)
            .fetch_optional(self.pool())
            .await?)
    }
}

/// A post as Ghost's filters and orders see it (`admin::ghost`): no body.
#[derive(Debug, Clone, FromRow)]
pub struct FilterRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    /// A scheduled post whose time has come is published.
    pub status: String,
    pub featured: bool,
    pub feed_id: Option<String>,
    /// Its publish date, else its last change (a draft's).
    pub date: String,
    pub modified_at: String,
    #[sqlx(json)]
    pub tags: Vec<String>,
    #[sqlx(json)]
    pub authors: Vec<String>,
    #[sqlx(json)]
    pub author_ids: Vec<i64>,
}

impl Store {
    /// Every post of `kind` not in the trash, as [`FilterRow`]s.
    pub async fn filter_rows(&self, kind: &str) -> Result<Vec<FilterRow>> {
        Ok(sqlx::query_as(
            "SELECT p.id, p.slug, p.title, CASE WHEN p.status = 'scheduled' AND p.published_at <= ?1 \
               THEN 'published' ELSE p.status END AS status, p.featured, p.feed_id, \
             coalesce(p.published_at, p.modified_at) AS date, p.modified_at, \
             (SELECT json_group_array(slug) FROM (SELECT t.slug FROM post_tags pt \
               JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = p.id ORDER BY pt.sort_order)) AS tags, \
             (SELECT json_group_array(slug) FROM (SELECT u.slug FROM post_authors pa \
               JOIN users u ON u.id = pa.user_id WHERE pa.post_id = p.id ORDER BY pa.sort_order)) AS authors, \
             (SELECT json_group_array(user_id) FROM post_authors pa WHERE pa.post_id = p.id) AS author_ids \
             FROM posts p WHERE p.deleted_at IS NULL AND p.kind = ?2",
        )
        .bind(super::timestamp(self.now()))
        .bind(kind)
        .fetch_all(self.pool())
        .await?)
    }
}
