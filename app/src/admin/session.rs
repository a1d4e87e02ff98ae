//! Logging in: password first, then a TOTP code (or a recovery code), or, for an
//! account without TOTP yet, enrollment. Only the second step yields a session.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::{self, Auth, Caller, Client};
use super::error::{from_json, ApiError, ApiResult, Body};
use super::password::{self, Verified};
use super::{crypto, limit, totp, Admin, Challenge, Step, CHALLENGE_TTL};
use crate::store::Account;

/// Wrong attempts at one challenge before it is thrown away.
const CHALLENGE_ATTEMPTS: u8 = 5;
const RECOVERY_CODES: usize = 10;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    username: String,
    password: String,
}

/// Longest username looked at: longer ones are refused before they reach the limiter
/// or the audit log (1.9 MB names once grew the database by 150 MB).
const MAX_USERNAME: usize = 64;
/// How long a login waits for a turn to hash its password before 503.
const HASH_WAIT: Duration = Duration::from_secs(3);

pub async fn login(
    State(admin): State<Arc<Admin>>,
    client: Client,
    Body(body): Body,
) -> ApiResult<Json<Value>> {
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

impl Admin {
    /// Counts a login attempt by `client` on `username` before it is judged; 429 when
    /// the address has used up its attempts.
    pub(super) fn begin_attempt(&self, client: &Client, username: &str) -> ApiResult<()> {
        self.limiter
            .attempt(&format!("ip:{}", client.ip), limit::tag(username))
            .map_err(ApiError::too_many)
    }

    /// How long a password check for `username` waits, given its recent failures.
    fn slowdown(&self, username: &str) -> Duration {
        let failures = self.failures.count(&account_key(username));
        limit::slowdown(failures, super::LOGIN_FAILURES)
    }

    /// A turn to hash a password: a few at once (each takes 19 MiB and a core), the
    /// rest wait briefly, then get 503 with Retry-After.
    pub(super) async fn hash_permit(&self) -> ApiResult<tokio::sync::SemaphorePermit<'_>> {
        match tokio::time::timeout(HASH_WAIT, self.hashing.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::busy(Duration::from_secs(1))),
        }
    }

    /// A wrong password or code for `username`: counted for the account's slow-down.
    pub(super) fn failed(&self, username: &str) {
        self.site.metrics.login_failures.inc();
        let _ = self.failures.attempt(&account_key(username), 0);
    }

    /// A login completed: the address's attempts on this account, and the account's
    /// failures, are forgiven.
    fn succeeded(&self, client: &Client, username: &str) {
        self.limiter
            .forgive(&format!("ip:{}", client.ip), Some(limit::tag(username)));
        self.failures.forgive(&account_key(username), None);
    }

    /// Opens the second step for an account whose password was right.
    pub(super) fn challenge(&self, account: &Account) -> Value {
        let next = if account.enrolled() {
            Step::Totp
        } else {
            Step::Enroll
        };
        let token = crypto::random_token(32);
        let mut challenges = self
            .challenges
            .lock()
            .expect("no panic while holding the lock");
        let now = Instant::now();
        challenges.retain(|_, c| c.expires > now);
        challenges.insert(
            self.keys.hash("challenge", &token),
            Challenge {
                account_id: account.id,
                password_hash: account.password_hash.clone(),
                next,
                expires: now + CHALLENGE_TTL,
                secret: None,
                attempts: 0,
            },
        );
        json!({
            "challenge": token,
            "next": if next == Step::Totp { "totp" } else { "enroll" },
            "expires_in": CHALLENGE_TTL.as_secs(),
        })
    }

    /// Runs `f` on the live challenge `token` expecting `next`.
    fn with_challenge<T>(
        &self,
        token: &str,
        next: Step,
        f: impl FnOnce(&mut Challenge) -> T,
    ) -> ApiResult<T> {
        let key = self.keys.hash("challenge", token);
        let mut challenges = self
            .challenges
            .lock()
            .expect("no panic while holding the lock");
        match challenges.get_mut(&key) {
            Some(c) if c.expires > Instant::now() && c.next == next => Ok(f(c)),
            _ => Err(ApiError::unauthorized(
                "unknown or expired challenge: log in with the password again",
            )
            .with_field("challenge")),
        }
    }

    fn end_challenge(&self, token: &str) {
        let key = self.keys.hash("challenge", token);
        self.challenges
            .lock()
            .expect("no panic while holding the lock")
            .remove(&key);
    }

    /// Counts a wrong code against the challenge, dropping it after too many.
    fn wrong_code(&self, token: &str, account: &Account) {
        let key = self.keys.hash("challenge", token);
        let mut challenges = self
            .challenges
            .lock()
            .expect("no panic while holding the lock");
        if let Some(c) = challenges.get_mut(&key) {
            c.attempts += 1;
            if c.attempts >= CHALLENGE_ATTEMPTS {
                challenges.remove(&key);
            }
        }
        drop(challenges);
        self.failed(&account.username);
    }

    /// Creates a session; returns the response with its cookie.
    async fn start_session(
        &self,
        account: &Account,
        client: &Client,
        mut body: Value,
    ) -> ApiResult<Response> {
        let token = crypto::random_token(32);
        let hash = self.keys.hash("session", &token);
        // Ended sessions are refused anyway; this keeps the table from growing.
        self.site
            .store
            .expire_sessions(Utc::now() - auth::SESSION_IDLE)
            .await?;
        self.site
            .store
            .add_session(
                &hash,
                account.id,
                Utc::now() + auth::SESSION_MAX,
                &client.ip,
                client.user_agent.as_deref(),
            )
            .await?;
        self.audit(Some(&account.username), "login", None, &client.ip, None)
            .await;
        body["username"] = json!(account.username);
        body["role"] = json!(account.role());
        body["csrf_token"] = json!(self.csrf_token(&hash));
        let mut response = Json(body).into_response();
        response
            .headers_mut()
            .insert(header::SET_COOKIE, auth::session_cookie(self, token));
        Ok(response)
    }

    async fn account_of(&self, id: i64) -> ApiResult<Account> {
        self.site
            .store
            .account(id)
            .await?
            .ok_or_else(|| ApiError::unauthorized("the account is gone"))
    }

    /// The account a challenge is for, unless its password changed since the
    /// challenge was issued (then the password must be typed again).
    async fn account_of_challenge(&self, id: i64, password_hash: &str) -> ApiResult<Account> {
        let account = self.account_of(id).await?;
        if account.password_hash != password_hash {
            return Err(ApiError::unauthorized(
                "the password changed since this login began: log in with the password again",
            )
            .with_field("challenge"));
        }
        Ok(account)
    }

    /// Fresh recovery codes: the plaintext to show once, and their hashes to store.
    pub(super) fn recovery_codes(&self) -> (Vec<String>, Vec<String>) {
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
        let hashes = codes
            .iter()
            .map(|c| self.keys.hash("recovery", &normalize_recovery(c)))
            .collect();
        (codes, hashes)
    }

    /// The account's TOTP secret, decrypted.
    pub(super) fn totp_secret(&self, account: &Account) -> ApiResult<Vec<u8>> {
        let sealed = account
            .totp_secret
            .as_deref()
            .ok_or_else(|| ApiError::unauthorized("two-factor login is not set up"))?;
        self.keys
            .decrypt(sealed, &secret_context(account.id))
            .ok_or_else(|| {
                ApiError::internal(format!(
                    "the TOTP secret of {} does not decrypt: was FOLIO_SECRET_KEY changed? \
                     (`folio user reset-2fa {}` starts enrollment again)",
                    account.username, account.username
                ))
            })
    }
}

/// The key of an account's failures.
fn account_key(username: &str) -> String {
    format!("user:{}", username.to_lowercase())
}

pub(super) fn secret_context(account_id: i64) -> String {
    format!("account {account_id} totp")
}

/// Ten characters from an alphabet without look-alikes, as `xxxxx-xxxxx` (50 bits).
fn recovery_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    let chars: String = (0..10)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

fn normalize_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

pub(super) fn unix_time() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChallengeOnly {
    challenge: String,
}

pub async fn enroll(State(admin): State<Arc<Admin>>, Body(body): Body) -> ApiResult<Json<Value>> {
    let ChallengeOnly { challenge } = from_json(body)?;
    let secret = totp::new_secret();
    let account_id = admin.with_challenge(&challenge, Step::Enroll, |c| {
        c.secret = Some(secret.clone());
        c.account_id
    })?;
    let account = admin.account_of(account_id).await?;
    let issuer = if admin.site.config.title.is_empty() {
        "folio"
    } else {
        &admin.site.config.title
    };
    let enrollment = totp::enrollment(&secret, issuer, &account.username);
    Ok(Json(json!({
        "secret": enrollment.secret,
        "otpauth_url": enrollment.url,
        "qr_svg": enrollment.qr_svg,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Code {
    challenge: String,
    code: Option<String>,
    recovery_code: Option<String>,
}

pub async fn confirm(
    State(admin): State<Arc<Admin>>,
    client: Client,
    Body(body): Body,
) -> ApiResult<Response> {
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
        .start_session(&account, &client, json!({ "recovery_codes": codes }))
        .await
}

pub async fn totp(
    State(admin): State<Arc<Admin>>,
    client: Client,
    Body(body): Body,
) -> ApiResult<Response> {
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
    let (ok, how, message) = match (&body.code, &body.recovery_code) {
        (Some(code), None) => {
            let secret = admin.totp_secret(&account)?;
            match totp::matching_step(&secret, code, unix_time()) {
                Some(step) if store.use_totp_step(account.id, step).await? => (true, "totp", ""),
                Some(_) => (
                    false,
                    "totp replay",
                    "this code was used already: wait for the next one",
                ),
                None => (false, "totp", "wrong code"),
            }
        }
        (None, Some(code)) => {
            let hash = admin.keys.hash("recovery", &normalize_recovery(code));
            if store.use_recovery_code(account.id, &hash).await? {
                (true, "recovery code", "")
            } else {
                (
                    false,
                    "recovery code",
                    "wrong or already used recovery code",
                )
            }
        }
        _ => {
            return Err(ApiError::field(
                "code",
                "send either code (6 digits) or recovery_code",
            ))
        }
    };
    if !ok {
        admin.wrong_code(&body.challenge, &account);
        admin
            .audit(
                Some(&account.username),
                "login.failed",
                None,
                &client.ip,
                Some(how),
            )
            .await;
        let field = if body.code.is_some() {
            "code"
        } else {
            "recovery_code"
        };
        return Err(ApiError::unauthorized(message).with_field(field));
    }
    admin.end_challenge(&body.challenge);
    admin.succeeded(&client, &account.username);
    let mut extra = json!({});
    if how == "recovery code" {
        extra["recovery_codes_left"] = json!(store.recovery_codes_left(account.id).await?);
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
    admin.start_session(&account, &client, extra).await
}

pub async fn logout(State(admin): State<Arc<Admin>>, caller: Caller) -> ApiResult<Response> {
    let Auth::Session { hash } = &caller.auth else {
        return Err(ApiError::bad_request("an API token has no session to end"));
    };
    admin.site.store.delete_session(hash).await?;
    admin
        .audit(Some(&caller.actor()), "logout", None, &caller.ip, None)
        .await;
    Ok(ended(&admin))
}

/// Ends every session of the caller's account, this one included.
pub async fn logout_everywhere(
    State(admin): State<Arc<Admin>>,
    caller: Caller,
) -> ApiResult<Response> {
    caller.require(super::auth::Need::Account)?;
    let n = admin.site.store.delete_sessions(caller.account.id).await?;
    admin
        .audit(
            Some(&caller.actor()),
            "logout.everywhere",
            None,
            &caller.ip,
            Some(&format!("{n} sessions")),
        )
        .await;
    Ok(ended(&admin))
}

fn ended(admin: &Admin) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, auth::clear_cookie(admin));
    (StatusCode::NO_CONTENT, headers).into_response()
}
