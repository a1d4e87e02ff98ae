//! Who is calling: a browser session (cookie, plus CSRF token and same-origin check
//! on every change) or an API token (`Authorization: Bearer folio_...`), and what
//! each may do.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use chrono::{DateTime, Duration, Utc};
use cookie::{Cookie, SameSite};

use super::error::{ApiError, ApiResult};
use super::Admin;
use crate::store::Account;

/// A session ends this long after its last request...
pub(super) const SESSION_IDLE: Duration = Duration::hours(12);
/// ...and at the latest this long after login.
pub(super) const SESSION_MAX: Duration = Duration::days(7);
/// How stale `last_seen_at` may get before a request refreshes it (saves a write per request).
const TOUCH_EVERY: Duration = Duration::minutes(1);

pub(super) const SCOPES: [&str; 4] = ["content:read", "content:write", "publish", "sync"];
pub(super) const TOKEN_PREFIX: &str = "folio_";

/// The client's address as the limiter and audit log see it.
pub(super) struct Client {
    pub ip: String,
    pub user_agent: Option<String>,
}

impl FromRequestParts<Arc<Admin>> for Client {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, admin: &Arc<Admin>) -> ApiResult<Self> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let ip = super::client::client_ip(peer, &parts.headers, &admin.options.trusted_proxies);
        Ok(Client {
            ip: ip.to_string(),
            user_agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(200).collect()),
        })
    }
}

#[derive(Clone)]
pub(super) enum Auth {
    /// `hash` is the stored hash of the session id.
    Session {
        hash: String,
    },
    Token {
        name: String,
        scopes: Vec<String>,
    },
    /// A Ghost Admin API key (an integration's, or a staff access token): acts as
    /// its account for content, as a session of that role would, and for nothing
    /// else (no tokens, accounts, settings or file pushes).
    GhostKey {
        name: String,
        /// The key's id: an integration's webhooks are its own.
        id: String,
        /// An integration's key (not a person's staff token).
        integration: bool,
    },
}

/// An authenticated caller.
#[derive(Clone)]
pub(super) struct Caller {
    pub account: Account,
    pub auth: Auth,
    pub ip: String,
}

/// What a request needs to be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Need {
    ReadContent,
    WriteContent,
    /// Publishing one's own posts (authors and up; which posts are one's own is
    /// checked with the post).
    PublishOwn,
    /// Publishing anyone's posts, the whole site, tags (editors and up).
    Publish,
    /// Writing files into `content/` (`folio publish --remote`): what lands there is
    /// published as the site's own, raw HTML and all, so it is an administrator's, or
    /// a token's that may both write and publish.
    PushContent,
    /// Creating and revoking API tokens.
    Tokens,
    /// Seeing the accounts, inviting and managing those of lower roles (editors and
    /// up; which roles is [`Role::manages`]).
    People,
    /// Settings, integrations and the audit log (administrators and owners).
    Administer,
    /// Managing one's own account (password, recovery codes).
    Account,
    /// Pulling the content repository (`folio sync` from CI): editors, owners, and
    /// tokens with the `sync` scope, which can do nothing else with it.
    Sync,
}

impl Caller {
    /// Records `action` on `target` in the audit log as this caller's, from its
    /// address; a failure to record is logged, never fatal to the request.
    pub(super) async fn audit(
        &self,
        admin: &Admin,
        action: &str,
        target: Option<&str>,
        detail: Option<&str>,
    ) {
        admin
            .audit(Some(&self.actor()), action, target, &self.ip, detail)
            .await;
        admin.commit(self, action, target).await;
    }

    /// Who this caller's changes are by, in a Git commit: the profile's name and
    /// e-mail (the owner sets it), else an address that says there is none. The
    /// login name stays out of Git.
    pub(super) async fn person(&self, admin: &Admin) -> crate::git::Person {
        let identity = match self.account.user_id {
            Some(id) => admin.site.store.identity(id).await.ok().flatten(),
            None => None,
        };
        let (name, email) = identity.unwrap_or_else(|| ("folio user".to_owned(), None));
        let email =
            email.unwrap_or_else(|| format!("{}@users.folio.invalid", slug::slugify(&name)));
        crate::git::Person { name, email }
    }

    /// Whether this caller oversees what account `id` owns (its tokens and keys):
    /// their own, or any account's below an administrator's or owner's rank (an
    /// owner's only for an owner).
    pub(super) async fn oversees(&self, admin: &Admin, id: i64) -> ApiResult<bool> {
        if id == self.account.id {
            return Ok(true);
        }
        let role = self.account.role();
        if !role.administers() {
            return Ok(false);
        }
        let other = admin.site.store.account(id).await?;
        Ok(other.is_some_and(|a| role.manages(a.role())))
    }

    pub(super) fn require(&self, need: Need) -> ApiResult<()> {
        let role = self.account.role();
        let allowed = match &self.auth {
            Auth::Session { .. } => match need {
                Need::ReadContent | Need::WriteContent | Need::Account => true,
                Need::PublishOwn => role.publishes(),
                Need::Publish | Need::Tokens | Need::Sync | Need::People => role.edits_all(),
                Need::Administer | Need::PushContent => role.administers(),
            },
            Auth::GhostKey { .. } => match need {
                Need::ReadContent | Need::WriteContent => true,
                Need::PublishOwn => role.publishes(),
                Need::Publish => role.edits_all(),
                Need::Sync
                | Need::Administer
                | Need::People
                | Need::PushContent
                | Need::Tokens
                | Need::Account => false,
            },
            Auth::Token { scopes, .. } => {
                let has = |scope: &str| scopes.iter().any(|s| s == scope);
                // A token acts for its creator, never beyond what the creator may do.
                match need {
                    Need::ReadContent => has("content:read") || has("content:write"),
                    Need::WriteContent => has("content:write"),
                    Need::PublishOwn => has("publish") && role.publishes(),
                    Need::Publish => has("publish") && role.edits_all(),
                    Need::Sync => has("sync") && role.edits_all(),
                    Need::PushContent => has("content:write") && has("publish") && role.edits_all(),
                    Need::Tokens | Need::Administer | Need::People | Need::Account => false,
                }
            }
        };
        if allowed {
            return Ok(());
        }
        Err(match &self.auth {
            Auth::Token { .. } => ApiError::forbidden(format!(
                "this token's scopes do not allow {}",
                describe(need)
            )),
            Auth::GhostKey { .. } => ApiError::forbidden(format!(
                "an Admin API key of the {} role does not allow {}",
                role.as_str(),
                describe(need)
            )),
            Auth::Session { .. } => ApiError::forbidden(format!(
                "the {} role does not allow {}",
                role.as_str(),
                describe(need)
            )),
        })
    }

    /// The name the audit log records.
    pub(super) fn actor(&self) -> String {
        match &self.auth {
            Auth::Session { .. } => self.account.username.clone(),
            Auth::Token { name, .. } => format!("{} (token {name})", self.account.username),
            Auth::GhostKey { name, .. } => {
                format!("{} (Ghost key {name})", self.account.username)
            }
        }
    }

    /// The origin recorded with each revision.
    pub(super) fn origin(&self) -> String {
        match &self.auth {
            Auth::Session { .. } => format!("admin:{}", self.account.username),
            Auth::Token { name, .. } => format!("token:{name}"),
            Auth::GhostKey { name, .. } => format!("ghost:{name}"),
        }
    }
}

fn describe(need: Need) -> &'static str {
    match need {
        Need::ReadContent => "reading content",
        Need::WriteContent => "changing content",
        Need::PublishOwn => "publishing (authors publish their own posts)",
        Need::Publish => "publishing others' posts or the site (editors and up)",
        Need::PushContent => {
            "pushing files into content/ (administrators, or tokens of editors with content:write and publish)"
        }
        Need::Tokens => "managing API tokens",
        Need::People => "managing people (editors and up)",
        Need::Administer => "this (administrators and owners only)",
        Need::Account => "managing an account",
        Need::Sync => "pulling the content repository (editors, owners, tokens with sync)",
    }
}

impl FromRequestParts<Arc<Admin>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, admin: &Arc<Admin>) -> ApiResult<Self> {
        let client = Client::from_request_parts(parts, admin).await?;
        let store = &admin.site.store;
        if let Some(bearer) = bearer(&parts.headers) {
            let invalid = || ApiError::unauthorized("invalid or revoked API token");
            if !bearer.starts_with(TOKEN_PREFIX) {
                return Err(invalid());
            }
            let token = store
                .use_token(&admin.keys.hash("token", bearer))
                .await?
                .ok_or_else(invalid)?;
            let account = store.account(token.account_id).await?.ok_or_else(invalid)?;
            return Ok(Caller {
                account,
                auth: Auth::Token {
                    name: token.name,
                    scopes: token.scopes.split_whitespace().map(str::to_owned).collect(),
                },
                ip: client.ip,
            });
        }

        let token = session_token(&parts.headers, admin.cookie_name())
            .ok_or_else(|| ApiError::unauthorized("not logged in"))?;
        let hash = admin.keys.hash("session", &token);
        let expired = || ApiError::unauthorized("the session has expired or ended: log in again");
        let session = store.session(&hash).await?.ok_or_else(expired)?;
        let now = admin.now();
        let parse = |t: &str| DateTime::parse_from_rfc3339(t).map(|t| t.with_timezone(&Utc));
        let (Ok(last_seen), Ok(expires)) =
            (parse(&session.last_seen_at), parse(&session.expires_at))
        else {
            return Err(expired());
        };
        if now >= expires || now - last_seen >= SESSION_IDLE {
            store.delete_session(&hash).await?;
            return Err(expired());
        }
        let account = store
            .account(session.account_id)
            .await?
            .filter(Account::enrolled)
            .ok_or_else(expired)?;
        if !is_safe(&parts.method) {
            check_csrf(admin, &parts.headers, &hash)?;
        }
        if now - last_seen >= TOUCH_EVERY {
            store.touch_session(&hash).await?;
        }
        Ok(Caller {
            account,
            auth: Auth::Session { hash },
            ip: client.ip,
        })
    }
}

/// The value of the session cookie, if the request has one.
fn session_token(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .flatten()
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A change made with a session cookie must come from our own pages: the CSRF token
/// of the session in `X-CSRF-Token`, and an `Origin` of this host.
fn check_csrf(admin: &Admin, headers: &HeaderMap, session_hash: &str) -> ApiResult<()> {
    let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    let expected = admin.csrf_token(session_hash);
    if !sent.is_some_and(|s| {
        bool::from(subtle::ConstantTimeEq::ct_eq(
            s.as_bytes(),
            expected.as_bytes(),
        ))
    }) {
        return Err(ApiError::forbidden("missing or wrong X-CSRF-Token header"));
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let same_origin = match origin {
        // The whole origin, scheme included: a page over plain HTTP on the same host
        // is another origin.
        Some(origin) => {
            let scheme = if admin.options.secure_cookies {
                "https"
            } else {
                "http"
            };
            let own = host.map(|host| format!("{scheme}://{host}"));
            own.as_deref() == Some(origin) || admin.allowed_origin(origin)
        }
        // Browsers send Origin on every POST, PATCH and DELETE; without one, ask the
        // fetch metadata.
        None => headers
            .get("sec-fetch-site")
            .is_some_and(|v| v == "same-origin"),
    };
    if !same_origin {
        return Err(ApiError::forbidden("cross-origin request refused"));
    }
    Ok(())
}

/// The `Set-Cookie` value that starts a session.
pub(super) fn session_cookie(admin: &Admin, token: String) -> HeaderValue {
    let cookie = Cookie::build((admin.cookie_name(), token))
        .path("/")
        .http_only(true)
        .secure(admin.options.secure_cookies)
        .same_site(SameSite::Strict)
        .max_age(cookie::time::Duration::seconds(SESSION_MAX.num_seconds()))
        .build();
    HeaderValue::from_str(&cookie.to_string()).expect("a cookie is a valid header")
}

/// The `Set-Cookie` value that ends it.
pub(super) fn clear_cookie(admin: &Admin) -> HeaderValue {
    let cookie = Cookie::build((admin.cookie_name(), ""))
        .path("/")
        .http_only(true)
        .secure(admin.options.secure_cookies)
        .same_site(SameSite::Strict)
        .max_age(cookie::time::Duration::ZERO)
        .build();
    HeaderValue::from_str(&cookie.to_string()).expect("a cookie is a valid header")
}
