//! A post as the API shows it: its document plus id, revision and where it is, and
//! its unpublished changes beside it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::admin::error::ApiResult;
use crate::store::{pending, Connection, PostDoc, Status, StoredPost};

/// A post or page: the fields of its front matter, and where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub(in crate::admin) struct PostView {
    #[serde(flatten)]
    doc: PostDoc,
    id: i64,
    /// The revision an update names (`revision`) to be applied.
    revision: i64,
    /// In the trash: kept with its revisions, not on the site.
    trashed: bool,
    /// Its address on the site.
    url: String,
    /// Written by an author: raw HTML in the body is cleaned when rendered.
    sanitized: bool,
    /// The file in `content/` it comes from, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    source_path: Option<String>,
    /// Changes saved beside a live post, not published yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pending: Option<PendingView>,
}

/// Changes saved beside a live post and not published yet.
#[derive(Debug, Serialize, ToSchema)]
pub(in crate::admin) struct PendingView {
    /// How many saves made them: an update names the count it saw (`pending`).
    saves: i64,
    /// The revision they were made on.
    base_revision: i64,
    saved_by: String,
    saved_at: String,
    document: PostDoc,
}

impl PostView {
    /// `post` as the API shows it at `now`; a scheduled post whose time has come
    /// shows as what it is, published.
    pub(in crate::admin) fn of(post: &StoredPost, now: DateTime<Utc>) -> Self {
        let mut doc = post.doc.clone();
        if is_live(&doc, now) {
            doc.status = Status::Published;
        }
        PostView {
            id: post.id,
            revision: post.revision,
            trashed: post.archived,
            url: format!("/{}/", post.doc.slug),
            sanitized: post.sanitized,
            source_path: post.source_path.clone(),
            pending: None,
            doc,
        }
    }

    /// [`PostView::of`] with the post's unpublished changes, if it has any.
    pub(in crate::admin) async fn with_pending(
        conn: &mut Connection,
        post: &StoredPost,
        now: DateTime<Utc>,
    ) -> ApiResult<Self> {
        let mut view = Self::of(post, now);
        // Changes wait only beside a live post: one unpublished since (by its file,
        // say) is edited as it is.
        let live = is_live(&post.doc, now) && !post.archived;
        if let Some(pending) = pending::get(conn, post.id).await?.filter(|_| live) {
            view.pending = Some(PendingView {
                saves: pending.saves,
                base_revision: pending.base_revision,
                saved_by: pending.saved_by,
                saved_at: pending.saved_at,
                document: pending.document,
            });
        }
        Ok(view)
    }
}

/// Whether the site shows `doc` at `now` (when not trashed): published, or scheduled
/// and due.
pub(in crate::admin) fn is_live(doc: &PostDoc, now: DateTime<Utc>) -> bool {
    match doc.status {
        Status::Published => true,
        Status::Scheduled => doc.published_at.is_some_and(|at| at <= now),
        Status::Draft => false,
    }
}
