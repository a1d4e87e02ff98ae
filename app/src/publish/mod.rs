//! Publishing: import `content/` into the store, then render the store into the
//! output folder. The CLI's `publish`, `serve` and (later) the admin API all go
//! through [`Site::publish`], one at a time.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use chrono::Utc;
use serde::Serialize;
use tokio::sync::Mutex;

pub mod bucket;
mod fingerprint;
mod memory;
pub mod remote;

use crate::config::SiteConfig;
use crate::content::{self, ContentError, ImportReport};
use crate::render::cache::BodyCache;
use crate::render::last::LastBuild;
use crate::render::{self, Build, BuildReport, RenderError, Theme, ThemeSource};
use crate::store::{PostDoc, Snapshot, Store, StoreError, StoredPost};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Content(#[from] ContentError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("preview: {0}")]
    Preview(std::io::Error),
    #[error("site settings: {0}")]
    Config(#[from] crate::config::ConfigError),
}

/// The folders a site lives in.
#[derive(Debug, Clone)]
pub struct Paths {
    pub content: PathBuf,
    pub theme: ThemeSource,
    /// Site-level template overrides (used when the folder exists).
    pub templates: PathBuf,
    pub out: PathBuf,
    /// Rendered post bodies kept between builds (see `render::cache`).
    pub cache: Option<PathBuf>,
}

/// A site: its store, configuration and folders.
pub struct Site {
    pub store: Store,
    /// The configuration the site started with.
    pub config: SiteConfig,
    /// `folio.toml` as reloaded in watch mode; builds use it over `config`.
    reloaded: std::sync::RwLock<Option<SiteConfig>>,
    pub paths: Paths,
    /// Builds write one output folder; they take turns.
    build_lock: Mutex<()>,
    pub metrics: crate::metrics::Metrics,
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
}

impl Site {
    pub fn new(store: Store, config: SiteConfig, paths: Paths) -> Self {
        Self {
            store,
            config,
            reloaded: std::sync::RwLock::new(None),
            paths,
            build_lock: Mutex::new(()),
            metrics: crate::metrics::Metrics::new(),
        }
    }

    /// The configuration a build uses: `folio.toml` and the environment, with the
    /// settings saved through the admin API on top.
    pub async fn effective_config(&self) -> Result<SiteConfig, PublishError> {
        let settings = self.store.settings().await?;
        Ok(self.current_config().with_settings(&settings)?)
    }

    /// `folio.toml` as last loaded: at start, or reloaded in watch mode.
    fn current_config(&self) -> SiteConfig {
        self.reloaded
            .read()
            .expect("no panic while holding the lock")
            .clone()
            .unwrap_or_else(|| self.config.clone())
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
        let _turn = self.build_lock.lock().await;
        let started = Instant::now();
        let result = self.publish_in_turn(options, progress).await;
        match &result {
            Ok(PublishReport {
                build: Some(build), ..
            }) => self
                .metrics
                .rendered(started.elapsed(), build.write.written.len()),
            Ok(_) => self.metrics.published(),
            Err(_) => self.metrics.publish_failed(),
        }
        result
    }

    async fn publish_in_turn(
        &self,
        options: PublishOptions,
        progress: Option<Progress>,
    ) -> Result<PublishReport, PublishError> {
        let started = Instant::now();
        let files = fingerprint::files(&self.paths);
        let import = if options.import && self.paths.content.is_dir() {
            Some(
                content::import_dir(
                    &self.store,
                    &self.paths.content,
                    options.prune,
                    &self.current_config().default_author,
                )
                .await?,
            )
        } else {
            None
        };
        let import_millis = started.elapsed().as_millis();
        let config = self.effective_config().await?;
        let (theme_hash, media) = files.await.expect("hashing does not panic");
        let frame = fingerprint::frame(&config, options.drafts, theme_hash);
        let fingerprint = fingerprint::of_build(self, &frame, &media).await?;
        // A build killed after its switch left records of the build before: build
        // afresh (every page compared, unchanged files still linked).
        let mut options = options;
        if render::writer::unsettled(&self.paths.out) {
            tracing::info!("the last build was interrupted: building every page");
            options.force = true;
        }
        let state_key = format!("build:{}", self.paths.out.display());
        let published = self.paths.out.join("index.html").is_file();
        let last_build = self.store.state(&state_key).await?;
        if !options.force && published && last_build.as_deref() == Some(fingerprint.as_str()) {
            return Ok(PublishReport {
                import,
                build: None,
                import_millis,
                snapshot_millis: 0,
                remembered: false,
            });
        }
        let started = Instant::now();
        let out_key = self.paths.out.display().to_string();
        // Two reads on two connections, side by side.
        let previous = async {
            if options.force {
                Ok(HashMap::new())
            } else {
                self.store.page_keys(&out_key).await
            }
        };
        // The memory of the last build stands for the store's posts when it is of the
        // build the folder holds now, made the same way.
        let memory = async {
            let (Some(cache), false) = (&self.paths.cache, options.force || !published) else {
                return None;
            };
            let (cache, out) = (cache.clone(), self.paths.out.clone());
            tokio::task::spawn_blocking(move || memory::read(&cache, &out))
                .await
                .expect("reading the memory does not panic")
                .filter(|m| m.frame == frame && Some(&m.fingerprint) == last_build.as_ref())
        };
        let snapshot = async { self.snapshot(options.drafts, memory.await).await };
        let cache = async {
            let Some(dir) = &self.paths.cache else {
                return Ok(None);
            };
            Ok(BodyCache::open(dir)
                .await
                .inspect_err(|e| {
                    tracing::warn!("building without the body cache {}: {e}", dir.display())
                })
                .ok())
        };
        // The theme is parsed on another thread while SQLite reads.
        let (theme_source, templates) = (self.paths.theme.clone(), self.paths.templates.clone());
        let theme =
            tokio::task::spawn_blocking(move || Theme::load(&theme_source, Some(&templates)));
        let (previous, (snapshot, last), cache) = tokio::try_join!(previous, snapshot, cache)?;
        let snapshot_millis = started.elapsed().as_millis();
        let remembered = last.is_some();
        tracing::debug!(
            import = import_millis as u64,
            snapshot = snapshot_millis as u64,
            "publish: imported, read the store"
        );
        let theme = theme.await.expect("loading the theme does not panic")?;
        let out = self.paths.out.clone();
        let preview = options.drafts;
        let bodies = StoreBodies {
            store: self.store.clone(),
            runtime: tokio::runtime::Handle::current(),
        };
        let (mut build, previous, snapshot) = tokio::task::spawn_blocking(move || {
            let input = Build {
                snapshot: &snapshot,
                bodies: &bodies,
                theme: &theme,
                config: &config,
                media: &media,
                preview,
                cache: cache.as_ref(),
                previous: Some(&previous),
                last: last.as_ref(),
                progress: progress.as_deref().map(|p| p as &(dyn Fn(u64, u64) + Sync)),
            };
            render::build(&input, &out).map(|build| (build, previous, snapshot))
        })
        .await
        .expect("the build does not panic")?;
        // Remembered while the store records the build. Either may fail alone: the
        // memory is of the folder's last build only when the store says so (by its
        // fingerprint), else it is ignored.
        let remembering = self.paths.cache.clone().map(|dir| {
            let (out, fingerprint) = (self.paths.out.clone(), fingerprint.clone());
            let hashes = std::mem::take(&mut build.summary_hashes);
            tokio::task::spawn_blocking(move || {
                memory::write(&dir, &out, &fingerprint, &frame, &snapshot, &hashes)
            })
        });
        let saving = Instant::now();
        self.store
            .save_page_keys(&out_key, &previous, &build.keys)
            .await?;
        tracing::debug!(
            millis = saving.elapsed().as_millis() as u64,
            "publish: saved page keys"
        );
        self.store.set_state(&state_key, &fingerprint).await?;
        if let Some(remembering) = remembering {
            remembering.await.expect("remembering does not panic");
        }
        let out = self.paths.out.clone();
        tokio::task::spawn_blocking(move || render::writer::settle(&out))
            .await
            .expect("settling does not panic")
            .map_err(|source| {
                PublishError::from(render::RenderError::from(render::writer::WriteError::Io {
                    path: self.paths.out.clone(),
                    source,
                }))
            })?;
        Ok(PublishReport {
            import,
            build: Some(build),
            import_millis,
            snapshot_millis,
            remembered,
        })
    }

    /// What a build shows: the memory of the last build brought up to date, with what
    /// it knows of that build; else the whole store read afresh.
    async fn snapshot(
        &self,
        drafts: bool,
        memory: Option<memory::Memory>,
    ) -> Result<(Snapshot, Option<LastBuild>), StoreError> {
        let now = Utc::now();
        if let Some(memory) = memory {
            let (snapshot, mut last) = memory.into_parts();
            if let Some((snapshot, changed)) = snapshot.refresh(&self.store, drafts, now).await? {
                tracing::debug!(
                    changed = changed.len(),
                    "publish: the last build, refreshed"
                );
                last.changed = changed;
                return Ok((snapshot, Some(last)));
            }
        }
        Ok((Snapshot::load(&self.store, drafts, now).await?, None))
    }

    /// The page `doc` would be, rendered with the site's theme as a publish would
    /// (marked noindex), without touching the store or the output folder; with
    /// `sanitized`, its raw HTML cleaned as an author's post is.
    pub async fn preview(&self, doc: PostDoc, sanitized: bool) -> Result<String, PublishError> {
        let theme_source = self.paths.theme.clone();
        let templates = self.paths.templates.clone();
        let config = self.effective_config().await?;
        tokio::task::spawn_blocking(move || {
            let theme = Theme::load(&theme_source, Some(&templates))?;
            let slug = doc.slug.clone();
            let bodies = HashMap::from([(0, doc.markdown.clone())]);
            let snapshot = Snapshot::single(StoredPost {
                id: 0,
                revision: 0,
                doc,
                source_path: None,
                source_hash: None,
                archived: false,
                sanitized,
            });
            let input = Build {
                snapshot: &snapshot,
                bodies: &bodies,
                theme: &theme,
                config: &config,
                media: &[],
                preview: true,
                cache: None,
                previous: None,
                last: None,
                progress: None,
            };
            let dir = tempfile::tempdir().map_err(PublishError::Preview)?;
            let out = dir.path().join("site");
            render::build(&input, &out)?;
            std::fs::read_to_string(out.join(&slug).join("index.html"))
                .map_err(PublishError::Preview)
        })
        .await
        .expect("the preview does not panic")
    }
}

/// A build's bodies, read from the store on the build's own threads.
struct StoreBodies {
    store: Store,
    runtime: tokio::runtime::Handle,
}

impl render::Bodies for StoreBodies {
    fn markdown(&self, ids: &[i64]) -> Result<HashMap<i64, String>, RenderError> {
        self.runtime
            .block_on(self.store.markdown_of(ids))
            .map_err(|e| RenderError::Bodies(e.to_string()))
    }
}
