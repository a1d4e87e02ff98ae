//! API tokens for CI: named, scoped, shown once, stored hashed, revocable.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::auth::{Caller, Need, SCOPES, TOKEN_PREFIX};
use crate::admin::error::{from_json, ApiError, ApiResult, Body};
use crate::admin::{crypto, Admin};
use crate::store::tokens::TokenRow;

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct TokenList {
    tokens: Vec<TokenRow>,
}

/// API tokens: the caller's own (an administrator: everyone's but the owner's).
#[utoipa::path(get, path = "/tokens", tag = "sign-in", responses((status = 200, body = TokenList)))]
pub(in crate::admin) async fn list(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Json<TokenList>> {
    caller.require(Need::Tokens)?;
    let mut tokens = admin.site.store.tokens().await?;
    // Editors see their own; administrators all but the owner's; the owner all.
    let mut seen = Vec::with_capacity(tokens.len());
    for token in tokens.drain(..) {
        if caller.oversees(&admin, token.account_id).await? {
            seen.push(token);
        }
    }
    let tokens = seen;
    Ok(Json(TokenList { tokens }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::admin) struct NewToken {
    name: String,
    /// Of `content:read`, `content:write`, `publish`.
    scopes: Vec<String>,
}

/// A token made: the secret is in `token`, shown this once.
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct TokenMade {
    #[serde(flatten)]
    row: TokenRow,
    token: String,
}

/// Makes an API token (for CI): named, scoped, shown once.
#[utoipa::path(post, path = "/tokens", tag = "sign-in", request_body = NewToken,
    responses((status = 201, body = TokenMade)))]
pub(in crate::admin) async fn create(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<TokenMade>)> {
    caller.require(Need::Tokens)?;
    let new: NewToken = from_json(body)?;
    let name = new.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(ApiError::field(
            "name",
            "a token needs a name of 1 to 100 characters",
        ));
    }
    if new.scopes.is_empty() {
        return Err(ApiError::field(
            "scopes",
            format!("give at least one of {}", SCOPES.join(", ")),
        ));
    }
    for (i, scope) in new.scopes.iter().enumerate() {
        if !SCOPES.contains(&scope.as_str()) {
            return Err(ApiError::field(
                &format!("scopes[{i}]"),
                format!("unknown scope {scope:?}: {}", SCOPES.join(", ")),
            ));
        }
    }
    let plain = format!("{TOKEN_PREFIX}{}", crypto::random_token(32));
    let scopes = new.scopes.join(" ");
    let row = admin
        .site
        .store
        .add_token(
            caller.account.id,
            name,
            &scopes,
            &admin.keys.hash("token", &plain),
        )
        .await?;
    caller
        .audit(&admin, "token.created", Some(name), Some(&scopes))
        .await;
    Ok((StatusCode::CREATED, Json(TokenMade { row, token: plain })))
}

/// Revokes a token: it stops working at once.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "sign-in", params(("id" = i64, Path)),
    responses((status = 204, description = "Revoked")))]
pub(in crate::admin) async fn revoke(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require(Need::Tokens)?;
    let store = &admin.site.store;
    let token = store.tokens().await?.into_iter().find(|t| t.id == id);
    let owned = match token {
        Some(t) => caller.oversees(&admin, t.account_id).await?,
        None => false,
    };
    if !owned {
        return Err(ApiError::not_found("no such token"));
    }
    let name = store
        .revoke_token(id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such live token"))?;
    caller
        .audit(&admin, "token.revoked", Some(&name), None)
        .await;
    Ok(StatusCode::NO_CONTENT)
}
