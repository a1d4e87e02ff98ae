//! The rendered site over HTTP: pages and assets read whole on the server's own
//! threads, everything else through tower-http's `ServeDir` (ranges, large files,
//! directory redirects, no directory listing, no path traversal), the theme's 404 page
//! with status 404, plus ETags and the caching policy a CDN needs.

use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH,
    LAST_MODIFIED, LOCATION, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{header::RANGE, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

use super::built::Built;
use crate::output::delivery;
use crate::render::csp::{self as policies, Policies};

/// Files up to this size are read whole, without leaving the server's thread: a page
/// in the page cache reads in microseconds, where `ServeDir` hands each file operation
/// to tokio's blocking pool (several thread hand-offs per request, most of the cost of
/// serving a small file). Larger files (media) stream through `ServeDir`.
const READ_WHOLE_MAX: u64 = 1024 * 1024;

/// The theme's page for a missing URL, served with status 404.
const NOT_FOUND_PAGE: &str = "404.html";

/// The Content-Security-Policy of each page, as the last build wrote them.
#[derive(Default)]
struct PagePolicies {
    all: Option<HeaderValue>,
    pages: std::collections::HashMap<String, HeaderValue>,
}

impl PagePolicies {
    fn read(bytes: &[u8]) -> Option<Self> {
        let policies: Policies = serde_json::from_slice(bytes).ok()?;
        let value = |policy: &str| HeaderValue::from_str(policy).ok();
        Some(Self {
            all: policies.all.as_deref().and_then(value),
            pages: (policies.pages.iter())
                .filter_map(|(file, policy)| Some((file.clone(), value(policy)?)))
                .collect(),
        })
    }
}

/// Which policy a page gets: the build's, or before any build `folio.toml`'s.
#[derive(Clone)]
pub(super) struct Csp {
    built: Arc<Built<PagePolicies>>,
    at_start: Option<HeaderValue>,
}

impl Csp {
    /// The policy of the page at the decoded request path `path`.
    pub(super) fn of(&self, path: &str) -> Option<HeaderValue> {
        let Some(built) = self.built.current() else {
            return self.at_start.clone();
        };
        let file = path.trim_start_matches('/');
        let file = if file.is_empty() || file.ends_with('/') {
            format!("{file}index.html")
        } else {
            file.to_owned()
        };
        built.pages.get(&file).or(built.all.as_ref()).cloned()
    }
}

/// The output folder, and what decides how its files are answered.
pub(super) struct Files {
    pub(super) root: PathBuf,
    /// The `s-maxage` of pages.
    pub(super) cdn_max_age: u32,
    pub(super) csp: Csp,
    redirects: Arc<super::redirects::Redirects>,
}

impl Files {
    /// `out`'s files; `csp` is the Content-Security-Policy of pages until a build says
    /// what it is.
    pub(super) fn new(out: &Path, cdn_max_age: u32, csp: Option<&str>) -> Arc<Self> {
        Arc::new(Self {
            root: out.to_owned(),
            cdn_max_age,
            csp: Csp {
                built: Built::new(out, policies::SERVED, PagePolicies::read),
                at_start: csp.and_then(|c| HeaderValue::from_str(c).ok()),
            },
            redirects: super::redirects::new(out),
        })
    }

    /// The decoded path and the file a plain request for `url_path` reads: None for
    /// a path that is hidden, impossible, not plain or redirected, which the router
    /// answers.
    pub(super) fn plain_file(&self, url_path: &str) -> Option<(String, PathBuf)> {
        let decoded = crate::disk::confine::decoded(url_path)?;
        if impossible(&decoded) {
            return None;
        }
        let redirected = self.redirects.current().and_then(|m| m.find(&decoded));
        if redirected.is_some() {
            return None;
        }
        let file = site_file(&self.root, url_path)?;
        Some((decoded, file))
    }

    /// The router serving the folder: every request the fast path
    /// ([`super::hot`]) leaves to it.
    pub(super) fn service(self: &Arc<Self>) -> Router {
        let out = &self.root;
        let dir = ServeDir::new(out)
            .append_index_html_on_directories(true)
            .not_found_service(ServeFile::new(out.join(NOT_FOUND_PAGE)));
        let root = out.to_owned();
        let redirects = self.redirects.clone();
        let (cdn_max_age, csp) = (self.cdn_max_age, self.csp.clone());
        Router::new()
            .fallback_service(dir)
            .layer(middleware::from_fn(move |req, next| {
                read_whole(root.clone(), req, next)
            }))
            // Redirects before files, as in Ghost: a redirected path never shows its page.
            .layer(middleware::from_fn(move |req, next| {
                super::redirects::redirecting(redirects.clone(), req, next)
            }))
            .layer(middleware::from_fn(move |req, next| {
                caching(req, next, cdn_max_age, csp.clone())
            }))
    }
}

/// The folder `out` is in, opened to look names up in (`O_PATH`), and `out`'s name.
/// A folder that cannot be opened gives a descriptor of `/dev/null`, in which no
/// lookup succeeds, so nothing is answered from memory.
pub(super) fn parent_and_name(out: &Path) -> (rustix::fd::OwnedFd, std::ffi::CString) {
    use rustix::fs::{Mode, OFlags};
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
    let parent = parent.unwrap_or(Path::new("."));
    let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let fd = rustix::fs::open(parent, flags, Mode::empty())
        .or_else(|_| rustix::fs::open("/dev/null", OFlags::PATH | OFlags::CLOEXEC, Mode::empty()))
        .expect("/dev/null opens");
    let name = out.file_name().map(|n| n.as_encoded_bytes().to_vec());
    let name = std::ffi::CString::new(name.unwrap_or_default()).unwrap_or_default();
    (fd, name)
}

/// Hidden files (a build's temporary files among them) are never part of the site,
/// nor names no file system holds (over 255 bytes a segment): decided on the decoded
/// path, the one the file lookup uses (`/%2eindex.html...`).
fn impossible(decoded: &str) -> bool {
    decoded.len() > crate::disk::confine::MAX_PATH
        || decoded.split('/').any(|segment| {
            segment.starts_with('.') || segment.len() > crate::disk::confine::MAX_SEGMENT
        })
}

/// Answers a plain GET or HEAD of a small file itself; anything else (ranges, odd
/// paths, directories, missing or large files) goes on to `ServeDir`.
async fn read_whole(root: PathBuf, request: Request, next: Next) -> Response {
    let plain = matches!(*request.method(), Method::GET | Method::HEAD)
        && !request.headers().contains_key(RANGE);
    let Some(path) = plain
        .then(|| site_file(&root, request.uri().path()))
        .flatten()
    else {
        return next.run(request).await;
    };
    if let Some((bytes, meta)) = read_small(&path) {
        let rel = path.strip_prefix(&root).unwrap_or(&path).to_string_lossy();
        return whole(&request, bytes, meta.modified().ok(), &rel, StatusCode::OK);
    }
    // Nothing there at all: the theme's 404 page, read here too. Through `ServeDir` a
    // miss cost a quarter of a hit's throughput (two trips through the blocking pool),
    // and crawlers and scanners miss a lot.
    let missing =
        matches!(std::fs::symlink_metadata(&path), Err(e) if e.kind() == ErrorKind::NotFound);
    if missing {
        if let Some((bytes, meta)) = read_small(&root.join(NOT_FOUND_PAGE)) {
            return whole(
                &request,
                bytes,
                meta.modified().ok(),
                NOT_FOUND_PAGE,
                StatusCode::NOT_FOUND,
            );
        }
    }
    next.run(request).await
}

/// The response for a file read whole: `bytes` of the site file `rel`.
fn whole(
    request: &Request,
    bytes: Vec<u8>,
    modified: Option<std::time::SystemTime>,
    rel: &str,
    status: StatusCode,
) -> Response {
    let length = bytes.len();
    let mut response = Response::new(if request.method() == Method::HEAD {
        Body::empty()
    } else {
        Body::from(bytes)
    });
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_str(&delivery::content_type(rel)).expect("an ASCII header value"),
    );
    headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
    if let Some(modified) = modified {
        headers.insert(
            LAST_MODIFIED,
            HeaderValue::from_str(&httpdate::fmt_http_date(modified))
                .expect("an ASCII header value"),
        );
    }
    response
}

/// The file a URL path names under `root` (`/a/` is `a/index.html`), or None when the
/// path is anything but plain segments: those are left to `ServeDir`'s checks.
fn site_file(root: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(url_path)
        .decode_utf8()
        .ok()?;
    let mut path = root.to_owned();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        let plain = segment != "." && segment != ".." && !segment.contains(['\\', '\0', ':']);
        if !plain {
            return None;
        }
        path.push(segment);
    }
    if decoded.ends_with('/') {
        path.push("index.html");
    }
    Some(path)
}

/// The bytes and metadata of `path` if it is a file of at most [`READ_WHOLE_MAX`]
/// bytes.
pub(super) fn read_small(path: &Path) -> Option<(Vec<u8>, std::fs::Metadata)> {
    let mut file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > READ_WHOLE_MAX {
        return None;
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.read_to_end(&mut bytes).ok()?;
    Some((bytes, meta))
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

/// A folder named like a host (`evil.example`, a slug may hold dots) asked for as
/// `//evil.example` redirects to `//evil.example/`, which a browser reads as another
/// site. Redirects stay on this origin.
fn keep_on_origin(headers: &mut HeaderMap) {
    let Some(location) = headers.get(LOCATION).and_then(|v| v.to_str().ok()) else {
        return;
    };
    if location.starts_with("//") || location.starts_with("/\\") {
        let local = format!("/{}", location.trim_start_matches(['/', '\\']));
        if let Ok(value) = HeaderValue::from_str(&local) {
            headers.insert(LOCATION, value);
        }
    }
}

/// A weak ETag of a file's version. Files are rewritten only when their bytes change,
/// so size and mtime identify a version.
fn etag(headers: &HeaderMap, path: &str) -> Option<HeaderValue> {
    let (modified, length) = (headers.get(LAST_MODIFIED)?, headers.get(CONTENT_LENGTH)?);
    let mut hasher = blake3::Hasher::new();
    hasher.update(modified.as_bytes());
    hasher.update(length.as_bytes());
    hasher.update(path.as_bytes());
    let tag = format!("W/\"{}\"", &hasher.finalize().to_hex()[..16]);
    HeaderValue::from_str(&tag).ok()
}

async fn caching(request: Request, next: Next, cdn_max_age: u32, csp: Csp) -> Response {
    let path = request.uri().path().to_owned();
    let decoded = crate::disk::confine::decoded(&path).unwrap_or_else(|| path.clone());
    if impossible(&decoded) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let is_read = matches!(*request.method(), Method::GET | Method::HEAD);
    let if_none_match = request.headers().get(IF_NONE_MATCH).cloned();
    let mut response = next.run(request).await;
    let status = response.status();
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if status.is_redirection() {
        keep_on_origin(headers);
    }
    let kind = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let (html, document) = (
        kind.starts_with("text/html"),
        delivery::is_scriptable_document(kind),
    );
    if let (Some(csp), true) = (html.then(|| csp.of(&decoded)).flatten(), html) {
        headers.insert(CONTENT_SECURITY_POLICY, csp);
    } else if document {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(delivery::DOCUMENT_CSP),
        );
    }
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
    let Some(etag) = etag(headers, &path) else {
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
