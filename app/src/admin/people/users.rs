//! Accounts, managed by owners, and the audit log.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::admin::auth::{Caller, Need};
use crate::admin::error::{from_json, ApiError, ApiResult, Body};
use crate::admin::Admin;
use crate::store::{Account, Role};

/// Usernames go into URLs, logs and otpauth labels: keep them plain.
pub(in crate::admin) fn check_username(name: &str) -> ApiResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::field(
            "username",
            "a username is 1 to 64 letters, digits, '.', '_' or '-'",
        ))
    }
}

fn account_json(a: &Account) -> Value {
    json!({
        "id": a.id,
        "username": a.username,
        "role": a.role(),
        "two_factor": a.enrolled(),
        "created_at": a.created_at,
    })
}

pub(in crate::admin) async fn list(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    caller.require(Need::Owner)?;
    let accounts = admin.site.store.accounts().await?;
    Ok(Json(
        json!({ "users": accounts.iter().map(account_json).collect::<Vec<_>>() }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    username: String,
    password: String,
    role: Role,
}

pub(in crate::admin) async fn create(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    caller.require(Need::Owner)?;
    let new: NewUser = from_json(body)?;
    check_username(&new.username)?;
    let hash = admin.new_password_hash("password", new.password).await?;
    let store = &admin.site.store;
    let id = store
        .add_account(&new.username, new.role, &hash)
        .await?
        .map_err(|taken| ApiError::conflict(taken.to_string()).with_field("username"))?;
    caller
        .audit(
            &admin,
            "user.created",
            Some(&new.username),
            Some(new.role.as_str()),
        )
        .await;
    let account = store
        .account(id)
        .await?
        .ok_or_else(|| ApiError::internal("the new account vanished"))?;
    Ok((StatusCode::CREATED, Json(account_json(&account))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserChange {
    role: Role,
}

pub(in crate::admin) async fn update(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<Value>> {
    caller.require(Need::Owner)?;
    let change: UserChange = from_json(body)?;
    let store = &admin.site.store;
    let account = store
        .account(id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such user"))?;
    if account.role() == Role::Owner
        && change.role != Role::Owner
        && store.owner_count().await? <= 1
    {
        return Err(ApiError::conflict("the last owner cannot stop being one").with_field("role"));
    }
    store.set_role(id, change.role).await?;
    caller
        .audit(
            &admin,
            "user.role",
            Some(&account.username),
            Some(change.role.as_str()),
        )
        .await;
    let account = store
        .account(id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such user"))?;
    Ok(Json(account_json(&account)))
}

pub(in crate::admin) async fn delete(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require(Need::Owner)?;
    let store = &admin.site.store;
    let account = store
        .account(id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such user"))?;
    if !store.delete_account(id).await? {
        return Err(ApiError::conflict("the last owner cannot be deleted"));
    }
    caller
        .audit(&admin, "user.deleted", Some(&account.username), None)
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Forgets a user's TOTP: their next login enrolls again.
pub(in crate::admin) async fn reset_totp(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require(Need::Owner)?;
    let store = &admin.site.store;
    let account = store
        .account(id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such user"))?;
    store.reset_totp(id).await?;
    caller
        .audit(&admin, "2fa.reset", Some(&account.username), None)
        .await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub(in crate::admin) struct AuditQuery {
    limit: Option<i64>,
    before: Option<i64>,
}

pub(in crate::admin) async fn audit(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Query(query): Query<AuditQuery>,
) -> ApiResult<Json<Value>> {
    caller.require(Need::Owner)?;
    let limit = query.limit.unwrap_or(100).clamp(1, 1000);
    let entries = admin.site.store.audit_log(limit, query.before).await?;
    Ok(Json(json!({ "entries": entries })))
}
