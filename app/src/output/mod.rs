//! The output folder: [`writer`] is the only code that writes it (one complete build
//! behind a link, switched whole); [`delivery`] says how each of its files is
//! delivered, the same from `folio serve` and from a bucket.

pub mod delivery;
pub mod writer;

pub use writer::{SiteWriter, WriteError, WriteReport};
