//! `GET site/`: what a client checks before it connects (Zapier its version). Open
//! to anyone, as in Ghost.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use crate::admin::Admin;

pub(super) async fn site(State(admin): State<Arc<Admin>>) -> Json<Value> {
    let config = admin.site.current_config();
    Json(json!({ "site": {
        "title": config.title,
        "description": config.description,
        "logo": null,
        "icon": null,
        "accent_color": null,
        "locale": config.language,
        "url": format!("{}/", config.base_url.trim_end_matches('/')),
        "version": super::GHOST_VERSION,
    }}))
}
