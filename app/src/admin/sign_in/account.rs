//! The caller's own account: who am I, change my password, new recovery codes.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::auth::{Auth, Caller, Need};
use crate::admin::error::{from_json, ApiError, ApiResult, Body};
use crate::admin::sign_in::challenge::unix_time;
use crate::admin::sign_in::password::{self, Verified};
use crate::admin::{totp, Admin};
use crate::store::Role;

/// Who is asking, and the site's addresses.
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct Me {
    id: i64,
    username: String,
    role: Role,
    /// Whether the caller may publish (their own posts at least): the editor offers
    /// Publish only then.
    can_publish: bool,
    /// The roles whose accounts and invitations the caller may give, change and
    /// remove (none for authors and contributors).
    manages: Vec<Role>,
    /// The author profile the account writes as.
    author_id: Option<i64>,
    created_at: String,
    site: SiteAddresses,
    /// `session` or `token`.
    auth: &'static str,
    /// With a session: sent as `X-CSRF-Token` with every change.
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recovery_codes_left: Option<i64>,
    /// With a token: its name and scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<TokenInUse>,
}

/// Where pages link (canonical, og:url, feeds): the UI warns when it is open at
/// another address.
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct SiteAddresses {
    /// The site's title, as its pages show it (the admin's brand).
    title: String,
    base_url: String,
    admin_url: Option<String>,
    /// The editor's reading time, at the pace of the site's pages.
    words_per_minute: usize,
}

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct TokenInUse {
    name: String,
    scopes: Vec<String>,
}

/// The caller: account, role, CSRF token, and the site's addresses.
#[utoipa::path(get, path = "/me", tag = "sign-in", responses((status = 200, body = Me)))]
pub(in crate::admin) async fn me(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Json<Me>> {
    let account = &caller.account;
    let config = admin.site.current_config();
    let mut me = Me {
        id: account.id,
        username: account.username.clone(),
        role: account.role(),
        can_publish: caller.require(Need::PublishOwn).is_ok(),
        manages: match caller.require(Need::People) {
            Ok(()) => (Role::ALL.into_iter())
                .filter(|r| account.role().manages(*r))
                .collect(),
            Err(_) => Vec::new(),
        },
        author_id: account.user_id,
        created_at: account.created_at.clone(),
        site: SiteAddresses {
            title: admin.site.effective_config().await?.title,
            base_url: config.base_url.clone(),
            admin_url: config.admin_url.clone(),
            words_per_minute: crate::render::views::WORDS_PER_MINUTE,
        },
        auth: "session",
        csrf_token: None,
        recovery_codes_left: None,
        token: None,
    };
    match &caller.auth {
        Auth::Session { hash } => {
            me.csrf_token = Some(admin.csrf_token(hash));
            me.recovery_codes_left = Some(admin.site.store.recovery_codes_left(account.id).await?);
        }
        Auth::Token { name, scopes } => {
            me.auth = "token";
            me.token = Some(TokenInUse {
                name: name.clone(),
                scopes: scopes.clone(),
            });
        }
        Auth::GhostKey { name, .. } => {
            me.auth = "ghost_key";
            me.token = Some(TokenInUse {
                name: name.clone(),
                scopes: Vec::new(),
            });
        }
    }
    Ok(Json(me))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::admin) struct PasswordChange {
    current_password: String,
    new_password: String,
}

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct Changed {
    changed: bool,
}

/// Changes the caller's password; other sessions end.
#[utoipa::path(post, path = "/me/password", tag = "sign-in", request_body = PasswordChange,
    responses((status = 200, body = Changed)))]
pub(in crate::admin) async fn password(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Json<Changed>> {
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
    Ok(Json(Changed { changed: true }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::admin) struct CodeOnly {
    code: String,
}

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct RecoveryCodes {
    /// Each good once; shown this once.
    recovery_codes: Vec<String>,
}

/// New recovery codes (the old ones stop working), shown once; needs a current code.
#[utoipa::path(post, path = "/me/recovery-codes", tag = "sign-in", request_body = CodeOnly,
    responses((status = 200, body = RecoveryCodes)))]
pub(in crate::admin) async fn recovery_codes(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<Json<RecoveryCodes>> {
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
    Ok(Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}
