//! Ghost's errors: `{"errors": [{"message", "type", ...}]}` with Ghost's type names,
//! which the SDKs turn into exceptions of that name (`UpdateCollisionError`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::admin::error::ApiError;

#[derive(Debug)]
pub(super) struct GhostError(pub ApiError);

pub(super) type GhostResult<T> = Result<T, GhostError>;

impl GhostError {
    pub(super) fn not_found(message: &str) -> Self {
        Self(ApiError::not_found(message))
    }
}

impl From<ApiError> for GhostError {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl From<crate::store::StoreError> for GhostError {
    fn from(e: crate::store::StoreError) -> Self {
        Self(e.into())
    }
}

/// Ghost's name for an error of `status`.
fn kind(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 | 422 => "ValidationError",
        401 => "UnauthorizedError",
        403 => "NoPermissionError",
        404 => "NotFoundError",
        409 => "UpdateCollisionError",
        413 => "RequestEntityTooLargeError",
        415 => "UnsupportedMediaTypeError",
        429 => "TooManyRequestsError",
        503 => "ServiceUnavailableError",
        _ => "InternalServerError",
    }
}

impl IntoResponse for GhostError {
    fn into_response(self) -> Response {
        let e = self.0;
        let body = json!({ "errors": [{
            "message": e.message,
            "context": e.field.as_ref().map(|f| format!("the field {f}")),
            "type": kind(e.status),
            "details": null,
            "property": e.field,
            "help": null,
            "code": null,
            "id": null,
        }]});
        let mut response = (e.status, Json(body)).into_response();
        if let Some(after) = e.retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                after.as_secs().max(1).into(),
            );
        }
        response
    }
}
