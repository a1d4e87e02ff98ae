//! The renderer: a [`Snapshot`](crate::store::Snapshot) and a theme to a static site.
//! It never touches the database or the HTTP layer; [`writer`] is the only code that
//! writes the output folder.

pub mod cache;
pub mod delivery;
pub mod feeds;
pub mod highlight;
pub mod markdown;
pub mod seo;
pub mod site;
pub mod sitemap;
pub mod theme;
pub mod views;
pub mod writer;

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
}
