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
use crate::admin::people::authors::display_name;
use crate::admin::sign_in::challenge::ChallengeReply;
use crate::admin::sitewide::publish::go_live;
use crate::admin::Admin;
use crate::store::users::AuthorFields;
use crate::store::Role;

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct SetupStatus {
    /// No account exists yet: the setup page is shown.
    needed: bool,
    /// The site's title (on its every page already): the login screen shows it.
    site_title: String,
}

/// Whether the site still needs its owner.
#[utoipa::path(get, path = "/setup", tag = "sign-in", security(()),
    responses((status = 200, body = SetupStatus)))]
pub(in crate::admin) async fn status(
    State(admin): State<Arc<Admin>>,
) -> ApiResult<Json<SetupStatus>> {
    let needed = admin.site.store.account_count().await? == 0;
    let site_title = admin.site.effective_config().await?.title;
    Ok(Json(SetupStatus { needed, site_title }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::admin) struct Setup {
    /// The one-time token from the server's log.
    setup_token: String,
    username: String,
    password: String,
    /// The site's title (the `title` setting); folio.toml's when not given.
    #[serde(default)]
    site_title: Option<String>,
    /// The owner's name on their posts; the username when not given.
    #[serde(default)]
    display_name: Option<String>,
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
    let store = &admin.site.store;
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let (title, name) = (given(&setup.site_title), given(&setup.display_name));
    // Checked before anything is made: a refused setup leaves nothing behind.
    if let Some(title) = &title {
        (admin.site.current_config())
            .with_settings(&[("title".to_owned(), serde_json::json!(title))])
            .map_err(|e| ApiError::field("site_title", format!("site title: {e}")))?;
    }
    let name = match name {
        Some(name) => Some(display_name(store, -1, ("display_name", &name)).await?),
        None => None,
    };
    let hash = admin.new_password_hash("password", setup.password).await?;
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
    first_words(&admin, &account, title, name).await?;
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

/// The site's title and the owner's name, from the setup: saved and published, so the
/// first post is bylined with a name and the site has its own.
async fn first_words(
    admin: &Admin,
    owner: &crate::store::Account,
    title: Option<String>,
    name: Option<String>,
) -> ApiResult<()> {
    let store = &admin.site.store;
    if let (Some(name), Some(profile)) = (&name, owner.user_id) {
        if let Some(author) = store.author(profile).await? {
            let fields = AuthorFields {
                name: name.clone(),
                ..AuthorFields::from(&author)
            };
            store
                .update_author(profile, &fields)
                .await?
                .map_err(|r| crate::admin::profile_fields::refused("display_name", r))?;
        }
    }
    if let Some(title) = &title {
        let title = Some(serde_json::json!(title));
        store.save_settings(&[("title".to_owned(), title)]).await?;
    }
    if title.is_some() || name.is_some() {
        admin.write_site_files().await?;
        let published = go_live(admin).await;
        if let Some(error) = published.error {
            tracing::error!("the publish after the setup failed: {error}");
        }
    }
    Ok(())
}
