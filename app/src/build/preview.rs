//! A preview: the page a post would be, rendered as a publish would (marked noindex)
//! into a scratch folder, touching neither the store nor the output folder.

use std::collections::HashMap;

use super::frame::Frame;
use super::pages;
use super::plan::Build;
use super::publish::stopped;
use super::{PublishError, Site};
use crate::images::Images;
use crate::render::Theme;
use crate::store::{PostDoc, Snapshot, StoredPost};

impl Site {
    /// The page `doc` would be; with `sanitized`, its raw HTML cleaned as an author's
    /// post is.
    pub async fn preview(&self, doc: PostDoc, sanitized: bool) -> Result<String, PublishError> {
        let theme_source = self.paths.theme.clone();
        let templates = self.paths.templates.clone();
        let config = self.effective_config().await?;
        tokio::task::spawn_blocking(move || {
            let theme = Theme::load(&theme_source, Some(&templates))?;
            let frame = Frame::new(
                &config,
                true,
                crate::render::theme_hash(&theme_source, &templates),
                Images::none().signature(),
            );
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
                frame: &frame,
                config: &config,
                media: &[],
                images: &Images::none(),
                redirects: &[],
                preview: true,
                cache: None,
                previous: None,
                last: None,
                progress: None,
            };
            let dir = tempfile::tempdir().map_err(PublishError::Preview)?;
            let out = dir.path().join("site");
            pages::build(&input, &out)?;
            std::fs::read_to_string(out.join(&slug).join("index.html"))
                .map_err(PublishError::Preview)
        })
        .await
        .map_err(stopped)?
    }
}
