//! A consistent, read-only copy of what a build renders, taken in one transaction.
//! It holds no bodies (a body's digest says what lists and page keys need); the build
//! reads the Markdown of the few pages it renders through [`Store::markdown_of`].

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

use super::doc::{PostDoc, StoredPost};
use super::posts::Digest;
use super::tags::{self, Tag, POST_TAGS};
use super::users::{self, Author, POST_AUTHORS};
use super::{timestamp, Result, Store, StoreError};

impl Store {
    /// The Markdown of the posts `ids`: id -> body.
    pub async fn markdown_of(&self, ids: &[i64]) -> Result<HashMap<i64, String>> {
        let mut conn = self.pool().acquire().await?;
        super::bodies::markdown_of(&mut conn, ids).await
    }
}

/// What the renderer sees: the visible posts and pages, newest first, and every
/// tag and author. Posts point at tags and authors by index into those lists.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Snapshot {
    pub posts: Vec<SnapshotPost>,
    pub tags: Vec<Tag>,
    pub authors: Vec<Author>,
    /// The store's version when the snapshot was taken (see [`Store::version`]).
    pub version: i64,
    /// When it was taken: scheduled posts due by then are in it.
    pub taken_at: DateTime<Utc>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct SnapshotPost {
    /// Its `doc.tags` and `doc.authors` are left empty (the indexes below say more),
    /// and so are `doc.markdown` (see `digest`) and where its file is.
    pub post: StoredPost,
    pub digest: Digest,
    /// Indexes into [`Snapshot::tags`], in the post's order.
    pub tags: Vec<usize>,
    /// Indexes into [`Snapshot::authors`], in the post's order.
    pub authors: Vec<usize>,
}

impl Snapshot {
    /// Published posts and pages, and scheduled ones whose time has come by `now`;
    /// with `drafts`, every post not archived.
    pub async fn load(store: &Store, drafts: bool, now: DateTime<Utc>) -> Result<Self> {
        let mut tx = store.read_transaction().await?;
        let version = version(&mut tx).await?;
        let rows = visible_rows(&mut tx, drafts, now, None).await?;
        let tags = tags::all(&mut tx).await?;
        let authors = users::all(&mut tx).await?;
        let tag_ids = POST_TAGS.ids_by_post(&mut tx, None).await?;
        let author_ids = POST_AUTHORS.ids_by_post(&mut tx, None).await?;
        tx.commit().await?;
        let mut snapshot = Snapshot {
            posts: Vec::new(),
            tags,
            authors,
            version,
            taken_at: now,
        };
        snapshot.add(rows, tag_ids, author_ids);
        Ok(snapshot)
    }

    /// This snapshot brought up to `now`: the posts that changed in the store since it
    /// was taken (and scheduled posts come due) are read again, the others kept. Returns
    /// the ids of the posts read again, or None when a tag or an author changed (which
    /// may change what any post shows): then only [`Snapshot::load`] will do.
    pub async fn refresh(
        mut self,
        store: &Store,
        drafts: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<(Self, HashSet<i64>)>> {
        let mut tx = store.read_transaction().await?;
        let version = version(&mut tx).await?;
        let tags = tags::all(&mut tx).await?;
        let authors = users::all(&mut tx).await?;
        if tags != self.tags || authors != self.authors {
            return Ok(None);
        }
        let changed: String = sqlx::query_scalar(
            "SELECT json_group_array(post_id) FROM (SELECT post_id FROM post_changes WHERE n > ?1 \
             UNION SELECT id FROM posts WHERE status = 'scheduled' AND published_at > ?2 \
             AND published_at <= ?3)",
        )
        .bind(self.version)
        .bind(timestamp(self.taken_at))
        .bind(timestamp(now))
        .fetch_one(&mut *tx)
        .await?;
        let changed: Vec<i64> =
            serde_json::from_str(&changed).map_err(|e| StoreError::Unreadable {
                what: "post_changes".to_owned(),
                message: e.to_string(),
            })?;
        let (rows, tag_ids, author_ids) = if changed.is_empty() {
            Default::default()
        } else {
            (
                visible_rows(&mut tx, drafts, now, Some(&changed)).await?,
                POST_TAGS.ids_by_post(&mut tx, Some(&changed)).await?,
                POST_AUTHORS.ids_by_post(&mut tx, Some(&changed)).await?,
            )
        };
        tx.commit().await?;
        let changed: HashSet<i64> = changed.into_iter().collect();
        self.posts.retain(|p| !changed.contains(&p.post.id));
        self.version = version;
        self.taken_at = now;
        self.add(rows, tag_ids, author_ids);
        Ok(Some((self, changed)))
    }

    /// Adds the posts of `rows` (linked to tags and authors by `tag_ids` and
    /// `author_ids`, by post id) and puts every post in order again.
    fn add(
        &mut self,
        rows: Vec<Row>,
        mut tag_ids: HashMap<i64, Vec<i64>>,
        mut author_ids: HashMap<i64, Vec<i64>>,
    ) {
        let tag_index = index_of(self.tags.iter().map(|t| t.id));
        let author_index = index_of(self.authors.iter().map(|a| a.id));
        let pick = |ids: Option<Vec<i64>>, index: &HashMap<i64, usize>| {
            ids.unwrap_or_default()
                .iter()
                .filter_map(|id| index.get(id).copied())
                .collect()
        };
        self.posts.extend(rows.into_iter().map(|row| {
            let (post, digest) = row.into_post();
            SnapshotPost {
                digest,
                tags: pick(tag_ids.remove(&post.id), &tag_index),
                authors: pick(author_ids.remove(&post.id), &author_index),
                post,
            }
        }));
        // Sorted here, not by SQLite: the rows come as one JSON value.
        self.posts.sort_by(|a, b| {
            let (a, b) = (&a.post.doc, &b.post.doc);
            (
                a.published_at.is_none(),
                std::cmp::Reverse(a.published_at),
                &a.slug,
            )
                .cmp(&(
                    b.published_at.is_none(),
                    std::cmp::Reverse(b.published_at),
                    &b.slug,
                ))
        });
    }
}

async fn version(conn: &mut SqliteConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT n FROM store_version WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// The posts a build shows (see [`Snapshot::load`]), all or those of `only`.
async fn visible_rows(
    conn: &mut SqliteConnection,
    drafts: bool,
    now: DateTime<Utc>,
    only: Option<&[i64]>,
) -> Result<Vec<Row>> {
    let mut filter = if drafts {
        "deleted_at IS NULL".to_owned()
    } else {
        "deleted_at IS NULL AND (status = 'published' OR (status = 'scheduled' AND published_at <= ?1))"
            .to_owned()
    };
    if only.is_some() {
        filter.push_str(" AND id IN (SELECT value FROM json_each(?2))");
    }
    // All rows as one JSON value: sqlx hands rows between threads one at a time,
    // which for 10,000 posts took longer than the query.
    let sql =
        format!("SELECT json_group_array(json_array({ROW_FIELDS})) FROM posts WHERE {filter}");
    let rows: String = sqlx::query_scalar(&sql)
        .bind(timestamp(now))
        .bind(only.map(|ids| serde_json::to_string(ids).expect("ids serialize")))
        .fetch_one(&mut *conn)
        .await?;
    serde_json::from_str(&rows).map_err(|e| StoreError::Unreadable {
        what: "posts".to_owned(),
        message: e.to_string(),
    })
}

fn index_of(ids: impl Iterator<Item = i64>) -> HashMap<i64, usize> {
    ids.enumerate().map(|(i, id)| (id, i)).collect()
}

impl Snapshot {
    /// A snapshot of one post alone, its tags and authors taken from its document:
    /// what a preview renders. The body stays in the document, where the preview's
    /// build reads it; `taken_at` is when the preview renders.
    pub fn single(mut post: StoredPost, taken_at: DateTime<Utc>) -> Self {
        let digest = Digest::of(&post.doc.markdown);
        let tags: Vec<Tag> = post
            .doc
            .tags
            .iter()
            .enumerate()
            .map(|(i, name)| Tag::named(i as i64, name))
            .collect();
        let authors: Vec<Author> = post
            .doc
            .authors
            .iter()
            .enumerate()
            .map(|(i, name)| Author::named(i as i64, name))
            .collect();
        post.doc.tags.clear();
        post.doc.authors.clear();
        Snapshot {
            posts: vec![SnapshotPost {
                digest,
                post,
                tags: (0..tags.len()).collect(),
                authors: (0..authors.len()).collect(),
            }],
            tags,
            authors,
            version: 0,
            taken_at,
        }
    }
}

/// What a build reads of a post (no body; nothing about its file), as a JSON array in
/// the order of [`Row`]: the editable fields go in as an object with [`PostDoc`]'s own
/// names, so serde reads them as any document is read.
const ROW_FIELDS: &str =
    "id, revision, body_hash, word_count, auto_excerpt, sanitized, json_object(\
    'type', kind, 'slug', slug, 'title', title, 'excerpt', excerpt, 'status', status, \
    'published_at', published_at, 'updated_at', updated_at, 'featured_image', featured_image, \
    'meta_title', meta_title, 'meta_description', meta_description, \
    'canonical_url', canonical_url, 'og_title', og_title, 'og_description', og_description, \
    'og_image', og_image, 'twitter_title', twitter_title, \
    'twitter_description', twitter_description, 'twitter_image', twitter_image, \
    'codeinjection_head', codeinjection_head, 'codeinjection_foot', codeinjection_foot, \
    'aliases', json(aliases), 'featured', json(CASE WHEN featured THEN 'true' ELSE 'false' END), \
    'featured_image_alt', featured_image_alt, 'featured_image_caption', featured_image_caption, \
    'feed_id', feed_id)";

/// Added to the body hash of a post whose HTML is cleaned (an author's).
pub const SANITIZED: &str = "-sanitized";

/// One post as [`ROW_FIELDS`] lists it: id, revision, body hash, word count, automatic
/// excerpt, sanitized, document.
#[derive(serde::Deserialize)]
struct Row(i64, i64, Option<String>, i64, String, i64, PostDoc);

impl Row {
    fn into_post(self) -> (StoredPost, Digest) {
        let Row(id, revision, hash, word_count, excerpt, sanitized, doc) = self;
        let sanitized = sanitized != 0;
        let post = StoredPost {
            id,
            revision,
            doc,
            source_path: None,
            source_hash: None,
            // The snapshot leaves archived posts out.
            archived: false,
            sanitized,
        };
        let mut hash = hash.unwrap_or_default();
        if sanitized {
            // The hash keys the body's HTML (body cache, page keys, the last build's
            // memory); cleaned HTML is another HTML of the same Markdown.
            hash.push_str(SANITIZED);
        }
        let digest = Digest {
            hash,
            word_count: usize::try_from(word_count).unwrap_or_default(),
            excerpt,
        };
        (post, digest)
    }
}
