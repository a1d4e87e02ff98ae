//! Who calls Ghost's Admin API: `Authorization: Ghost <jwt>`, checked as Ghost checks
//! it (`jwt`), against a key of `ghost_keys`; the caller then acts as the key's
//! account, through the admin's own rules (`Auth::GhostKey`).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::error::GhostError;
use super::jwt;
use super::keys::seal_context;
use crate::admin::auth::{Auth, Caller, Client};
use crate::admin::error::ApiError;
use crate::admin::Admin;
use crate::store::Account;

/// A caller with a valid Admin API key.
pub(super) struct GhostCaller(pub Caller);

/// The audience a token must name: the path of the API it calls, `/admin/` or
/// `/v2/admin/`... on the legacy paths (set on each by the router).
#[derive(Clone)]
pub(super) struct Audience(pub String);

impl FromRequestParts<Arc<Admin>> for GhostCaller {
    type Rejection = GhostError;

    async fn from_request_parts(parts: &mut Parts, admin: &Arc<Admin>) -> Result<Self, GhostError> {
        let refused = |message: String| GhostError(ApiError::unauthorized(message));
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Ghost "))
            .map(str::trim)
            .ok_or_else(|| {
                refused("Authorization header format is \"Authorization: Ghost [token]\"".into())
            })?;
        let token = jwt::read(token).map_err(|e| refused(e.to_string()))?;
        let store = &admin.site.store;
        let unknown = || refused("Unknown Admin API Key".into());
        let (key, sealed) = store.use_ghost_key(&token.kid).await?.ok_or_else(unknown)?;
        let secret = admin
            .keys
            .decrypt(&sealed, &seal_context(&key.id))
            .ok_or_else(unknown)?;
        let audience = parts
            .extensions
            .get::<Audience>()
            .map_or("/admin/", |a| a.0.as_str());
        let now = admin.now().timestamp();
        token
            .verify(&secret, audience, now)
            .map_err(|e| refused(e.to_string()))?;
        let account = store
            .account(key.account_id)
            .await?
            .filter(Account::enrolled)
            .ok_or_else(unknown)?;
        let client = Client::from_request_parts(parts, admin)
            .await
            .map_err(GhostError)?;
        Ok(GhostCaller(Caller {
            account,
            auth: Auth::GhostKey {
                integration: key.kind == "integration",
                id: key.id,
                name: key.name,
            },
            ip: client.ip,
        }))
    }
}
