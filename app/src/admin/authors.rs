//! Authors' profiles: the name, slug, bio, avatar, website and location posts and
//! author pages show. Each person edits their own; the owner edits anyone's (authors
//! from files in `content/` included). A profile shows on live pages, so a change is
//! published at once; a new slug keeps the old one, as a tag's does.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use super::auth::{Caller, Need};
use super::error::{ApiError, ApiResult, Body};
use super::profile_fields::{link, merge, name, refused, slug, text};
use super::publish::go_live;
use super::Admin;
use crate::store::users::AuthorFields;

/// Every author; the accounts behind them only for owners (login names stay private).
pub async fn list(State(admin): State<Arc<Admin>>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Need::ReadContent)?;
    let owner = caller.require(Need::Owner).is_ok();
    let mut profiles = admin.site.store.profiles().await?;
    if !owner {
        for profile in &mut profiles {
            profile.username = None;
            profile.account_id = None;
        }
    }
    Ok(Json(json!({ "authors": profiles })))
}

/// Whether `caller` may change the profile `id`: their own, or anyone's for an owner.
fn may_edit(caller: &Caller, id: i64) -> ApiResult<()> {
    if caller.require(Need::Owner).is_ok() {
        return Ok(());
    }
    caller.require(Need::Account)?;
    if caller.account.user_id == Some(id) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only the owner changes another person's profile",
        ))
    }
}

fn checked(fields: AuthorFields) -> ApiResult<AuthorFields> {
    Ok(AuthorFields {
        name: name("name", &fields.name)?,
        slug: slug(&fields.slug)?,
        bio: text("bio", fields.bio, 1000)?,
        profile_image: link("profile_image", fields.profile_image)?,
        website: link("website", fields.website)?,
        location: text("location", fields.location, 150)?,
    })
}

pub async fn update(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<Value>> {
    may_edit(&caller, id)?;
    let store = &admin.site.store;
    let current = store
        .author(id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such author"))?;
    let fields = checked(merge(&AuthorFields::from(&current), body)?)?;
    let author = store
        .update_author(id, &fields)
        .await?
        .map_err(|r| refused("author", r))?;
    let detail = (current.slug != author.slug).then(|| format!("was {}", current.slug));
    admin
        .audit(
            Some(&caller.actor()),
            "author.changed",
            Some(&author.slug),
            &caller.ip,
            detail.as_deref(),
        )
        .await;
    let mut reply = serde_json::to_value(&author).map_err(ApiError::internal)?;
    reply["published"] = go_live(&admin).await;
    Ok(Json(reply))
}
