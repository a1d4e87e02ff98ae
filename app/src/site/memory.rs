//! What a publish remembers of its last build into a folder, from one run to the
//! next: the snapshot it rendered and the hashes of its posts' summaries, in one file
//! beside the body cache. The next publish into that folder brings the snapshot up to
//! date with the posts the store changed since ([`Snapshot::refresh`]) rather than
//! reading every post, and tells the build which pages cannot have changed
//! ([`LastBuild`]).
//!
//! It is a shortcut and nothing more: a memory that is missing, unreadable, written by
//! another version, made with another theme or configuration, or not of the folder's
//! last build is ignored, and the publish reads the whole store as it would without.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::frame::Frame;
use super::last::{LastBuild, SummaryHash};
use crate::store::Snapshot;

/// Starts every memory file: a file of another layout is never parsed as this one.
// The layout's number goes up with any change of what the memory holds (the snapshot's
// types): a build of the same version number may otherwise read another's.
const MAGIC: &[u8] = concat!("folio last build v2 ", env!("CARGO_PKG_VERSION"), "\n").as_bytes();

#[derive(Deserialize)]
pub(super) struct Memory {
    /// The fingerprint of the build it describes (what the store keeps for the folder).
    pub fingerprint: String,
    /// See [`Frame`]: a build with another frame keys every page.
    pub frame: Frame,
    pub snapshot: Snapshot,
    /// In the order of the snapshot's posts.
    pub hashes: Vec<SummaryHash>,
}

/// [`Memory`] as written, borrowing what the build used.
#[derive(Serialize)]
struct MemoryRef<'a> {
    fingerprint: &'a str,
    frame: &'a Frame,
    snapshot: &'a Snapshot,
    hashes: &'a [SummaryHash],
}

impl Memory {
    /// The snapshot, and what the last build showed of it, to be told what changed.
    pub(super) fn into_parts(self) -> (Snapshot, LastBuild) {
        let last = LastBuild::new(&self.snapshot, &self.hashes, Default::default());
        (self.snapshot, last)
    }
}

/// The memory file of the output folder `out` in the folder `cache`.
fn path(cache: &Path, out: &Path) -> PathBuf {
    let name = blake3::hash(out.as_os_str().as_encoded_bytes()).to_hex();
    cache.join(format!("last-build-{}.bin", &name[..16]))
}

/// The memory of the last build into `out`, if there is a readable one.
pub(super) fn read(cache: &Path, out: &Path) -> Option<Memory> {
    let started = std::time::Instant::now();
    let path = path(cache, out);
    let bytes = std::fs::read(&path).ok()?;
    let body = bytes.strip_prefix(MAGIC)?;
    let memory = postcard::from_bytes(body)
        .inspect_err(|e| tracing::debug!("ignoring {}: {e}", path.display()))
        .ok();
    tracing::debug!(
        millis = started.elapsed().as_millis() as u64,
        bytes = bytes.len(),
        "memory: read"
    );
    memory
}

/// Remembers the build `fingerprint` of `out`. A failure costs the next publish its
/// shortcut, nothing else, so it is logged and otherwise ignored.
pub(super) fn write(
    cache: &Path,
    out: &Path,
    fingerprint: &str,
    frame: &Frame,
    snapshot: &Snapshot,
    hashes: &[SummaryHash],
) {
    let memory = MemoryRef {
        fingerprint,
        frame,
        snapshot,
        hashes,
    };
    let started = std::time::Instant::now();
    let path = path(cache, out);
    // A cache: streamed (never whole in memory) and not flushed to disk.
    let written = crate::disk::atomic::write_cache(&path, |writer| {
        writer.write_all(MAGIC)?;
        postcard::to_io(&memory, writer)
            .map(drop)
            .map_err(std::io::Error::other)
    });
    match written {
        Ok(()) => tracing::debug!(
            millis = started.elapsed().as_millis() as u64,
            "memory: written"
        ),
        Err(e) => tracing::warn!("cannot remember this build in {}: {e}", path.display()),
    }
}
