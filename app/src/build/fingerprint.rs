//! The fingerprint of everything a build reads: when it equals the last build's for
//! the same output folder, a publish has nothing to do.

use chrono::{DateTime, Utc};

use super::frame::Frame;
use super::{Paths, PublishError};
use crate::content::media::{self, Media};
use crate::store::Store;

/// The fingerprint of a build of `store` with `frame` and `media` at `now`.
pub async fn of_build(
    store: &Store,
    frame: &Frame,
    media: &[Media],
    now: DateTime<Utc>,
) -> Result<String, PublishError> {
    let version = store.version().await?;
    // A scheduled post coming due changes the site without any write to the store.
    let due = store.due_count(now).await?;
    let mut hasher = blake3::Hasher::new();
    hasher.update(frame.as_str().as_bytes());
    hasher.update(&version.to_le_bytes());
    hasher.update(&due.to_le_bytes());
    // Images and other files copied from content/: names, sizes and times suffice.
    for file in media {
        hasher.update(file.rel.as_bytes());
        hasher.update(file.stamp.as_bytes());
    }
    Ok(hasher.finalize().to_hex().to_string())
}

/// Hashes the theme and the template overrides, and finds the files of `content/` a
/// build copies, on a blocking thread: a publish starts it before its import, so the
/// two walks of `content/` run side by side.
pub fn files(paths: &Paths) -> tokio::task::JoinHandle<(blake3::Hash, Vec<Media>)> {
    let paths = paths.clone();
    tokio::task::spawn_blocking(move || {
        let theme = crate::render::theme_hash(&paths.theme, &paths.templates);
        (theme, media::find(&paths.content))
    })
}
