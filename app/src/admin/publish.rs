//! Publishing from the API (requests that arrive together share one render), the
//! schedule (posts go live when their time comes), and previews.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use futures_util::future::{BoxFuture, FutureExt, Shared};
use serde_json::{json, Value};
use tokio::sync::Notify;

use super::auth::{Caller, Need};
use super::error::{from_json, ApiError, ApiResult};
use super::Admin;
use crate::publish::{PublishOptions, PublishReport, Site};
use crate::store::PostDoc;

type Render = Shared<BoxFuture<'static, Result<Arc<PublishReport>, String>>>;

/// Runs publishes for the API and the schedule.
pub struct Publisher {
    site: Arc<Site>,
    options: PublishOptions,
    /// The render that has not started yet: whoever asks now joins it.
    pending: Mutex<Option<Render>>,
    /// One render at a time; the next one waits here.
    turn: tokio::sync::Mutex<()>,
    /// Told when posts change, so the schedule looks again.
    changed: Notify,
}

impl Publisher {
    /// `options` as `folio serve` was started with; the API never imports content/
    /// (the store is what it edits).
    pub fn new(site: Arc<Site>, options: PublishOptions) -> Arc<Self> {
        Arc::new(Self {
            site,
            options: PublishOptions {
                import: false,
                prune: false,
                force: false,
                ..options
            },
            pending: Mutex::new(None),
            turn: tokio::sync::Mutex::new(()),
            changed: Notify::new(),
        })
    }

    /// Renders the store into the output folder. Requests made while a render is
    /// waiting for its turn share it; a failure leaves the published site as it was.
    pub async fn publish(self: &Arc<Self>) -> Result<Arc<PublishReport>, String> {
        let render = {
            let mut pending = self
                .pending
                .lock()
                .expect("no panic while holding the lock");
            match pending.as_ref() {
                Some(render) => render.clone(),
                None => {
                    let this = self.clone();
                    // Spawned: a client that goes away does not cancel a render others wait on.
                    let task = tokio::spawn(async move {
                        let _turn = this.turn.lock().await;
                        // From now on, new requests need a new render: this one may
                        // have read the store before their changes.
                        this.pending
                            .lock()
                            .expect("no panic while holding the lock")
                            .take();
                        this.site
                            .publish(this.options)
                            .await
                            .map(Arc::new)
                            .map_err(|e| e.to_string())
                    });
                    let render = async move { task.await.unwrap_or_else(|e| Err(e.to_string())) }
                        .boxed()
                        .shared();
                    *pending = Some(render.clone());
                    render
                }
            }
        };
        render.await
    }

    /// The options its renders use.
    pub fn options(&self) -> PublishOptions {
        self.options
    }

    /// Posts changed: the schedule may have a new next time.
    pub fn changed(&self) {
        self.changed.notify_one();
    }

    /// Publishes whenever a scheduled post's time comes, until the process ends.
    /// After a restart, the first publish shows whatever came due meanwhile.
    pub async fn run_schedule(self: Arc<Self>) {
        let store = &self.site.store;
        let mut due = store.due_count(Utc::now()).await.unwrap_or_default();
        loop {
            let wait = match store.next_scheduled(Utc::now()).await {
                Ok(Some(at)) => {
                    (at - Utc::now()).to_std().unwrap_or_default() + Duration::from_millis(200)
                }
                Ok(None) => Duration::from_secs(3600),
                Err(e) => {
                    tracing::error!("schedule: {e}");
                    Duration::from_secs(60)
                }
            };
            tokio::select! {
                () = tokio::time::sleep(wait.min(Duration::from_secs(3600))) => {}
                () = self.changed.notified() => {}
            }
            let now_due = store.due_count(Utc::now()).await.unwrap_or(due);
            if now_due > due {
                tracing::info!("scheduled posts came due: publishing");
                match self.publish().await {
                    Ok(_) => tracing::info!("scheduled posts published"),
                    Err(e) => tracing::error!("scheduled publish failed: {e}"),
                }
            }
            due = now_due;
        }
    }
}

pub async fn publish(State(admin): State<Arc<Admin>>, caller: Caller) -> ApiResult<Json<Value>> {
    caller.require(Need::Publish)?;
    let result = admin.publisher.publish().await;
    let detail = match &result {
        Ok(_) => None,
        Err(e) => Some(e.as_str()),
    };
    admin
        .audit(
            Some(&caller.actor()),
            if detail.is_none() {
                "publish"
            } else {
                "publish.failed"
            },
            None,
            &caller.ip,
            detail,
        )
        .await;
    let report = result.map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            format!("publish failed, the site is as it was: {e}"),
        )
    })?;
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

/// The HTML of a post page for a document (unsaved edits), rendered as a publish would.
pub async fn preview(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    caller.require(Need::ReadContent)?;
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
