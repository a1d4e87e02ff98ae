//! The state between a login's steps: attempts counted by address and failures by
//! account (a slow-down, never a lock), the challenge a correct password gets (its
//! step, its tries left), and the session the last step starts.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::{header, HeaderName, HeaderValue};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::admin::auth::{self, Client};
use crate::admin::error::{ApiError, ApiResult};
use crate::admin::{crypto, limit, Admin, Challenge, Step, CHALLENGE_TTL};
use crate::store::{Account, Role};

/// How long a login waits for a turn to hash its password before 503.
const HASH_WAIT: Duration = Duration::from_secs(3);

/// Wrong attempts at one challenge before it is thrown away.
const CHALLENGE_ATTEMPTS: u8 = 5;
const RECOVERY_CODES: usize = 10;

/// A password checked: the token of the second step and what it is.
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct ChallengeReply {
    /// Sent back with the second step.
    challenge: String,
    next: Step,
    /// Seconds the challenge lives.
    expires_in: u64,
}

/// A session started (its cookie is set beside this answer).
#[derive(Serialize, ToSchema)]
pub(in crate::admin) struct SessionStarted {
    username: String,
    role: Role,
    /// Sent as `X-CSRF-Token` with every change made in this session.
    csrf_token: String,
    /// After enrollment: single-use codes for a lost phone, shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    recovery_codes: Option<Vec<String>>,
    /// After a login with a recovery code: how many are left.
    #[serde(skip_serializing_if = "Option::is_none")]
    recovery_codes_left: Option<i64>,
}

/// An answer that sets (or clears) the session cookie.
pub(in crate::admin) type WithCookie<T> = ([(HeaderName, HeaderValue); 1], T);

impl Admin {
    /// Counts a login attempt by `client` on `username` before it is judged; 429 when
    /// the address has used up its attempts.
    pub(in crate::admin) fn begin_attempt(&self, client: &Client, username: &str) -> ApiResult<()> {
        self.limiter
            .attempt(
                &format!("ip:{}", crate::admin::client::limit_key(&client.ip)),
                limit::tag(username),
            )
            .map_err(ApiError::too_many)
    }

    /// How long a password check for `username` waits, given its recent failures.
    pub(in crate::admin) fn slowdown(&self, username: &str) -> Duration {
        let failures = self.failures.count(&account_key(username));
        limit::slowdown(failures, crate::admin::LOGIN_FAILURES)
    }

    /// A turn to hash a password: a few at once (each takes 19 MiB and a core), the
    /// rest wait briefly, then get 503 with Retry-After.
    pub(in crate::admin) async fn hash_permit(
        &self,
    ) -> ApiResult<tokio::sync::SemaphorePermit<'_>> {
        match tokio::time::timeout(HASH_WAIT, self.hashing.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(ApiError::busy(Duration::from_secs(1))),
        }
    }

    /// The hash of a new password typed into `field`, refused when too short or long;
    /// hashed off the async threads, in its turn among the others.
    pub(in crate::admin) async fn new_password_hash(
        &self,
        field: &str,
        typed: String,
    ) -> ApiResult<String> {
        crate::admin::sign_in::password::check_new(&typed)
            .map_err(|m| ApiError::field(field, m))?;
        let _permit = self.hash_permit().await?;
        tokio::task::spawn_blocking(move || crate::admin::sign_in::password::hash(&typed))
            .await
            .map_err(ApiError::internal)
    }

    /// A wrong password or code for `username`: counted for the account's slow-down.
    pub(in crate::admin) fn failed(&self, username: &str) {
        self.site.metrics.login_failures.inc();
        let _ = self.failures.attempt(&account_key(username), 0);
    }

    /// A login completed: the address's attempts on this account, and the account's
    /// failures, are forgiven.
    pub(in crate::admin) fn succeeded(&self, client: &Client, username: &str) {
        self.limiter.forgive(
            &format!("ip:{}", crate::admin::client::limit_key(&client.ip)),
            Some(limit::tag(username)),
        );
        self.failures.forgive(&account_key(username), None);
    }

    /// Opens the second step for an account whose password was right.
    pub(in crate::admin) fn challenge(&self, account: &Account) -> ChallengeReply {
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
        ChallengeReply {
            challenge: token,
            next,
            expires_in: CHALLENGE_TTL.as_secs(),
        }
    }

    /// Runs `f` on the live challenge `token` expecting `next`.
    pub(in crate::admin) fn with_challenge<T>(
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

    pub(in crate::admin) fn end_challenge(&self, token: &str) {
        let key = self.keys.hash("challenge", token);
        self.challenges
            .lock()
            .expect("no panic while holding the lock")
            .remove(&key);
    }

    /// Counts a wrong code against the challenge, dropping it after too many.
    pub(in crate::admin) fn wrong_code(&self, token: &str, account: &Account) {
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

    /// Creates a session; returns the answer with its cookie and `codes` (the
    /// recovery codes of an enrollment, or those left after one was used).
    pub(in crate::admin) async fn start_session(
        &self,
        account: &Account,
        client: &Client,
        codes: (Option<Vec<String>>, Option<i64>),
    ) -> ApiResult<WithCookie<Json<SessionStarted>>> {
        let token = crypto::random_token(32);
        let hash = self.keys.hash("session", &token);
        // Ended sessions are refused anyway; this keeps the table from growing.
        self.site
            .store
            .expire_sessions(self.now() - auth::SESSION_IDLE)
            .await?;
        self.site
            .store
            .add_session(
                &hash,
                account.id,
                self.now() + auth::SESSION_MAX,
                &client.ip,
                client.user_agent.as_deref(),
            )
            .await?;
        self.audit(Some(&account.username), "login", None, &client.ip, None)
            .await;
        let (recovery_codes, recovery_codes_left) = codes;
        let started = SessionStarted {
            username: account.username.clone(),
            role: account.role(),
            csrf_token: self.csrf_token(&hash),
            recovery_codes,
            recovery_codes_left,
        };
        let cookie = (header::SET_COOKIE, auth::session_cookie(self, token));
        Ok(([cookie], Json(started)))
    }

    pub(in crate::admin) async fn account_of(&self, id: i64) -> ApiResult<Account> {
        self.site
            .store
            .account(id)
            .await?
            .ok_or_else(|| ApiError::unauthorized("the account is gone"))
    }

    /// The account a challenge is for, unless its password changed since the
    /// challenge was issued (then the password must be typed again).
    pub(in crate::admin) async fn account_of_challenge(
        &self,
        id: i64,
        password_hash: &str,
    ) -> ApiResult<Account> {
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
    pub(in crate::admin) fn recovery_codes(&self) -> (Vec<String>, Vec<String>) {
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
        let hashes = codes
            .iter()
            .map(|c| self.keys.hash("recovery", &normalize_recovery(c)))
            .collect();
        (codes, hashes)
    }

    /// The account's TOTP secret, decrypted.
    pub(in crate::admin) fn totp_secret(&self, account: &Account) -> ApiResult<Vec<u8>> {
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
pub(in crate::admin) fn account_key(username: &str) -> String {
    format!("user:{}", username.to_lowercase())
}

pub(in crate::admin) fn secret_context(account_id: i64) -> String {
    format!("account {account_id} totp")
}

/// Ten characters from an alphabet without look-alikes, as `xxxxx-xxxxx` (50 bits).
pub(in crate::admin) fn recovery_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    let chars: String = (0..10)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

pub(in crate::admin) fn normalize_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

pub(in crate::admin) fn unix_time() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
