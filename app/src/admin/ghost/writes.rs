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
use super::documents;
use super::error::{GhostError, GhostResult};
use super::posts::{kind_of, post_id, read_shaped, GhostName};
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

/// Names of Ghost's `tags` or `authors`, as a post's file lists them: strings, or
/// objects with a `name`, else a `slug` or an `id` looked up (Zapier sends
/// `tags: [{slug}]`). A tag slug no tag has names a new tag.
async fn names(admin: &Admin, list: &Value, field: &str) -> GhostResult<Vec<String>> {
    let items = list
        .as_array()
        .ok_or_else(|| invalid(format!("{field} must be a list")))?;
    let mut conn = admin.site.store.read().await?;
    // (id, slug, name) of what may be named.
    let known: Vec<(i64, String, String)> = if field == "tags" {
        let all = crate::store::tags::all(&mut conn).await?;
        all.into_iter().map(|t| (t.id, t.slug, t.name)).collect()
    } else {
        let all = crate::store::users::all(&mut conn).await?;
        all.into_iter().map(|u| (u.id, u.slug, u.name)).collect()
    };
    drop(conn);
    let find = |key: &str, by_id: bool| {
        known.iter().find(|(id, slug, _)| {
            if by_id {
                super::posts::ghost_id(*id) == key
            } else {
                slug == key
            }
        })
    };
    let mut names = Vec::with_capacity(items.len());
    for item in items {
        let object = item.as_object();
        let text = |k: &str| object.and_then(|o| o.get(k)).and_then(Value::as_str);
        let name = match (item.as_str(), text("name"), text("slug"), text("id")) {
            (Some(name), ..) | (None, Some(name), ..) => name.to_owned(),
            (None, None, Some(slug), _) => match find(slug, false) {
                Some((_, _, name)) => name.clone(),
                None if field == "tags" => slug.to_owned(),
                None => return Err(invalid(format!("no author with the slug {slug:?}"))),
            },
            (None, None, None, Some(id)) => find(id, true)
                .map(|(_, _, name)| name.clone())
                .ok_or_else(|| invalid(format!("no {field} with the id {id:?}")))?,
            _ => {
                return Err(invalid(format!(
                    "each of {field} needs a name, a slug or an id"
                )))
            }
        };
        names.push(name);
    }
    Ok(names)
}

/// Ghost's post as folio's fields.
async fn to_folio(
    admin: &Admin,
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
    let document = |field: &str| post.get(field).and_then(Value::as_str);
    // With `?source=html` the HTML is the body (above); else Ghost's documents are.
    let html_body = source.source.as_deref() == Some("html");
    let from_document = match (document("lexical"), document("mobiledoc")) {
        _ if html_body => None,
        (Some(lexical), _) => Some(documents::markdown_of_lexical(lexical)),
        (None, Some(mobiledoc)) => Some(documents::markdown_of_mobiledoc(mobiledoc)),
        (None, None) => None,
    };
    if let Some(markdown) = from_document {
        let markdown = markdown.map_err(|e| invalid(e.to_string()))?;
        doc.insert("markdown".into(), markdown.into());
    }
    if let Some(markdown) = post.get("markdown").and_then(Value::as_str) {
        doc.insert("markdown".into(), markdown.into());
    }
    if let Some(tags) = post.get("tags") {
        doc.insert("tags".into(), json!(names(admin, tags, "tags").await?));
    }
    if let Some(authors) = post.get("authors") {
        doc.insert(
            "authors".into(),
            json!(names(admin, authors, "authors").await?),
        );
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
    let doc = to_folio(&admin, &post, kind, &source).await?;
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
    live_now(&admin).await;
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
    let mut changes = to_folio(&admin, &post, kind, &source).await?;
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
    live_now(&admin).await;
    Ok(Json(read_shaped(&admin, &caller, kind, id).await?))
}

/// Publishes a change made through the API: a Ghost client's write is on the site
/// when its answer comes (and the webhooks of what it changed are called). A publish
/// that fails leaves the change saved and the previous site up; it is logged.
async fn live_now(admin: &Admin) {
    let published = crate::admin::sitewide::publish::go_live(admin).await;
    if let Some(error) = published.error {
        tracing::error!("ghost api: the publish after a change failed: {error}");
    }
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
    admin_posts::trash(State(admin.clone()), caller.0, Path(id)).await?;
    live_now(&admin).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST posts/` and `POST pages/`.
pub(super) async fn add_kind(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Path(resource): Path<String>,
    Query(source): Query<Source>,
    Body(body): Body,
) -> GhostResult<Response> {
    add(admin, caller, kind_of(&resource)?, source, body).await
}

/// `PUT posts/{id}/` and `PUT pages/{id}/`.
pub(super) async fn edit_kind(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Path((resource, id)): Path<(String, String)>,
    Query(source): Query<Source>,
    Body(body): Body,
) -> GhostResult<Json<Value>> {
    edit(admin, caller, kind_of(&resource)?, &id, source, body).await
}

/// `DELETE posts/{id}/` and `DELETE pages/{id}/`.
pub(super) async fn delete_kind(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Path((resource, id)): Path<(String, String)>,
) -> GhostResult<StatusCode> {
    delete(admin, caller, kind_of(&resource)?, &id).await
}
