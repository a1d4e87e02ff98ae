//! The fingerprint of everything a build reads: when it equals the last build's for
//! the same output folder, a publish has nothing to do.

use chrono::{DateTime, Utc};

use super::frame::Frame;
use super::{Paths, PublishError};
use crate::content::media::{self, Media};
use crate::content::redirects::{self, Redirect};
use crate::content::ContentError;
use crate::store::Store;

/// What a build reads from files besides the store: the theme's hash, the media of
/// `content/` and its redirects.
pub(super) struct Files {
    pub theme: blake3::Hash,
    pub media: Vec<Media>,
    pub redirects: Result<Vec<Redirect>, ContentError>,
}

/// The fingerprint of a build of `store` with `frame`, `media` and `redirects` at `now`.
pub(super) async fn of_build(
    store: &Store,
    frame: &Frame,
    (media, redirects): (&[Media], &[Redirect]),
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
    hasher.update(&serde_json::to_vec(redirects).expect("redirects serialize"));
    Ok(hasher.finalize().to_hex().to_string())
}

/// Hashes the theme and the template overrides, finds the files of `content/` a
/// build copies and reads its redirects, on a blocking thread: a publish starts it
/// before its import, so the two walks of `content/` run side by side.
pub(super) fn files(paths: &Paths) -> tokio::task::JoinHandle<Files> {
    let paths = paths.clone();
    tokio::task::spawn_blocking(move || Files {
        theme: crate::render::theme_hash(&paths.theme, &paths.templates),
        media: media::find(&paths.content),
        redirects: redirects::load(&paths.content),
    })
}
