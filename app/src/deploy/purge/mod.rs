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

impl PurgeError {
    /// The CDN's answer, as the admin's deploy page and the log may show it: the
    /// credentials it was sent (`secrets`) and anything shaped like a key or token
    /// replaced, and cut short. A CDN may echo a request back, headers and all.
    fn from_upstream(cdn: &'static str, message: &str, secrets: &[&str], reached: bool) -> Self {
        let message = redact(message, secrets);
        if reached {
            Self::Refused { cdn, message }
        } else {
            Self::Unreachable { cdn, message }
        }
    }
}

/// Longest upstream message kept, in characters.
const MESSAGE_MAX: usize = 300;

fn redact(message: &str, secrets: &[&str]) -> String {
    static SHAPED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        // AWS access key ids, `Bearer ...`, and long runs of token characters.
        regex::Regex::new(r"AKIA[0-9A-Z]{16}|(?i:bearer)\s+\S+|[A-Za-z0-9_\-+/=]{32,}")
            .expect("a valid pattern")
    });
    let mut text = message.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        text = text.replace(secret, "[redacted]");
    }
    let text = SHAPED.replace_all(&text, "[redacted]");
    let mut cut: String = text.chars().take(MESSAGE_MAX).collect();
    if text.chars().count() > MESSAGE_MAX {
        cut.push('…');
    }
    cut
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

    /// No CDN: a deploy to a bucket alone.
    pub fn none() -> Self {
        Self {
            cloudfront: None,
            cloudflare: None,
            all_above: usize::MAX,
        }
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
    fn upstream_messages_lose_credentials_and_length() {
        let echoed = "403: bad request for token s3cr3t-token-value with \
                      Authorization: Bearer abc.def AKIAABCDEFGHIJKLMNOP \
                      sig=0123456789abcdef0123456789abcdef0123";
        let shown = redact(echoed, &["s3cr3t-token-value"]);
        for leaked in ["s3cr3t", "abc.def", "AKIAABCD", "0123456789abcdef"] {
            assert!(!shown.contains(leaked), "{leaked} in {shown}");
        }
        assert!(shown.starts_with("403: bad request"), "{shown}");
        assert!(redact(&"x ".repeat(1000), &[]).chars().count() <= MESSAGE_MAX + 1);
    }

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
