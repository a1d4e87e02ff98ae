//! Posts and pages in Ghost's shape: browse (`limit`, `page`, `filter` by status and
//! tag, `meta.pagination`) and read, by id or slug. Ids are Ghost's 24-hex ObjectIDs:
//! a post imported from Ghost keeps its own (its feed id), any other is its folio id
//! in hex. What a caller may read is what the admin lets them (an author: their own).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::caller::GhostCaller;
use super::documents;
use super::error::{GhostError, GhostResult};
use super::nql::{self, Filter};
use crate::admin::auth::Need;
use crate::admin::content::post_rules::own_profile;
use crate::admin::content::post_view::is_live;
use crate::admin::content::posts::read_post as readable;
use crate::admin::Admin;
use crate::store::listing::{Credit, FilterRow};
use crate::store::{Kind, StoredPost};

/// The most a page may hold, as in Ghost.
const MAX_LIMIT: i64 = 100;

#[derive(Deserialize, Default)]
pub(super) struct Browse {
    limit: Option<String>,
    page: Option<i64>,
    filter: Option<String>,
    order: Option<String>,
    /// Ghost's `include`: tags and authors are always included.
    #[serde(default, rename = "include")]
    _include: Option<String>,
    /// Only these fields of each post (`id` always).
    fields: Option<String>,
    formats: Option<String>,
}

/// A 24-hex Ghost id for folio's id `id`.
pub(super) fn ghost_id(id: i64) -> String {
    format!("{id:024x}")
}

/// The post of a Ghost id: one an import kept, else folio's id in hex.
pub(super) async fn post_id(admin: &Admin, id: &str) -> GhostResult<i64> {
    if let Some(found) = admin.site.store.post_by_feed_id(id).await? {
        return Ok(found);
    }
    let not_found = || GhostError::not_found("Post not found.");
    if id.len() != 24 {
        return Err(not_found());
    }
    i64::from_str_radix(id, 16).map_err(|_| not_found())
}

fn credit(c: &Credit, base: &str, kind: &str) -> Value {
    json!({ "id": ghost_id(c.id), "name": c.name, "slug": c.slug,
            "url": format!("{base}/{kind}/{}/", c.slug) })
}

/// `post` as Ghost's API shows it.
/// Ghost's `formats`: `html` always, and `lexical` or `mobiledoc` when asked for.
#[derive(Deserialize, Default, Clone)]
pub(super) struct Formats {
    formats: Option<String>,
}

impl Formats {
    fn has(&self, format: &str) -> bool {
        (self.formats.as_deref().unwrap_or_default().split(',')).any(|f| f.trim() == format)
    }
}

async fn shape(admin: &Admin, post: &StoredPost, formats: &Formats) -> GhostResult<Value> {
    let record = admin.site.store.post_record(post.id).await?;
    let base = admin
        .site
        .current_config()
        .base_url
        .trim_end_matches('/')
        .to_owned();
    let doc = &post.doc;
    let mut html = crate::render::markdown::to_html(&doc.markdown);
    if post.sanitized {
        html = crate::render::sanitize::clean(&html);
    }
    let tags: Vec<Value> = record
        .tags
        .iter()
        .map(|t| credit(t, &base, "tag"))
        .collect();
    let authors: Vec<Value> = (record.authors.iter())
        .map(|a| credit(a, &base, "author"))
        .collect();
    let id = doc
        .feed_id
        .clone()
        .filter(|f| f.len() == 24)
        .unwrap_or_else(|| ghost_id(post.id));
    let status = if post.archived {
        "draft"
    } else {
        doc.status.as_str()
    };
    let mut shaped = json!({
        "id": id,
        "uuid": format!("{:08x}-0000-4000-8000-{:012x}", post.id, post.id),
        "title": doc.title,
        "slug": doc.slug,
        "html": html,
        "comment_id": id,
        "feature_image": doc.featured_image,
        "feature_image_alt": doc.featured_image_alt,
        "feature_image_caption": doc.featured_image_caption,
        "featured": doc.featured,
        "status": status,
        "visibility": "public",
        "created_at": record.created_at,
        "updated_at": record.modified_at,
        "published_at": doc.published_at,
        "custom_excerpt": doc.excerpt,
        "excerpt": doc.excerpt,
        "codeinjection_head": doc.codeinjection_head,
        "codeinjection_foot": doc.codeinjection_foot,
        "canonical_url": doc.canonical_url,
        "meta_title": doc.meta_title,
        "meta_description": doc.meta_description,
        "og_image": doc.og_image,
        "og_title": doc.og_title,
        "og_description": doc.og_description,
        "twitter_image": doc.twitter_image,
        "twitter_title": doc.twitter_title,
        "twitter_description": doc.twitter_description,
        "tags": tags,
        "authors": authors,
        "primary_tag": tags.first(),
        "primary_author": authors.first(),
        "url": format!("{base}/{}/", doc.slug),
    });
    if formats.has("lexical") {
        shaped["lexical"] = documents::lexical_of(&doc.markdown).into();
    }
    if formats.has("mobiledoc") {
        shaped["mobiledoc"] = documents::mobiledoc_of(&doc.markdown).into();
    }
    Ok(shaped)
}

fn invalid(message: String) -> GhostError {
    GhostError(crate::admin::error::ApiError::bad_request(message))
}

/// Post `id` in Ghost's shape, whatever its state (for a webhook's payload).
pub(super) async fn shape_by_id(admin: &Admin, id: i64) -> Option<Value> {
    let mut conn = admin.site.store.read().await.ok()?;
    let post = crate::store::posts::load(&mut conn, id).await.ok()??;
    drop(conn);
    shape(admin, &post, &Formats::default()).await.ok()
}

/// Who reads: an Admin API caller (what the admin lets them read), or a Content API
/// key (what is on the site: published posts and pages, nothing else).
#[derive(Clone, Copy)]
pub(super) enum Reader<'a> {
    Admin(&'a GhostCaller),
    Public,
}

impl Reader<'_> {
    /// Post `id` of `kind`, if this reader may read it.
    async fn load(self, admin: &Admin, id: i64, kind: Kind) -> GhostResult<StoredPost> {
        let missing = || GhostError::not_found(kind.not_found());
        let post = match self {
            Reader::Admin(caller) => {
                caller.0.require(Need::ReadContent)?;
                readable(admin, &caller.0, id)
                    .await
                    .map_err(|_| missing())?
                    .1
            }
            Reader::Public => {
                let mut conn = admin.site.store.read().await?;
                let post = crate::store::posts::load(&mut conn, id)
                    .await?
                    .ok_or_else(missing)?;
                if !is_live(&post.doc, admin.now()) {
                    return Err(missing());
                }
                post
            }
        };
        // In the trash is deleted, for Ghost's clients.
        if post.doc.kind != kind || post.archived {
            return Err(missing());
        }
        Ok(post)
    }
}

pub(super) async fn browse(
    admin: &Admin,
    reader: Reader<'_>,
    kind: Kind,
    query: Browse,
) -> GhostResult<Value> {
    let limit = match query.limit.as_deref() {
        None => 15,
        Some("all") => MAX_LIMIT,
        Some(n) => n
            .parse::<i64>()
            .map_err(|_| invalid("limit: a number or all".into()))?,
    }
    .clamp(1, MAX_LIMIT);
    let page = query.page.unwrap_or(1).max(1);
    // Authors see their own posts only; the Content API, what is on the site.
    let own = match reader {
        Reader::Admin(caller) => {
            caller.0.require(Need::ReadContent)?;
            own_profile(&caller.0)
        }
        Reader::Public => None,
    };
    let filter = Filter::parse(query.filter.as_deref().unwrap_or_default()).map_err(invalid)?;
    let mut rows = admin.site.store.filter_rows(kind.as_str()).await?;
    rows.retain(|r| {
        let id = r
            .feed_id
            .clone()
            .filter(|f| f.len() == 24)
            .unwrap_or_else(|| ghost_id(r.id));
        let row = nql::Row {
            id: &id,
            slug: &r.slug,
            status: &r.status,
            featured: r.featured,
            tags: &r.tags,
            authors: &r.authors,
        };
        own.is_none_or(|me| r.author_ids.contains(&me))
            && (!matches!(reader, Reader::Public) || r.status == "published")
            && filter.matches(&row)
    });
    order(
        &mut rows,
        query.order.as_deref().unwrap_or("published_at desc"),
    )?;
    let total = rows.len() as i64;
    let formats = Formats {
        formats: query.formats.clone(),
    };
    let mut shaped = Vec::new();
    let skip = usize::try_from((page - 1) * limit).unwrap_or(usize::MAX);
    for row in rows.iter().skip(skip).take(limit as usize) {
        let post = reader.load(admin, row.id, kind).await?;
        let mut one = shape(admin, &post, &formats).await?;
        if let (Some(fields), Value::Object(all)) = (&query.fields, &mut one) {
            let wanted: Vec<&str> = fields.split(',').map(str::trim).collect();
            all.retain(|k, _| k == "id" || wanted.contains(&k.as_str()));
        }
        shaped.push(one);
    }
    Ok(json!({ kind.plural(): shaped, "meta": pagination(page, limit, total) }))
}

/// Ghost's `order`: `published_at`, `updated_at`, `title` or `slug`, `asc` or `desc`.
fn order(rows: &mut [FilterRow], order: &str) -> GhostResult<()> {
    let mut words = order.split_whitespace();
    let field = words.next().unwrap_or("published_at");
    let descending = !matches!(
        words.next().map(str::to_ascii_lowercase).as_deref(),
        Some("asc")
    );
    let key = |r: &FilterRow| -> String {
        match field {
            "updated_at" => r.modified_at.clone(),
            "title" => r.title.to_lowercase(),
            "slug" => r.slug.clone(),
            _ => r.date.clone(),
        }
    };
    if !matches!(field, "published_at" | "updated_at" | "title" | "slug") {
        return Err(invalid(format!(
            "order: {field} is not supported (published_at, updated_at, title, slug)"
        )));
    }
    rows.sort_by(|a, b| {
        let by = key(a).cmp(&key(b)).then(a.id.cmp(&b.id));
        if descending {
            by.reverse()
        } else {
            by
        }
    });
    Ok(())
}

/// A list Ghost answers in one page: `{name: items, meta.pagination}`.
pub(super) fn whole(name: &str, items: Vec<Value>) -> Json<Value> {
    let total = items.len() as i64;
    Json(json!({ name: items, "meta": pagination(1, total.max(1), total) }))
}

/// Ghost's `meta.pagination` of page `page` of `limit` items, of `total`.
pub(super) fn pagination(page: i64, limit: i64, total: i64) -> Value {
    let pages = (total + limit - 1) / limit;
    json!({ "pagination": {
        "page": page, "limit": limit, "pages": pages, "total": total,
        "next": (page < pages).then_some(page + 1),
        "prev": (page > 1).then_some(page - 1),
    }})
}

/// Post `id` of `kind` in Ghost's envelope, as `reader` may read it.
pub(super) async fn read_as(
    admin: &Admin,
    reader: Reader<'_>,
    (kind, id): (Kind, i64),
    formats: &Formats,
) -> GhostResult<Value> {
    let post = reader.load(admin, id, kind).await?;
    Ok(json!({ kind.plural(): [shape(admin, &post, formats).await?] }))
}

/// [`read_as`] an Admin API caller.
pub(super) async fn read_shaped(
    admin: &Admin,
    caller: &GhostCaller,
    kind: Kind,
    id: i64,
) -> GhostResult<Value> {
    read_as(
        admin,
        Reader::Admin(caller),
        (kind, id),
        &Formats::default(),
    )
    .await
}

pub(super) async fn by_slug(admin: &Admin, slug: &str, kind: Kind) -> GhostResult<i64> {
    let mut conn = admin.site.store.read().await?;
    crate::store::posts::id_by_slug(&mut conn, slug)
        .await?
        .ok_or_else(|| GhostError::not_found(kind.not_found()))
}

/// The kind of post a path names: `posts` or `pages`.
pub(super) fn kind_of(resource: &str) -> GhostResult<Kind> {
    match resource {
        "posts" => Ok(Kind::Post),
        "pages" => Ok(Kind::Page),
        _ => Err(GhostError::not_found("Resource not found")),
    }
}

/// `GET posts/` and `GET pages/`.
pub(super) async fn browse_kind(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Path(resource): Path<String>,
    Query(query): Query<Browse>,
) -> GhostResult<Json<Value>> {
    let kind = kind_of(&resource)?;
    Ok(Json(
        browse(&admin, Reader::Admin(&caller), kind, query).await?,
    ))
}

/// `GET posts/{id}/` and `GET pages/{id}/`.
pub(super) async fn read(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Path((resource, id)): Path<(String, String)>,
    Query(formats): Query<Formats>,
) -> GhostResult<Json<Value>> {
    let kind = kind_of(&resource)?;
    let id = post_id(&admin, &id).await?;
    let reader = Reader::Admin(&caller);
    Ok(Json(read_as(&admin, reader, (kind, id), &formats).await?))
}

/// `GET posts/slug/{slug}/` and `GET pages/slug/{slug}/`.
pub(super) async fn read_by_slug(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Path((resource, slug)): Path<(String, String)>,
    Query(formats): Query<Formats>,
) -> GhostResult<Json<Value>> {
    let kind = kind_of(&resource)?;
    let id = by_slug(&admin, &slug, kind).await?;
    let reader = Reader::Admin(&caller);
    Ok(Json(read_as(&admin, reader, (kind, id), &formats).await?))
}

/// What Ghost calls a kind of post.
pub(super) trait GhostName {
    fn plural(self) -> &'static str;
    fn not_found(self) -> &'static str;
}

impl GhostName for Kind {
    fn plural(self) -> &'static str {
        match self {
            Kind::Post => "posts",
            Kind::Page => "pages",
        }
    }
    fn not_found(self) -> &'static str {
        match self {
            Kind::Post => "Post not found.",
            Kind::Page => "Page not found.",
        }
    }
}
