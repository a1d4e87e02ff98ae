//! The site's redirects answered as real redirects (301 or 302 with `Location`), before
//! any file: those of `content/redirects.yaml`, the posts' aliases, and the old slugs
//! of tags and authors, as the last build wrote them into the output folder. The rules
//! are read again only when a build has written new ones.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::http::header::LOCATION;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::content::redirects::{self, Matcher, Redirect};

/// The redirects of the output folder, parsed once per build.
pub(super) struct Redirects {
    file: PathBuf,
    /// The file's stamp and what it holds.
    cached: Mutex<Option<(String, Arc<Matcher>)>>,
}

impl Redirects {
    pub(super) fn new(out: &Path) -> Arc<Self> {
        Arc::new(Self {
            file: out.join(redirects::SERVED),
            cached: Mutex::new(None),
        })
    }

    /// The rules of the build published now (none before the first).
    fn current(&self) -> Option<Arc<Matcher>> {
        let stamp = crate::disk::file_stamp(&std::fs::metadata(&self.file).ok()?);
        let mut cached = self.cached.lock().expect("no panic while holding the lock");
        if let Some((seen, matcher)) = cached.as_ref() {
            if *seen == stamp {
                return Some(matcher.clone());
            }
        }
        let rules: Vec<Redirect> = match std::fs::read(&self.file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        {
            Some(rules) => rules,
            None => {
                tracing::warn!(
                    "cannot read {}: serving without redirects",
                    self.file.display()
                );
                Vec::new()
            }
        };
        let matcher = Arc::new(Matcher::new(&rules));
        *cached = Some((stamp, matcher.clone()));
        Some(matcher)
    }
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
