//! Tags: listed for everyone, created, renamed, described and deleted by editors and
//! owners (a tag shows on live pages, so a change to it is published at once). A new
//! slug keeps the old one: its page redirects, and files in `content/` that name the
//! tag by its old name still find it.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::admin::auth::{Caller, Need};
use crate::admin::error::{ApiError, ApiResult, Body};
use crate::admin::profile_fields::{link, merge, name, refused, slug, text};
use crate::admin::sitewide::publish::{go_live, Published, Saved};
use crate::admin::Admin;
use crate::store::listing::TagCount;
use crate::store::tags::{slug_for, Tag, TagFields};

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct TagList {
    tags: Vec<TagCount>,
}

/// Every tag, with the number of posts that have it.
#[utoipa::path(get, path = "/tags", tag = "tags", responses((status = 200, body = TagList)))]
pub(in crate::admin) async fn list(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Json<TagList>> {
    caller.require(Need::ReadContent)?;
    let tags = admin.site.store.tag_counts().await?;
    Ok(Json(TagList { tags }))
}

/// One tag, with its description, image and old slugs.
#[utoipa::path(get, path = "/tags/{id}", tag = "tags", params(("id" = i64, Path)),
    responses((status = 200, body = Tag)))]
pub(in crate::admin) async fn get(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<Tag>> {
    caller.require(Need::ReadContent)?;
    let tag = admin.site.store.tag(id).await?;
    Ok(Json(tag.ok_or_else(|| ApiError::not_found("no such tag"))?))
}

/// The fields as given, checked and tidied.
fn checked(fields: TagFields) -> ApiResult<TagFields> {
    Ok(TagFields {
        name: name("name", &fields.name)?,
        slug: slug(&fields.slug)?,
        description: text("description", fields.description, 500)?,
        feature_image: link("feature_image", fields.feature_image)?,
        meta_title: text("meta_title", fields.meta_title, 300)?,
        meta_description: text("meta_description", fields.meta_description, 500)?,
    })
}

/// Creates a tag (editors and owners); the slug follows the name when not given.
#[utoipa::path(post, path = "/tags", tag = "tags", request_body = TagFields,
    responses((status = 201, body = Tag)))]
pub(in crate::admin) async fn create(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Tag>)> {
    caller.require(Need::Publish)?;
    let blank = TagFields {
        name: String::new(),
        slug: String::new(),
        description: None,
        feature_image: None,
        meta_title: None,
        meta_description: None,
    };
    let mut fields = merge(&blank, body)?;
    if fields.slug.is_empty() {
        fields.slug = slug_for(fields.name.trim());
    }
    let fields = checked(fields)?;
    let tag = admin
        .site
        .store
        .create_tag(&fields)
        .await?
        .map_err(|r| refused("tag", r))?;
    admin.write_site_files().await?;
    caller
        .audit(&admin, "tag.created", Some(&tag.slug), None)
        .await;
    Ok((StatusCode::CREATED, Json(tag)))
}

/// Changes a tag (any of its fields) and publishes; a new slug keeps the old one.
#[utoipa::path(patch, path = "/tags/{id}", tag = "tags", params(("id" = i64, Path)),
    request_body = TagFields, responses((status = 200, body = Saved<Tag>)))]
pub(in crate::admin) async fn update(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<Saved<Tag>>> {
    caller.require(Need::Publish)?;
    let store = &admin.site.store;
    let current = store
        .tag(id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such tag"))?;
    let fields = checked(merge(&TagFields::from(&current), body)?)?;
    let tag = store
        .update_tag(id, &fields)
        .await?
        .map_err(|r| refused("tag", r))?;
    admin.write_site_files().await?;
    let detail = (current.slug != tag.slug).then(|| format!("was {}", current.slug));
    caller
        .audit(&admin, "tag.changed", Some(&tag.slug), detail.as_deref())
        .await;
    let published = Some(go_live(&admin).await);
    Ok(Json(Saved {
        saved: tag,
        published,
    }))
}

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct TagDeleted {
    /// The slug of the tag deleted.
    deleted: String,
    published: Published,
}

/// Deletes a tag; its posts keep their other tags, and the site is published.
#[utoipa::path(delete, path = "/tags/{id}", tag = "tags", params(("id" = i64, Path)),
    responses((status = 200, body = TagDeleted)))]
pub(in crate::admin) async fn delete(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<TagDeleted>> {
    caller.require(Need::Publish)?;
    let store = &admin.site.store;
    let tag = store
        .tag(id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such tag"))?;
    store.delete_tag(id).await?;
    admin.write_site_files().await?;
    caller
        .audit(&admin, "tag.deleted", Some(&tag.slug), None)
        .await;
    let published = go_live(&admin).await;
    Ok(Json(TagDeleted {
        deleted: tag.slug,
        published,
    }))
}
