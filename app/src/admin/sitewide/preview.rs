//! Previews: a post document (unsaved edits) rendered as a publish would, kept a short
//! while at an address of its own that the editor frames. A frame filled from
//! `srcdoc` would run under the admin's CSP, which refuses the theme's inline styles
//! (its fonts among them): at its own address the page has its own CSP, the site's
//! but for scripts.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::admin::auth::{Caller, Need};
use crate::admin::crypto::random_token;
use crate::admin::error::{from_json, ApiError, ApiResult, Body};
use crate::admin::Admin;
use crate::store::PostDoc;

/// Previews rendered at once; more get 503 with `Retry-After`.
const AT_ONCE: usize = 2;
/// The most a preview is kept: an editor asks for a new one as the writer types.
const LIFE: Duration = Duration::from_secs(600);
/// Previews kept per account: the one framed, and the next one while it loads.
const PER_ACCOUNT: usize = 2;
/// The bytes all kept previews may hold: the oldest go first beyond it.
const KEPT_BYTES: usize = 32 * 1024 * 1024;

/// The previews rendering and those kept for their frames.
pub(in crate::admin) struct Previews {
    rendering: tokio::sync::Semaphore,
    kept: Mutex<VecDeque<Kept>>,
}

struct Kept {
    id: String,
    account: i64,
    at: Instant,
    html: Arc<str>,
}

impl Default for Previews {
    fn default() -> Self {
        Self {
            rendering: tokio::sync::Semaphore::new(AT_ONCE),
            kept: Mutex::new(VecDeque::new()),
        }
    }
}

impl Previews {
    /// Keeps `html` for `account`; returns its id. Memory stays bounded: old ones,
    /// an account's beyond [`PER_ACCOUNT`], and the oldest beyond [`KEPT_BYTES`] go.
    fn keep(&self, account: i64, html: String) -> String {
        let id = random_token(16);
        let mut kept = self.kept.lock().expect("previews lock");
        kept.retain(|k| k.at.elapsed() < LIFE);
        while kept.iter().filter(|k| k.account == account).count() >= PER_ACCOUNT {
            let oldest = kept.iter().position(|k| k.account == account);
            kept.remove(oldest.expect("one of the account's"));
        }
        kept.push_back(Kept {
            id: id.clone(),
            account,
            at: Instant::now(),
            html: html.into(),
        });
        while kept.iter().map(|k| k.html.len()).sum::<usize>() > KEPT_BYTES && kept.len() > 1 {
            kept.pop_front();
        }
        id
    }

    /// The preview `id`, if `account` made it and it is still kept.
    fn get(&self, account: i64, id: &str) -> Option<Arc<str>> {
        let kept = self.kept.lock().expect("previews lock");
        kept.iter()
            .find(|k| k.id == id && k.account == account && k.at.elapsed() < LIFE)
            .map(|k| k.html.clone())
    }
}

/// Where a preview is.
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct PreviewMade {
    /// The page, for this account only, for ten minutes.
    url: String,
}

/// Renders a post document (unsaved edits) with the theme, as a publish would.
#[utoipa::path(post, path = "/preview", tag = "site", request_body = PostDoc,
    responses((status = 201, body = PreviewMade)))]
pub(in crate::admin) async fn preview(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<PreviewMade>)> {
    caller.require(Need::ReadContent)?;
    let Ok(_rendering) = admin.previews.rendering.try_acquire() else {
        return Err(ApiError::unavailable(
            "other previews are being rendered: try again in a moment",
            Duration::from_secs(2),
        ));
    };
    let mut doc: PostDoc = from_json(body)?;
    if doc.title.trim().is_empty() {
        doc.title = "Untitled".into();
    }
    if crate::content::validate_slug(&doc.slug).is_err() {
        doc.slug = "preview".into();
    }
    let sanitized = !caller.account.role().edits_all();
    let html = admin
        .site
        .preview(doc, sanitized)
        .await
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    // Uploads reach the public site at the next publish; until then the admin has them.
    let html = ["images", "files", "media"].iter().fold(html, |html, dir| {
        html.replace(
            &format!("src=\"/{dir}/"),
            &format!("src=\"/admin/api/media/{dir}/"),
        )
    });
    let id = admin.previews.keep(caller.account.id, html);
    let url = format!("/admin/api/preview/{id}");
    Ok((StatusCode::CREATED, Json(PreviewMade { url })))
}

/// The site's CSP without scripts: the players a post frames show as on the site.
static PREVIEW_CSP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "default-src 'none'; img-src * data:; media-src *; style-src 'self' 'unsafe-inline'; \
         font-src 'self'; frame-src {}; frame-ancestors 'self'; sandbox allow-same-origin",
        crate::config::PLAYERS
    )
});

/// A preview made by this account in the last ten minutes: the page, under the
/// site's CSP but for scripts (the preview shows the writer's own HTML: it may not
/// run them here), framed by the admin only.
#[utoipa::path(get, path = "/preview/{id}", tag = "site", params(("id" = String, Path)),
    responses((status = 200, description = "The page", content_type = "text/html")))]
pub(in crate::admin) async fn framed(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    caller.require(Need::ReadContent)?;
    let html = admin
        .previews
        .get(caller.account.id, &id)
        .ok_or_else(|| ApiError::not_found("no such preview: it is kept ten minutes"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, PREVIEW_CSP.as_str()),
            (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
        ],
        html.to_string(),
    )
        .into_response())
}
