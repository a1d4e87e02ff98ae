//! The content repository (`[git]`): its state, a pull asked for by CI
//! (`folio sync`), and the forge's push webhook.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::auth::{Caller, Need};
use crate::admin::error::{ApiError, ApiResult};
use crate::admin::Admin;
use crate::git::{GitStatus, Pulled, Sides};

/// The webhook's body: a forge's push event is a few kilobytes; more is not one.
pub(in crate::admin) const WEBHOOK_LIMIT: usize = 1024 * 1024;

fn git(admin: &Admin) -> ApiResult<&Arc<crate::git::Git>> {
    (admin.git.as_ref())
        .filter(|git| git.has_remote())
        .ok_or_else(|| {
            ApiError::not_found("this server has no [git] remote: its content folder is not synced")
        })
}

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct Repository {
    /// Whether `[git]` names a remote (else nothing below).
    configured: bool,
    #[serde(flatten)]
    status: Option<GitStatus>,
}

/// The content repository: the commit the site is at, commits not yet pushed, the
/// last push and pull, the last error, files in conflict; `configured: false`
/// without `[git]`.
#[utoipa::path(get, path = "/git", tag = "site", responses((status = 200, body = Repository)))]
pub(in crate::admin) async fn status(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Json<Repository>> {
    caller.require(Need::ReadContent)?;
    let status = (admin.git.as_ref())
        .filter(|git| git.has_remote())
        .map(|git| git.status());
    Ok(Json(Repository {
        configured: status.is_some(),
        status,
    }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub(in crate::admin) struct SyncRequest {
    /// Pull and publish before answering (else the pull is only asked for).
    wait: bool,
}

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct Synced {
    /// What the pull did (`null` when only asked for).
    pulled: Option<Pulled>,
    /// Whether the publish of what was pulled succeeded.
    published: bool,
    #[serde(flatten)]
    status: GitStatus,
}

/// Pulls the content repository, imports and publishes what changed (`folio sync`
/// from CI). With `wait`, answers once the publish is done: 200 with the commit the
/// site is at, 409 when the pull is in conflict, 502 when the remote or the publish
/// failed.
#[utoipa::path(post, path = "/git/sync", tag = "site", request_body = SyncRequest,
    responses((status = 200, body = Synced), (status = 202, body = Synced)))]
pub(in crate::admin) async fn sync(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Json(request): Json<SyncRequest>,
) -> ApiResult<(StatusCode, Json<Synced>)> {
    caller.require(Need::Sync)?;
    let git = git(&admin)?;
    if !request.wait {
        git.ask_pull();
        let status = git.status();
        return Ok((
            StatusCode::ACCEPTED,
            Json(Synced {
                pulled: None,
                published: false,
                status,
            }),
        ));
    }
    let pulled = git
        .pull()
        .await
        .map_err(|e| ApiError::new(StatusCode::BAD_GATEWAY, e.to_string()))?;
    let published = match pulled {
        Pulled::Conflict => {
            let files = git.status().conflict.join(", ");
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("the remote changed the same lines as the admin in {files}: its commits wait (see docs/git-sync.md)"),
            ));
        }
        Pulled::Changed => git.publish(&admin.publisher).await,
        Pulled::UpToDate => true,
    };
    if !published {
        return Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "the pulled commits did not publish: the previous site stays; see the server's log",
        ));
    }
    caller
        .audit(&admin, "git.synced", git.status().head.as_deref(), None)
        .await;
    // Commits made beside the server (`folio import ghost`) go out too.
    git.nudge();
    Ok((
        StatusCode::OK,
        Json(Synced {
            pulled: Some(pulled),
            published,
            status: git.status(),
        }),
    ))
}

/// The files in conflict with the remote, each as it was where the two sides parted,
/// here and in Git, to compare them before resolving (editors, owners).
#[utoipa::path(get, path = "/git/conflict", tag = "site",
    responses((status = 200, body = Vec<Sides>)))]
pub(in crate::admin) async fn conflict(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Json<Vec<Sides>>> {
    caller.require(Need::Publish)?;
    let git = git(&admin)?;
    let sides = git.conflict().await.map_err(ApiError::internal)?;
    Ok(Json(sides))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(in crate::admin) enum Keep {
    /// The lines as the admin changed them.
    Admin,
    /// The lines as they are in Git.
    Git,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::admin) struct Resolve {
    keep: Keep,
}

/// Ends a conflict with the remote from the admin: a merge commit by the caller that
/// keeps, of each line changed on both sides, the admin's version or Git's (both
/// histories stay, nothing is forced), then published and pushed (editors, owners).
#[utoipa::path(post, path = "/git/resolve", tag = "site", request_body = Resolve,
    responses((status = 200, body = GitStatus)))]
pub(in crate::admin) async fn resolve(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Json(request): Json<Resolve>,
) -> ApiResult<Json<GitStatus>> {
    caller.require(Need::Publish)?;
    let git = git(&admin)?;
    if git.status().conflict.is_empty() {
        return Err(ApiError::conflict(
            "there is no conflict with the remote to resolve",
        ));
    }
    let ours = matches!(request.keep, Keep::Admin);
    let person = caller.person(&admin).await;
    git.resolve(ours, person, &admin.publisher)
        .await
        .map_err(|e| ApiError::conflict(e.to_string()))?;
    let kept = if ours {
        "the admin's lines"
    } else {
        "Git's lines"
    };
    caller
        .audit(&admin, "git.conflict_resolved", Some(kept), None)
        .await;
    Ok(Json(git.status()))
}

/// The forge's push webhook (GitHub, Gitea, Forgejo, GitLab), signed with
/// `FOLIO_GIT_WEBHOOK_SECRET`: asks for a pull, answers at once. No session: the
/// signature is the proof.
#[utoipa::path(post, path = "/git/webhook", tag = "site", security(()),
    responses((status = 202, description = "A pull is on its way"), (status = 401, description = "Unsigned or forged")))]
pub(in crate::admin) async fn webhook(
    State(admin): State<Arc<Admin>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let git = git(&admin)?;
    let secret = admin.webhook_secret.as_deref().ok_or_else(|| {
        ApiError::not_found("no FOLIO_GIT_WEBHOOK_SECRET is set: this server takes no webhook")
    })?;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Err(refused) = crate::git::webhook::verify(secret, header, &body) {
        tracing::warn!("git: webhook refused: {refused}");
        return Err(ApiError::unauthorized(refused.to_string()));
    }
    git.ask_pull();
    Ok(StatusCode::ACCEPTED)
}
