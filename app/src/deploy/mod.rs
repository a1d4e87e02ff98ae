//! Where a built site goes beyond the output folder: a bucket behind a CDN
//! ([`bucket`]), or a folio server that publishes pushed content ([`remote`]).

pub mod bucket;
pub mod remote;
