//! Prometheus metrics, served on their own address (`--metrics-listen`) so the
//! public port never shows them: requests by route and status with latency,
//! renders, the last successful publish and deploy, deploy failures by stage, login
//! failures, sessions, database size, the last backup, scheduled posts overdue.

use std::path::PathBuf;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The route pattern (`/admin/api/posts/{id}`), or `static` for site files: a
    /// label per URL would grow without bound.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StageLabels {
    /// `bucket`, `cloudfront` or `cloudflare`.
    pub stage: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    render_seconds: Histogram,
    pages_written: Counter,
    publish_failures: Counter,
    last_publish: Gauge,
    pub login_failures: Counter,
    sessions: Gauge,
    database_bytes: Gauge,
    deploy_last_success: Gauge,
    deploy_failures: Family<StageLabels, Counter>,
    git_unpushed: Gauge,
    git_last_push: Gauge,
    git_last_pull: Gauge,
    git_conflicts: Gauge,
    git_failures: Counter,
    backup_last_success: Gauge,
    scheduled_overdue: Gauge,
}

/// One route's counters, from [`Metrics::route`]: the same ones `/metrics` reports.
#[derive(Clone)]
pub struct RouteMetrics {
    ok: Counter,
    not_modified: Counter,
    latency: Histogram,
}

impl RouteMetrics {
    /// Counts an answer of status 200 or 304 (others go through [`Metrics::request`]).
    pub fn answered(&self, not_modified: bool, elapsed: Duration) {
        if not_modified {
            self.not_modified.inc();
        } else {
            self.ok.inc();
        }
        self.latency.observe(elapsed.as_secs_f64());
    }
}

/// What `/metrics` reads from the store at each scrape.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sampled {
    pub sessions: i64,
    /// Unix time of the last backup that went through; 0 for never.
    pub backup_last_success: i64,
    /// Scheduled posts whose time has passed and that are not published yet.
    pub scheduled_overdue: i64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("folio");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            // 0.5 ms .. ~16 s
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        let render_seconds = Histogram::new(exponential_buckets(0.01, 2.0, 14));
        let metrics = Self {
            requests,
            latency,
            render_seconds,
            pages_written: Counter::default(),
            publish_failures: Counter::default(),
            last_publish: Gauge::default(),
            login_failures: Counter::default(),
            sessions: Gauge::default(),
            database_bytes: Gauge::default(),
            deploy_last_success: Gauge::default(),
            deploy_failures: Family::default(),
            git_unpushed: Gauge::default(),
            git_last_push: Gauge::default(),
            git_last_pull: Gauge::default(),
            git_conflicts: Gauge::default(),
            git_failures: Counter::default(),
            backup_last_success: Gauge::default(),
            scheduled_overdue: Gauge::default(),
            registry: Registry::default(),
        };
        metrics.register(&mut registry);
        // A series for every stage from the start: an alert on its increase sees the
        // first failure, where a series born at 1 would show no increase.
        for stage in ["bucket", "cloudfront", "cloudflare"] {
            let labels = StageLabels {
                stage: stage.to_owned(),
            };
            drop(metrics.deploy_failures.get_or_create(&labels));
        }
        // `folio_build_info{version="..."} 1`: which build each pod runs.
        let build = prometheus_client::metrics::info::Info::new(vec![(
            "version".to_owned(),
            env!("CARGO_PKG_VERSION").to_owned(),
        )]);
        registry.register("build", "The folio build this process runs", build);
        Self {
            registry,
            ..metrics
        }
    }

    /// The Git working copy's state (`[git]`).
    pub fn git(&self, unpushed: usize, pushed: Option<i64>, pulled: Option<i64>, conflicts: usize) {
        self.git_unpushed.set(unpushed as i64);
        self.git_last_push.set(pushed.unwrap_or(0));
        self.git_last_pull.set(pulled.unwrap_or(0));
        self.git_conflicts.set(conflicts as i64);
    }

    pub fn git_failed(&self) {
        self.git_failures.inc();
    }

    /// Registers every metric in `registry`.
    fn register(&self, registry: &mut Registry) {
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            self.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            self.latency.clone(),
        );
        registry.register(
            "render_duration_seconds",
            "Time to render the site",
            self.render_seconds.clone(),
        );
        registry.register(
            "deploy_failures",
            "Failed deploy attempts by stage (bucket, cloudfront, cloudflare)",
            self.deploy_failures.clone(),
        );
        self.register_counters(registry);
        self.register_gauges(registry);
    }

    fn register_counters(&self, registry: &mut Registry) {
        let counters: [(&str, &str, &Counter); 4] = [
            (
                "pages_written",
                "Files written by renders",
                &self.pages_written,
            ),
            (
                "publish_failures",
                "Publishes that failed (the site stayed as it was)",
                &self.publish_failures,
            ),
            (
                "login_failures",
                "Failed logins (password or second factor)",
                &self.login_failures,
            ),
            (
                "git_failures",
                "Pushes and fetches of the Git remote that failed",
                &self.git_failures,
            ),
        ];
        for (name, help, counter) in counters {
            registry.register(name, help, counter.clone());
        }
    }

    fn register_gauges(&self, registry: &mut Registry) {
        let gauges: [(&str, &str, &Gauge); 10] = [
            (
                "last_publish_timestamp_seconds",
                "Unix time of the last successful publish",
                &self.last_publish,
            ),
            (
                "sessions_active",
                "Admin sessions not expired",
                &self.sessions,
            ),
            (
                "database_size_bytes",
                "Size of the SQLite database with its WAL",
                &self.database_bytes,
            ),
            (
                "deploy_last_success_timestamp_seconds",
                "When the bucket sync and CDN purge after a publish last went through",
                &self.deploy_last_success,
            ),
            (
                "git_unpushed_commits",
                "Commits made in the admin not yet on the Git remote",
                &self.git_unpushed,
            ),
            (
                "git_last_push_timestamp_seconds",
                "When a push to the Git remote last went through",
                &self.git_last_push,
            ),
            (
                "git_last_pull_timestamp_seconds",
                "When a fetch from the Git remote last went through",
                &self.git_last_pull,
            ),
            (
                "backup_last_success_timestamp_seconds",
                "When folio backup last went through (0: never, on this database)",
                &self.backup_last_success,
            ),
            (
                "scheduled_posts_overdue",
                "Scheduled posts whose time has passed, not yet published",
                &self.scheduled_overdue,
            ),
            (
                "git_conflict_files",
                "Files changed on the same lines in the admin and on the Git remote",
                &self.git_conflicts,
            ),
        ];
        for (name, help, gauge) in gauges {
            registry.register(name, help, gauge.clone());
        }
    }

    pub fn request(&self, route: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// The counters of one route's answers with status 200 and 304, and its latency,
    /// looked up once: for the site's files, where a lookup by labels per request
    /// (two label sets made and hashed) is a share of the request's cost.
    pub fn route(&self, route: &str) -> RouteMetrics {
        let counter = |status| {
            (self.requests)
                .get_or_create(&RequestLabels {
                    route: route.to_owned(),
                    status,
                })
                .clone()
        };
        RouteMetrics {
            ok: counter(200),
            not_modified: counter(304),
            latency: (self.latency)
                .get_or_create(&RouteLabels {
                    route: route.to_owned(),
                })
                .clone(),
        }
    }

    /// A render that finished: how long it took and how many files it wrote.
    pub fn rendered(&self, elapsed: Duration, written: usize) {
        self.render_seconds.observe(elapsed.as_secs_f64());
        self.pages_written.inc_by(written as u64);
        self.published();
    }

    /// A publish that succeeded (rendering or finding nothing to do).
    pub fn published(&self) {
        self.last_publish.set(chrono::Utc::now().timestamp());
    }

    pub fn publish_failed(&self) {
        self.publish_failures.inc();
    }

    pub fn deployed(&self, at: chrono::DateTime<chrono::Utc>) {
        self.deploy_last_success.set(at.timestamp());
    }

    pub fn deploy_failed(&self, stage: &str) {
        self.deploy_failures
            .get_or_create(&StageLabels {
                stage: stage.to_owned(),
            })
            .inc();
    }

    /// The text exposition, with the gauges read now.
    pub fn encode(&self, sampled: Sampled, database: &[PathBuf]) -> String {
        self.sessions.set(sampled.sessions);
        self.backup_last_success.set(sampled.backup_last_success);
        self.scheduled_overdue.set(sampled.scheduled_overdue);
        let bytes: u64 = database
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        self.database_bytes.set(bytes as i64);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}
