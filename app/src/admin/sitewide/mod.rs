//! What concerns the whole site: its settings, publishing and previews, the deploy's
//! state, the content repository, the audit log.

pub(super) mod audit;
pub(super) mod git;
pub(super) mod preview;
pub(super) mod publish;
pub(super) mod settings;
