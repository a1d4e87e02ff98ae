//! Posts and pages: list, read, create, update (never over a newer revision), trash
//! and restore; their history is in [`revisions`](super::revisions), the checks a post passes
//! in [`post_rules`](super::post_rules). JSON fields are named as in the front matter.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use crate::admin::auth::{Caller, Need};
use crate::admin::content::post_rules::{
    check_base, check_code_injection, check_owner, check_reader, check_revision, check_save,
    check_slug, free_slug, own_profile, prepare, sanitized_after,
};
use crate::admin::content::post_view::{is_live, PostView};
use crate::admin::error::{from_json, ApiError, ApiResult, Body};
use crate::admin::sitewide::publish::{go_live, Published, Saved};
use crate::admin::Admin;
use crate::store::listing::{PostFilter, PostListItem, Sort};
use crate::store::{pending, posts};
use crate::store::{Change, Connection, PostDoc, Read, Status, StoredPost, Write};

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(in crate::admin) struct ListQuery {
    /// `post` or `page`.
    #[serde(rename = "type")]
    kind: Option<String>,
    /// `draft`, `scheduled` or `published`.
    status: Option<String>,
    /// A tag's slug.
    tag: Option<String>,
    /// An author's slug (authors see their own posts whatever they ask).
    author: Option<String>,
    /// Words in the title, excerpt or body.
    q: Option<String>,
    /// `newest` (by date, the default), `oldest` or `updated` (last changed first).
    sort: Option<String>,
    /// The trash instead of the posts.
    #[serde(default)]
    trashed: bool,
    /// From 1.
    page: Option<i64>,
    /// Posts a page: 1 to 200, 50 when not given.
    limit: Option<i64>,
}

/// A page of posts, without their bodies.
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct PostList {
    posts: Vec<PostListItem>,
    /// Posts matching in all.
    total: i64,
    page: i64,
    pages: i64,
}

/// Posts and pages, filtered and sorted, a page at a time.
#[utoipa::path(get, path = "/posts", tag = "posts", params(ListQuery),
    responses((status = 200, body = PostList)))]
pub(in crate::admin) async fn list(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<PostList>> {
    caller.require(Need::ReadContent)?;
    if let Some(kind) = &query.kind {
        if !matches!(kind.as_str(), "post" | "page") {
            return Err(ApiError::field("type", "type is post or page"));
        }
    }
    if let Some(status) = &query.status {
        if Status::parse(status).is_none() {
            return Err(ApiError::field(
                "status",
                "status is draft, scheduled or published",
            ));
        }
    }
    let sort = match query.sort.as_deref() {
        None => Sort::default(),
        Some(text) => Sort::parse(text)
            .ok_or_else(|| ApiError::field("sort", "sort is newest, oldest or updated"))?,
    };
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let page = query.page.unwrap_or(1).max(1);
    // Authors see their own posts only (Ghost's rule), whatever they ask for: by
    // their profile's id, never by a name or slug they can change.
    let author_id = own_profile(&caller);
    let filter = PostFilter {
        kind: query.kind,
        status: query.status,
        tag: query.tag,
        author: query.author.filter(|_| author_id.is_none()),
        author_id,
        text: query.q.filter(|q| !q.trim().is_empty()),
        trashed: query.trashed,
        sort,
        limit,
        offset: (page - 1) * limit,
    };
    let (total, posts) = admin.site.store.list_posts(&filter).await?;
    Ok(Json(PostList {
        posts,
        total,
        page,
        pages: (total + limit - 1) / limit,
    }))
}

pub(in crate::admin) async fn load(conn: &mut Connection, id: i64) -> ApiResult<StoredPost> {
    posts::load(conn, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no post with id {id}")))
}

/// One post, with its body and its unpublished changes.
#[utoipa::path(get, path = "/posts/{id}", tag = "posts", params(("id" = i64, Path)),
    responses((status = 200, body = PostView)))]
pub(in crate::admin) async fn get(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<PostView>> {
    caller.require(Need::ReadContent)?;
    let (mut conn, post) = read_post(&admin, &caller, id).await?;
    Ok(Json(
        PostView::with_pending(&mut conn, &post, admin.now()).await?,
    ))
}

/// The fields a request may send: those of the front matter (and `revision` on update).
pub(in crate::admin) fn check_fields(body: &Map<String, Value>, extra: &[&str]) -> ApiResult<()> {
    let known = serde_json::to_value(PostDoc::default()).expect("a PostDoc serializes");
    for key in body.keys() {
        if known.get(key).is_none() && !extra.contains(&key.as_str()) {
            return Err(ApiError::field(key, format!("unknown field {key:?}")));
        }
    }
    Ok(())
}

pub(in crate::admin) fn as_object(body: Value) -> ApiResult<Map<String, Value>> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::bad_request("the body must be a JSON object")),
    }
}

/// A connection for reads.
async fn read(admin: &Admin) -> ApiResult<Read> {
    Ok(admin.site.store.read().await?)
}

/// A connection for reads, and post `id`, which the caller may read (an author:
/// only their own; another's is not found).
pub(in crate::admin) async fn read_post(
    admin: &Admin,
    caller: &Caller,
    id: i64,
) -> ApiResult<(Read, StoredPost)> {
    let mut conn = read(admin).await?;
    let post = load(&mut conn, id).await?;
    check_reader(admin, caller, &post).await?;
    Ok((conn, post))
}

/// The write transaction for a change to post `id`, and the post, which the caller
/// may change (an author: only their own drafts).
pub(in crate::admin) async fn write_post(
    admin: &Admin,
    caller: &Caller,
    id: i64,
) -> ApiResult<(Write, StoredPost)> {
    let mut tx = write(admin).await?;
    let post = load(&mut tx, id).await?;
    check_owner(admin, caller, &post).await?;
    Ok((tx, post))
}

/// The store's write transaction (see [`crate::store::Store::write`]).
pub(in crate::admin) async fn write(admin: &Admin) -> ApiResult<Write> {
    Ok(admin.site.store.write().await?)
}

/// Creates a post or page from the fields of its front matter and its Markdown.
#[utoipa::path(post, path = "/posts", tag = "posts", request_body = PostDoc,
    responses((status = 201, body = Saved<PostView>)))]
pub(in crate::admin) async fn create(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Saved<PostView>>)> {
    caller.require(Need::WriteContent)?;
    let body = as_object(body)?;
    check_fields(&body, &[])?;
    let mut doc: PostDoc = from_json(Value::Object(body))?;
    prepare(&admin, &caller, &mut doc).await?;
    check_code_injection(&caller, &doc, None)?;
    let mut tx = write(&admin).await?;
    if doc.status == Status::Draft {
        doc.slug = free_slug(&mut tx, &doc.slug, None).await?;
    }
    check_slug(&mut tx, &doc.slug, None).await?;
    let origin = caller.origin();
    let change = Change {
        by: &origin,
        at: admin.now(),
    };
    let id = posts::insert(&mut tx, &doc, None, change).await?;
    posts::set_sanitized(&mut tx, id, sanitized_after(&caller, None, false)?).await?;
    admin.write_file(&mut tx, id).await?;
    let post = load(&mut tx, id).await?;
    tx.commit().await?;
    admin.publisher.changed();
    caller
        .audit(&admin, "post.created", Some(&doc.slug), None)
        .await;
    let published = shown(&admin, false, &post).await;
    let saved = PostView::of(&post, admin.now());
    Ok((StatusCode::CREATED, Json(Saved { saved, published })))
}

/// Publishes the site when a change to `post` shows there (`was_live`: it was on
/// the site before), so that it is live, or gone, when the answer comes: a status
/// change is a publish step, never left for the next publish to pick up.
async fn shown(admin: &Admin, was_live: bool, post: &StoredPost) -> Option<Published> {
    let live = !post.archived && is_live(&post.doc, admin.now());
    if was_live || live {
        Some(go_live(admin).await)
    } else {
        None
    }
}

/// An update: what it says of itself, and the fields it changes.
#[derive(Deserialize, ToSchema)]
pub(in crate::admin) struct PostUpdate {
    /// The revision the edit started from.
    revision: Option<i64>,
    /// The saves of the unpublished changes the editor had seen.
    pending: Option<i64>,
    /// Save and publish (a live post's "Update").
    publish: Option<bool>,
    /// An editor or owner takes an author's raw HTML as theirs (it is no longer
    /// cleaned): only when asked in so many words.
    trust_html: Option<bool>,
    /// The live revision the editor compared unpublished changes made on an older
    /// one with: they are carried over it (and may then be published).
    over: Option<i64>,
    /// Any fields of the post, applied to its current version.
    #[serde(flatten)]
    #[schema(value_type = PostDoc)]
    changes: Map<String, Value>,
}

/// Applies the fields sent to the current version. The request names the revision it
/// was based on (and the unpublished changes, by their count of saves); if the post
/// has moved on since, nothing is written and the answer (409) carries the current
/// version. Changes to a live post wait as unpublished changes, off the site, until a
/// save with `publish: true` makes them its next revision; any other save is one.
#[utoipa::path(patch, path = "/posts/{id}", tag = "posts", params(("id" = i64, Path)),
    request_body = PostUpdate, responses((status = 200, body = Saved<PostView>)))]
pub(in crate::admin) async fn update(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<Saved<PostView>>> {
    caller.require(Need::WriteContent)?;
    check_fields(
        &as_object(body.clone())?,
        &["revision", "pending", "publish", "trust_html", "over"],
    )?;
    let update: PostUpdate = from_json(body)?;
    let based_on = update.revision.ok_or_else(|| {
        ApiError::field(
            "revision",
            "revision (the one this edit started from) is required",
        )
    })?;
    let (saves_seen, publish) = (update.pending.unwrap_or(0), update.publish.unwrap_or(false));
    let (trust_html, body) = (update.trust_html.unwrap_or(false), update.changes);
    if publish {
        caller.require(Need::PublishOwn)?;
    }
    let (mut tx, current) = write_post(&admin, &caller, id).await?;
    let waiting = check_revision(&mut tx, &current, (based_on, saves_seen), admin.now()).await?;
    let rebase = update.over == Some(current.revision);
    if publish && !rebase {
        check_base(waiting.as_ref(), &current, admin.now())?;
    }
    // The edit applies to what the editor showed: the unpublished changes, if any.
    let before = match &waiting {
        Some(p) => StoredPost {
            doc: p.document.clone(),
            sanitized: p.sanitized,
            ..current.clone()
        },
        None => current.clone(),
    };
    let mut doc = with_changes(&before.doc, body)?;
    let pair = (&current, &before);
    let sanitized = check_save(&admin, &caller, &mut tx, &mut doc, pair, trust_html).await?;
    let stays_live =
        is_live(&current.doc, admin.now()) && !current.archived && is_live(&doc, admin.now());
    if stays_live && !publish {
        let (revision, actor) = (current.revision, caller.actor());
        let change = Change {
            by: &actor,
            at: admin.now(),
        };
        let base = (revision, rebase);
        let saved = pending::save(&mut tx, id, base, &doc, sanitized, change).await?;
        let reply = PostView::with_pending(&mut tx, &current, admin.now()).await?;
        tx.commit().await?;
        let detail = format!("save {} on revision {}", saved.saves, current.revision);
        caller
            .audit(&admin, "post.changes_saved", Some(&doc.slug), Some(&detail))
            .await;
        return Ok(Json(Saved {
            saved: reply,
            published: None,
        }));
    }
    pending::discard(&mut tx, id).await?;
    if doc == current.doc && !current.archived && sanitized == current.sanitized {
        tx.commit().await?;
        let saved = PostView::of(&current, admin.now());
        return Ok(Json(Saved {
            saved,
            published: None,
        }));
    }
    let (post, published) = store_revision(&admin, &caller, tx, id, &doc, sanitized).await?;
    caller
        .audit(
            &admin,
            "post.updated",
            Some(&doc.slug),
            Some(&format!("revision {}", post.revision)),
        )
        .await;
    let saved = PostView::of(&post, admin.now());
    Ok(Json(Saved { saved, published }))
}

/// `doc` with the fields of `changes` set.
fn with_changes(doc: &PostDoc, changes: Map<String, Value>) -> ApiResult<PostDoc> {
    let mut merged = serde_json::to_value(doc).expect("a PostDoc serializes");
    for (key, value) in changes {
        merged[key] = value;
    }
    from_json(merged)
}

/// Stores `doc` as the new revision of post `id`, with its sanitized mark, commits,
/// tells the publisher (the schedule may have a new next time), and publishes the
/// site when the post was or is on it.
pub(in crate::admin) async fn store_revision(
    admin: &Admin,
    caller: &Caller,
    mut tx: Write,
    id: i64,
    doc: &PostDoc,
    sanitized: bool,
) -> ApiResult<(StoredPost, Option<Published>)> {
    let before = load(&mut tx, id).await?;
    let was_live = !before.archived && is_live(&before.doc, admin.now());
    let origin = caller.origin();
    let change = Change {
        by: &origin,
        at: admin.now(),
    };
    posts::update(&mut tx, id, doc, None, change).await?;
    posts::set_sanitized(&mut tx, id, sanitized).await?;
    admin.write_file(&mut tx, id).await?;
    let post = load(&mut tx, id).await?;
    tx.commit().await?;
    admin.publisher.changed();
    let published = shown(admin, was_live, &post).await;
    Ok((post, published))
}

/// Moves a post to the trash: no longer rendered, kept with its revisions.
#[utoipa::path(delete, path = "/posts/{id}", tag = "posts", params(("id" = i64, Path)),
    responses((status = 204, description = "In the trash")))]
pub(in crate::admin) async fn trash(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require(Need::WriteContent)?;
    let (mut tx, post) = write_post(&admin, &caller, id).await?;
    posts::trash(&mut tx, id, admin.now()).await?;
    admin.write_file(&mut tx, id).await?;
    let trashed = load(&mut tx, id).await?;
    tx.commit().await?;
    admin.publisher.changed();
    caller
        .audit(&admin, "post.trashed", Some(&post.doc.slug), None)
        .await;
    let was_live = !post.archived && is_live(&post.doc, admin.now());
    shown(&admin, was_live, &trashed).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes a post out of the trash.
#[utoipa::path(post, path = "/posts/{id}/restore", tag = "posts", params(("id" = i64, Path)),
    responses((status = 200, body = Saved<PostView>)))]
pub(in crate::admin) async fn restore(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Saved<PostView>>> {
    caller.require(Need::WriteContent)?;
    let (mut tx, _) = write_post(&admin, &caller, id).await?;
    posts::restore(&mut tx, id).await?;
    admin.write_file(&mut tx, id).await?;
    let post = load(&mut tx, id).await?;
    tx.commit().await?;
    admin.publisher.changed();
    caller
        .audit(&admin, "post.restored", Some(&post.doc.slug), None)
        .await;
    let published = shown(&admin, false, &post).await;
    let saved = PostView::of(&post, admin.now());
    Ok(Json(Saved { saved, published }))
}
