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
use crate::admin::sitewide::publish::Saved;
use crate::admin::Admin;
use crate::content::frontmatter;
use crate::content::save::{defaults, Reading};
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

/// A version of the post's file in Git (with `[git]`, or a content folder that is a
/// Git working copy): the commit that made it, and the post as the file then said.
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct GitVersion {
    commit: String,
    author: String,
    at: String,
    summary: String,
    /// `null` when the commit removed the file, or its text does not read as a post.
    document: Option<PostDoc>,
}

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct RevisionList {
    /// Newest first.
    revisions: Vec<Revision>,
    /// The file's history in Git, newest first (empty without Git): it is what a new
    /// server has too, with each person's commits.
    git: Vec<GitVersion>,
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
    let (mut conn, post) = read_post(&admin, &caller, id).await?;
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
    drop(conn);
    let git = match &post.source_path {
        Some(rel) => git_versions(&admin, rel).await?,
        None => Vec::new(),
    };
    Ok(Json(RevisionList { revisions, git }))
}

/// The versions of the file `rel` in Git, each read as a post (as an import would).
async fn git_versions(admin: &Admin, rel: &str) -> ApiResult<Vec<GitVersion>> {
    let Some(git) = &admin.git else {
        return Ok(Vec::new());
    };
    let versions = git.history(rel).await.map_err(ApiError::internal)?;
    let author = admin.site.current_config().default_author;
    let reading = Reading {
        author: &author,
        now: admin.now(),
    };
    let defaults = defaults(rel, reading);
    Ok(versions
        .into_iter()
        .map(|v| GitVersion {
            document: (v.text.as_deref())
                .and_then(|text| frontmatter::parse(rel, text, &defaults).ok())
                .map(|parsed| parsed.doc),
            commit: v.commit,
            author: v.author,
            at: crate::store::timestamp(v.at),
            summary: v.summary,
        })
        .collect())
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
    responses((status = 200, body = Saved<PostView>)))]
pub(in crate::admin) async fn restore_revision(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path((id, number)): Path<(i64, i64)>,
    Body(body): Body,
) -> ApiResult<Json<Saved<PostView>>> {
    caller.require(Need::WriteContent)?;
    let seen: RestoreRevision = from_json(body)?;
    let (mut tx, current) = write_checked(&admin, &caller, id, seen).await?;
    let doc = revisions::revisions(&mut tx, id)
        .await?
        .into_iter()
        .find(|(n, ..)| *n == number)
        .map(|(.., doc)| doc)
        .ok_or_else(|| ApiError::not_found(format!("post {id} has no revision {number}")))?;
    let restoring = (current, doc, format!("revision {number}"));
    restore(&admin, &caller, tx, restoring).await
}

/// Makes the post's content what its file held at the Git commit `commit` (from the
/// list's `git`), as a new revision, and so a new commit.
#[utoipa::path(post, path = "/posts/{id}/history/{commit}/restore", tag = "posts",
    params(("id" = i64, Path), ("commit" = String, Path)), request_body = RestoreRevision,
    responses((status = 200, body = Saved<PostView>)))]
pub(in crate::admin) async fn restore_commit(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path((id, commit)): Path<(i64, String)>,
    Body(body): Body,
) -> ApiResult<Json<Saved<PostView>>> {
    caller.require(Need::WriteContent)?;
    let seen: RestoreRevision = from_json(body)?;
    let (conn, post) = read_post(&admin, &caller, id).await?;
    drop(conn);
    let not_found = || ApiError::not_found(format!("post {id}'s file has no version at {commit}"));
    let rel = post.source_path.ok_or_else(not_found)?;
    let doc = git_versions(&admin, &rel)
        .await?
        .into_iter()
        .find(|v| v.commit == commit)
        .and_then(|v| v.document)
        .ok_or_else(not_found)?;
    let (tx, current) = write_checked(&admin, &caller, id, seen).await?;
    let short = commit.get(..10).unwrap_or(&commit);
    restore(
        &admin,
        &caller,
        tx,
        (current, doc, format!("commit {short}")),
    )
    .await
}

/// The write transaction for a restore into post `id`, once what the editor saw of
/// it (`seen`) is checked to be the post as it is.
async fn write_checked(
    admin: &Admin,
    caller: &Caller,
    id: i64,
    seen: RestoreRevision,
) -> ApiResult<(crate::store::Write, crate::store::StoredPost)> {
    let (mut tx, current) = write_post(admin, caller, id).await?;
    let seen = (seen.revision, seen.pending);
    check_revision(&mut tx, &current, seen, admin.now()).await?;
    Ok((tx, current))
}

/// Stores `doc`'s content as post `current`'s next revision (whether and since when
/// it is live stays), dropping unpublished changes; `what` names the version in the
/// audit log (and the commit's message).
async fn restore(
    admin: &Admin,
    caller: &Caller,
    mut tx: crate::store::Write,
    (current, mut doc, what): (crate::store::StoredPost, PostDoc, String),
) -> ApiResult<Json<Saved<PostView>>> {
    let id = current.id;
    doc.status = current.doc.status;
    doc.published_at = current.doc.published_at;
    pending::discard(&mut tx, id).await?;
    let pair = (&current, &current);
    let sanitized = check_save(admin, caller, &mut tx, &mut doc, pair, false).await?;
    let (post, published) = store_revision(admin, caller, tx, id, &doc, sanitized).await?;
    caller
        .audit(
            admin,
            "post.revision_restored",
            Some(&doc.slug),
            Some(&what),
        )
        .await;
    let saved = PostView::of(&post, admin.now());
    Ok(Json(Saved { saved, published }))
}
