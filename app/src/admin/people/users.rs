//! Accounts, managed by owners.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

/// An account as owners see it (never its secrets).
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct User {
    id: i64,
    username: String,
    role: Role,
    /// Whether TOTP is set up.
    two_factor: bool,
    created_at: String,
}

impl From<&Account> for User {
    fn from(a: &Account) -> Self {
        User {
            id: a.id,
            username: a.username.clone(),
            role: a.role(),
            two_factor: a.enrolled(),
            created_at: a.created_at.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct UserList {
    users: Vec<User>,
}

/// Every account (editors and up).
#[utoipa::path(get, path = "/users", tag = "people", responses((status = 200, body = UserList)))]
pub(in crate::admin) async fn list(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Json<UserList>> {
    caller.require(Need::People)?;
    let accounts = admin.site.store.accounts().await?;
    Ok(Json(UserList {
        users: accounts.iter().map(User::from).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::admin) struct NewUser {
    username: String,
    password: String,
    role: Role,
}

/// Creates an account with a password (of a role the caller manages); it enrolls TOTP
/// at its first login.
#[utoipa::path(post, path = "/users", tag = "people", request_body = NewUser,
    responses((status = 201, body = User)))]
pub(in crate::admin) async fn create(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<User>)> {
    caller.require(Need::People)?;
    let new: NewUser = from_json(body)?;
    check_manages(&caller, new.role)?;
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
    Ok((StatusCode::CREATED, Json(User::from(&account))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::admin) struct UserChange {
    role: Role,
}

/// Changes an account's role (from and to roles the caller manages; never the last
/// owner's).
#[utoipa::path(patch, path = "/users/{id}", tag = "people", params(("id" = i64, Path)),
    request_body = UserChange, responses((status = 200, body = User)))]
pub(in crate::admin) async fn update(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
    Body(body): Body,
) -> ApiResult<Json<User>> {
    caller.require(Need::People)?;
    let change: UserChange = from_json(body)?;
    let store = &admin.site.store;
    let account = store
        .account(id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such user"))?;
    check_manages(&caller, account.role())?;
    check_manages(&caller, change.role)?;
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
    Ok(Json(User::from(&account)))
}

/// Deletes an account (of a role the caller manages; never the last owner); its posts
/// stay.
#[utoipa::path(delete, path = "/users/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 204, description = "Deleted")))]
pub(in crate::admin) async fn delete(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require(Need::People)?;
    let store = &admin.site.store;
    let account = store
        .account(id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such user"))?;
    check_manages(&caller, account.role())?;
    if !store.delete_account(id).await? {
        return Err(ApiError::conflict("the last owner cannot be deleted"));
    }
    caller
        .audit(&admin, "user.deleted", Some(&account.username), None)
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// Forgets a user's TOTP: their next login enrolls again (a role the caller manages).
#[utoipa::path(post, path = "/users/{id}/reset-2fa", tag = "people", params(("id" = i64, Path)),
    responses((status = 204, description = "Reset")))]
pub(in crate::admin) async fn reset_totp(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require(Need::People)?;
    let store = &admin.site.store;
    let account = store
        .account(id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such user"))?;
    check_manages(&caller, account.role())?;
    store.reset_totp(id).await?;
    caller
        .audit(&admin, "2fa.reset", Some(&account.username), None)
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// 403 unless `caller` manages accounts of `role` ([`Role::manages`]): an editor
/// authors and contributors, an administrator everyone but the owner. A lower role
/// never makes, raises or removes a higher one.
pub(in crate::admin) fn check_manages(caller: &Caller, role: Role) -> ApiResult<()> {
    let mine = caller.account.role();
    if mine.manages(role) {
        return Ok(());
    }
    let reach = match mine {
        Role::Editor => "authors and contributors",
        Role::Administrator => "everyone but the owner",
        _ => "no one",
    };
    Err(ApiError::forbidden(format!(
        "an account of the {} role is not yours to give, change or remove: the {} role manages {reach}",
        role.as_str(),
        mine.as_str()
    ))
    .with_field("role"))
}
