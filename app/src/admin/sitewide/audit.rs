//! The audit log: who did what, from where, newest first.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::admin::auth::{Caller, Need};
use crate::admin::error::ApiResult;
use crate::admin::Admin;
use crate::store::audit::AuditEntry;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(in crate::admin) struct AuditQuery {
    /// How many entries (1 to 1000; 100 when not given).
    limit: Option<i64>,
    /// Only entries older than this id: the next page.
    before: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct AuditLog {
    /// Newest first.
    entries: Vec<AuditEntry>,
}

/// The audit log, newest first (owners).
#[utoipa::path(get, path = "/audit", tag = "site", params(AuditQuery),
    responses((status = 200, body = AuditLog)))]
pub(in crate::admin) async fn audit(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Json<AuditLog>> {
    caller.require(Need::Administer)?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let entries = admin.site.store.audit_log(limit, query.before).await?;
    Ok(Json(AuditLog { entries }))
}
