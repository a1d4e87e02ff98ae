//! Where a build reads the Markdown of the posts it renders: a snapshot holds no
//! body, so a build that renders ten pages reads ten bodies.

use std::collections::HashMap;

use crate::store::{Store, StoreError};

/// Where a build reads the Markdown of the posts it renders.
pub(super) trait Bodies: Sync {
    /// id -> Markdown of the posts `ids`.
    fn markdown(&self, ids: &[i64]) -> Result<HashMap<i64, String>, StoreError>;
}

/// Bodies at hand, as a preview has them.
impl Bodies for HashMap<i64, String> {
    fn markdown(&self, ids: &[i64]) -> Result<HashMap<i64, String>, StoreError> {
        Ok(ids
            .iter()
            .filter_map(|id| Some((*id, self.get(id)?.clone())))
            .collect())
    }
}

/// A build's bodies, read from the store on the build's own threads: builds run on
/// blocking threads, the store's queries on `runtime`.
pub(super) struct StoreBodies {
    pub store: Store,
    pub runtime: tokio::runtime::Handle,
}

impl Bodies for StoreBodies {
    fn markdown(&self, ids: &[i64]) -> Result<HashMap<i64, String>, StoreError> {
        self.runtime.block_on(self.store.markdown_of(ids))
    }
}
