//! The settings the site is rendered with.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use crate::admin::auth::{Caller, Need};
use crate::admin::error::{ApiError, ApiResult, Body};
use crate::admin::Admin;
use crate::config::EDITABLE;

/// The settings in force: `folio.toml` and `FOLIO_*` variables, with those saved
/// here on top (`overridden`); only the `editable` ones can be saved here.
pub(in crate::admin) async fn settings(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
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

/// Saves settings (`{"title": "..."}`); `null`, or the value `folio.toml` gives, goes
/// back to `folio.toml`'s value (an untouched field is not an override). The site is
/// published with them at once: settings show on every page.
pub(in crate::admin) async fn update_settings(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Json<Value>> {
    caller.require(Need::Owner)?;
    let Value::Object(body) = body else {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    };
    // What folio.toml and the environment give, without anything saved here.
    let file = admin.site.current_config();
    let base = serde_json::to_value(&file).map_err(ApiError::internal)?;
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
            file.with_settings(&[(key.clone(), value.clone())])
                .map_err(|e| ApiError::field(&key, format!("{key}: {e}")))?;
        }
        let given = &base[key.as_str()];
        let same_as_file = value == *given || (value == json!("") && given.is_null());
        changes.push((key, Some(value).filter(|v| !v.is_null() && !same_as_file)));
    }
    admin.site.store.save_settings(&changes).await?;
    let keys: Vec<&str> = changes.iter().map(|(k, _)| k.as_str()).collect();
    caller
        .audit(&admin, "settings.changed", None, Some(&keys.join(", ")))
        .await;
    let Json(mut reply) = settings_json(&admin).await?;
    if caller.require(Need::Publish).is_ok() {
        reply["published"] = crate::admin::sitewide::publish::go_live(&admin).await;
    }
    Ok(Json(reply))
}
