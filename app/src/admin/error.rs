//! The API's errors: a status and a JSON body `{"error": "...", "field": "..."}` that
//! says what went wrong and, when a field of the request is to blame, which one. A
//! body that is not JSON is answered the same way ([`Body`]); a failure of the
//! server itself is logged with its cause and answered without it.

use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::content::ContentError;
use crate::site::PublishError;
use crate::store::StoreError;

#[derive(Debug)]
pub(super) struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub field: Option<String>,
    /// More to say, merged into the body (the current version of a post on 409).
    pub extra: Option<Value>,
    pub retry_after: Option<Duration>,
}

pub(super) type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            field: None,
            extra: None,
            retry_after: None,
        }
    }
    pub(super) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    /// 400 naming the field at fault.
    pub(super) fn field(field: &str, message: impl Into<String>) -> Self {
        Self::bad_request(message).with_field(field)
    }
    pub(super) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }
    pub(super) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
    pub(super) fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, what)
    }
    pub(super) fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }
    pub(super) fn too_many(retry_after: Duration) -> Self {
        let seconds = retry_after.as_secs().max(1);
        let wait = if seconds >= 90 {
            format!("{} minutes", seconds.div_ceil(60))
        } else {
            format!("{seconds} seconds")
        };
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("too many attempts from this address: try again in {wait}"),
            )
            .with_extra(json!({ "retry_after": seconds }))
        }
    }
    /// 503: the server is at capacity for this kind of request; try again shortly.
    pub(super) fn busy(retry_after: Duration) -> Self {
        Self::unavailable(
            "the server is busy checking other logins: try again in a moment",
            retry_after,
        )
    }
    /// 503 saying why, with `Retry-After`.
    pub(super) fn unavailable(message: impl Into<String>, retry_after: Duration) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, message)
        }
    }
    pub(super) fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }
    pub(super) fn with_extra(mut self, extra: Value) -> Self {
        self.extra = Some(extra);
        self
    }
    pub(super) fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!("admin API: {e}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error (see the server log)",
        )
    }
}

/// What every error answers.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(super) struct ErrorBody {
    /// What went wrong, for a person to read.
    error: String,
    /// The field of the request at fault (`tags[1]`, `slug`).
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// On 429: the seconds to wait.
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
    /// On 409 over a stale revision: the post as it is now.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    current: Option<Value>,
    /// On 409 over a slug in use: the post that has it (`id`, `title`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    other: Option<Value>,
    /// On 409 over unpublished changes made on an older revision than the live one
    /// (`current` is then the live post): true. Send `over` with the live revision to
    /// carry them over it.
    #[serde(skip_serializing_if = "Option::is_none")]
    stale: Option<bool>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::to_value(ErrorBody {
            error: self.message,
            field: self.field,
            retry_after: None,
            current: None,
            other: None,
            stale: None,
        })
        .expect("an error body serializes");
        if let Some(Value::Object(extra)) = self.extra {
            for (k, v) in extra {
                body[k] = v;
            }
        }
        let mut response = (self.status, Json(body)).into_response();
        if let Some(wait) = self.retry_after {
            let seconds = wait.as_secs().max(1).to_string();
            if let Ok(value) = HeaderValue::from_str(&seconds) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::internal(e)
    }
}

impl From<ContentError> for ApiError {
    fn from(e: ContentError) -> Self {
        match e {
            ContentError::Invalid { .. } => Self::conflict(e.to_string()),
            _ => Self::internal(e),
        }
    }
}

impl From<&PublishError> for ApiError {
    fn from(e: &PublishError) -> Self {
        match e {
            // The user's to fix (a template, a front matter, a setting): say what.
            PublishError::Content(_) | PublishError::Render(_) | PublishError::Config(_) => {
                Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("publish failed, the site is as it was: {e}"),
                )
            }
            // The server's: the log has the cause; the answer no internals.
            _ => {
                tracing::error!("publish failed: {e}");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "publish failed, the site is as it was (the server log has the cause)",
                )
            }
        }
    }
}

impl From<PublishError> for ApiError {
    fn from(e: PublishError) -> Self {
        Self::from(&e)
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        Self::new(e.status(), e.body_text())
    }
}

/// A request's JSON body. A missing, malformed or mistyped one is answered as every
/// other error of the API is (JSON, with the reason), not with axum's plain text.
pub(super) struct Body(pub Value);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let Json(value) = Json::<Value>::from_request(request, state).await?;
        Ok(Self(value))
    }
}

/// A JSON body read into `T`, with errors naming the field (`tags[2]`, `title`).
pub(super) fn from_json<T: serde::de::DeserializeOwned>(value: Value) -> ApiResult<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = format!("{path}: {}", e.inner());
        if path == "." {
            ApiError::bad_request(message)
        } else {
            ApiError::field(&path, message)
        }
    })
}
