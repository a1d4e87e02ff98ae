//! Posts and pages added, edited and deleted through Ghost's Admin API, each through
//! the admin's own handler (`admin::content::posts`): the same roles, sanitizer,
//! revisions, content files, Git commits and publish. Ghost's fields are mapped to
//! folio's; those a GET returned and that are read-only are ignored, so a client's
//! read-modify-write round trip works.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::caller::GhostCaller;
use super::error::{GhostError, GhostResult};
use super::posts::{post_id, read_shaped, GhostName};
use crate::admin::content::posts as admin_posts;
use crate::admin::error::{ApiError, Body};
use crate::admin::Admin;
use crate::store::Kind;

#[derive(Deserialize, Default)]
pub(super) struct Source {
    /// `html`: the body is in `html` (else Ghost reads `mobiledoc` or `lexical`).
    source: Option<String>,
}

/// Ghost's fields that map one to one onto folio's, as (Ghost, folio).
const SAME: [(&str, &str); 17] = [
    ("title", "title"),
    ("slug", "slug"),
    ("status", "status"),
    ("published_at", "published_at"),
    ("custom_excerpt", "excerpt"),
    ("feature_image", "featured_image"),
    ("feature_image_alt", "featured_image_alt"),
    ("feature_image_caption", "featured_image_caption"),
    ("featured", "featured"),
    ("meta_title", "meta_title"),
    ("meta_description", "meta_description"),
    ("canonical_url", "canonical_url"),
    ("og_title", "og_title"),
    ("og_description", "og_description"),
    ("og_image", "og_image"),
    ("codeinjection_head", "codeinjection_head"),
    ("codeinjection_foot", "codeinjection_foot"),
];

/// The one post of Ghost's envelope `{"posts": [{...}]}` (or `pages`).
fn envelope(body: Value, kind: Kind) -> GhostResult<Map<String, Value>> {
    let plural = kind.plural();
    match body
        .get(plural)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([Value::Object(post)]) => Ok(post.clone()),
        _ => Err(invalid(format!(
            "the body must be {{\"{plural}\": [{{...}}]}}"
        ))),
    }
}

fn invalid(message: String) -> GhostError {
    GhostError(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message))
}

/// Names of Ghost's `tags` or `authors`: strings, or objects with `name` (or `slug`,
/// `id`, `email` for authors, which are looked up by name in the store's own terms:
/// a name is what a post's file lists).
fn names(list: &Value, field: &str) -> GhostResult<Vec<String>> {
    let items = list
        .as_array()
        .ok_or_else(|| invalid(format!("{field} must be a list")))?;
    items
        .iter()
        .map(|item| match item {
            Value::String(name) => Ok(name.clone()),
            Value::Object(o) => o
                .get("name")
                .or_else(|| o.get("slug"))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| invalid(format!("each of {field} needs a name or a slug"))),
            _ => Err(invalid(format!("{field}: a name or an object"))),
        })
        .collect()
}

/// Ghost's post as folio's fields.
fn to_folio(
    post: &Map<String, Value>,
    kind: Kind,
    source: &Source,
) -> GhostResult<Map<String, Value>> {
    let mut doc = Map::new();
    for (ghost, folio) in SAME {
        if let Some(value) = post.get(ghost) {
            doc.insert(folio.to_owned(), value.clone());
        }
    }
    if source.source.as_deref() == Some("html") {
        if let Some(html) = post.get("html").and_then(Value::as_str) {
            doc.insert(
                "markdown".into(),
                crate::ghost::html_to_markdown(html).into(),
            );
        }
    }
    if let Some(markdown) = post.get("markdown").and_then(Value::as_str) {
        doc.insert("markdown".into(), markdown.into());
    }
    if let Some(tags) = post.get("tags") {
        doc.insert("tags".into(), json!(names(tags, "tags")?));
    }
    if let Some(authors) = post.get("authors") {
        doc.insert("authors".into(), json!(names(authors, "authors")?));
    }
    if let Some(visibility) = post.get("visibility").and_then(Value::as_str) {
        if visibility != "public" {
            return Err(invalid(format!(
                "visibility {visibility:?}: folio has no members; posts are public"
            )));
        }
    }
    doc.insert("type".into(), kind.as_str().into());
    Ok(doc)
}

async fn add(
    admin: Arc<Admin>,
    caller: GhostCaller,
    kind: Kind,
    source: Source,
    body: Value,
) -> GhostResult<Response> {
    let post = envelope(body, kind)?;
    let doc = to_folio(&post, kind, &source)?;
    let (_, Json(view)) = admin_posts::create(
        State(admin.clone()),
        caller.0.clone(),
        Body(Value::Object(doc)),
    )
    .await?;
    let id = serde_json::to_value(&view)
        .ok()
        .and_then(|v| v["id"].as_i64())
        .unwrap_or_default();
    let shaped = read_shaped(&admin, &caller, kind, id).await?;
    let location = format!(
        "/ghost/api/admin/{}/{}/",
        kind.plural(),
        shaped[kind.plural()][0]["id"].as_str().unwrap_or_default()
    );
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(shaped),
    )
        .into_response())
}

async fn edit(
    admin: Arc<Admin>,
    caller: GhostCaller,
    kind: Kind,
    id: &str,
    source: Source,
    body: Value,
) -> GhostResult<Json<Value>> {
    let id = post_id(&admin, id).await?;
    let post = envelope(body, kind)?;
    let current = read_shaped(&admin, &caller, kind, id).await?;
    let current = &current[kind.plural()][0];
    let given = post
        .get("updated_at")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            invalid("updated_at (of the version this edit started from) is required".into())
        })?;
    if !same_time(given, current["updated_at"].as_str().unwrap_or_default()) {
        return Err(GhostError(ApiError::conflict(
            "Saving failed! Someone else is editing this post.",
        )));
    }
    let mut changes = to_folio(&post, kind, &source)?;
    let revision = admin.site.store.post_record(id).await?.revision;
    changes.insert("revision".into(), revision.into());
    let status = changes
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or(current["status"].as_str().unwrap_or_default());
    // Ghost's edits of a live post are live at once: folio's Update.
    if status != "draft" {
        changes.insert("publish".into(), true.into());
    }
    let Json(_updated) = admin_posts::update(
        State(admin.clone()),
        caller.0.clone(),
        Path(id),
        Body(Value::Object(changes)),
    )
    .await?;
    Ok(Json(read_shaped(&admin, &caller, kind, id).await?))
}

/// Whether two of Ghost's timestamps are the same second (clients send them back
/// with or without milliseconds).
fn same_time(a: &str, b: &str) -> bool {
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).map(|t| t.timestamp());
    matches!((parse(a), parse(b)), (Ok(a), Ok(b)) if a == b)
}

async fn delete(
    admin: Arc<Admin>,
    caller: GhostCaller,
    kind: Kind,
    id: &str,
) -> GhostResult<StatusCode> {
    let id = post_id(&admin, id).await?;
    read_shaped(&admin, &caller, kind, id).await?;
    admin_posts::trash(State(admin), caller.0, Path(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn add_post(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Query(source): Query<Source>,
    Body(body): Body,
) -> GhostResult<Response> {
    add(admin, caller, Kind::Post, source, body).await
}

pub(super) async fn add_page(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Query(source): Query<Source>,
    Body(body): Body,
) -> GhostResult<Response> {
    add(admin, caller, Kind::Page, source, body).await
}

pub(super) async fn edit_post(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Path(id): Path<String>,
    Query(source): Query<Source>,
    Body(body): Body,
) -> GhostResult<Json<Value>> {
    edit(admin, caller, Kind::Post, &id, source, body).await
}

pub(super) async fn edit_page(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Path(id): Path<String>,
    Query(source): Query<Source>,
    Body(body): Body,
) -> GhostResult<Json<Value>> {
    edit(admin, caller, Kind::Page, &id, source, body).await
}

pub(super) async fn delete_post(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Path(id): Path<String>,
) -> GhostResult<StatusCode> {
    delete(admin, caller, Kind::Post, &id).await
}

pub(super) async fn delete_page(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Path(id): Path<String>,
) -> GhostResult<StatusCode> {
    delete(admin, caller, Kind::Page, &id).await
}
