//! One deploy, the same from `folio publish` and from the server's worker: the
//! bucket first (a CDN refetching from it must find the new files), then each CDN
//! purged of what changed: the files the publishes changed and those the bucket
//! took (a bucket behind the folder, or a retry whose bucket step went through
//! before, has either without the other).

use futures_util::FutureExt;
use serde::Serialize;

use super::bucket::{self, BucketError, BucketOptions, BucketReport, Headers};
use super::purge::{paths_of, PurgeError, PurgeReport, Purgers};
use crate::site::{Progress, Site};

/// Where a deploy goes and how.
pub struct Target<'a> {
    /// The bucket (`s3://bucket/prefix`), if any.
    pub bucket: Option<&'a str>,
    pub bucket_options: BucketOptions,
    pub purgers: &'a Purgers,
}

/// What is to deploy: the output files the publishes changed, or everything (when
/// publishes were missed).
#[derive(Debug, Default, Clone)]
pub struct Changes {
    pub files: Vec<String>,
    pub everything: bool,
}

/// What a deploy did.
#[derive(Debug, Default, Serialize)]
pub struct DeployReport {
    pub bucket: Option<BucketReport>,
    /// Each CDN purged, by name.
    pub purged: Vec<(&'static str, PurgeReport)>,
}

/// Which step of a deploy failed, and why.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("the site's settings: {0}")]
    Config(String),
    #[error("publishing to {url}: {source}")]
    Bucket { url: String, source: BucketError },
    #[error("{source}")]
    Purge {
        cdn: &'static str,
        source: PurgeError,
    },
}

impl DeployError {
    /// The step, as the admin and the metrics name it.
    pub fn stage(&self) -> &'static str {
        match self {
            Self::Config(_) | Self::Bucket { .. } => "bucket",
            Self::Purge { cdn, .. } => match *cdn {
                "CloudFront" => "cloudfront",
                _ => "cloudflare",
            },
        }
    }
}

/// Deploys `site`'s output folder to `target`, with `changes` telling what to purge
/// when there is no bucket; `progress` hears of the bucket's uploads.
pub async fn deploy(
    site: &Site,
    target: &Target<'_>,
    changes: &Changes,
    progress: Option<Progress>,
) -> Result<DeployReport, DeployError> {
    let mut report = DeployReport::default();
    let config = site
        .effective_config()
        .await
        .map_err(|e| DeployError::Config(e.to_string()))?;
    let mut files = changes.files.clone();
    if let Some(url) = target.bucket {
        let bucket_error = |source| DeployError::Bucket {
            url: url.to_owned(),
            source,
        };
        let policies = crate::render::csp::Policies::of_build(&site.paths.out)
            .unwrap_or_else(|| crate::render::csp::Policies::new(&config, std::iter::empty()));
        let headers = Headers::new(&config.deploy.headers, config.cdn_max_age, policies)
            .map_err(|e| DeployError::Config(e.to_string()))?;
        let synced = bucket::sync(
            &site.paths.out,
            url,
            &headers,
            target.bucket_options,
            progress,
        )
        .await
        .map_err(bucket_error)?;
        files.extend(synced.changes.iter().map(|c| c.path.clone()));
        report.bucket = Some(synced);
    }
    files.sort_unstable();
    files.dedup();
    let paths = paths_of(&files);
    if paths.is_empty() && !changes.everything {
        return Ok(report);
    }
    let purgers = target.purgers;
    let all_above = if changes.everything {
        0
    } else {
        purgers.all_above
    };
    if let Some(cloudfront) = &purgers.cloudfront {
        let cdn = "CloudFront";
        let purged = cloudfront
            .invalidate(&paths, all_above)
            .await
            .map_err(|source| DeployError::Purge { cdn, source })?;
        report.purged.push((cdn, purged));
    }
    if let Some(cloudflare) = &purgers.cloudflare {
        let cdn = "Cloudflare";
        let base = config.base_url.trim_end_matches('/');
        let urls: Vec<String> = paths.iter().map(|p| format!("{base}{p}")).collect();
        let purged = cloudflare
            .purge(urls, all_above)
            // Boxed: checked Send where it is made, for the server's spawned task.
            .boxed()
            .await
            .map_err(|source| DeployError::Purge { cdn, source })?;
        report.purged.push((cdn, purged));
    }
    Ok(report)
}
