//! `/healthz` (the process is alive) and `/readyz` (the store answers and a site is
//! there to serve), for Kubernetes probes.

use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use super::AppState;

/// Liveness: answers without touching the database.
pub async fn live() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Readiness: 200 once the store answers and a site is rendered, else 503 with the reason.
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let not_ready = |reason: String| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "not ready", "reason": reason })),
        )
    };
    match tokio::time::timeout(Duration::from_secs(2), state.site.store.ping()).await {
        Err(_) => return not_ready("the database did not answer within 2 s".into()),
        Ok(Err(e)) => return not_ready(e.to_string()),
        Ok(Ok(())) => {}
    }
    if !state.rendered.load(Ordering::SeqCst) {
        return not_ready("the site is not rendered yet".into());
    }
    (StatusCode::OK, Json(json!({ "status": "ready" })))
}

/// `folio healthcheck`: GETs `url` (plain HTTP, as probes inside a container use)
/// and returns the status code. For images without curl.
pub fn probe(url: &str, timeout: std::time::Duration) -> std::io::Result<u16> {
    use std::io::{Read, Write};
    let invalid = |what: &str| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{what}: {url}"))
    };
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| invalid("only http:// URLs"))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let addr = std::net::ToSocketAddrs::to_socket_addrs(authority)?
        .next()
        .ok_or_else(|| invalid("no address"))?;
    let mut tcp = std::net::TcpStream::connect_timeout(&addr, timeout)?;
    tcp.set_read_timeout(Some(timeout))?;
    write!(
        tcp,
        "GET {path} HTTP/1.0\r\nHost: {authority}\r\nUser-Agent: folio-healthcheck\r\n\r\n"
    )?;
    let mut head = [0u8; 64];
    let n = tcp.read(&mut head)?;
    let line = String::from_utf8_lossy(&head[..n]);
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid("not an HTTP answer"))
}
