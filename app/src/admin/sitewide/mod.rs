//! What concerns the whole site: its settings, publishing and previews, the deploy's
//! state.

pub(super) mod publish;
pub(super) mod settings;
