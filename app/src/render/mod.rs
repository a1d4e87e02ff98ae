//! The renderer: pure functions from a [`Snapshot`](crate::store::Snapshot), a post's
//! Markdown and a theme to the text of pages. It reads no database, runs on no async
//! runtime and writes no file; [`crate::site`] decides what to render and hands the
//! results to [`crate::output`].

pub(crate) mod branding;
pub mod csp;
pub(crate) mod feeds;
pub(crate) mod highlight;
pub mod locales;
pub mod markdown;
pub mod sanitize;
pub(crate) mod search;
pub(crate) mod seo;
pub(crate) mod sitemap;
pub(crate) mod social;
mod theme;
pub(crate) mod views;

pub use theme::{theme_hash, Theme, ThemeSource};

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template error in {file}: {message}")]
    Theme { file: String, message: String },
    #[error("the theme {theme} has no template {name}")]
    MissingTemplate { name: String, theme: String },
}
