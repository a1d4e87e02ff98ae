//! folio: a Markdown store in SQLite, a parallel static renderer, and the server
//! that publishes the result.
//!
//! Data flows one way: files or the [`admin`] API -> [`store`] -> snapshot -> [`render`] -> output
//! folder -> [`serve`].

pub mod admin;
pub mod build;
pub mod clock;
pub mod config;
pub mod content;
pub mod deploy;
pub mod disk;
pub mod ghost;
pub mod metrics;
pub mod output;
pub mod render;
pub mod serve;
pub mod store;
pub mod watch;
