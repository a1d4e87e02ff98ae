//! Purging a CDN's cache of the URLs a publish changed: CloudFront invalidations and
//! Cloudflare's purge API. Above a threshold, the whole cache goes in one request.

mod cloudflare;
mod cloudfront;

pub use cloudflare::Cloudflare;
pub use cloudfront::CloudFront;

use crate::config::DeployConfig;

#[derive(Debug, thiserror::Error)]
pub enum PurgeError {
    #[error("{0}")]
    Config(String),
    #[error("{cdn}: {message}")]
    Refused { cdn: &'static str, message: String },
    #[error("{cdn} cannot be reached: {message}")]
    Unreachable { cdn: &'static str, message: String },
}

/// What a purge did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PurgeReport {
    /// URLs (or paths) purged one by one; empty when `everything`.
    pub urls: Vec<String>,
    pub everything: bool,
    /// Requests made (Cloudflare takes 30 URLs at a time).
    pub requests: usize,
    /// CloudFront's invalidation id.
    pub invalidation: Option<String>,
}

/// The CDNs of `[deploy]`, ready to purge.
#[derive(Debug, Default)]
pub struct Purgers {
    pub cloudfront: Option<CloudFront>,
    pub cloudflare: Option<Cloudflare>,
    /// More paths than this purge everything.
    pub all_above: usize,
}

impl Purgers {
    /// The purgers `deploy` names, with their credentials from the environment.
    pub fn from_config(deploy: &DeployConfig) -> Result<Self, PurgeError> {
        Ok(Self {
            cloudfront: deploy
                .cloudfront_distribution
                .as_deref()
                .map(CloudFront::from_env)
                .transpose()?,
            cloudflare: deploy
                .cloudflare_zone
                .as_deref()
                .map(Cloudflare::from_env)
                .transpose()?,
            all_above: deploy.purge_all_above,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.cloudfront.is_none() && self.cloudflare.is_none()
    }
}

/// The URL paths readers fetch the output files `files` at (`a/index.html` is `/a/`).
/// Fingerprinted assets are left out: a changed one has a new name.
pub fn paths_of<'a>(files: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut paths: Vec<String> = files
        .into_iter()
        .filter(|f| !f.starts_with("assets/") && !f.split('/').any(|s| s.starts_with('.')))
        .map(|f| match f.strip_suffix("index.html") {
            Some(dir) => format!("/{dir}"),
            None => format!("/{f}"),
        })
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_purge_at_the_address_readers_use_and_assets_not_at_all() {
        let files: Vec<String> = [
            "index.html",
            "hello/index.html",
            "tag/rust/page/2/index.html",
            "rss.xml",
            "sitemap.xml",
            "404.html",
            "images/a.png",
            "assets/style.89026451.css",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            paths_of(&files),
            [
                "/",
                "/404.html",
                "/hello/",
                "/images/a.png",
                "/rss.xml",
                "/sitemap.xml",
                "/tag/rust/page/2/"
            ]
        );
    }
}
