//! The renderer: a [`Snapshot`](crate::store::Snapshot) and a theme to a static site.
//! It never touches the HTTP layer, and the database only through [`Bodies`]; [`writer`]
//! is the only code that writes the output folder.

pub mod cache;
pub mod delivery;
pub mod feeds;
pub mod highlight;
pub mod last;
pub mod markdown;
pub mod media;
pub mod sanitize;
pub mod seo;
pub mod site;
pub mod sitemap;
pub mod theme;
pub mod views;
pub mod writer;

use std::collections::HashMap;

pub use site::{build, Build, BuildReport};
pub use theme::{Theme, ThemeSource};

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template error in {file}: {message}")]
    Theme { file: String, message: String },
    #[error("the theme {theme} has no template {name}")]
    MissingTemplate { name: String, theme: String },
    #[error("cannot write the site: {0}")]
    Write(#[from] writer::WriteError),
    #[error("cannot read the bodies of posts: {0}")]
    Bodies(String),
    #[error("post {0} has no body in the store (deleted during the build?)")]
    MissingBody(String),
}

/// Where a build reads the Markdown of the posts it renders: a snapshot holds none, so
/// a build that renders ten pages reads ten bodies.
pub trait Bodies: Sync {
    /// id -> Markdown of the posts `ids`.
    fn markdown(&self, ids: &[i64]) -> Result<HashMap<i64, String>, RenderError>;
}

/// Bodies at hand, as a preview has them.
impl Bodies for HashMap<i64, String> {
    fn markdown(&self, ids: &[i64]) -> Result<HashMap<i64, String>, RenderError> {
        Ok(ids
            .iter()
            .filter_map(|id| Some((*id, self.get(id)?.clone())))
            .collect())
    }
}
