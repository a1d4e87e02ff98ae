//! Logging in: password first, then a TOTP code (or a recovery code), or, for an
//! account without TOTP yet, enrollment. Only the second step yields a session.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::auth::{self, Auth, Caller, Client};
use crate::admin::error::{from_json, ApiError, ApiResult, Body};
use crate::admin::sign_in::challenge::{
    secret_context, unix_time, ChallengeReply, SessionStarted, WithCookie,
};
use crate::admin::sign_in::password::{self, Verified};
use crate::admin::sign_in::second_factor::{self, Factor, Verdict};
use crate::admin::{totp, Admin, Step};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::admin) struct Login {
    username: String,
    password: String,
}

/// Longest username looked at: longer ones are refused before they reach the limiter
/// or the audit log (1.9 MB names once grew the database by 150 MB).
const MAX_USERNAME: usize = 64;

/// Logs in, first step: the password.
///
/// A right password answers a challenge for the second step: a TOTP code
/// (`next: totp`), or enrolling a key (`next: enroll`) for an account without one.
#[utoipa::path(post, path = "/session", tag = "sign-in", security(()), request_body = Login,
    responses((status = 200, body = ChallengeReply)))]
pub(in crate::admin) async fn login(
    State(admin): State<Arc<Admin>>,
    client: Client,
    Body(body): Body,
) -> ApiResult<Json<ChallengeReply>> {
    let login: Login = from_json(body)?;
    if login.username.chars().count() > MAX_USERNAME || login.username.contains('\0') {
        return Err(ApiError::field(
            "username",
            format!("a username has at most {MAX_USERNAME} characters"),
        ));
    }
    admin.begin_attempt(&client, &login.username)?;
    tokio::time::sleep(admin.slowdown(&login.username)).await;
    let account = admin.site.store.account_named(&login.username).await?;
    let stored = account.as_ref().map(|a| a.password_hash.clone());
    let typed = login.password.clone();
    let permit = admin.hash_permit().await?;
    // Unknown users are checked against a dummy hash: the same time either way.
    let verified = tokio::task::spawn_blocking(move || password::verify(stored.as_deref(), &typed))
        .await
        .map_err(ApiError::internal)?;
    let account = match (account, verified) {
        (Some(account), Verified::Yes) => account,
        (Some(account), Verified::YesRehash) => {
            let typed = login.password;
            let hash = tokio::task::spawn_blocking(move || password::hash(&typed))
                .await
                .map_err(ApiError::internal)?;
            admin.site.store.set_password(account.id, &hash).await?;
            admin.account_of(account.id).await?
        }
        _ => {
            drop(permit);
            admin.failed(&login.username);
            admin
                .audit(
                    Some(&login.username),
                    "login.failed",
                    None,
                    &client.ip,
                    Some("password"),
                )
                .await;
            return Err(ApiError::unauthorized("wrong username or password"));
        }
    };
    Ok(Json(admin.challenge(&account)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::admin) struct ChallengeOnly {
    challenge: String,
}

/// A TOTP key to enroll.
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct Enrollment {
    /// The key in base32, to type into an authenticator app.
    secret: String,
    /// The `otpauth://` URL the QR code holds.
    otpauth_url: String,
    /// The QR code, as an SVG image.
    qr_svg: String,
}

/// Offers a new TOTP key to an account that has none (after the password step).
#[utoipa::path(post, path = "/session/enroll", tag = "sign-in", security(()),
    request_body = ChallengeOnly, responses((status = 200, body = Enrollment)))]
pub(in crate::admin) async fn enroll(
    State(admin): State<Arc<Admin>>,
    Body(body): Body,
) -> ApiResult<Json<Enrollment>> {
    let ChallengeOnly { challenge } = from_json(body)?;
    let secret = totp::new_secret();
    let account_id = admin.with_challenge(&challenge, Step::Enroll, |c| {
        c.secret = Some(secret.clone());
        c.account_id
    })?;
    let account = admin.account_of(account_id).await?;
    // The title in use (Settings may have changed it since the start).
    let title = admin.site.effective_config().await?.title;
    let issuer = if title.is_empty() { "folio" } else { &title };
    let enrollment = totp::enrollment(&secret, issuer, &account.username);
    Ok(Json(Enrollment {
        secret: enrollment.secret,
        otpauth_url: enrollment.url,
        qr_svg: enrollment.qr_svg,
    }))
}

/// The second step: a challenge and a TOTP code, or a recovery code.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(in crate::admin) struct Code {
    challenge: String,
    code: Option<String>,
    recovery_code: Option<String>,
}

/// Confirms the offered key with a code from the app; starts a session.
///
/// The answer carries the account's recovery codes, shown this once.
#[utoipa::path(post, path = "/session/enroll/confirm", tag = "sign-in", security(()),
    request_body = Code, responses((status = 200, body = SessionStarted,
        headers(("set-cookie" = String, description = "The session cookie")))))]
pub(in crate::admin) async fn confirm(
    State(admin): State<Arc<Admin>>,
    client: Client,
    Body(body): Body,
) -> ApiResult<WithCookie<Json<SessionStarted>>> {
    let body: Code = from_json(body)?;
    let code = body.code.ok_or_else(|| {
        ApiError::field(
            "code",
            "the 6-digit code from the authenticator app is required",
        )
    })?;
    let (account_id, secret, password_hash) =
        admin.with_challenge(&body.challenge, Step::Enroll, |c| {
            (c.account_id, c.secret.clone(), c.password_hash.clone())
        })?;
    let secret = secret.ok_or_else(|| {
        ApiError::field(
            "challenge",
            "no key was offered yet: call /session/enroll first",
        )
    })?;
    let account = admin
        .account_of_challenge(account_id, &password_hash)
        .await?;
    admin.begin_attempt(&client, &account.username)?;
    let Some(step) = totp::matching_step(&secret, &code, unix_time()) else {
        admin.wrong_code(&body.challenge, &account);
        return Err(
            ApiError::unauthorized("wrong code: check the authenticator app's clock")
                .with_field("code"),
        );
    };
    let (codes, hashes) = admin.recovery_codes();
    let sealed = admin.keys.encrypt(&secret, &secret_context(account.id));
    admin
        .site
        .store
        .enroll_totp(account.id, &sealed, step, &hashes)
        .await?;
    admin.end_challenge(&body.challenge);
    admin.succeeded(&client, &account.username);
    admin
        .audit(
            Some(&account.username),
            "2fa.enrolled",
            None,
            &client.ip,
            None,
        )
        .await;
    admin
        .start_session(&account, &client, (Some(codes), None))
        .await
}

/// Logs in, second step: a TOTP code or a recovery code; starts a session.
#[utoipa::path(post, path = "/session/totp", tag = "sign-in", security(()),
    request_body = Code, responses((status = 200, body = SessionStarted,
        headers(("set-cookie" = String, description = "The session cookie")))))]
pub(in crate::admin) async fn totp(
    State(admin): State<Arc<Admin>>,
    client: Client,
    Body(body): Body,
) -> ApiResult<WithCookie<Json<SessionStarted>>> {
    let body: Code = from_json(body)?;
    let (account_id, password_hash) = admin.with_challenge(&body.challenge, Step::Totp, |c| {
        (c.account_id, c.password_hash.clone())
    })?;
    let account = admin
        .account_of_challenge(account_id, &password_hash)
        .await?;
    // A recovery code is the way in for someone whose address is at its limit: the
    // challenge it answers needed the right password, and dies after a few tries.
    if body.recovery_code.is_none() {
        admin.begin_attempt(&client, &account.username)?;
    }
    let store = &admin.site.store;
    let verdict = second_factor::check(&admin, &account, &body.code, &body.recovery_code).await?;
    let factor = match verdict {
        Verdict::Good(factor) => factor,
        Verdict::Refused { logged, message } => {
            admin.wrong_code(&body.challenge, &account);
            admin
                .audit(
                    Some(&account.username),
                    "login.failed",
                    None,
                    &client.ip,
                    Some(logged),
                )
                .await;
            let field = if body.code.is_some() {
                "code"
            } else {
                "recovery_code"
            };
            return Err(ApiError::unauthorized(message).with_field(field));
        }
    };
    admin.end_challenge(&body.challenge);
    admin.succeeded(&client, &account.username);
    let mut left = None;
    if factor == Factor::RecoveryCode {
        left = Some(store.recovery_codes_left(account.id).await?);
        admin
            .audit(
                Some(&account.username),
                "2fa.recovery_code_used",
                None,
                &client.ip,
                None,
            )
            .await;
    }
    admin.start_session(&account, &client, (None, left)).await
}

/// Logs out: ends this session.
#[utoipa::path(delete, path = "/session", tag = "sign-in",
    responses((status = 204, description = "Ended; the cookie is cleared")))]
pub(in crate::admin) async fn logout(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<WithCookie<StatusCode>> {
    let Auth::Session { hash } = &caller.auth else {
        return Err(ApiError::bad_request("an API token has no session to end"));
    };
    admin.site.store.delete_session(hash).await?;
    caller.audit(&admin, "logout", None, None).await;
    Ok(ended(&admin))
}

/// Ends every session of the caller's account, this one included.
#[utoipa::path(delete, path = "/sessions", tag = "sign-in",
    responses((status = 204, description = "Ended; the cookie is cleared")))]
pub(in crate::admin) async fn logout_everywhere(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<WithCookie<StatusCode>> {
    caller.require(crate::admin::auth::Need::Account)?;
    let n = admin.site.store.delete_sessions(caller.account.id).await?;
    caller
        .audit(
            &admin,
            "logout.everywhere",
            None,
            Some(&format!("{n} sessions")),
        )
        .await;
    Ok(ended(&admin))
}

fn ended(admin: &Admin) -> WithCookie<StatusCode> {
    (
        [(header::SET_COOKIE, auth::clear_cookie(admin))],
        StatusCode::NO_CONTENT,
    )
}
