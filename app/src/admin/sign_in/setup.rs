//! First run in the browser: while no account exists, whoever has the one-time setup
//! token from the server's log creates the owner, who then enrolls TOTP.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

use crate::admin::auth::Client;
use crate::admin::error::{from_json, ApiError, ApiResult, Body};
use crate::admin::sign_in::challenge::ChallengeReply;
use crate::admin::Admin;
use crate::store::Role;

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct SetupStatus {
    /// No account exists yet: the setup page is shown.
    needed: bool,
}

/// Whether the site still needs its owner.
#[utoipa::path(get, path = "/setup", tag = "sign-in", security(()),
    responses((status = 200, body = SetupStatus)))]
pub(in crate::admin) async fn status(
    State(admin): State<Arc<Admin>>,
) -> ApiResult<Json<SetupStatus>> {
    let needed = admin.site.store.account_count().await? == 0;
    Ok(Json(SetupStatus { needed }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::admin) struct Setup {
    /// The one-time token from the server's log.
    setup_token: String,
    username: String,
    password: String,
}

/// Creates the owner with the setup token; answers the enrollment challenge.
#[utoipa::path(post, path = "/setup", tag = "sign-in", security(()), request_body = Setup,
    responses((status = 200, body = ChallengeReply)))]
pub(in crate::admin) async fn create(
    State(admin): State<Arc<Admin>>,
    client: Client,
    Body(body): Body,
) -> ApiResult<Json<ChallengeReply>> {
    let setup: Setup = from_json(body)?;
    // Its own count: a wrong setup token never counts against logins.
    admin
        .limiter
        .attempt(
            &format!("setup:{}", crate::admin::client::limit_key(&client.ip)),
            0,
        )
        .map_err(ApiError::too_many)?;
    let expected = admin
        .setup_token
        .lock()
        .expect("no panic while holding the lock")
        .clone();
    let Some(expected) = expected else {
        return Err(ApiError::conflict("this site is set up already: log in"));
    };
    if !bool::from(setup.setup_token.as_bytes().ct_eq(expected.as_bytes())) {
        admin
            .audit(
                None,
                "setup.failed",
                None,
                &client.ip,
                Some("wrong setup token"),
            )
            .await;
        return Err(
            ApiError::unauthorized("wrong setup token (see the server log)")
                .with_field("setup_token"),
        );
    }
    crate::admin::people::users::check_username(&setup.username)?;
    let hash = admin.new_password_hash("password", setup.password).await?;
    let store = &admin.site.store;
    if store.account_count().await? > 0 {
        return Err(ApiError::conflict("this site is set up already: log in"));
    }
    let id = store
        .add_account(&setup.username, Role::Owner, &hash)
        .await?
        .map_err(|taken| ApiError::conflict(taken.to_string()))?;
    *admin
        .setup_token
        .lock()
        .expect("no panic while holding the lock") = None;
    let account = store
        .account(id)
        .await?
        .ok_or_else(|| ApiError::internal("the new account vanished"))?;
    admin
        .audit(
            Some(&account.username),
            "setup",
            Some(&account.username),
            &client.ip,
            None,
        )
        .await;
    Ok(Json(admin.challenge(&account)))
}
