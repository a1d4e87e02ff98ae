//! The admin API under `/admin/api/`: two-factor login, sessions and API tokens,
//! posts with revisions, tags and authors' profiles, preview, publish, media, users and
//! the audit log.
//! `docs/admin-api.md` walks through it; `openapi.json` describes every endpoint.

mod auth;
mod client;
mod content;
pub mod crypto;
mod error;
mod limit;
mod people;
mod profile_fields;
mod sign_in;
mod sitewide;
pub mod ui;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use axum::Router;

use content::{files, media, posts, quota, revisions, tags};
use people::{authors, invites, users};
use sign_in::{account, session, setup, tokens};
use sitewide::{publish, settings};

pub use client::parse_proxies;
pub use crypto::Keys;
pub use sign_in::{password, totp};

use crate::deploy::worker::Deployer;
use crate::site::{Publisher, Site};

/// JSON bodies larger than this get 413 (media has its own limit).
const JSON_LIMIT: usize = 2 * 1024 * 1024;
/// The window of [`authors::PROFILE_SAVES`].
const PROFILE_WINDOW: std::time::Duration = std::time::Duration::from_secs(600);
/// Previews rendered at once; more get 503 with `Retry-After`.
const PREVIEWS_AT_ONCE: usize = 2;
/// Largest preview request: a long post's Markdown with room to spare.
const PREVIEW_LIMIT: usize = 1024 * 1024;
/// Login attempts allowed per client address in [`LOGIN_WINDOW`] (a success forgives
/// its own); failures of an account beyond this many slow its logins down.
const LOGIN_FAILURES: usize = 5;
/// The body of a sign-in request: a name, a password and a code fit many times over.
const SIGN_IN_LIMIT: usize = 16 * 1024;
/// A sign-in request from its first byte to its answer (which may wait up to 3 s for a
/// password hash and be slowed up to 5 s after failures).
const SIGN_IN_DEADLINE: Duration = Duration::from_secs(15);
const LOGIN_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long the second login step may wait.
const CHALLENGE_TTL: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, Clone)]
pub struct AdminOptions {
    /// Session cookies only over HTTPS (off only for local development over HTTP).
    pub secure_cookies: bool,
    /// Peers whose `CF-Connecting-IP` / `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Largest media upload, in bytes.
    pub media_max_bytes: usize,
    /// Served on a listener of its own (`--admin-listen`): the site's origin is
    /// never the admin's.
    pub own_listener: bool,
}

impl Default for AdminOptions {
    fn default() -> Self {
        Self {
            secure_cookies: true,
            trusted_proxies: Vec::new(),
            media_max_bytes: 20 * 1024 * 1024,
            own_listener: false,
        }
    }
}

/// What the second step of a login is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Totp,
    Enroll,
}

/// A password checked, waiting for its second factor.
struct Challenge {
    account_id: i64,
    /// The password hash when the challenge was issued: a password changed since
    /// voids it.
    password_hash: String,
    next: Step,
    expires: Instant,
    /// The secret offered during enrollment, until a code confirms it.
    secret: Option<Vec<u8>>,
    attempts: u8,
}

/// The admin API's shared state.
pub struct Admin {
    pub site: Arc<Site>,
    keys: Keys,
    options: AdminOptions,
    /// Login attempts per client address: a hard limit.
    limiter: limit::Limiter,
    /// Failures per account: a slow-down, never a lock.
    failures: limit::Limiter,
    /// Password hashes running at once (argon2 takes 19 MiB and a core each).
    hashing: tokio::sync::Semaphore,
    /// Previews rendering at once (a long post takes a core and tens of MB).
    previews: tokio::sync::Semaphore,
    /// What each account has uploaded lately.
    uploads: quota::UploadQuota,
    /// Profile changes per account (each one publishes).
    profile_saves: limit::Limiter,
    /// By hash of the challenge token.
    challenges: Mutex<HashMap<String, Challenge>>,
    /// Set while no account exists: lets the first visitor who has it create the owner.
    setup_token: Mutex<Option<String>>,
    pub publisher: Arc<Publisher>,
    /// The deploy after each publish, when `[deploy]` names one.
    deployer: Option<Arc<Deployer>>,
}

impl Admin {
    pub fn new(
        site: Arc<Site>,
        keys: Keys,
        options: AdminOptions,
        publisher: Arc<Publisher>,
    ) -> Self {
        Self {
            publisher,
            site,
            keys,
            options,
            limiter: limit::Limiter::new(LOGIN_FAILURES, LOGIN_WINDOW),
            failures: limit::Limiter::new(usize::MAX, LOGIN_WINDOW),
            hashing: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
            ),
            previews: tokio::sync::Semaphore::new(PREVIEWS_AT_ONCE),
            uploads: quota::UploadQuota::default(),
            profile_saves: limit::Limiter::new(authors::PROFILE_SAVES, PROFILE_WINDOW),
            challenges: Mutex::new(HashMap::new()),
            setup_token: Mutex::new(None),
            deployer: None,
        }
    }

    /// The admin, showing the state of `deployer` (`GET /deploy`).
    pub fn with_deployer(self, deployer: Option<Arc<Deployer>>) -> Self {
        Self { deployer, ..self }
    }

    /// When no account exists yet, makes a one-time setup token (to print in the log).
    pub async fn setup_token(&self) -> Result<Option<String>, crate::store::StoreError> {
        if self.site.store.account_count().await? > 0 {
            return Ok(None);
        }
        let token = crypto::random_token(18);
        *self
            .setup_token
            .lock()
            .expect("no panic while holding the lock") = Some(token.clone());
        Ok(Some(token))
    }

    fn cookie_name(&self) -> &'static str {
        // The __Host- prefix makes browsers refuse the cookie unless it is Secure,
        // host-only and for the whole path: no subdomain can plant one.
        if self.options.secure_cookies {
            "__Host-folio_session"
        } else {
            "folio_session"
        }
    }

    /// The CSRF token of a session: derived from it, so nothing more is stored.
    fn csrf_token(&self, session_hash: &str) -> String {
        self.keys.hash("csrf", session_hash)
    }

    /// The origin besides the request's own host allowed to make changes: the
    /// admin's (`admin_url`), else the site's when the two share it. Never the
    /// site's when the admin has an origin of its own: its pages carry what authors
    /// wrote.
    fn allowed_origin(&self, origin: &str) -> bool {
        let config = &self.site.config_at_start;
        let own = match (&config.admin_url, self.options.own_listener) {
            (Some(admin_url), _) => admin_url.as_str(),
            // On a listener of its own, the admin shares nothing with the site.
            (None, true) => return false,
            (None, false) => config.base_url.as_str(),
        };
        let own = own.trim_end_matches('/');
        !own.is_empty() && origin == own
    }

    /// Records an event; a failure to record is logged, never fatal to the request.
    async fn audit(
        &self,
        actor: Option<&str>,
        action: &str,
        target: Option<&str>,
        ip: &str,
        detail: Option<&str>,
    ) {
        if let Err(e) = self
            .site
            .store
            .audit(actor, action, target, Some(ip), detail)
            .await
        {
            tracing::error!("cannot write the audit log: {e}");
        }
        tracing::info!(actor, action, target, ip, "audit");
    }
}

/// The API's routes, to be nested under `/admin/api`.
pub fn router<S: Clone + Send + Sync + 'static>(admin: Arc<Admin>) -> Router<S> {
    let media_limit = admin.options.media_max_bytes;
    // What anyone may call before signing in: small bodies, and a deadline for the
    // whole request, so a client sending a byte now and then cannot hold it open.
    let signing_in = Router::new()
        .route("/session", post(session::login).delete(session::logout))
        .route("/session/enroll", post(session::enroll))
        .route("/session/enroll/confirm", post(session::confirm))
        .route("/session/totp", post(session::totp))
        .route("/setup", get(setup::status).post(setup::create))
        .route("/invites/accept", post(invites::accept))
        .route("/invites/{token}", get(invites::show))
        .layer(DefaultBodyLimit::max(SIGN_IN_LIMIT))
        // A body announced too large is refused before a byte of it is read.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(SIGN_IN_LIMIT))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            SIGN_IN_DEADLINE,
        ));
    Router::new()
        .merge(signing_in)
        .route("/sessions", delete(session::logout_everywhere))
        .route("/me", get(account::me))
        .route("/me/password", post(account::password))
        .route("/me/recovery-codes", post(account::recovery_codes))
        .route("/posts", get(posts::list).post(posts::create))
        .route(
            "/posts/{id}",
            get(posts::get).patch(posts::update).delete(posts::trash),
        )
        .route("/posts/{id}/restore", post(posts::restore))
        .route("/posts/{id}/pending", delete(revisions::discard_pending))
        .route("/posts/{id}/revisions", get(revisions::revisions))
        .route(
            "/posts/{id}/revisions/{number}/restore",
            post(revisions::restore_revision),
        )
        .route(
            "/content",
            get(files::list)
                .post(files::upload)
                .layer(DefaultBodyLimit::max(files::CONTENT_LIMIT)),
        )
        .route("/tags", get(tags::list).post(tags::create))
        .route(
            "/tags/{id}",
            get(tags::get).patch(tags::update).delete(tags::delete),
        )
        .route("/authors", get(authors::list))
        .route("/authors/{id}", patch(authors::update))
        .route(
            "/settings",
            get(settings::settings).patch(settings::update_settings),
        )
        .route(
            "/preview",
            post(publish::preview).layer(DefaultBodyLimit::max(PREVIEW_LIMIT)),
        )
        .route("/publish", post(publish::publish))
        .route("/deploy", get(publish::deploy_status))
        .route(
            "/media",
            post(media::upload).layer(DefaultBodyLimit::max(media_limit)),
        )
        .route("/media/{*path}", get(media::file))
        .route("/tokens", get(tokens::list).post(tokens::create))
        .route("/tokens/{id}", delete(tokens::revoke))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}", patch(users::update).delete(users::delete))
        .route("/users/{id}/reset-2fa", post(users::reset_totp))
        .route("/users/invites", get(invites::list).post(invites::create))
        .route("/users/invites/{id}", delete(invites::revoke))
        .route("/audit", get(users::audit))
        .route("/openapi.json", get(openapi))
        .fallback(|| async {
            error::ApiError::not_found("no such admin API endpoint").into_response()
        })
        .layer(DefaultBodyLimit::max(JSON_LIMIT))
        .layer(middleware::from_fn(security_headers))
        .with_state(admin)
}

/// Every admin response: never cached, never framed, no active content.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // A handler may set its own (the preview is framed by the admin UI).
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
        ));
    headers
        .entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The OpenAPI 3.1 description of this API.
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
        .into_response()
}
