//! What authors write: posts and pages with their revisions and the rules they pass,
//! tags, images, and content files sent by CI, within an upload quota.

pub(super) mod files;
pub(super) mod media;
pub(super) mod post_rules;
pub(super) mod post_view;
pub(super) mod posts;
pub(super) mod quota;
pub(super) mod revisions;
pub(super) mod tags;
