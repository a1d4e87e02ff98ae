//! What `folio serve` runs beside the public listener: the first publish and the
//! watcher, the schedule, the deploy after each publish, and the admin and metrics
//! on listeners of their own; started together and stopped in order.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::Router;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use super::{listener, AppState, ServeError, ServeOptions};
use crate::site::{PublishOptions, Site};

/// The tasks, and how to tell the listeners among them to stop.
pub(super) struct Tasks {
    schedule: JoinHandle<()>,
    deploying: Option<JoinHandle<()>>,
    /// Ghost API webhooks, called after each publish.
    webhooks: Option<JoinHandle<()>>,
    syncing: Option<JoinHandle<()>>,
    publishing: JoinHandle<()>,
    admin: Option<(watch::Sender<bool>, JoinHandle<()>)>,
    metrics: Option<(watch::Sender<bool>, JoinHandle<()>)>,
}

impl Tasks {
    /// Starts them for the server whose handlers share `state`.
    pub(super) async fn start(state: &AppState, serve: ServeOptions) -> Result<Self, ServeError> {
        let site = state.site.clone();
        let syncing = (serve.git.clone()).map(|git| tokio::spawn(git.run(serve.publisher.clone())));
        // Scheduled posts go live whether or not the admin is on.
        let schedule = tokio::spawn(crate::site::schedule::run(serve.publisher));
        // Subscribed before the first publish, which it deploys too.
        let deploying = serve
            .deployer
            .map(|d| tokio::spawn(d.run(site.subscribe())));
        let webhooks = (state.admin.clone())
            .map(|admin| tokio::spawn(crate::admin::ghost::delivery::run(admin, site.subscribe())));
        let metrics = match serve.metrics {
            Some(addr) => {
                let (stop, stopping) = watch::channel(false);
                Some((stop, serve_metrics(addr, site.clone(), stopping).await?))
            }
            None => None,
        };
        let live = state.live.as_ref().map(|l| l.events.clone());
        let publishing = tokio::spawn(publish_then_watch(
            site,
            serve.git.clone(),
            serve.publish,
            serve.watch.zip(live),
            state.rendered.clone(),
        ));
        let admin = match (serve.admin_listen, state.admin.clone()) {
            (Some(addr), Some(admin)) => {
                let app = super::admin_app(state.clone(), admin);
                let (stop, stopping) = watch::channel(false);
                Some((stop, serve_admin(addr, app, serve.limits, stopping).await?))
            }
            _ => None,
        };
        Ok(Self {
            schedule,
            deploying,
            webhooks,
            syncing,
            publishing,
            admin,
            metrics,
        })
    }

    /// Stops them once the public listener has: the admin's requests finish, a
    /// render in progress finishes before the database closes (a watcher, `live`,
    /// just stops), then metrics, the schedule and the deploy.
    pub(super) async fn stop(self, live: bool) {
        if let Some((stop, server)) = self.admin {
            let _ = stop.send(true);
            let _ = server.await;
        }
        if live {
            self.publishing.abort();
        }
        let _ = self.publishing.await;
        if let Some((stop, server)) = self.metrics {
            let _ = stop.send(true);
            let _ = server.await;
        }
        self.schedule.abort();
        if let Some(syncing) = self.syncing {
            syncing.abort();
        }
        if let Some(deploying) = self.deploying {
            deploying.abort();
        }
        if let Some(webhooks) = self.webhooks {
            webhooks.abort();
        }
    }
}

/// The admin on its own listener, until `stopping` says stop.
async fn serve_admin(
    addr: SocketAddr,
    app: Router,
    limits: listener::Limits,
    mut stopping: watch::Receiver<bool>,
) -> Result<JoinHandle<()>, ServeError> {
    let listener = super::bind(addr).await?;
    tracing::info!("admin on http://{}/admin/", listener.local_addr()?);
    Ok(tokio::spawn(listener::serve(
        listener,
        app,
        limits,
        async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        },
    )))
}

/// `/metrics` on its own listener, until `stopping` says stop.
async fn serve_metrics(
    addr: SocketAddr,
    site: Arc<Site>,
    mut stopping: watch::Receiver<bool>,
) -> Result<JoinHandle<()>, ServeError> {
    let listener = super::bind(addr).await?;
    tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
    let app = super::metrics_app(site);
    Ok(tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopping.wait_for(|stop| *stop).await;
            })
            .await;
    }))
}

/// The first publish (the site is ready once it is done), then, in watch mode, the
/// publishes of the watcher.
async fn publish_then_watch(
    site: Arc<Site>,
    git: Option<Arc<crate::git::Git>>,
    options: PublishOptions,
    watch: Option<(
        crate::watch::ConfigSource,
        broadcast::Sender<crate::watch::LiveEvent>,
    )>,
    rendered: Arc<std::sync::atomic::AtomicBool>,
) {
    match site.publish(options).await {
        Ok(report) => {
            rendered.store(true, Ordering::SeqCst);
            let import = report.import.iter().flat_map(|i| &i.warnings);
            for warning in import.chain(&report.warnings) {
                tracing::warn!("{warning}");
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
    if let Some(git) = git {
        git.commit_own("folio: dates of posts published without one")
            .await;
    }
    if let Some((config, live)) = watch {
        if let Err(e) = crate::watch::run(site, options, config, live).await {
            tracing::error!("{e}");
        }
    }
}
