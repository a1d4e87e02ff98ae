//! Invitations: an owner chooses a username and a role and gets a one-time link to
//! pass on (no email needed); whoever opens it sets the account's password and then
//! enrolls TOTP, as at a first login. The owner never knows the password.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::auth::{Caller, Client, Need};
use crate::admin::error::{from_json, ApiError, ApiResult, Body};
use crate::admin::sign_in::challenge::ChallengeReply;
use crate::admin::{crypto, Admin};
use crate::store::invites::{Invite, Refused};
use crate::store::Role;

/// How long a link works (Ghost's invitations last as long).
const INVITE_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// Where the admin UI opens an invitation: in the fragment, which browsers send to no
/// server (no access log or Referer carries the token).
fn link_path(token: &str) -> String {
    format!("/admin/#/invite/{token}")
}

#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct InviteList {
    /// The open ones: neither used nor expired.
    invites: Vec<Invite>,
}

/// Open invitations (editors and up).
#[utoipa::path(get, path = "/users/invites", tag = "people",
    responses((status = 200, body = InviteList)))]
pub(in crate::admin) async fn list(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Json<InviteList>> {
    caller.require(Need::People)?;
    let invites = admin.site.store.invites().await?;
    Ok(Json(InviteList { invites }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::admin) struct NewInvite {
    username: String,
    role: Role,
}

/// An invitation made: the link to pass on, shown this once.
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct InviteMade {
    #[serde(flatten)]
    invite: Invite,
    token: String,
    /// The admin's page that opens it (the token in the fragment).
    path: String,
}

/// Invites someone under a username and role: a one-time link, good for a week.
#[utoipa::path(post, path = "/users/invites", tag = "people", request_body = NewInvite,
    responses((status = 201, body = InviteMade)))]
pub(in crate::admin) async fn create(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Body(body): Body,
) -> ApiResult<(StatusCode, Json<InviteMade>)> {
    caller.require(Need::People)?;
    let new: NewInvite = from_json(body)?;
    crate::admin::people::users::check_manages(&caller, new.role)?;
    crate::admin::people::users::check_username(&new.username)?;
    let token = crypto::random_token(32);
    let expires = admin.now()
        + chrono::Duration::from_std(INVITE_TTL).expect("a week fits a chrono duration");
    let invite = admin
        .site
        .store
        .add_invite(
            &admin.keys.hash("invite", &token),
            &new.username,
            new.role,
            &caller.actor(),
            expires,
        )
        .await?
        .map_err(|refused| {
            let message = match refused {
                Refused::Taken(taken) => taken.to_string(),
                Refused::Gone => "that username is taken".to_owned(),
            };
            ApiError::conflict(message).with_field("username")
        })?;
    caller
        .audit(
            &admin,
            "user.invited",
            Some(&invite.username),
            Some(new.role.as_str()),
        )
        .await;
    let path = link_path(&token);
    Ok((
        StatusCode::CREATED,
        Json(InviteMade {
            invite,
            token,
            path,
        }),
    ))
}

/// Withdraws an invitation: its link stops working.
#[utoipa::path(delete, path = "/users/invites/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 204, description = "Withdrawn")))]
pub(in crate::admin) async fn revoke(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    caller.require(Need::People)?;
    let open = admin.site.store.invites().await?;
    if let Some(invite) = open.iter().find(|i| i.id == id) {
        let role = Role::parse(&invite.role).unwrap_or(Role::Owner);
        crate::admin::people::users::check_manages(&caller, role)?;
    }
    let invite = admin
        .site
        .store
        .revoke_invite(id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such invitation"))?;
    caller
        .audit(&admin, "invite.revoked", Some(&invite.username), None)
        .await;
    Ok(StatusCode::NO_CONTENT)
}

/// The invitation a token opens. Unknown tokens count against the address like wrong
/// passwords (a token is 256 random bits: the count only keeps a scanner slow).
async fn opened(admin: &Admin, client: &Client, token: &str) -> ApiResult<Invite> {
    let key = format!("invite:{}", crate::admin::client::limit_key(&client.ip));
    if let Some(wait) = admin.limiter.wait(&key) {
        return Err(ApiError::too_many(wait));
    }
    match admin
        .site
        .store
        .invite(&admin.keys.hash("invite", token))
        .await?
    {
        Some(invite) => Ok(invite),
        None => {
            admin.limiter.attempt(&key, 0).map_err(ApiError::too_many)?;
            Err(ApiError::not_found(
                "this invitation is unknown, used or expired: ask the owner for a new link",
            )
            .with_field("token"))
        }
    }
}

/// An invitation as the person invited sees it.
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct InviteShown {
    username: String,
    role: String,
    invited_by: String,
    expires_at: String,
}

/// What an invitation is for, so the page can greet the person by the name chosen.
#[utoipa::path(get, path = "/invites/{token}", tag = "people", security(()),
    params(("token" = String, Path)), responses((status = 200, body = InviteShown)))]
pub(in crate::admin) async fn show(
    State(admin): State<Arc<Admin>>,
    client: Client,
    Path(token): Path<String>,
) -> ApiResult<Json<InviteShown>> {
    let invite = opened(&admin, &client, &token).await?;
    Ok(Json(InviteShown {
        username: invite.username,
        role: invite.role,
        invited_by: invite.invited_by,
        expires_at: invite.expires_at,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::admin) struct Accept {
    token: String,
    password: String,
}

/// Sets the password of the invited account and answers with the enrollment challenge
/// (the next step, as after a first login): no session before TOTP is set up.
/// Accepts an invitation: sets the account's password; answers the enrollment
/// challenge.
#[utoipa::path(post, path = "/invites/accept", tag = "people", security(()),
    request_body = Accept, responses((status = 200, body = ChallengeReply)))]
pub(in crate::admin) async fn accept(
    State(admin): State<Arc<Admin>>,
    client: Client,
    Body(body): Body,
) -> ApiResult<Json<ChallengeReply>> {
    let accept: Accept = from_json(body)?;
    let invite = opened(&admin, &client, &accept.token).await?;
    let hash = admin.new_password_hash("password", accept.password).await?;
    let store = &admin.site.store;
    let id = store
        .accept_invite(&admin.keys.hash("invite", &accept.token), &hash)
        .await?
        .map_err(|refused| match refused {
            Refused::Gone => ApiError::conflict(
                "this invitation was used meanwhile: log in, or ask the owner for a new link",
            ),
            Refused::Taken(taken) => ApiError::conflict(format!(
                "the username {} was taken since the invitation was made ({taken}): ask the \
                 owner to invite you under another name",
                invite.username
            )),
        })?;
    let account = admin.account_of(id).await?;
    admin
        .audit(
            Some(&account.username),
            "invite.accepted",
            Some(&invite.username),
            &client.ip,
            Some(account.role().as_str()),
        )
        .await;
    Ok(Json(admin.challenge(&account)))
}
