//! Where a built site goes beyond the output folder: a bucket behind a CDN
//! ([`bucket`]) whose cache is purged of what changed ([`purge`]), after every
//! publish of the server ([`worker`]); or a folio server that publishes pushed
//! content ([`remote`]).

pub mod bucket;
pub mod purge;
pub mod remote;
pub mod worker;
