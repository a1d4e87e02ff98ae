//! `folio serve`: the public site from the output folder, and the health endpoints.

mod addresses;
mod built;
mod encoding;
mod files;
pub mod health;
mod hot;
pub mod listener;
mod live;
mod redirects;
mod tasks;

use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use axum::extract::{MatchedPath, Request};
use axum::middleware;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tokio::sync::broadcast;
use tower_http::compression::CompressionLayer;

use crate::admin::Admin;
use crate::site::{PublishOptions, Publisher, Site};
use addresses::authority;

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub site: Arc<Site>,
    /// Set once a site is in the output folder (rendered now, or left by an earlier run).
    pub rendered: Arc<AtomicBool>,
    /// In watch mode: where rebuilds are announced to browsers.
    pub live: Option<live::Live>,
    /// The admin API, unless it is turned off.
    pub admin: Option<Arc<Admin>>,
}

impl AppState {
    pub fn new(site: Arc<Site>) -> Self {
        let rendered = site.paths.out.join("index.html").is_file();
        Self {
            site,
            rendered: Arc::new(AtomicBool::new(rendered)),
            live: None,
            admin: None,
        }
    }
}

/// How `folio serve` runs besides the site it serves.
pub struct ServeOptions {
    pub listen: SocketAddr,
    /// A listener of its own for the admin (`/admin/`): the public one then has none.
    pub admin_listen: Option<SocketAddr>,
    pub limits: listener::Limits,
    /// The first publish, and those of the watcher.
    pub publish: PublishOptions,
    /// Runs the schedule, and the admin's publishes.
    pub publisher: Arc<Publisher>,
    /// In watch mode, the configuration (its file is watched too).
    pub watch: Option<crate::watch::ConfigSource>,
    pub admin: Option<Arc<Admin>>,
    /// Syncs the bucket and purges the CDNs after every publish.
    pub deployer: Option<Arc<crate::deploy::worker::Deployer>>,
    /// Pushes the admin's commits and pulls the remote's (`[git]`).
    pub git: Option<Arc<crate::git::Git>>,
    /// Where `/metrics` is served; never on the public address.
    pub metrics: Option<SocketAddr>,
}

/// The whole HTTP application; tests drive it on a loopback port. With an admin,
/// `/admin/` is part of it unless `admin_url` names another origin, where it is then
/// answered alone (see [`admin_app`]). The site's pages are answered from memory in
/// front of it ([`hot`]), except in watch mode, where pages get the live-reload script.
pub fn app(state: AppState) -> Router {
    match service(state) {
        tower::util::Either::Left(hot) => Router::new().fallback_service(hot),
        tower::util::Either::Right(router) => router,
    }
}

/// [`app`] as the listener runs it: the fast path itself in front, without a router
/// to pass through first.
fn service(state: AppState) -> tower::util::Either<hot::Hot, Router> {
    let config = &state.site.config_at_start;
    let site_files = files::Files::new(&state.site.paths.out, config.cdn_max_age, config.csp());
    let mut files = site_files.service();
    let admin_host = config.admin_url.as_deref().map(authority);
    let hot_admin_host = admin_host.clone();
    let watching = state.live.is_some();
    let mut router = Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready));
    if let Some(live) = &state.live {
        files = files.layer(middleware::from_fn(live::inject));
        router = router.merge(
            Router::new()
                .route(live::PATH, get(live::events))
                .route(live::SCRIPT_PATH, get(live::script))
                .with_state(live.clone()),
        );
    }
    if let Some(admin) = &state.admin {
        router = router.merge(admin_routes(admin.clone()));
    }
    let site = state.site.clone();
    let router = router
        .with_state(state)
        .fallback_service(files)
        .layer(middleware::from_fn(move |request, next| {
            origins(admin_host.clone(), request, next)
        }))
        .layer({
            let site = site.clone();
            middleware::from_fn(move |request, next| record(site.clone(), request, next))
        })
        .layer(CompressionLayer::new());
    if watching {
        return tower::util::Either::Right(router);
    }
    tower::util::Either::Left(hot::Hot::new(router, site_files, site, hot_admin_host))
}

/// The admin alone, for its own listener (`--admin-listen`): `/admin/`, its API and
/// the health endpoints; nothing of the site, so no page an author wrote shares
/// its origin.
pub fn admin_app(state: AppState, admin: Arc<Admin>) -> Router {
    let site = state.site.clone();
    Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .merge(admin_routes(admin))
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/admin/") }),
        )
        .with_state(state)
        .fallback(|| async { axum::http::StatusCode::NOT_FOUND })
        .layer(middleware::from_fn(move |request, next| {
            record(site.clone(), request, next)
        }))
        .layer(CompressionLayer::new())
}

fn admin_routes(admin: Arc<Admin>) -> Router<AppState> {
    Router::new()
        .nest("/admin/api", crate::admin::router(admin.clone()))
        .nest("/ghost/api", crate::admin::ghost::router(admin))
        .route(
            "/admin",
            get(|| async { axum::response::Redirect::permanent("/admin/") }),
        )
        .route("/admin/", get(crate::admin::ui::index))
        .route("/admin/{*path}", get(crate::admin::ui::asset))
}

/// With `admin_url` set, each origin answers for itself: the admin's host gets the
/// admin and nothing else, any other host the site and no admin. A page of the site
/// (an author's post) can then never reach the session cookie or the API.
async fn origins(admin_host: Option<String>, request: Request, next: middleware::Next) -> Response {
    use axum::response::IntoResponse;
    let Some(admin_host) = admin_host else {
        return next.run(request).await;
    };
    let path = request.uri().path();
    if path == "/healthz" || path == "/readyz" {
        return next.run(request).await;
    }
    let host = request
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase);
    // Ghost's Admin API is the admin's too (`admin::ghost`).
    let for_admin = path == "/admin" || path.starts_with("/admin/") || path.starts_with("/ghost/");
    let on_admin_host = host.as_deref() == Some(admin_host.as_str());
    if for_admin != on_admin_host {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    }
    next.run(request).await
}

/// Counts each request by route (its pattern; `static` for site files) and status.
async fn record(site: Arc<Site>, request: Request, next: middleware::Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "static".to_owned());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    site.metrics
        .request(&route, response.status().as_u16(), started.elapsed());
    response
}

/// What the gauges read from the store; a failed read shows as 0, and the scrape goes on.
async fn sample(site: &Site) -> crate::metrics::Sampled {
    let store = &site.store;
    // A post due a minute ago is overdue: the schedule publishes at the second.
    let overdue_at = site.clock().now() - chrono::Duration::minutes(1);
    crate::metrics::Sampled {
        sessions: store.session_count().await.unwrap_or(0),
        backup_last_success: store
            .state(crate::store::backup::LAST_BACKUP)
            .await
            .ok()
            .flatten()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0),
        scheduled_overdue: store.due_count(overdue_at).await.unwrap_or(0),
    }
}

/// The metrics endpoint, on its own listener.
fn metrics_app(site: Arc<Site>) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let site = site.clone();
            async move {
                let text = site
                    .metrics
                    .encode(sample(&site).await, &site.store.files());
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    text,
                )
            }
        }),
    )
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Listens on `listen`, publishes the site in the background, and serves until
/// SIGTERM or Ctrl-C, letting requests in flight finish. With `watch` (the
/// configuration file, watched too), changes are published as they happen and
/// browsers reload.
/// Puts `content/` right before the first publish reads it: a push or upload the
/// last run was killed in is undone whole, and the hidden files killed writes left
/// are removed. Nothing else writes there yet: the server is what writes it.
pub fn recover_content(content: &std::path::Path) {
    match crate::disk::batch::recover(content) {
        Ok(done) if done.rolled_back + done.removed > 0 => tracing::warn!(
            rolled_back = done.rolled_back,
            removed = done.removed,
            "content/: a write cut short by the last run was undone ({} files put back, {} leftover files removed)",
            done.rolled_back,
            done.removed
        ),
        Ok(_) => {}
        Err(e) => tracing::error!("content/: cannot undo a write cut short: {e}"),
    }
}

/// Writes to `content/` the posts the store has without a file (written in the admin
/// before it wrote files) and the tags, authors and settings files: from then on the
/// folder holds the whole site.
async fn write_missing_files(site: &Site) {
    let author = site.current_config().default_author;
    let reading = crate::content::save::Reading {
        author: &author,
        now: site.clock().now(),
    };
    match crate::content::save::write_missing(&site.store, &site.paths.content, reading).await {
        Ok(0) => {}
        Ok(n) => tracing::info!("content/: {n} posts kept only in the store were written as files"),
        Err(e) => tracing::error!("content/: cannot write the posts kept only in the store: {e}"),
    }
}

pub async fn run(site: Arc<Site>, serve: ServeOptions) -> Result<(), ServeError> {
    let listener = bind(serve.listen).await?;
    let addr = listener.local_addr()?;
    let mut state = AppState::new(site.clone());
    let (stop, stopping) = tokio::sync::watch::channel(false);
    if serve.watch.is_some() {
        state.live = Some(live::Live {
            events: broadcast::channel(16).0,
            stop: stopping,
        });
    }
    tracing::info!("listening on http://{addr}");
    // Before the first publish (the tasks') reads content/.
    recover_content(&site.paths.content);
    write_missing_files(&site).await;
    if let Some(git) = &serve.git {
        git.commit_own("folio: the site's files, written from the store")
            .await;
    }
    announce_overrides(&site).await;
    if let Some(warning) = addresses::base_url_mismatch(&site.config_at_start.base_url, addr) {
        tracing::warn!("{warning}");
    }
    if let Some(admin) = &serve.admin {
        announce_setup(admin, addr).await;
    }
    state.admin = serve.admin.clone();
    let separate_admin = serve.admin_listen.is_some();
    let limits = serve.limits.clone();
    let tasks = tasks::Tasks::start(&state, serve).await?;
    addresses::warn_shared_origin(&state, addr, separate_admin);
    let mut public = state.clone();
    if separate_admin {
        public.admin = None;
    }
    listener::serve(listener, service(public), limits, async move {
        shutdown_signal().await;
        // Live-reload streams never end by themselves.
        let _ = stop.send(true);
    })
    .await;
    tasks.stop(state.live.is_some()).await;
    state.site.store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, ServeError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })
}

/// Names the settings saved in the store (by the admin or a Ghost import), which win
/// over `folio.toml`'s: a change to those keys in the file shows nowhere until they
/// are cleared.
async fn announce_overrides(site: &Site) {
    match site.store.settings().await {
        Ok(saved) if !saved.is_empty() => {
            let keys: Vec<&str> = saved.iter().map(|(key, _)| key.as_str()).collect();
            tracing::warn!(
                "settings saved in the admin override folio.toml: {} (the admin's Settings \
                 names them and goes back to folio.toml's values)",
                keys.join(", ")
            );
        }
        Ok(_) => {}
        Err(e) => tracing::error!("cannot read the saved settings: {e}"),
    }
}

/// Logs the setup token while no account exists, with the admin's address to open:
/// `admin_url`, else the address listened on, else (listening on every address, as
/// in a container) `base_url`.
async fn announce_setup(admin: &Admin, addr: SocketAddr) {
    let config = admin.site.current_config();
    let origin = match &config.admin_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None if addr.ip().is_unspecified() => config.base_url.trim_end_matches('/').to_owned(),
        None => format!("http://{addr}"),
    };
    match admin.setup_token().await {
        Ok(Some(token)) => tracing::warn!(
            "no admin account yet: open {origin}/admin/ and create the owner with the setup \
             token {token} (or run `folio user add NAME --role owner`)"
        ),
        Ok(None) => {}
        Err(e) => tracing::error!("cannot read the accounts: {e}"),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
