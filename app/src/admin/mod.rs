//! The admin API under `/admin/api/`: two-factor login, sessions and API tokens,
//! posts with revisions, tags and authors' profiles, preview, publish, media, users and
//! the audit log.
//! `docs/admin-api.md` walks through it; the OpenAPI document, generated from the
//! handlers ([`api_doc`]), describes every endpoint. The handlers are grouped by what
//! they serve: [`sign_in`], [`content`], [`people`], [`sitewide`]; what they share
//! (who may do what, the client's address, keys, errors, limits) sits here.

mod api_doc;
mod auth;
mod client;
mod content;
pub mod crypto;
mod error;
pub mod ghost;
mod limit;
mod people;
mod profile_fields;
mod routes;
mod sign_in;
mod sitewide;
pub mod ui;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use content::quota;
use people::authors;

pub use client::parse_proxies;
pub use crypto::Keys;
pub use routes::router;
pub use sign_in::{password, totp};

use crate::deploy::worker::Deployer;
use crate::site::{Publisher, Site};

/// The window of [`authors::PROFILE_SAVES`].
const PROFILE_WINDOW: std::time::Duration = std::time::Duration::from_secs(600);
/// Login attempts allowed per client address in [`LOGIN_WINDOW`] (a success forgives
/// its own); failures of an account beyond this many slow its logins down.
const LOGIN_FAILURES: usize = 5;
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

/// What the second step of a login is about: a TOTP code, or enrolling a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
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
    /// Previews rendering (a long post takes a core and tens of MB) and kept.
    previews: sitewide::preview::Previews,
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
    /// The content folder's Git working copy (with `[git]`, or a folder that is
    /// one), and the secret the remote's forge signs webhooks with.
    git: Option<Arc<crate::git::Git>>,
    webhook_secret: Option<String>,
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
            previews: sitewide::preview::Previews::default(),
            uploads: quota::UploadQuota::default(),
            profile_saves: limit::Limiter::new(authors::PROFILE_SAVES, PROFILE_WINDOW),
            challenges: Mutex::new(HashMap::new()),
            setup_token: Mutex::new(None),
            deployer: None,
            git: None,
            webhook_secret: None,
        }
    }

    /// The admin, committing every change to `git` (and pulling on webhooks signed
    /// with `webhook_secret`).
    pub fn with_git(
        self,
        git: Option<Arc<crate::git::Git>>,
        webhook_secret: Option<String>,
    ) -> Self {
        Self {
            git,
            webhook_secret,
            ..self
        }
    }

    /// Commits what `caller`'s `action` changed in the content folder, if anything,
    /// with `[git]`. A failure is logged: the change is saved, and the next commit
    /// takes it along.
    async fn commit(&self, caller: &auth::Caller, action: &str, target: Option<&str>) {
        let Some(git) = &self.git else {
            return;
        };
        // Sign-ins, accounts, tokens and unpublished changes write no file: no scan
        // of the folder on their requests.
        const NO_FILES: [&str; 12] = [
            "login",
            "logout",
            "2fa.",
            "password.",
            "token.",
            "integration.",
            "webhook.",
            "staff_token.",
            "invite.",
            "setup",
            "git.",
            "post.changes_saved",
        ];
        if NO_FILES.iter().any(|prefix| action.starts_with(prefix)) {
            return;
        }
        let person = caller.person(self).await;
        let message = match target {
            Some(target) => format!("{action}: {target}"),
            None => action.to_owned(),
        };
        if let Err(e) = git.commit(person, message).await {
            tracing::error!("git: cannot commit {action}: {e}");
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

    /// The time now, by the site's clock (a test's, or the system's).
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.site.store.now()
    }

    /// Writes post `id`, as the transaction `tx` holds it, to its file in the content
    /// folder (or removes the file of a post in the trash), before `tx` commits.
    async fn write_file(&self, tx: &mut crate::store::Connection, id: i64) -> error::ApiResult<()> {
        let author = self.site.current_config().default_author;
        let reading = crate::content::save::Reading {
            author: &author,
            now: self.now(),
        };
        let root = &self.site.paths.content;
        crate::content::save::write_post(tx, root, id, reading).await?;
        // A post may name a tag or an author new to the store.
        crate::content::site_files::write(tx, root).await?;
        Ok(())
    }

    /// Writes `tags.yaml`, `authors.yaml` and `site.yaml` from the store, after a
    /// change to a tag, a profile or the settings.
    async fn write_site_files(&self) -> error::ApiResult<()> {
        let mut conn = self.site.store.read().await?;
        crate::content::site_files::write(&mut conn, &self.site.paths.content).await?;
        Ok(())
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
