//! The rendered site over HTTP: tower-http's `ServeDir` (content types, ranges,
//! Last-Modified, no directory listing, no path traversal), the theme's 404 page with
//! status 404, plus ETags and the caching policy a CDN needs.

use std::path::Path;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LAST_MODIFIED,
    X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

use crate::render::delivery;

/// A router serving `out`; `cdn_max_age` is the `s-maxage` for HTML.
pub fn service(out: &Path, cdn_max_age: u32) -> Router {
    let dir = ServeDir::new(out)
        .append_index_html_on_directories(true)
        .not_found_service(ServeFile::new(out.join("404.html")));
    Router::new()
        .fallback_service(dir)
        .layer(middleware::from_fn(move |req, next| {
            caching(req, next, cdn_max_age)
        }))
}

/// Text types are UTF-8 here; say so instead of leaving browsers to sniff.
fn add_charset(headers: &mut axum::http::HeaderMap) {
    let Some(kind) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return;
    };
    let value = delivery::with_charset(kind);
    if value != kind {
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_str(&value).expect("an ASCII header value"),
        );
    }
}

async fn caching(request: Request, next: Next, cdn_max_age: u32) -> Response {
    let path = request.uri().path().to_owned();
    // Hidden files (a build's temporary files among them) are never part of the site.
    if path.split('/').any(|segment| segment.starts_with('.')) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let is_read = matches!(*request.method(), Method::GET | Method::HEAD);
    let if_none_match = request.headers().get(IF_NONE_MATCH).cloned();
    let mut response = next.run(request).await;
    let status = response.status();
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if !is_read || status != StatusCode::OK {
        if status == StatusCode::NOT_FOUND {
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        }
        return response;
    }
    let policy = delivery::cache_control(&path, cdn_max_age);
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_str(&policy).expect("an ASCII header value"),
    );
    add_charset(headers);
    // Files are rewritten only when their bytes change, so size and mtime identify a version.
    let etag = match (headers.get(LAST_MODIFIED), headers.get(CONTENT_LENGTH)) {
        (Some(modified), Some(length)) => {
            let mut hasher = blake3::Hasher::new();
            hasher.update(modified.as_bytes());
            hasher.update(length.as_bytes());
            hasher.update(path.as_bytes());
            let tag = format!("W/\"{}\"", &hasher.finalize().to_hex()[..16]);
            HeaderValue::from_str(&tag).ok()
        }
        _ => None,
    };
    let Some(etag) = etag else {
        return response;
    };
    headers.insert(ETAG, etag.clone());
    let matches = if_none_match
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == etag.to_str().unwrap_or_default() || t.trim() == "*")
        });
    if matches {
        let mut not_modified = (StatusCode::NOT_MODIFIED, Body::empty()).into_response();
        for name in [ETAG, CACHE_CONTROL, LAST_MODIFIED] {
            if let Some(v) = response.headers().get(&name) {
                not_modified.headers_mut().insert(name, v.clone());
            }
        }
        return not_modified;
    }
    response
}
