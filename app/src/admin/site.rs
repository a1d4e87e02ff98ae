//! Site-wide reads: tags and the settings the site is rendered with.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::auth::{Caller, Need};
use super::error::ApiResult;
use super::Admin;

pub async fn tags(State(admin): State<Arc<Admin>>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Need::ReadContent)?;
    let tags = admin.site.store.tag_counts().await?;
    Ok(Json(json!({ "tags": tags })))
}

/// The settings in force (folio.toml and FOLIO_* variables; read-only here, since
/// they live in Git with the rest of the configuration).
pub async fn settings(State(admin): State<Arc<Admin>>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Need::ReadContent)?;
    Ok(Json(json!({ "settings": admin.site.config })))
}
