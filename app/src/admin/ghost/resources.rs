//! Ghost's Admin API beside posts: tags (through the admin's own handlers), users
//! (author profiles, with the role of the account that writes as each), image
//! uploads and `config/`.

use std::sync::Arc;

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Map, Value};

use super::caller::GhostCaller;
use super::error::{GhostError, GhostResult};
use super::posts::{ghost_id, whole};
use crate::admin::auth::Need;
use crate::admin::content::{media, tags as admin_tags};
use crate::admin::error::{ApiError, Body};
use crate::admin::Admin;
use crate::store::tags::Tag;
use crate::store::Role;

fn base(admin: &Admin) -> String {
    admin
        .site
        .current_config()
        .base_url
        .trim_end_matches('/')
        .to_owned()
}

/// folio's id of a Ghost id (24 hex).
fn folio_id(id: &str, what: &str) -> GhostResult<i64> {
    (id.len() == 24)
        .then(|| i64::from_str_radix(id, 16).ok())
        .flatten()
        .ok_or_else(|| GhostError::not_found(what))
}

fn tag_shape(admin: &Admin, tag: &Tag) -> Value {
    json!({
        "id": ghost_id(tag.id), "name": tag.name, "slug": tag.slug,
        "description": tag.description, "feature_image": tag.feature_image,
        "visibility": if tag.internal { "internal" } else { "public" },
        "meta_title": tag.meta_title, "meta_description": tag.meta_description,
        "url": format!("{}/tag/{}/", base(admin), tag.slug),
    })
}

pub(super) async fn browse_tags(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
) -> GhostResult<Json<Value>> {
    caller.0.require(Need::ReadContent)?;
    let mut tags = Vec::new();
    for counted in admin.site.store.tag_counts().await? {
        if let Some(tag) = admin.site.store.tag(counted.id).await? {
            let mut shaped = tag_shape(&admin, &tag);
            shaped["count"] = json!({ "posts": counted.posts });
            tags.push(shaped);
        }
    }
    Ok(whole("tags", tags))
}

pub(super) async fn read_tag(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Path(id): Path<String>,
) -> GhostResult<Json<Value>> {
    caller.0.require(Need::ReadContent)?;
    let tag = admin
        .site
        .store
        .tag(folio_id(&id, "Tag not found.")?)
        .await?
        .ok_or_else(|| GhostError::not_found("Tag not found."))?;
    Ok(Json(json!({ "tags": [tag_shape(&admin, &tag)] })))
}

/// The fields of Ghost's tag that folio's has.
fn tag_fields(body: Value) -> GhostResult<Value> {
    let tag = match body
        .get("tags")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        Some([Value::Object(tag)]) => tag.clone(),
        _ => {
            return Err(GhostError(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "the body must be {\"tags\": [{...}]}",
            )))
        }
    };
    let known = [
        "name",
        "slug",
        "description",
        "feature_image",
        "meta_title",
        "meta_description",
    ];
    let fields: Map<String, Value> = tag
        .into_iter()
        .filter(|(k, _)| known.contains(&k.as_str()))
        .collect();
    Ok(Value::Object(fields))
}

pub(super) async fn add_tag(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Body(body): Body,
) -> GhostResult<(StatusCode, Json<Value>)> {
    let fields = tag_fields(body)?;
    let (_, Json(tag)) = admin_tags::create(State(admin.clone()), caller.0, Body(fields)).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "tags": [tag_shape(&admin, &tag)] })),
    ))
}

pub(super) async fn edit_tag(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Path(id): Path<String>,
    Body(body): Body,
) -> GhostResult<Json<Value>> {
    let id = folio_id(&id, "Tag not found.")?;
    let fields = tag_fields(body)?;
    let Json(_saved) =
        admin_tags::update(State(admin.clone()), caller.0, Path(id), Body(fields)).await?;
    let tag = admin
        .site
        .store
        .tag(id)
        .await?
        .ok_or_else(|| GhostError::not_found("Tag not found."))?;
    Ok(Json(json!({ "tags": [tag_shape(&admin, &tag)] })))
}

pub(super) async fn delete_tag(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Path(id): Path<String>,
) -> GhostResult<StatusCode> {
    let id = folio_id(&id, "Tag not found.")?;
    let Json(_deleted) = admin_tags::delete(State(admin), caller.0, Path(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Ghost's name of a role.
fn role_name(role: Role) -> &'static str {
    match role {
        Role::Owner => "Owner",
        Role::Administrator => "Administrator",
        Role::Editor => "Editor",
        Role::Author => "Author",
        Role::Contributor => "Contributor",
    }
}

/// Every author profile, with the role of the account writing as it (Contributor
/// when none: a name on posts only). E-mails are for editors and owners.
async fn users(admin: &Admin, caller: &GhostCaller) -> GhostResult<Vec<Value>> {
    caller.0.require(Need::ReadContent)?;
    let store = &admin.site.store;
    let accounts = store.accounts().await?;
    let staff = caller.0.account.role().edits_all();
    let mut conn = store.read().await?;
    let profiles = crate::store::users::all(&mut conn).await?;
    drop(conn);
    let mut shaped = Vec::with_capacity(profiles.len());
    for profile in profiles {
        let role = (accounts.iter())
            .find(|a| a.user_id == Some(profile.id))
            .map_or("Contributor", |a| role_name(a.role()));
        let email = if staff {
            store
                .identity(profile.id)
                .await?
                .and_then(|(_, email)| email)
        } else {
            None
        };
        shaped.push(json!({
            "id": ghost_id(profile.id), "name": profile.name, "slug": profile.slug,
            "email": email, "bio": profile.bio, "profile_image": profile.profile_image,
            "website": profile.website, "location": profile.location,
            "roles": [{ "name": role }],
            "url": format!("{}/author/{}/", base(admin), profile.slug),
        }));
    }
    Ok(shaped)
}

pub(super) async fn browse_users(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
) -> GhostResult<Json<Value>> {
    let users = users(&admin, &caller).await?;
    Ok(whole("users", users))
}

pub(super) async fn read_user(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    Path(id): Path<String>,
) -> GhostResult<Json<Value>> {
    let user = (users(&admin, &caller).await?.into_iter())
        .find(|u| u["id"] == id || u["slug"] == id.trim_start_matches("slug/"))
        .ok_or_else(|| GhostError::not_found("User not found."))?;
    Ok(Json(json!({ "users": [user] })))
}

pub(super) async fn read_user_by_slug(
    state: State<Arc<Admin>>,
    caller: GhostCaller,
    Path(slug): Path<String>,
) -> GhostResult<Json<Value>> {
    read_user(state, caller, Path(format!("slug/{slug}"))).await
}

/// `POST images/upload/`: an image for a post (multipart `file`, with Ghost's
/// `purpose` and `ref`, which comes back), checked and stored as the admin's uploads.
pub(super) async fn upload_image(
    State(admin): State<Arc<Admin>>,
    caller: GhostCaller,
    multipart: Multipart,
) -> GhostResult<(StatusCode, Json<Value>)> {
    caller.0.require(Need::WriteContent)?;
    let form = media::read_form(&admin, multipart).await?;
    let reference = form
        .fields
        .iter()
        .find(|(k, _)| k == "ref")
        .map(|(_, v)| v.clone());
    let (name, bytes) = form.file.ok_or_else(|| {
        GhostError(ApiError::field(
            "file",
            "send the image as the multipart field \"file\"",
        ))
    })?;
    let uploaded = media::store_image(&admin, &caller.0, &name, bytes).await?;
    let url = format!("{}{}", base(&admin), uploaded.url);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "images": [{ "url": url, "ref": reference }] })),
    ))
}

/// `GET config/`: what clients read of a Ghost install.
pub(super) async fn config(_: GhostCaller) -> Json<Value> {
    Json(json!({ "config": {
        "version": super::GHOST_VERSION,
        "environment": "production",
        "database": "sqlite3",
        "mail": "",
        "useGravatar": false,
        "labs": {},
        "clientExtensions": {},
        "enableDeveloperExperiments": false,
    }}))
}
