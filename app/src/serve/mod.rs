//! `folio serve`: the public site from the output folder, and the health endpoints.

mod files;
pub mod health;
mod live;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::{MatchedPath, Request};
use axum::middleware;
use axum::response::Response;
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use tokio::sync::broadcast;
use tower_http::compression::CompressionLayer;

use crate::admin::Admin;
use crate::publish::{PublishOptions, Site};

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
    /// The first publish, and those of the watcher.
    pub publish: PublishOptions,
    /// In watch mode, the configuration (its file is watched too).
    pub watch: Option<crate::watch::ConfigSource>,
    pub admin: Option<Arc<Admin>>,
    /// Where `/metrics` is served; never on the public address.
    pub metrics: Option<SocketAddr>,
}

/// The whole HTTP application; tests drive it on a loopback port.
pub fn app(state: AppState) -> Router {
    let config = &state.site.config;
    let mut files = files::service(&state.site.paths.out, config.cdn_max_age, config.csp());
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
        router = router
            .nest("/admin/api", crate::admin::router(admin.clone()))
            .route(
                "/admin",
                get(|| async { axum::response::Redirect::permanent("/admin/") }),
            )
            .route("/admin/", get(crate::admin::ui::index))
            .route("/admin/{*path}", get(crate::admin::ui::asset));
    }
    let site = state.site.clone();
    router
        .with_state(state)
        .fallback_service(files)
        .layer(middleware::from_fn(move |request, next| {
            record(site.clone(), request, next)
        }))
        .layer(CompressionLayer::new())
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

/// The metrics endpoint, on its own listener.
fn metrics_app(site: Arc<Site>) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let site = site.clone();
            async move {
                let sessions = site.store.session_count().await.unwrap_or(0);
                let text = site.metrics.encode(sessions, &site.store.files());
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
pub async fn run(site: Arc<Site>, serve: ServeOptions) -> Result<(), ServeError> {
    let ServeOptions {
        listen,
        publish: options,
        watch,
        admin,
        metrics,
    } = serve;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: listen,
            source,
        })?;
    let mut state = AppState::new(site.clone());
    let (stop, stopping) = tokio::sync::watch::channel(false);
    if watch.is_some() {
        state.live = Some(live::Live {
            events: broadcast::channel(16).0,
            stop: stopping,
        });
    }
    let live = state.live.as_ref().map(|l| l.events.clone());
    let addr = listener.local_addr()?;
    tracing::info!("listening on http://{addr}");
    let schedule = match &admin {
        Some(admin) => {
            match admin.setup_token().await {
                Ok(Some(token)) => tracing::warn!(
                    "no admin account yet: create the owner with the setup token {token} \
                     (POST http://{addr}/admin/api/setup), or run `folio user add NAME`"
                ),
                Ok(None) => {}
                Err(e) => tracing::error!("cannot read the accounts: {e}"),
            }
            Some(tokio::spawn(admin.publisher.clone().run_schedule()))
        }
        None => None,
    };
    state.admin = admin;
    let (metrics_stop, metrics_stopping) = tokio::sync::watch::channel(false);
    let metrics_server = match metrics {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|source| ServeError::Bind { addr, source })?;
            tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
            let app = metrics_app(site.clone());
            let mut stopping = metrics_stopping;
            Some(tokio::spawn(async move {
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stopping.wait_for(|stop| *stop).await;
                    })
                    .await;
            }))
        }
        None => None,
    };
    let rendered = state.rendered.clone();
    let publishing = tokio::spawn(async move {
        match site.publish(options).await {
            Ok(report) => {
                rendered.store(true, Ordering::SeqCst);
                if let Some(import) = &report.import {
                    for warning in &import.warnings {
                        tracing::warn!("{warning}");
                    }
                }
                match &report.build {
                    Some(build) => tracing::info!(
                        files = build.files,
                        written = build.write.written.len(),
                        removed = build.write.removed.len(),
                        millis = build.millis as u64,
                        "site published"
                    ),
                    None => tracing::info!("site unchanged since the last build"),
                }
            }
            Err(e) => tracing::error!("publish failed, serving the previous site: {e}"),
        }
        if let (Some(config), Some(live)) = (watch, live) {
            if let Err(e) = crate::watch::run(site, options, config, live).await {
                tracing::error!("{e}");
            }
        }
    });
    let app = app(state.clone());
    // Headers and body go out in separate writes; without TCP_NODELAY each response
    // can wait ~40 ms on Nagle's algorithm and the client's delayed ACK.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        // Live-reload streams never end by themselves.
        let _ = stop.send(true);
    })
    .await?;
    // A render in progress finishes before the database closes; a watcher just stops.
    if state.live.is_some() {
        publishing.abort();
    }
    let _ = publishing.await;
    let _ = metrics_stop.send(true);
    if let Some(server) = metrics_server {
        let _ = server.await;
    }
    if let Some(schedule) = schedule {
        schedule.abort();
    }
    state.site.store.close().await;
    tracing::info!("stopped");
    Ok(())
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
