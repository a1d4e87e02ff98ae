//! A preview: the page a post would be, rendered as a publish would (marked noindex)
//! into a scratch folder, touching neither the store nor the output folder.

use std::collections::HashMap;
use std::sync::Arc;

use super::frame::Frame;
use super::pages;
use super::plan::RenderInput;
use super::publish::stopped;
use super::{PublishError, Site};
use crate::images::Images;
use crate::render::Theme;
use crate::store::{PostDoc, Snapshot, StoredPost};

impl Site {
    /// The page `doc` would be; with `sanitized`, its raw HTML cleaned as an author's
    /// post is.
    pub async fn preview(
        self: &Arc<Self>,
        doc: PostDoc,
        sanitized: bool,
    ) -> Result<String, PublishError> {
        let config = self.effective_config().await?;
        let (site, now) = (self.clone(), self.clock().now());
        tokio::task::spawn_blocking(move || {
            let (theme_hash, theme) = site.preview_theme()?;
            let frame = Frame::new(&config, true, theme_hash, Images::none().signature());
            let slug = doc.slug.clone();
            let bodies = HashMap::from([(0, doc.markdown.clone())]);
            let snapshot = Snapshot::single(
                StoredPost {
                    id: 0,
                    revision: 0,
                    doc,
                    source_path: None,
                    source_hash: None,
                    archived: false,
                    sanitized,
                },
                now,
            );
            let input = RenderInput {
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
            pages::render_site(&input, &out)?;
            std::fs::read_to_string(out.join(&slug).join("index.html"))
                .map_err(PublishError::Preview)
        })
        .await
        .map_err(stopped)?
    }

    /// The theme as its files are now, parsed only when they changed since the last
    /// preview (a preview is asked for at every pause in typing).
    fn preview_theme(&self) -> Result<(blake3::Hash, Arc<Theme>), PublishError> {
        let (source, templates) = (&self.paths.theme, &self.paths.templates);
        let hash = crate::render::theme_hash(source, templates);
        let mut cached = self
            .preview_theme
            .lock()
            .expect("no panic while holding the lock");
        if let Some((known, theme)) = cached.as_ref().filter(|(known, _)| *known == hash) {
            return Ok((*known, theme.clone()));
        }
        let theme = Arc::new(Theme::load(source, Some(templates))?);
        *cached = Some((hash, theme.clone()));
        Ok((hash, theme))
    }
}
