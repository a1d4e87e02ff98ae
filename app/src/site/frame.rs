//! A build's frame: what every page is made with besides its own data. Its one hash
//! decides whether a publish has anything to do and starts every page's key.

use serde::{Deserialize, Serialize};

use crate::config::SiteConfig;

/// Changes whenever the renderer may turn the same inputs into different pages.
const RENDERER_KEY: &str = concat!("folio ", env!("CARGO_PKG_VERSION"), " pages v2");

/// What every page of a build is made with besides its own data: the renderer, the
/// configuration, preview or not, and the theme's files. The one hash of them both
/// decides whether a publish has anything to do (see [`super::fingerprint`]) and
/// starts every page's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(super) struct Frame(String);

impl Frame {
    /// `theme` is what [`crate::render::theme_hash`] made of the theme's files,
    /// `images` the [`crate::images::Images::signature`] of the site's images (pages
    /// carry their images' sizes and variants).
    pub(super) fn new(
        config: &SiteConfig,
        preview: bool,
        theme: blake3::Hash,
        images: blake3::Hash,
    ) -> Self {
        let config = serde_json::to_string(config).expect("the config serializes");
        let mut hasher = blake3::Hasher::new();
        hasher.update(RENDERER_KEY.as_bytes());
        hasher.update(crate::render::markdown::VERSION.as_bytes());
        hasher.update(crate::store::digest::VERSION.as_bytes());
        hasher.update(&[u8::from(preview)]);
        hasher.update(config.as_bytes());
        hasher.update(theme.as_bytes());
        hasher.update(images.as_bytes());
        Self(hasher.finalize().to_hex().to_string())
    }

    pub(super) fn as_str(&self) -> &str {
        &self.0
    }
}
