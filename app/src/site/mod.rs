//! The incremental build, and publishing through it: import `content/` into the
//! store, decide what changed since the last build into the output folder, render
//! only that, and switch the folder to the new site. The CLI's `publish`, `serve`,
//! the admin API and the schedule all go through [`Site::publish`], one at a time.
//!
//! Where each decision lives: [`fingerprint`] (is there anything to do at all),
//! [`memory`] and [`last`] (what the last build rendered, and so which pages cannot
//! have changed), [`keys`] (a page's inputs, hashed: render it or keep its file),
//! [`cache`] (rendered bodies kept between builds), [`pages`], [`lists`] and
//! [`feeds`] (what each output file is made of), [`publisher`] (API requests that
//! share one build) and [`schedule`] (scheduled posts going live).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tokio::sync::Mutex;

mod bodies;
mod cache;
mod feeds;
mod fingerprint;
mod frame;
mod html;
mod icons;
mod keys;
mod last;
pub mod links;
mod lists;
mod memory;
mod pages;
mod plan;
mod preview;
mod publish;
pub mod publisher;
pub mod schedule;
mod search;
#[cfg(test)]
mod tests;

pub use pages::BuildReport;
pub use publisher::Publisher;

use crate::clock::Clock;
use crate::config::SiteConfig;
use crate::content::{ContentError, ImportReport};
use crate::output::WriteError;
use crate::render::{RenderError, ThemeSource};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Content(#[from] ContentError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("cannot write the site: {0}")]
    Write(#[from] WriteError),
    #[error("post {0} has no body in the store (deleted during the build?)")]
    MissingBody(String),
    #[error("preview: {0}")]
    Preview(std::io::Error),
    #[error("site settings: {0}")]
    Config(#[from] crate::config::ConfigError),
    /// A build task ended without an answer (it panicked, or the runtime is going down).
    #[error("the build stopped: {0}")]
    Stopped(String),
}

/// How long a part of a build took, logged at debug level (`FOLIO_LOG=folio=debug`).
pub(super) struct Phase(Instant);

impl Phase {
    pub(super) fn start() -> Self {
        Self(Instant::now())
    }

    pub(super) fn done(self, what: &str) {
        tracing::debug!(
            millis = self.0.elapsed().as_millis() as u64,
            "build: {what}"
        );
    }
}

/// A site's turn to build, held while it builds.
pub(crate) struct Turn<'a>(#[allow(dead_code)] tokio::sync::MutexGuard<'a, ()>);

/// The folders a site lives in.
#[derive(Debug, Clone)]
pub struct Paths {
    pub content: PathBuf,
    pub theme: ThemeSource,
    /// Site-level template overrides (used when the folder exists).
    pub templates: PathBuf,
    pub out: PathBuf,
    /// Rendered post bodies and the memory of the last build (see [`cache`], [`memory`]).
    pub cache: Option<PathBuf>,
}

/// A site: its store, configuration and folders.
pub struct Site {
    pub store: Store,
    /// The configuration the site started with: what the listeners, the origins and
    /// the deploy were set up with. What builds use is [`Site::effective_config`]
    /// (with the settings saved in the admin); the file as last loaded,
    /// [`Site::current_config`].
    pub config_at_start: SiteConfig,
    /// `folio.toml` as reloaded in watch mode; builds use it over `config`.
    reloaded: std::sync::RwLock<Option<SiteConfig>>,
    pub paths: Paths,
    /// Builds write one output folder; they take turns.
    build_lock: Mutex<()>,
    pub metrics: crate::metrics::Metrics,
    /// Told when posts may have changed (any publish, which may have imported some;
    /// an edit in the admin), so the schedule looks again for the next time due.
    pub(crate) schedule_wake: tokio::sync::Notify,
    /// Told the files every successful publish wrote or removed: what a deploy sends
    /// on (see [`Site::subscribe`]).
    published: tokio::sync::broadcast::Sender<Arc<Changed>>,
    /// The theme previews render with, by the hash of its files: parsed again only
    /// when they change.
    preview_theme: std::sync::Mutex<Option<(blake3::Hash, Arc<crate::render::Theme>)>>,
}

/// The files of the output folder a publish wrote or removed, relative to it.
#[derive(Debug, Clone, Default)]
pub struct Changed {
    pub files: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct PublishOptions {
    /// Import `content/` first (when the folder exists).
    pub import: bool,
    /// Archive posts whose file disappeared.
    pub prune: bool,
    /// Render drafts too (a preview, never for a public site).
    pub drafts: bool,
    /// Render even when nothing changed since the last build of the output folder.
    pub force: bool,
}

/// A callback told (pages done, pages in all) during a build.
pub type Progress = std::sync::Arc<dyn Fn(u64, u64) + Send + Sync>;

/// What a publish did.
#[derive(Debug, Clone, Serialize)]
pub struct PublishReport {
    pub import: Option<ImportReport>,
    /// None when nothing changed since the last build, so nothing was rendered.
    pub build: Option<BuildReport>,
    /// Milliseconds spent importing and reading the store (the build counts its own).
    pub import_millis: u128,
    pub snapshot_millis: u128,
    /// True when the build started from its memory of the last build (see
    /// `publish::memory`) rather than from a read of the whole store.
    pub remembered: bool,
    /// What the publish went on without: images it could not resize (copied as they
    /// are), each naming its file.
    pub warnings: Vec<String>,
}

impl Site {
    pub fn new(store: Store, config: SiteConfig, paths: Paths) -> Self {
        Self {
            store,
            config_at_start: config,
            reloaded: std::sync::RwLock::new(None),
            paths,
            build_lock: Mutex::new(()),
            metrics: crate::metrics::Metrics::new(),
            schedule_wake: tokio::sync::Notify::new(),
            published: tokio::sync::broadcast::channel(64).0,
            preview_theme: std::sync::Mutex::new(None),
        }
    }

    /// The files each successful publish from now on changed. A receiver that falls
    /// more than 64 publishes behind is told it lagged (and should assume everything).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Arc<Changed>> {
        self.published.subscribe()
    }

    /// The site, reading the time from `clock` (a test's): its builds, its schedule
    /// and its store alike.
    pub fn with_clock(self, clock: Clock) -> Self {
        Self {
            store: self.store.with_clock(clock),
            ..self
        }
    }

    /// Where builds, the schedule, the store and the admin read the time.
    pub fn clock(&self) -> &Clock {
        self.store.clock()
    }

    /// The configuration a build uses: `folio.toml` and the environment, with the
    /// settings saved through the admin API on top.
    pub async fn effective_config(&self) -> Result<SiteConfig, PublishError> {
        let settings = self.store.settings().await?;
        Ok(self.current_config().with_settings(&settings)?)
    }

    /// `folio.toml` as last loaded: at start, or reloaded in watch mode.
    pub fn current_config(&self) -> SiteConfig {
        self.reloaded
            .read()
            .expect("no panic while holding the lock")
            .clone()
            .unwrap_or_else(|| self.config_at_start.clone())
    }

    /// Builds from now on use `config` (a `folio.toml` changed in watch mode). The
    /// theme folder and the server's settings stay as they were at start.
    pub fn reload_config(&self, config: SiteConfig) {
        *self
            .reloaded
            .write()
            .expect("no panic while holding the lock") = Some(config);
    }

    /// Imports (if asked) and renders. Any error leaves the published folder as it was.
    pub async fn publish(&self, options: PublishOptions) -> Result<PublishReport, PublishError> {
        self.publish_reporting(options, None).await
    }

    /// [`Site::publish`], telling `progress` (pages done, pages in all) as it renders.
    pub async fn publish_reporting(
        &self,
        options: PublishOptions,
        progress: Option<Progress>,
    ) -> Result<PublishReport, PublishError> {
        let turn = self.turn().await;
        self.publish_in(&turn, options, progress).await
    }

    /// Waits for the site's turn to build: builds of one site run one at a time
    /// (and builds of one output folder, across processes, take the writer's lock).
    pub(crate) async fn turn(&self) -> Turn<'_> {
        Turn(self.build_lock.lock().await)
    }

    /// [`Site::publish_reporting`] in a turn the caller holds already.
    pub(crate) async fn publish_in(
        &self,
        _turn: &Turn<'_>,
        options: PublishOptions,
        progress: Option<Progress>,
    ) -> Result<PublishReport, PublishError> {
        let started = Instant::now();
        let result = self.publish_in_turn(options, progress).await;
        if result.is_ok() {
            self.schedule_wake.notify_one();
        }
        match &result {
            Ok(PublishReport {
                build: Some(build), ..
            }) => {
                self.metrics
                    .rendered(started.elapsed(), build.write.written.len());
                let write = &build.write;
                if !write.written.is_empty() || !write.removed.is_empty() {
                    let files = write
                        .written
                        .iter()
                        .chain(&write.removed)
                        .cloned()
                        .collect();
                    // Nobody listening (no deploy configured) is fine.
                    let _ = self.published.send(Arc::new(Changed { files }));
                }
            }
            Ok(_) => self.metrics.published(),
            Err(_) => self.metrics.publish_failed(),
        }
        result
    }
}
