//! The site's redirects answered as real redirects (301 or 302 with `Location`), before
//! any file: those of `content/redirects.yaml`, the posts' aliases, and the old slugs
//! of tags and authors, as the last build wrote them into the output folder. The rules
//! are read again only when a build has written new ones.

use std::path::Path;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::built::Built;
use crate::content::redirects::{self, Matcher, Redirect};

/// The redirects of the output folder, parsed once per build.
pub(super) type Redirects = Built<Matcher>;

pub(super) fn new(out: &Path) -> Arc<Redirects> {
    Built::new(out, redirects::SERVED, |bytes| {
        let rules: Vec<Redirect> = serde_json::from_slice(bytes).ok()?;
        Some(Matcher::new(&rules))
    })
}

/// Answers a GET or HEAD of a redirected path with its redirect.
pub(super) async fn redirecting(
    redirects: Arc<Redirects>,
    request: Request,
    next: Next,
) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let uri = request.uri();
    let path = crate::disk::confine::decoded(uri.path()).unwrap_or_else(|| uri.path().to_owned());
    let found = redirects.current().and_then(|m| m.find(&path));
    let Some((mut to, status)) = found else {
        return next.run(request).await;
    };
    // A redirect within the site keeps the query (campaign tags and the like).
    if let (Some(query), true) = (uri.query(), to.starts_with('/') && !to.contains('?')) {
        to = format!("{to}?{query}");
    }
    let Ok(location) = HeaderValue::from_str(&to) else {
        return next.run(request).await;
    };
    let status = if status == 302 {
        StatusCode::FOUND
    } else {
        StatusCode::MOVED_PERMANENTLY
    };
    (status, [(LOCATION, location)]).into_response()
}
