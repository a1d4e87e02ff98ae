//! The output folder: [`writer`] is the only code that writes it (one complete build
//! behind a link, switched whole); [`delivery`] says how each of its files is
//! delivered, the same from `folio serve` and from a bucket.

mod builds;
pub mod delivery;
pub mod writer;

#[cfg(test)]
mod tests;

pub use builds::{settle, unsettled};
pub use writer::{SiteWriter, WriteError, WriteReport};
