//! The output folder: [`writer`] is the only code that writes it (one complete build
//! behind a link, switched whole); [`delivery`] says how each of its files is
//! delivered, the same from `folio serve` and from a bucket.

pub mod delivery;
mod trees;
pub mod writer;

#[cfg(test)]
mod tests;

use std::io;
use std::path::{Path, PathBuf};

pub use trees::{settle, unsettled};
pub use writer::{SiteWriter, WriteReport};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

pub(super) fn io_error(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_owned(),
        source,
    }
}
