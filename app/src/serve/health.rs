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
