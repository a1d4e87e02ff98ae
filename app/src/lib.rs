//! folio: a Markdown store in SQLite, a parallel static renderer, and the server
//! that publishes the result.
//!
//! Data flows one way: files or the [`admin`] API -> [`store`] -> snapshot -> [`render`] -> output
//! folder -> [`serve`].

pub mod admin;
pub mod atomic;
pub mod config;
pub mod confine;
pub mod content;
pub mod ghost;
pub mod metrics;
pub mod publish;
pub mod render;
pub mod serve;
pub mod store;
pub mod watch;
