//! Site-wide reads: tags and the settings the site is rendered with.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use super::auth::{Caller, Need};
use super::error::{ApiError, ApiResult};
use super::Admin;
use crate::config::EDITABLE;

pub async fn tags(State(admin): State<Arc<Admin>>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Need::ReadContent)?;
    let tags = admin.site.store.tag_counts().await?;
    Ok(Json(json!({ "tags": tags })))
}

/// The settings in force: `folio.toml` and `FOLIO_*` variables, with those saved
/// here on top (`overridden`); only the `editable` ones can be saved here.
pub async fn settings(State(admin): State<Arc<Admin>>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Need::ReadContent)?;
    settings_json(&admin).await
}

async fn settings_json(admin: &Admin) -> ApiResult<Json<Value>> {
    let saved = admin.site.store.settings().await?;
    let effective = admin
        .site
        .effective_config()
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(json!({
        "settings": effective,
        "overridden": saved.iter().map(|(k, _)| k).collect::<Vec<_>>(),
        "editable": EDITABLE,
    })))
}

/// Saves settings (`{"title": "..."}`); `null` goes back to `folio.toml`'s value.
/// Takes effect at the next publish.
pub async fn update_settings(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Json(body): Json<Value>,
) -> ApiResult<Json<Value>> {
    caller.require(Need::Owner)?;
    let Value::Object(body) = body else {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    };
    let mut changes = Vec::new();
    for (key, value) in body {
        if !EDITABLE.contains(&key.as_str()) {
            return Err(ApiError::field(
                &key,
                format!(
                    "{key} is not editable here ({}); set it in folio.toml",
                    EDITABLE.join(", ")
                ),
            ));
        }
        // Each value must make a valid configuration on its own.
        if !value.is_null() {
            admin
                .site
                .config
                .with_settings(&[(key.clone(), value.clone())])
                .map_err(|e| ApiError::field(&key, format!("{key}: {e}")))?;
        }
        changes.push((key, Some(value).filter(|v| !v.is_null())));
    }
    admin.site.store.save_settings(&changes).await?;
    let keys: Vec<&str> = changes.iter().map(|(k, _)| k.as_str()).collect();
    admin
        .audit(
            Some(&caller.actor()),
            "settings.changed",
            None,
            &caller.ip,
            Some(&keys.join(", ")),
        )
        .await;
    settings_json(&admin).await
}
