//! Publishing from the API (through the server's [`Publisher`](crate::site::Publisher),
//! so requests that arrive together share one build).

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::admin::auth::{Caller, Need};
use crate::admin::error::{ApiError, ApiResult};
use crate::admin::Admin;
use crate::deploy::worker::DeployStatus;
use crate::site::BuildReport;

/// What a publish did.
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct PublishSummary {
    /// Pages rendered (the others were unchanged and kept).
    rendered: usize,
    /// Files the site has.
    files: usize,
    /// Paths written.
    written: Vec<String>,
    /// Files left as they were.
    unchanged: usize,
    /// Paths removed.
    deleted: Vec<String>,
    millis: u64,
    /// Nothing had changed since the last publish: nothing was built.
    up_to_date: bool,
}

impl From<Option<&BuildReport>> for PublishSummary {
    fn from(build: Option<&BuildReport>) -> Self {
        match build {
            Some(build) => PublishSummary {
                rendered: build.rendered,
                files: build.files,
                written: build.write.written.clone(),
                unchanged: build.write.unchanged,
                deleted: build.write.removed.clone(),
                millis: u64::try_from(build.millis).unwrap_or(u64::MAX),
                up_to_date: false,
            },
            None => PublishSummary {
                rendered: 0,
                files: 0,
                written: Vec::new(),
                unchanged: 0,
                deleted: Vec::new(),
                millis: 0,
                up_to_date: true,
            },
        }
    }
}

/// Publishes the site: renders what changed and writes it (editors and owners).
#[utoipa::path(post, path = "/publish", tag = "site",
    responses((status = 200, body = PublishSummary)))]
pub(in crate::admin) async fn publish(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Json<PublishSummary>> {
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
    Ok(Json(PublishSummary::from(report.build.as_ref())))
}

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct Deploy {
    /// Whether `[deploy]` names a bucket.
    configured: bool,
    #[serde(flatten)]
    status: Option<DeployStatus>,
}

/// Where the site goes after each publish (the bucket, the CDNs) and how the last
/// deploy went; `configured: false` when `[deploy]` names nowhere.
#[utoipa::path(get, path = "/deploy", tag = "site", responses((status = 200, body = Deploy)))]
pub(in crate::admin) async fn deploy_status(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Json<Deploy>> {
    caller.require(Need::Publish)?;
    let status = admin.deployer.as_ref().map(|d| d.status());
    Ok(Json(Deploy {
        configured: status.is_some(),
        status,
    }))
}

/// What publishing a change made from the admin did: the files written, or why it
/// failed (the change itself is saved either way).
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct Published {
    #[serde(skip_serializing_if = "Option::is_none")]
    written: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(in crate::admin) error: Option<String>,
}

/// A tag, profile or settings saved, and the publish that shows it (`null` when
/// nothing a reader sees changed, or the caller may not publish).
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct Saved<T: ToSchema> {
    #[serde(flatten)]
    pub(in crate::admin) saved: T,
    pub(in crate::admin) published: Option<Published>,
}

/// Publishes what a change made from the admin (settings, a tag, a profile) shows on
/// every page.
pub(in crate::admin) async fn go_live(admin: &Admin) -> Published {
    match admin.publisher.publish().await {
        Ok(report) => Published {
            written: Some(report.build.as_ref().map_or(0, |b| b.write.written.len())),
            error: None,
        },
        Err(e) => Published {
            written: None,
            error: Some(ApiError::from(&*e).message),
        },
    }
}
