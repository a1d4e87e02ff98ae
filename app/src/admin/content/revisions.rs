//! A post's history: its revisions, restoring one (its content; status and date
//! stay), and dropping unpublished changes.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::auth::{Caller, Need};
use crate::admin::content::post_rules::{check_revision, check_save};
use crate::admin::content::post_view::PostView;
use crate::admin::content::posts::{read_post, store_revision, write_post};
use crate::admin::error::{from_json, ApiError, ApiResult, Body};
use crate::admin::Admin;
use crate::store::{pending, revisions, PostDoc};

/// Drops a post's unpublished changes.
#[utoipa::path(delete, path = "/posts/{id}/pending", tag = "posts", params(("id" = i64, Path)),
    responses((status = 200, body = PostView)))]
pub(in crate::admin) async fn discard_pending(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<PostView>> {
    caller.require(Need::WriteContent)?;
    let (mut tx, post) = write_post(&admin, &caller, id).await?;
    pending::discard(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Json(PostView::of(&post, admin.now())))
}

/// A revision: the document a save made.
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct Revision {
    number: i64,
    /// Who or what made it: a person (`admin:name`), a file, an import.
    origin: String,
    created_at: String,
    document: PostDoc,
}

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct RevisionList {
    /// Newest first.
    revisions: Vec<Revision>,
}

/// A post's revisions, newest first.
#[utoipa::path(get, path = "/posts/{id}/revisions", tag = "posts", params(("id" = i64, Path)),
    responses((status = 200, body = RevisionList)))]
pub(in crate::admin) async fn revisions(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<RevisionList>> {
    caller.require(Need::ReadContent)?;
    // The post is read for the reader check alone.
    let (mut conn, _) = read_post(&admin, &caller, id).await?;
    let revisions = revisions::revisions(&mut conn, id)
        .await?
        .into_iter()
        .rev()
        .map(|(number, origin, created_at, document)| Revision {
            number,
            origin,
            created_at,
            document,
        })
        .collect();
    Ok(Json(RevisionList { revisions }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::admin) struct RestoreRevision {
    /// The post's current revision, as the editor saw it.
    revision: i64,
    /// The count of saves of the unpublished changes the restore replaces.
    #[serde(default)]
    pending: i64,
}

/// Makes an old revision's document the current one, as a new revision.
#[utoipa::path(post, path = "/posts/{id}/revisions/{number}/restore", tag = "posts",
    params(("id" = i64, Path), ("number" = i64, Path)), request_body = RestoreRevision,
    responses((status = 200, body = PostView)))]
pub(in crate::admin) async fn restore_revision(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path((id, number)): Path<(i64, i64)>,
    Body(body): Body,
) -> ApiResult<Json<PostView>> {
    caller.require(Need::WriteContent)?;
    let RestoreRevision {
        revision: based_on,
        pending: saves_seen,
    } = from_json(body)?;
    let (mut tx, current) = write_post(&admin, &caller, id).await?;
    check_revision(&mut tx, &current, (based_on, saves_seen), admin.now()).await?;
    let mut doc = revisions::revisions(&mut tx, id)
        .await?
        .into_iter()
        .find(|(n, ..)| *n == number)
        .map(|(.., doc)| doc)
        .ok_or_else(|| ApiError::not_found(format!("post {id} has no revision {number}")))?;
    // The content comes back; whether and since when the post is live stays.
    doc.status = current.doc.status;
    doc.published_at = current.doc.published_at;
    pending::discard(&mut tx, id).await?;
    let pair = (&current, &current);
    let sanitized = check_save(&admin, &caller, &mut tx, &mut doc, pair, false).await?;
    let post = store_revision(&admin, &caller, tx, id, &doc, sanitized).await?;
    caller
        .audit(
            &admin,
            "post.revision_restored",
            Some(&doc.slug),
            Some(&format!("revision {number}")),
        )
        .await;
    Ok(Json(PostView::of(&post, admin.now())))
}
