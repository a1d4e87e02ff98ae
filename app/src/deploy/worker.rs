//! The server's deploy: after every successful publish (the admin's, the schedule's,
//! a push, the watcher's, the first at start), the bucket is synced and the CDNs are
//! purged of the URLs that changed. A failure never undoes the local publish: the
//! deploy is retried with backoff, and what changed meanwhile joins it, so no publish
//! is ever left undeployed. Its state is for the admin (`GET /deploy`) and `/metrics`.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::bucket::BucketOptions;
use super::purge::{paths_of, PurgeError, Purgers};
use super::sequence::{self, Changes, Target};
use crate::site::{Changed, Site};

/// The first wait after a failure; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What the admin and the metrics see of the deploy.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct DeployStatus {
    pub bucket: Option<String>,
    pub cloudfront_distribution: Option<String>,
    pub cloudflare_zone: Option<String>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The last deploy that went through: objects changed in the bucket, URLs purged.
    pub last: Option<Deployed>,
    /// Why the last attempt failed; cleared by a success.
    pub error: Option<Failure>,
    /// Failed attempts since the last success.
    pub failures: u32,
    /// URLs changed by publishes and not deployed yet.
    pub waiting: usize,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Deployed {
    pub objects: usize,
    pub purged: usize,
    pub purged_everything: bool,
    pub invalidation: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Failure {
    /// `bucket`, `cloudfront` or `cloudflare`.
    pub stage: &'static str,
    pub message: String,
    pub at: DateTime<Utc>,
}

impl Failure {
    fn new(stage: &'static str, error: impl std::fmt::Display, at: DateTime<Utc>) -> Self {
        Self {
            stage,
            message: error.to_string(),
            at,
        }
    }
}

/// The deploy of a server: where to, and its state.
pub struct Deployer {
    site: Arc<Site>,
    purgers: Purgers,
    status: Mutex<DeployStatus>,
}

/// What is to deploy: the paths changed (or all of them, when publishes were missed).
#[derive(Default)]
struct Waiting {
    /// Output files changed, as publishes report them.
    files: BTreeSet<String>,
    everything: bool,
    any: bool,
}

impl Waiting {
    fn add(&mut self, changed: Result<Arc<Changed>, ()>) {
        self.any = true;
        match changed {
            Ok(changed) => self.files.extend(changed.files.iter().cloned()),
            Err(()) => self.everything = true,
        }
    }
}

impl Deployer {
    /// The deploy `[deploy]` of the site's configuration describes, or None when it
    /// names nowhere. Fails when a CDN is named without its credentials.
    pub fn new(site: Arc<Site>) -> Result<Option<Arc<Self>>, PurgeError> {
        let deploy = &site.config_at_start.deploy;
        if !deploy.any() {
            return Ok(None);
        }
        let purgers = Purgers::from_config(deploy)?;
        let status = DeployStatus {
            bucket: deploy.bucket.clone(),
            cloudfront_distribution: deploy.cloudfront_distribution.clone(),
            cloudflare_zone: deploy.cloudflare_zone.clone(),
            ..DeployStatus::default()
        };
        Ok(Some(Arc::new(Self {
            site,
            purgers,
            status: Mutex::new(status),
        })))
    }

    pub fn status(&self) -> DeployStatus {
        self.status
            .lock()
            .expect("no panic while holding the lock")
            .clone()
    }

    fn update(&self, change: impl FnOnce(&mut DeployStatus)) {
        change(&mut self.status.lock().expect("no panic while holding the lock"));
    }

    /// Deploys after every publish the site makes, until the process ends. Subscribe
    /// (`site.subscribe()`) before the first publish, so it is not missed.
    pub async fn run(
        self: Arc<Self>,
        mut published: tokio::sync::broadcast::Receiver<Arc<Changed>>,
    ) {
        let mut waiting = Waiting::default();
        let mut backoff = FIRST_BACKOFF;
        loop {
            if !waiting.any {
                match published.recv().await {
                    Ok(changed) => waiting.add(Ok(changed)),
                    Err(RecvError::Lagged(_)) => waiting.add(Err(())),
                    Err(RecvError::Closed) => return,
                }
            }
            // Publishes made meanwhile go in this deploy.
            loop {
                match published.try_recv() {
                    Ok(changed) => waiting.add(Ok(changed)),
                    Err(TryRecvError::Lagged(_)) => waiting.add(Err(())),
                    Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                }
            }
            let files: Vec<String> = waiting.files.iter().cloned().collect();
            self.update(|s| s.waiting = paths_of(&files).len());
            match self.deploy(&waiting).await {
                Ok(deployed) => {
                    tracing::info!(
                        objects = deployed.objects,
                        purged = deployed.purged,
                        everything = deployed.purged_everything,
                        "deployed"
                    );
                    let now = self.site.clock().now();
                    self.site.metrics.deployed(now);
                    self.update(|s| {
                        s.last_success_at = Some(now);
                        s.last = Some(deployed);
                        s.error = None;
                        s.failures = 0;
                        s.waiting = 0;
                    });
                    waiting = Waiting::default();
                    backoff = FIRST_BACKOFF;
                }
                Err(failure) => {
                    tracing::error!(
                        stage = failure.stage,
                        retry_in_seconds = backoff.as_secs(),
                        "deploy failed: {}",
                        failure.message
                    );
                    self.site.metrics.deploy_failed(failure.stage);
                    self.update(|s| {
                        s.failures += 1;
                        s.error = Some(failure);
                    });
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    /// One attempt: the bucket, then each CDN (see [`super::sequence`]).
    async fn deploy(&self, waiting: &Waiting) -> Result<Deployed, Failure> {
        let now = self.site.clock().now();
        self.update(|s| s.last_attempt_at = Some(now));
        let config = self
            .site
            .effective_config()
            .await
            .map_err(|e| Failure::new("bucket", e, now))?;
        let target = Target {
            bucket: config.deploy.bucket.as_deref(),
            bucket_options: BucketOptions {
                dry_run: false,
                delete: true,
                concurrency: 8,
            },
            purgers: &self.purgers,
        };
        let changes = Changes {
            files: waiting.files.iter().cloned().collect(),
            everything: waiting.everything,
        };
        let report = sequence::deploy(&self.site, &target, &changes, None)
            .await
            .map_err(|e| Failure::new(e.stage(), e, now))?;
        let mut deployed = Deployed {
            objects: report.bucket.map_or(0, |b| b.changes.len()),
            ..Deployed::default()
        };
        for (_, purged) in report.purged {
            deployed.purged = deployed.purged.max(purged.urls.len());
            deployed.purged_everything |= purged.everything;
            deployed.invalidation = deployed.invalidation.or(purged.invalidation);
        }
        Ok(deployed)
    }
}
