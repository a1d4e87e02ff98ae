//! One publish, as a flat list of steps, each timed at debug level
//! (`FOLIO_LOG=folio=debug`): import, frame and fingerprint (is there anything to
//! do?), read what the build needs, render, record what the next build compares
//! against, settle the output folder.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use super::bodies::StoreBodies;
use super::cache::BodyCache;
use super::frame::Frame;
use super::last::LastBuild;
use super::memory::{self, Memory};
use super::pages::{self, BuildReport};
use super::plan::RenderInput;
use super::{fingerprint, Progress, PublishError, PublishOptions, PublishReport, Site};
use crate::config::SiteConfig;
use crate::content::media::Media;
use crate::content::redirects::Redirect;
use crate::images::Images;
use crate::output;
use crate::render::Theme;
use crate::store::{Snapshot, StoreError};

/// What a build needs besides the theme, read side by side.
struct Inputs {
    /// The page keys of the folder's last build (none when forced).
    previous: HashMap<String, String>,
    snapshot: Snapshot,
    last: Option<LastBuild>,
    cache: Option<BodyCache>,
}

/// What a publish found it has to do: its frame and fingerprint, and whether the
/// folder holds a site already.
struct PublishPlan {
    config: SiteConfig,
    frame: Frame,
    fingerprint: String,
    /// The fingerprint the store recorded for the folder's last build.
    last_fingerprint: Option<String>,
    published: bool,
    media: Vec<Media>,
    images: Arc<Images>,
    redirects: Vec<Redirect>,
}

impl Site {
    pub(super) async fn publish_in_turn(
        &self,
        mut options: PublishOptions,
        progress: Option<Progress>,
    ) -> Result<PublishReport, PublishError> {
        let started = Instant::now();
        let files = fingerprint::files(&self.paths);
        let import = self.import(options).await?;
        let import_millis = started.elapsed().as_millis();
        let plan = self.plan(files, options.drafts).await?;
        // A build killed after its switch left records of the build before: build
        // afresh (every page compared, unchanged files still linked).
        if output::unsettled(&self.paths.out) {
            tracing::info!("the last build was interrupted: building every page");
            options.force = true;
        }
        let nothing_to_do =
            plan.published && plan.last_fingerprint.as_deref() == Some(plan.fingerprint.as_str());
        if nothing_to_do && !options.force {
            return Ok(PublishReport {
                import,
                build: None,
                import_millis,
                snapshot_millis: 0,
                remembered: false,
                warnings: plan.images.warnings.clone(),
            });
        }
        let started = Instant::now();
        let theme = self.load_theme();
        let inputs = self.read(&plan, options).await?;
        let snapshot_millis = started.elapsed().as_millis();
        let remembered = inputs.last.is_some();
        tracing::debug!(
            import = import_millis as u64,
            snapshot = snapshot_millis as u64,
            "publish: imported, read the store"
        );
        let theme = theme.await.map_err(stopped)??;
        let (build, previous, snapshot) = self
            .render(&plan, inputs, theme, options.drafts, progress)
            .await?;
        let build = self.record(&plan, &previous, snapshot, build).await?;
        self.settle().await?;
        let mut warnings = plan.images.warnings.clone();
        warnings.extend(build.write.warnings.iter().cloned());
        Ok(PublishReport {
            import,
            build: Some(build),
            import_millis,
            snapshot_millis,
            remembered,
            warnings,
        })
    }

    /// Imports `content/` when asked and the folder exists.
    async fn import(
        &self,
        options: PublishOptions,
    ) -> Result<Option<crate::content::ImportReport>, PublishError> {
        if !(options.import && self.paths.content.is_dir()) {
            return Ok(None);
        }
        let author = self.current_config().default_author;
        let (content, now) = (&self.paths.content, self.clock().now());
        let report =
            crate::content::import_dir(&self.store, content, options.prune, &author, now).await?;
        Ok(Some(report))
    }

    /// The frame and fingerprint of a build now, beside the fingerprint the store
    /// recorded for the folder's last build.
    async fn plan(
        &self,
        files: tokio::task::JoinHandle<fingerprint::Files>,
        drafts: bool,
    ) -> Result<PublishPlan, PublishError> {
        let config = self.effective_config().await?;
        let files = files.await.map_err(stopped)?;
        // A bad redirects file stops the publish (the site stays as it was).
        let (media, mut redirects) = (files.media, files.redirects?);
        redirects.push(crate::content::redirects::subscribe(
            config.members_url.as_deref(),
        ));
        let images = self.images(&media).await?;
        // After the images: the copies are the same files, with no variants of their own.
        let mut media = media;
        let copies = crate::content::media::at_old_addresses(&media, &redirects);
        media.extend(copies);
        let frame = Frame::new(&config, drafts, files.theme, images.signature());
        let now = self.clock().now();
        let fingerprint =
            fingerprint::of_build(&self.store, &frame, (&media, &redirects), now).await?;
        let last_fingerprint = self.store.state(&self.state_key()).await?;
        Ok(PublishPlan {
            config,
            frame,
            fingerprint,
            last_fingerprint,
            published: self.paths.out.join("index.html").is_file(),
            media,
            images,
            redirects,
        })
    }

    /// The variants of the images of `media`, made where the cache has none, on
    /// blocking threads; none without a cache.
    async fn images(&self, media: &[Media]) -> Result<Arc<Images>, PublishError> {
        let Some(cache) = self.paths.cache.clone() else {
            return Ok(Arc::new(Images::none()));
        };
        let media = media.to_vec();
        let images = tokio::task::spawn_blocking(move || Images::prepare(&media, &cache))
            .await
            .map_err(stopped)?;
        // Told by the caller: the report's `warnings`.
        Ok(Arc::new(images))
    }

    /// Where the store keeps the fingerprint of the last build into the folder.
    fn state_key(&self) -> String {
        format!("build:{}", self.paths.out.display())
    }

    /// The theme, parsed on another thread while SQLite reads.
    fn load_theme(&self) -> tokio::task::JoinHandle<Result<Theme, crate::render::RenderError>> {
        let (theme, templates) = (self.paths.theme.clone(), self.paths.templates.clone());
        tokio::task::spawn_blocking(move || Theme::load(&theme, Some(&templates)))
    }

    /// The last build's page keys, the snapshot (from the memory of the last build
    /// when it is of the build the folder holds now, made the same way) and the body
    /// cache, read side by side on their own connections.
    async fn read(
        &self,
        plan: &PublishPlan,
        options: PublishOptions,
    ) -> Result<Inputs, PublishError> {
        let out_key = self.paths.out.display().to_string();
        let previous = async {
            if options.force {
                Ok(HashMap::new())
            } else {
                self.store.page_keys(&out_key).await
            }
        };
        let memory = async {
            let (Some(cache), false) = (&self.paths.cache, options.force || !plan.published) else {
                return None;
            };
            let (cache, out) = (cache.clone(), self.paths.out.clone());
            tokio::task::spawn_blocking(move || memory::read(&cache, &out))
                .await
                .ok()
                .flatten()
                .filter(|m| {
                    m.frame == plan.frame && Some(&m.fingerprint) == plan.last_fingerprint.as_ref()
                })
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
        let (previous, (snapshot, last), cache) = tokio::try_join!(previous, snapshot, cache)?;
        Ok(Inputs {
            previous,
            snapshot,
            last,
            cache,
        })
    }

    /// What a build shows: the memory of the last build brought up to date, with what
    /// it knows of that build; else the whole store read afresh.
    async fn snapshot(
        &self,
        drafts: bool,
        memory: Option<Memory>,
    ) -> Result<(Snapshot, Option<LastBuild>), StoreError> {
        let now = self.clock().now();
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

    /// Renders into the output folder on a blocking thread; bodies are read from the
    /// store as the build needs them.
    async fn render(
        &self,
        plan: &PublishPlan,
        inputs: Inputs,
        theme: Theme,
        preview: bool,
        progress: Option<Progress>,
    ) -> Result<(BuildReport, HashMap<String, String>, Snapshot), PublishError> {
        let out = self.paths.out.clone();
        let bodies = StoreBodies {
            store: self.store.clone(),
            runtime: tokio::runtime::Handle::current(),
        };
        let (config, frame) = (plan.config.clone(), plan.frame.clone());
        let (media, redirects) = (plan.media.clone(), plan.redirects.clone());
        let images = plan.images.clone();
        tokio::task::spawn_blocking(move || {
            let input = RenderInput {
                snapshot: &inputs.snapshot,
                bodies: &bodies,
                theme: &theme,
                frame: &frame,
                config: &config,
                media: &media,
                images: &images,
                redirects: &redirects,
                preview,
                cache: inputs.cache.as_ref(),
                previous: Some(&inputs.previous),
                last: inputs.last.as_ref(),
                progress: progress.as_deref().map(|p| p as &(dyn Fn(u64, u64) + Sync)),
            };
            let build = pages::render_site(&input, &out)?;
            Ok((build, inputs.previous, inputs.snapshot))
        })
        .await
        .map_err(stopped)?
    }

    /// Records what the next build compares against: the page keys and fingerprint in
    /// the store, the memory beside the cache. Either may fail alone: the memory is of
    /// the folder's last build only when the store says so (by its fingerprint), else
    /// it is ignored.
    async fn record(
        &self,
        plan: &PublishPlan,
        previous: &HashMap<String, String>,
        snapshot: Snapshot,
        mut build: BuildReport,
    ) -> Result<BuildReport, PublishError> {
        let remembering = self.paths.cache.clone().map(|dir| {
            let (out, fingerprint) = (self.paths.out.clone(), plan.fingerprint.clone());
            let (frame, hashes) = (
                plan.frame.clone(),
                std::mem::take(&mut build.summary_hashes),
            );
            tokio::task::spawn_blocking(move || {
                memory::write(&dir, &out, &fingerprint, &frame, &snapshot, &hashes)
            })
        });
        let saving = Instant::now();
        let out_key = self.paths.out.display().to_string();
        self.store
            .save_page_keys(&out_key, previous, &build.keys)
            .await?;
        tracing::debug!(
            millis = saving.elapsed().as_millis() as u64,
            "publish: saved page keys"
        );
        self.store
            .set_state(&self.state_key(), &plan.fingerprint)
            .await?;
        if let Some(remembering) = remembering {
            remembering.await.map_err(stopped)?;
        }
        Ok(build)
    }

    /// Marks the folder's switch as recorded (see [`output::settle`]).
    async fn settle(&self) -> Result<(), PublishError> {
        let out = self.paths.out.clone();
        tokio::task::spawn_blocking(move || output::settle(&out))
            .await
            .map_err(stopped)?
            .map_err(|source| {
                PublishError::Write(output::WriteError::Io {
                    path: self.paths.out.clone(),
                    source,
                })
            })
    }
}

/// A build task that ended without an answer.
pub(super) fn stopped(e: tokio::task::JoinError) -> PublishError {
    PublishError::Stopped(e.to_string())
}
