//! The settings the site is rendered with.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::admin::auth::{Caller, Need};
use crate::admin::error::{ApiError, ApiResult, Body};
use crate::admin::sitewide::publish::{go_live, Saved};
use crate::admin::Admin;
use crate::config::{ConfigError, SiteConfig, EDITABLE};

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct Settings {
    /// The configuration in force (`folio.toml`'s keys).
    #[schema(value_type = Object)]
    settings: SiteConfig,
    /// The keys saved here, over `folio.toml`'s values.
    overridden: Vec<String>,
    /// The keys that can be saved here.
    editable: Vec<&'static str>,
    /// The Content-Security-Policy readers' browsers get with each page (`null`:
    /// none), with the hashes of the inline scripts of the site's code injection.
    site_csp: Option<String>,
}

/// The settings in force: `folio.toml` and `FOLIO_*` variables, with those saved
/// here on top (`overridden`); only the `editable` ones can be saved here.
#[utoipa::path(get, path = "/settings", tag = "site", responses((status = 200, body = Settings)))]
pub(in crate::admin) async fn settings(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Json<Settings>> {
    caller.require(Need::ReadContent)?;
    Ok(Json(current(&admin).await?))
}

async fn current(admin: &Admin) -> ApiResult<Settings> {
    let saved = admin.site.store.settings().await?;
    let effective = admin
        .site
        .effective_config()
        .await
        .map_err(ApiError::internal)?;
    Ok(Settings {
        site_csp: crate::render::csp::Policies::new(&effective, std::iter::empty()).all,
        settings: effective,
        overridden: saved.into_iter().map(|(k, _)| k).collect(),
        editable: EDITABLE.to_vec(),
    })
}

/// Saves settings (`{"title": "..."}`); `null`, or the value `folio.toml` gives, goes
/// back to `folio.toml`'s value (an untouched field is not an override). The site is
/// published with them at once: settings show on every page.
#[utoipa::path(patch, path = "/settings", tag = "site",
    request_body(content = Object, description = "Editable keys and their values; `null` reverts one"),
    responses((status = 200, body = Saved<Settings>)))]
pub(in crate::admin) async fn update_settings(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Json<Saved<Settings>>> {
    caller.require(Need::Administer)?;
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
                .map_err(|e| match e {
                    // A field inside the key (`design.accent_color`) is named.
                    ConfigError::Value { origin, message } if origin.starts_with(key.as_str()) => {
                        ApiError::field(&origin, format!("{origin}: {message}"))
                    }
                    e => ApiError::field(&key, format!("{key}: {e}")),
                })?;
        }
        let given = &base[key.as_str()];
        let same_as_file = value == *given || (value == json!("") && given.is_null());
        changes.push((key, Some(value).filter(|v| !v.is_null() && !same_as_file)));
    }
    admin.site.store.save_settings(&changes).await?;
    admin.write_site_files().await?;
    let keys: Vec<&str> = changes.iter().map(|(k, _)| k.as_str()).collect();
    caller
        .audit(&admin, "settings.changed", None, Some(&keys.join(", ")))
        .await;
    let published = match caller.require(Need::Publish) {
        Ok(()) => Some(go_live(&admin).await),
        Err(_) => None,
    };
    Ok(Json(Saved {
        saved: current(&admin).await?,
        published,
    }))
}
