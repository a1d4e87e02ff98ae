//! The caller's own account: who am I, change my password, new recovery codes.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::admin::auth::{Auth, Caller, Need};
use crate::admin::sign_in::challenge::unix_time;
use crate::admin::error::{from_json, ApiError, ApiResult, Body};
use crate::admin::sign_in::password::{self, Verified};
use crate::admin::{totp, Admin};

pub(in crate::admin) async fn me(State(admin): State<Arc<Admin>>, caller: Caller) -> ApiResult<Json<Value>> {
    let account = &caller.account;
    let config = admin.site.current_config();
    let mut body = json!({
        "id": account.id,
        "username": account.username,
        "role": account.role(),
        "author_id": account.user_id,
        "created_at": account.created_at,
        // Where pages link (canonical, og:url, feeds): the UI warns when it is open
        // at another address.
        "site": {
            "base_url": config.base_url,
            "admin_url": config.admin_url,
            // The editor's reading time, at the pace of the site's pages.
            "words_per_minute": crate::render::views::WORDS_PER_MINUTE,
        },
    });
    match &caller.auth {
        Auth::Session { hash } => {
            body["auth"] = json!("session");
            body["csrf_token"] = json!(admin.csrf_token(hash));
            body["recovery_codes_left"] =
                json!(admin.site.store.recovery_codes_left(account.id).await?);
        }
        Auth::Token { name, scopes } => {
            body["auth"] = json!("token");
            body["token"] = json!({ "name": name, "scopes": scopes });
        }
    }
    Ok(Json(body))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Changes the caller's password; other sessions end.
pub(in crate::admin) async fn password(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Json<Value>> {
    caller.require(Need::Account)?;
    let change: PasswordChange = from_json(body)?;
    password::check_new(&change.new_password).map_err(|m| ApiError::field("new_password", m))?;
    let stored = caller.account.password_hash.clone();
    // Two argon2 runs: in their turn, as every other password check.
    let _permit = admin.hash_permit().await?;
    let hash = tokio::task::spawn_blocking(move || {
        match password::verify(Some(&stored), &change.current_password) {
            Verified::No => None,
            _ => Some(password::hash(&change.new_password)),
        }
    })
    .await
    .map_err(ApiError::internal)?
    .ok_or_else(|| ApiError::field("current_password", "wrong current password"))?;
    let store = &admin.site.store;
    store.set_password(caller.account.id, &hash).await?;
    // Whoever else had a session loses it; this one stays.
    if let Auth::Session { hash } = &caller.auth {
        let keep = hash.clone();
        store
            .delete_other_sessions(caller.account.id, &keep)
            .await?;
    }
    caller.audit(&admin, "password.changed", None, None).await;
    Ok(Json(json!({ "changed": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeOnly {
    code: String,
}

/// New recovery codes (the old ones stop working), shown once; needs a current code.
pub(in crate::admin) async fn recovery_codes(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Json<Value>> {
    caller.require(Need::Account)?;
    let CodeOnly { code } = from_json(body)?;
    let account = &caller.account;
    let secret = admin.totp_secret(account)?;
    let store = &admin.site.store;
    let fresh = match totp::matching_step(&secret, &code, unix_time()) {
        Some(step) => store.use_totp_step(account.id, step).await?,
        None => false,
    };
    if !fresh {
        return Err(ApiError::field("code", "wrong or already used code"));
    }
    let (codes, hashes) = admin.recovery_codes();
    store.set_recovery_codes(account.id, &hashes).await?;
    caller
        .audit(&admin, "2fa.recovery_codes_renewed", None, None)
        .await;
    Ok(Json(json!({ "recovery_codes": codes })))
}
