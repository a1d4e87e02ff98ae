//! Publishing from the API (through the server's [`Publisher`](crate::site::Publisher),
//! so requests that arrive together share one build) and previews.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::admin::auth::{Caller, Need};
use crate::admin::error::{from_json, ApiError, ApiResult, Body};
use crate::admin::Admin;
use crate::store::PostDoc;

pub(in crate::admin) async fn publish(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    caller.require(Need::Publish)?;
    let result = admin.publisher.publish().await;
    let detail = result.as_ref().err().map(ToString::to_string);
    let action = if detail.is_none() {
        "publish"
    } else {
        "publish.failed"
    };
    caller.audit(&admin, action, None, detail.as_deref()).await;
    let report = result.map_err(|e| ApiError::from(&*e))?;
    Ok(Json(match &report.build {
        Some(build) => json!({
            "rendered": build.rendered,
            "files": build.files,
            "written": build.write.written,
            "unchanged": build.write.unchanged,
            "deleted": build.write.removed,
            "millis": build.millis,
        }),
        None => json!({
            "rendered": 0,
            "written": [],
            "unchanged": null,
            "deleted": [],
            "millis": 0,
            "up_to_date": true,
        }),
    }))
}

/// Where the site goes after each publish (the bucket, the CDNs) and how the last
/// deploy went; `configured: false` when `[deploy]` names nowhere.
pub(in crate::admin) async fn deploy_status(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    caller.require(Need::Publish)?;
    Ok(Json(match &admin.deployer {
        Some(deployer) => {
            let mut status = serde_json::to_value(deployer.status()).map_err(ApiError::internal)?;
            status["configured"] = json!(true);
            status
        }
        None => json!({ "configured": false }),
    }))
}

/// Publishes what a change made from the admin (settings, a tag, a profile) shows on
/// every page; the answer's `published`: the number of files written, or the error.
pub(in crate::admin) async fn go_live(admin: &Admin) -> Value {
    match admin.publisher.publish().await {
        Ok(report) => {
            json!({ "written": report.build.as_ref().map_or(0, |b| b.write.written.len()) })
        }
        Err(e) => json!({ "error": ApiError::from(&*e).message }),
    }
}

/// The HTML of a post page for a document (unsaved edits), rendered as a publish would.
pub(in crate::admin) async fn preview(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Response> {
    caller.require(Need::ReadContent)?;
    let Ok(_rendering) = admin.previews.try_acquire() else {
        return Err(ApiError::unavailable(
            "other previews are being rendered: try again in a moment",
            std::time::Duration::from_secs(2),
        ));
    };
    let mut doc: PostDoc = from_json(body)?;
    if doc.title.trim().is_empty() {
        doc.title = "Untitled".into();
    }
    if crate::content::validate_slug(&doc.slug).is_err() {
        doc.slug = "preview".into();
    }
    let sanitized = caller.account.role() == crate::store::Role::Author;
    let html =
        admin.site.preview(doc, sanitized).await.map_err(|e| {
            ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
        })?;
    // Uploads reach the public site at the next publish; until then the admin has them.
    let html = ["images", "files", "media"].iter().fold(html, |html, dir| {
        html.replace(
            &format!("src=\"/{dir}/"),
            &format!("src=\"/admin/api/media/{dir}/"),
        )
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // The preview shows the writer's own HTML: it may not run scripts here.
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; img-src * data:; style-src 'self' 'unsafe-inline'; font-src 'self'; frame-ancestors 'self'; sandbox"),
            (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
        ],
        html,
    )
        .into_response())
}
