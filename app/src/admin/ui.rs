//! The admin web UI at `/admin/`: plain ES modules and a stylesheet compiled into
//! the binary (building folio needs no Node toolchain), served under a CSP that
//! allows no inline script and no other origin.

use std::hash::{DefaultHasher, Hash, Hasher};

use axum::extract::Path;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use include_dir::{include_dir, Dir};

use crate::output::delivery;

static UI: Dir = include_dir!("$CARGO_MANIFEST_DIR/ui");

/// The CSP of every file, and of the page with `'nonce-…'` for its styles added.
fn csp(style_nonce: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'{style_nonce}; img-src 'self' data: blob:; \
         connect-src 'self'; frame-src 'self'; font-src 'self'; form-action 'self'; \
         base-uri 'none'; frame-ancestors 'none'"
    )
}

/// The page. The post editor (CodeMirror) mounts its styles as a `<style>` element:
/// the CSP allows the one that carries this load's nonce, which the page hands to
/// the editor (`<meta name="style-nonce">`). No inline script is ever allowed.
pub async fn index() -> Response {
    let nonce = crate::admin::crypto::random_token(18);
    let page = UI
        .get_file("index.html")
        .and_then(|f| f.contents_utf8())
        .unwrap_or_default()
        .replace("{{style-nonce}}", &nonce);
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                csp(&format!(" 'nonce-{nonce}'")),
            ),
            (header::X_FRAME_OPTIONS, "DENY".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::REFERRER_POLICY, "no-referrer".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        page,
    )
        .into_response()
}

pub async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    if path == "index.html" {
        return index().await;
    }
    file(&path, &headers)
}

/// The validator of an embedded file: its contents' hash (`DefaultHasher::new` has
/// fixed keys, so one binary always gives one file the same tag).
fn etag(contents: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    contents.hash(&mut hasher);
    format!("\"{:016x}\"", hasher.finish())
}

fn file(path: &str, headers: &HeaderMap) -> Response {
    // Only files of the embedded folder: no path reaches the file system.
    let Some(found) = UI.get_file(path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    // Revalidated at every load (a new release must show at once), but answered
    // with no body while unchanged: the editor's bundle is half a megabyte.
    let tag = etag(found.contents());
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag))
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response();
    }
    (
        [
            (header::ETAG, tag),
            (header::CONTENT_TYPE, delivery::content_type(path)),
            (header::CONTENT_SECURITY_POLICY, csp("")),
            (header::X_FRAME_OPTIONS, "DENY".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::REFERRER_POLICY, "no-referrer".to_owned()),
            // Small files, changed with each release: always revalidated.
            (header::CACHE_CONTROL, "no-cache".to_owned()),
        ],
        found.contents(),
    )
        .into_response()
}
