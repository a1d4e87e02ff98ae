//! Keys for Ghost's Admin and Content APIs (`admin::ghost`): integrations, made by
//! owners, and each person's staff access token (an Admin key that acts as that
//! person, as Ghost's does, for the writing apps). Shown once, sealed at rest.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::auth::{Caller, Need};
use crate::admin::error::{from_json, ApiError, ApiResult, Body};
use crate::admin::ghost::keys::{self, MadeKey};
use crate::admin::Admin;
use crate::store::ghost_keys::{GhostKey, KeyKind};

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct KeyList {
    keys: Vec<GhostKey>,
    /// The webhooks of the keys listed, with their last call.
    #[schema(value_type = Vec<Object>)]
    webhooks: Vec<crate::store::webhooks::Webhook>,
}

/// The keys and their webhooks: an owner's list has every one, anyone else's their
/// staff token.
#[utoipa::path(get, path = "/integrations", tag = "sign-in",
    responses((status = 200, body = KeyList)))]
pub(in crate::admin) async fn list(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Json<KeyList>> {
    caller.require(Need::Account)?;
    let mut keys = Vec::new();
    for key in admin.site.store.ghost_keys().await? {
        if caller.oversees(&admin, key.account_id).await? {
            keys.push(key);
        }
    }
    let mut webhooks = admin.site.store.webhooks().await?;
    webhooks.retain(|w| keys.iter().any(|k| k.id == w.key_id));
    Ok(Json(KeyList { keys, webhooks }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::admin) struct NewIntegration {
    name: String,
}

/// Makes an integration (owners): its Admin API key (`id:secret`) and Content API
/// key, shown this once. It acts for the owner who made it.
#[utoipa::path(post, path = "/integrations", tag = "sign-in", request_body = NewIntegration,
    responses((status = 201, body = MadeKey)))]
pub(in crate::admin) async fn create(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<MadeKey>)> {
    caller.require(Need::Administer)?;
    let new: NewIntegration = from_json(body)?;
    let name = new.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::field(
            "name",
            "an integration needs a name of 1 to 100 characters",
        ));
    }
    let made = keys::make(
        &admin.site.store,
        &admin.keys,
        caller.account.id,
        name,
        KeyKind::Integration,
    )
    .await?;
    caller
        .audit(&admin, "integration.created", Some(name), None)
        .await;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Makes the caller's staff access token, replacing the one before: an Admin API key
/// that acts as them, with their role (for Ulysses, iA Writer, Obsidian).
#[utoipa::path(post, path = "/account/staff-token", tag = "sign-in",
    responses((status = 201, body = MadeKey)))]
pub(in crate::admin) async fn staff_token(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<(StatusCode, Json<MadeKey>)> {
    caller.require(Need::Account)?;
    let name = format!("staff token of {}", caller.account.username);
    let made = keys::make(
        &admin.site.store,
        &admin.keys,
        caller.account.id,
        &name,
        KeyKind::Staff,
    )
    .await?;
    caller
        .audit(&admin, "staff_token.created", Some(&name), None)
        .await;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Rotates an integration's keys (owners): new Admin and Content keys, shown this
/// once, its webhooks kept; the old keys stop working at once.
#[utoipa::path(post, path = "/integrations/{id}/rotate", tag = "sign-in", params(("id" = String, Path)),
    responses((status = 201, body = MadeKey)))]
pub(in crate::admin) async fn rotate(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<MadeKey>)> {
    caller.require(Need::Administer)?;
    let store = &admin.site.store;
    let old = (store.ghost_keys().await?.into_iter())
        .find(|k| k.id == id && k.kind == "integration")
        .ok_or_else(|| ApiError::not_found("no such integration"))?;
    let made = keys::make(
        store,
        &admin.keys,
        old.account_id,
        &old.name,
        KeyKind::Integration,
    )
    .await?;
    store.move_webhooks(&old.id, &made.key.id).await?;
    store.revoke_ghost_key(&old.id).await?;
    caller
        .audit(&admin, "integration.rotated", Some(&old.name), None)
        .await;
    Ok((StatusCode::CREATED, Json(made)))
}

/// Revokes a key (an owner any, anyone else their own): it stops working at once.
#[utoipa::path(delete, path = "/integrations/{id}", tag = "sign-in", params(("id" = String, Path)),
    responses((status = 204, description = "Revoked")))]
pub(in crate::admin) async fn revoke(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(Need::Account)?;
    let store = &admin.site.store;
    let key = store.ghost_keys().await?.into_iter().find(|k| k.id == id);
    let mine = match key {
        Some(k) => caller.oversees(&admin, k.account_id).await?,
        None => false,
    };
    if !mine {
        return Err(ApiError::not_found("no such key"));
    }
    let name = store
        .revoke_ghost_key(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such key"))?;
    caller
        .audit(&admin, "integration.revoked", Some(&name), None)
        .await;
    Ok(StatusCode::NO_CONTENT)
}
