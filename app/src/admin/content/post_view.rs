//! A post as the API shows it: its document plus id, revision and where it is, and
//! its unpublished changes beside it.

use chrono::Utc;
use serde_json::{json, Value};

use crate::admin::error::ApiResult;
use crate::store::{pending, Connection, PostDoc, Status, StoredPost};

/// A post as the API shows it: its document plus id, revision and where it is; a
/// scheduled post whose time has come shows as what it is, published.
pub(in crate::admin) fn post_json(post: &StoredPost) -> Value {
    let mut body = serde_json::to_value(&post.doc).expect("a PostDoc serializes");
    if is_live(&post.doc) {
        body["status"] = json!(Status::Published.as_str());
    }
    body["id"] = json!(post.id);
    body["revision"] = json!(post.revision);
    body["trashed"] = json!(post.archived);
    body["url"] = json!(format!("/{}/", post.doc.slug));
    body["sanitized"] = json!(post.sanitized);
    if let Some(path) = &post.source_path {
        body["source_path"] = json!(path);
    }
    body
}

/// Whether the site shows `doc` (when not trashed): published, or scheduled and due.
pub(in crate::admin) fn is_live(doc: &PostDoc) -> bool {
    match doc.status {
        Status::Published => true,
        Status::Scheduled => doc.published_at.is_some_and(|at| at <= Utc::now()),
        Status::Draft => false,
    }
}

/// [`post_json`] with the post's unpublished changes, if it has any.
pub(in crate::admin) async fn post_reply(conn: &mut Connection, post: &StoredPost) -> ApiResult<Value> {
    let mut body = post_json(post);
    // Changes wait only beside a live post: one unpublished since (by its file, say)
    // is edited as it is.
    let live = is_live(&post.doc) && !post.archived;
    if let Some(pending) = pending::get(conn, post.id).await?.filter(|_| live) {
        body["pending"] = json!({
            "saves": pending.saves,
            "base_revision": pending.base_revision,
            "saved_by": pending.saved_by,
            "saved_at": pending.saved_at,
            "document": pending.document,
        });
    }
    Ok(body)
}
