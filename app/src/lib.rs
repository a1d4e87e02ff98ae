//! folio: a Markdown store in SQLite, a parallel static renderer, and the server
//! that publishes the result.
//!
//! Data flows one way: files ([`content`], [`ghost`]) or the [`admin`] API ->
//! [`store`] -> snapshot -> [`site`] (what changed) -> [`render`] (pages) ->
//! [`output`] folder -> [`serve`] or [`deploy`]. No module imports one further down
//! the flow; `docs/architecture.md` says what each holds.

pub mod admin;
pub mod backup;
pub mod clock;
pub mod config;
pub mod content;
pub mod deploy;
pub mod disk;
pub mod ghost;
pub mod git;
pub mod images;
pub mod metrics;
pub mod output;
pub mod render;
pub mod serve;
pub mod site;
pub mod store;
pub mod watch;
