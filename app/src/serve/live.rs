//! Live reload for `folio serve --watch`: a server-sent event stream, and a small
//! script added to HTML responses on the way out. Published files never contain it.

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, ETAG};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::Response;
use tokio::sync::{broadcast, watch};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};

use crate::watch::LiveEvent;

/// The path of the event stream.
pub(super) const PATH: &str = "/__folio/live";

/// Where the script is served: a file of the site's origin, which the pages'
/// Content-Security-Policy allows where it would refuse an inline script.
pub(super) const SCRIPT_PATH: &str = "/__folio/live.js";

/// The tag added to pages.
const SCRIPT_TAG: &str = r#"<script src="/__folio/live.js"></script>"#;

/// Reloads on `reload`; shows the error of a broken file over the last good page.
const SCRIPT: &str = r#"(function(){var s=new EventSource("/__folio/live");s.addEventListener("reload",function(){location.reload()});s.addEventListener("error-report",function(e){var d=document.getElementById("folio-error")||document.createElement("pre");d.id="folio-error";d.textContent="folio: "+e.data;d.style.cssText="position:fixed;inset:auto 0 0 0;margin:0;padding:1rem;background:#7f1d1d;color:#fff;font:14px/1.4 monospace;white-space:pre-wrap;z-index:99999;max-height:50vh;overflow:auto";document.body.appendChild(d)})})()"#;

/// The live-reload script.
pub(super) async fn script() -> impl axum::response::IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "no-store"),
        ],
        SCRIPT,
    )
}

/// A watching server's channel to browsers.
#[derive(Clone)]
pub struct Live {
    pub events: broadcast::Sender<LiveEvent>,
    /// Turns true when the server shuts down: streams end so shutdown need not wait.
    pub stop: watch::Receiver<bool>,
}

/// The event stream browsers listen to.
pub(super) async fn events(
    State(live): State<Live>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut stop = live.stop.clone();
    let stream = BroadcastStream::new(live.events.subscribe()).filter_map(|event| {
        let event = match event.ok()? {
            LiveEvent::Reload => Event::default().event("reload").data("reload"),
            LiveEvent::Error(message) => Event::default().event("error-report").data(message),
        };
        Some(Ok(event))
    });
    let stream = futures_util::StreamExt::take_until(stream, async move {
        let _ = stop.wait_for(|stopping| *stopping).await;
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// Adds the live-reload script to HTML responses, which are then never cached.
pub(super) async fn inject(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let html = String::from_utf8_lossy(&bytes);
    let html = match html.rfind("</body>") {
        Some(at) => format!("{}{SCRIPT_TAG}{}", &html[..at], &html[at..]),
        None => format!("{html}{SCRIPT_TAG}"),
    };
    parts.headers.remove(CONTENT_LENGTH);
    parts.headers.remove(ETAG);
    parts
        .headers
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Response::from_parts(parts, Body::from(html))
}
