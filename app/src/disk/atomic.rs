//! Writes that are seen whole or not at all: a file is written beside its target
//! under a hidden name, flushed to disk, then renamed over it. A batch of such writes
//! is [`super::batch`].

use std::io::Write;
use std::path::{Path, PathBuf};

/// The hidden name a file is written under before it takes its place. Hidden files
/// are never imported, copied or served.
pub(super) fn temp_name(target: &Path, purpose: &str) -> PathBuf {
    let name = target
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let nonce: u32 = rand::random();
    target.with_file_name(format!(".{name}.{purpose}-{nonce:08x}"))
}

/// Writes `bytes` to a hidden file beside `target` and flushes it; returns its path.
pub(super) fn stage(target: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temp = temp_name(target, "new");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    Ok(temp)
}

/// Flushes a folder's entries, so a rename in it survives a power cut.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// Replaces `target` with `bytes`: readers see the old file or the new one.
pub fn write(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temp = stage(target, bytes)?;
    if let Err(e) = std::fs::rename(&temp, target) {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    match target.parent() {
        Some(dir) => sync_dir(dir),
        None => Ok(()),
    }
}

/// Replaces the cache file `target` with what `fill` writes, streamed: readers see
/// the old file or the new one. Unlike [`write`], nothing is flushed to disk: a cache
/// lost in a power cut is made again, and flushing one of tens of MB cost every
/// publish tens of milliseconds.
pub fn write_cache(
    target: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temp = temp_name(target, "new");
    let written = (|| {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
        fill(&mut writer)?;
        writer.flush()?;
        std::fs::rename(&temp, target)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Writes `bytes` under the first of `names` that is free (a new upload never
/// replaces a file): the file appears whole under that name or not at all, and the
/// name survives a power cut. Returns the path taken.
pub fn create_new(
    dir: &Path,
    names: impl IntoIterator<Item = String>,
    bytes: &[u8],
) -> std::io::Result<PathBuf> {
    let temp = stage(&dir.join("upload"), bytes)?;
    let taken = names
        .into_iter()
        .map(|name| dir.join(name))
        // A hard link fails when the name exists: nothing is replaced.
        .find_map(|path| match std::fs::hard_link(&temp, &path) {
            Ok(()) => Some(Ok(path)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
            Err(e) => Some(Err(e)),
        })
        .unwrap_or_else(|| Err(std::io::Error::other("no free file name")));
    let _ = std::fs::remove_file(&temp);
    sync_dir(dir)?;
    taken
}

/// Replaces `target` with a copy of `source`, seen whole or not at all.
pub fn copy(source: &Path, target: &Path) -> std::io::Result<()> {
    write(target, &std::fs::read(source)?)
}

/// Whether the file at `path` holds exactly `bytes`.
pub fn same_content(path: &Path, bytes: &[u8]) -> bool {
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() == bytes.len() as u64 => {
            std::fs::read(path).is_ok_and(|old| old == bytes)
        }
        _ => false,
    }
}

/// Writes one file through a temporary file and a rename, unless it already holds
/// `bytes`. Returns whether it wrote.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    if same_content(path, bytes) {
        return Ok(false);
    }
    write(path, bytes)?;
    Ok(true)
}
