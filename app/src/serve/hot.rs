//! The site's pages answered from memory. A published build never changes (the
//! output folder is a link switched whole to the next build, see
//! [`crate::output::writer`]), so a file read once is answered from memory until the
//! link moves, with its headers and ETag made once and its text compressed once
//! (gzip and brotli). After a switch, a file is still the same version if it is
//! the same inode (a build links every unchanged file to the published one): it is
//! checked with one `stat`, and neither read nor compressed again.
//!
//! What a request costs here is one `lstat` of the link and a lookup; anything this
//! path does not answer (other methods, ranges, redirects, missing or large files,
//! the admin, an output folder that is not a link yet) goes on to the router, as
//! before.

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::os::unix::fs::MetadataExt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG,
    HOST, IF_NONE_MATCH, LAST_MODIFIED, RANGE, VARY, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::routing::future::RouteFuture;
use axum::Router;
use bytes::Bytes;
use futures_util::future::Either;

use super::encoding::{self, Coding};
use super::files::Files;
use crate::output::delivery;
use crate::site::Site;

/// Memory the cache of pages may hold, all codings counted: a few thousand pages.
const CAPACITY_BYTES: u64 = 48 * 1024 * 1024;
/// Counted for each page besides its bytes (its headers and key).
const OVERHEAD_BYTES: u64 = 1024;

/// One version of a file, ready to send.
struct Page {
    /// The file's device, inode, size and modification time when it was read.
    version: (u64, u64, u64, i64, i64),
    /// The build (see [`generation`]) it was last found in.
    checked: u64,
    etag: HeaderValue,
    /// The headers of a 304 answer.
    validators: HeaderMap,
    identity: Bytes,
    /// Each coding's bytes and headers, when the file is text worth compressing.
    codings: Vec<(Coding, Bytes, HeaderMap)>,
    headers: HeaderMap,
}

#[derive(Clone)]
struct Weight;

impl quick_cache::Weighter<String, Arc<Page>> for Weight {
    fn weight(&self, _: &String, page: &Arc<Page>) -> u64 {
        let coded: usize = page.codings.iter().map(|(_, b, _)| b.len()).sum();
        (page.identity.len() + coded) as u64 + OVERHEAD_BYTES
    }
}

type Pages = quick_cache::sync::Cache<String, Arc<Page>, Weight>;

/// The router with the fast path in front of it.
#[derive(Clone)]
pub(super) struct Hot {
    inner: Router,
    files: Arc<Files>,
    pages: Arc<Pages>,
    /// The counters of `static`, the route of the site's files.
    metrics: crate::metrics::RouteMetrics,
    /// The folder holding the output folder's link, and the link's name in it: the
    /// link is looked up in it, not through the whole path, at each request.
    parent: Arc<rustix::fd::OwnedFd>,
    link: Arc<std::ffi::CString>,
    /// `admin_url`'s host, whose requests are the admin's alone.
    admin_host: Option<Arc<str>>,
}

impl Hot {
    pub(super) fn new(
        inner: Router,
        files: Arc<Files>,
        site: Arc<Site>,
        admin_host: Option<String>,
    ) -> Self {
        let (parent, link) = super::files::parent_and_name(&files.root);
        Self {
            inner,
            pages: Arc::new(Pages::with_weighter(4096, CAPACITY_BYTES, Weight)),
            metrics: site.metrics.route("static"),
            parent: Arc::new(parent),
            link: Arc::new(link),
            files,
            admin_host: admin_host.map(Arc::from),
        }
    }

    fn answer(&self, request: &Request) -> Option<Response> {
        let read = matches!(*request.method(), Method::GET | Method::HEAD);
        if !read || request.headers().contains_key(RANGE) {
            return None;
        }
        let path = request.uri().path();
        if is_app_path(path) || self.for_admin_host(request) {
            return None;
        }
        let generation = generation(&self.parent, &self.link)?;
        let page = match self.pages.get(path) {
            Some(page) if page.checked == generation => page,
            cached => {
                let page = Arc::new(match cached {
                    Some(old) => old
                        .same_in(generation, path, &self.files)
                        .or_else(|| Page::read(generation, path, &self.files))?,
                    None => Page::read(generation, path, &self.files)?,
                });
                self.pages.insert(path.to_owned(), page.clone());
                page
            }
        };
        Some(page.respond(request))
    }

    fn for_admin_host(&self, request: &Request) -> bool {
        let Some(admin) = &self.admin_host else {
            return false;
        };
        let host = request.headers().get(HOST).and_then(|h| h.to_str().ok());
        host.is_some_and(|h| h.eq_ignore_ascii_case(admin))
    }
}

/// The paths the router itself answers (the admin, Ghost's API, health, live reload).
fn is_app_path(path: &str) -> bool {
    path == "/admin"
        || path.starts_with("/admin/")
        || path.starts_with("/ghost/")
        || path.starts_with("/__folio/")
        || path == "/healthz"
        || path == "/readyz"
}

/// Which build the output folder's link points at: its inode and change time, new
/// at every switch. None when the folder is not a link (before the first build).
fn generation(parent: &rustix::fd::OwnedFd, link: &std::ffi::CStr) -> Option<u64> {
    let stat = rustix::fs::statat(parent, link, rustix::fs::AtFlags::SYMLINK_NOFOLLOW).ok()?;
    let link = rustix::fs::FileType::from_raw_mode(stat.st_mode) == rustix::fs::FileType::Symlink;
    link.then(|| {
        (stat.st_ino as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (stat.st_ctime as u64).rotate_left(32)
            ^ stat.st_ctime_nsec as u64
    })
}

impl Page {
    /// The file `path` names, read whole, or None when the router must answer.
    fn read(generation: u64, path: &str, files: &Files) -> Option<Self> {
        let (decoded, file) = files.plain_file(path)?;
        let (bytes, meta) = super::files::read_small(&file)?;
        let rel = file.strip_prefix(&files.root).ok()?.to_string_lossy();
        let kind = delivery::content_type(&rel);
        let version = version(&meta);
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(&kind).ok()?);
        let (_, _, length, seconds, nanos) = version;
        let etag = HeaderValue::from_str(&format!("W/\"{length:x}-{seconds:x}.{nanos:x}\""))
            .expect("an ASCII header value");
        headers.insert(ETAG, etag.clone());
        if let Ok(modified) = meta.modified() {
            let date = httpdate::fmt_http_date(modified);
            headers.insert(LAST_MODIFIED, HeaderValue::from_str(&date).ok()?);
        }
        let cache_control = delivery::cache_control(path, files.cdn_max_age);
        headers.insert(CACHE_CONTROL, HeaderValue::from_str(&cache_control).ok()?);
        headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        let text = delivery::is_compressible(&kind);
        if text {
            headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
        }
        let identity = Bytes::from(bytes);
        let codings = if text && identity.len() >= encoding::MIN_SIZE {
            [
                (Coding::Brotli, encoding::brotli(&identity)),
                (Coding::Gzip, encoding::gzip(&identity)),
            ]
            .into_iter()
            .filter(|(_, coded)| coded.len() < identity.len())
            .map(|(coding, coded)| (coding, Bytes::from(coded), HeaderMap::new()))
            .collect()
        } else {
            Vec::new()
        };
        let mut page = Self {
            version,
            checked: generation,
            etag,
            validators: HeaderMap::new(),
            identity,
            codings,
            headers,
        };
        page.policies(&decoded, files);
        Some(page)
    }

    /// This version again for build `generation`, if the file there is still it
    /// (the same inode: a link the build made to the unchanged file).
    fn same_in(&self, generation: u64, path: &str, files: &Files) -> Option<Self> {
        let (decoded, file) = files.plain_file(path)?;
        let meta = std::fs::metadata(&file).ok()?;
        if version(&meta) != self.version {
            return None;
        }
        let mut page = Self {
            version: self.version,
            checked: generation,
            etag: self.etag.clone(),
            validators: HeaderMap::new(),
            identity: self.identity.clone(),
            codings: self.codings.clone(),
            headers: self.headers.clone(),
        };
        // The build may give the page another Content-Security-Policy.
        page.policies(&decoded, files);
        Some(page)
    }

    /// Sets the page's Content-Security-Policy for the current build, then the
    /// headers of each answer.
    fn policies(&mut self, decoded: &str, files: &Files) {
        let kind = self.headers[CONTENT_TYPE].to_str().unwrap_or_default();
        let policy = if kind.starts_with("text/html") {
            files.csp.of(decoded)
        } else if delivery::is_scriptable_document(kind) {
            Some(HeaderValue::from_static(delivery::DOCUMENT_CSP))
        } else {
            None
        };
        match policy {
            Some(policy) => self.headers.insert(CONTENT_SECURITY_POLICY, policy),
            None => self.headers.remove(CONTENT_SECURITY_POLICY),
        };
        self.headers
            .insert(CONTENT_LENGTH, HeaderValue::from(self.identity.len()));
        for (coding, coded, headers) in &mut self.codings {
            *headers = self.headers.clone();
            headers.insert(CONTENT_LENGTH, HeaderValue::from(coded.len()));
            if let Some(value) = coding.header() {
                headers.insert(CONTENT_ENCODING, value);
            }
        }
        self.validators = [ETAG, CACHE_CONTROL, LAST_MODIFIED, VARY]
            .into_iter()
            .filter_map(|name| Some((name.clone(), self.headers.get(&name)?.clone())))
            .collect();
    }

    fn respond(&self, request: &Request) -> Response {
        if self.matches(request.headers().get(IF_NONE_MATCH)) {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            *response.headers_mut() = self.validators.clone();
            return response;
        }
        let coding = if self.codings.is_empty() {
            Coding::Identity
        } else {
            encoding::preferred(request.headers())
        };
        let (bytes, headers) = self
            .codings
            .iter()
            .find(|(c, _, _)| *c == coding)
            .map_or((&self.identity, &self.headers), |(_, b, h)| (b, h));
        let body = if request.method() == Method::HEAD {
            Body::empty()
        } else {
            Body::from(bytes.clone())
        };
        let mut response = Response::new(body);
        *response.headers_mut() = headers.clone();
        response
    }

    fn matches(&self, if_none_match: Option<&HeaderValue>) -> bool {
        let Some(tags) = if_none_match.and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let etag = self.etag.to_str().unwrap_or_default();
        tags.split(',').any(|t| {
            let t = t.trim();
            // Weak comparison, as for GET: `W/"x"` matches `"x"`.
            t == "*" || t.trim_start_matches("W/") == etag.trim_start_matches("W/")
        })
    }
}

fn version(meta: &std::fs::Metadata) -> (u64, u64, u64, i64, i64) {
    (
        meta.dev(),
        meta.ino(),
        meta.len(),
        meta.mtime(),
        meta.mtime_nsec(),
    )
}

impl tower::Service<Request> for Hot {
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, RouteFuture<Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // The router is always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        match self.answer(&request) {
            Some(response) => {
                let not_modified = response.status() == StatusCode::NOT_MODIFIED;
                self.metrics.answered(not_modified, started.elapsed());
                Either::Left(ready(Ok(response)))
            }
            None => Either::Right(self.inner.call(request)),
        }
    }
}
