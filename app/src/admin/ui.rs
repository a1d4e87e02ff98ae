//! The admin web UI at `/admin/`: plain ES modules and a stylesheet compiled into
//! the binary (building folio needs no Node toolchain), served under a CSP that
//! allows no inline script and no other origin.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use include_dir::{include_dir, Dir};

use crate::output::delivery;

static UI: Dir = include_dir!("$CARGO_MANIFEST_DIR/ui");

const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                   connect-src 'self'; frame-src 'self'; font-src 'self'; form-action 'self'; \
                   base-uri 'none'; frame-ancestors 'none'";

pub async fn index() -> Response {
    file("index.html")
}

pub async fn asset(Path(path): Path<String>) -> Response {
    file(&path)
}

fn file(path: &str) -> Response {
    // Only files of the embedded folder: no path reaches the file system.
    let Some(found) = UI.get_file(path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, delivery::content_type(path)),
            (header::CONTENT_SECURITY_POLICY, CSP.to_owned()),
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
