//! Variants kept between builds, beside the body cache (`data/cache/images/`): one
//! folder per image content hash holds its variants and, written last, `meta.json`,
//! so a folder with a meta is whole. `index.json` remembers each file's hash by its
//! stamp (size and time), so an unchanged image is neither read nor hashed again, and
//! an image renamed or copied is never encoded twice.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Format;
use crate::disk::atomic;

/// What a cache folder holds: the image's size and its variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub width: u32,
    pub height: u32,
    /// (width, height, format) of each variant, whose file is [`Cache::variant`].
    pub variants: Vec<(u32, u32, Format)>,
    /// Why the image has no variants (it could not be read): not tried again.
    #[serde(default)]
    pub refused: Option<String>,
}

impl Meta {
    /// The meta, or why the image has no variants.
    pub fn result(&self) -> Result<Self, String> {
        match &self.refused {
            Some(why) => Err(why.clone()),
            None => Ok(self.clone()),
        }
    }

    pub fn refused(why: String) -> Self {
        Self {
            width: 0,
            height: 0,
            variants: Vec::new(),
            refused: Some(why),
        }
    }
}

/// A file's stamp, its content hash (hex) and what its cache folder holds: a file
/// whose stamp is the same is taken as it was, without a read of its folder (a
/// publish of 10,000 images would read 10,000 metas).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Known {
    pub stamp: String,
    pub hash: String,
    pub meta: Meta,
}

pub struct Cache {
    dir: PathBuf,
}

const INDEX: &str = "index.json";
const META: &str = "meta.json";
/// Marks of the decodes under way, one file per image hash holding the process id.
const DECODING: &str = ".decoding";

/// Left while an image is decoded: a process killed meanwhile (out of memory)
/// leaves it, and the next build knows that image is not to be decoded again.
pub struct Mark(PathBuf);

impl Drop for Mark {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl Cache {
    pub fn new(cache_dir: &Path) -> Self {
        Self {
            dir: cache_dir.join("images"),
        }
    }

    /// What the last build knew of each file, by its path in `content/`; nothing when
    /// unreadable (every image is hashed again, none encoded again).
    pub fn index(&self) -> HashMap<String, Known> {
        std::fs::read(self.dir.join(INDEX))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    pub fn save_index(&self, index: &HashMap<String, Known>) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let bytes = serde_json::to_vec(index).expect("the index serializes");
        atomic::write_if_changed(&self.dir.join(INDEX), &bytes).map(|_| ())
    }

    fn folder(&self, hash: &str) -> PathBuf {
        self.dir.join(&hash[..2]).join(hash)
    }

    /// The variant file of the image `hash`.
    pub fn variant(&self, hash: &str, width: u32, format: Format) -> PathBuf {
        self.folder(hash)
            .join(format!("w{width}.{}", format.extension()))
    }

    /// The meta of the image `hash` when its variants are all there.
    pub fn meta(&self, hash: &str) -> Option<Meta> {
        let bytes = std::fs::read(self.folder(hash).join(META)).ok()?;
        let meta: Meta = serde_json::from_slice(&bytes).ok()?;
        meta.variants
            .iter()
            .all(|&(w, _, f)| self.variant(hash, w, f).is_file())
            .then_some(meta)
    }

    /// Keeps the variants of the image `hash`, then its meta.
    pub fn put(
        &self,
        hash: &str,
        meta: &Meta,
        files: &[(u32, Format, &[u8])],
    ) -> std::io::Result<()> {
        std::fs::create_dir_all(self.folder(hash))?;
        for &(width, format, bytes) in files {
            atomic::write(&self.variant(hash, width, format), bytes)?;
        }
        let meta = serde_json::to_vec(meta).expect("the meta serializes");
        atomic::write(&self.folder(hash).join(META), &meta)
    }

    /// Marks the image `hash` as being decoded by this process, on disk before the
    /// decode starts.
    pub fn mark_decoding(&self, hash: &str) -> std::io::Result<Mark> {
        let path = self.dir.join(DECODING).join(hash);
        std::fs::create_dir_all(self.dir.join(DECODING))?;
        atomic::write(&path, std::process::id().to_string().as_bytes())?;
        Ok(Mark(path))
    }

    /// Remembers every image whose decode a process did not live through as refused,
    /// so it is copied as it is from now on; returns their hashes.
    pub fn refuse_killers(&self) -> Vec<String> {
        let Ok(marks) = std::fs::read_dir(self.dir.join(DECODING)) else {
            return Vec::new();
        };
        let mut killers = Vec::new();
        for mark in marks.flatten() {
            let hash = mark.file_name().to_string_lossy().into_owned();
            let pid = std::fs::read_to_string(mark.path()).unwrap_or_default();
            // Another process decoding it now (a `publish` beside `serve`).
            let alive = !pid.is_empty() && Path::new("/proc").join(pid.trim()).exists();
            if alive || hash.len() < 2 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                continue;
            }
            let why = "folio stopped while decoding it (out of memory?), so it is no longer \
                       resized"
                .to_owned();
            if self.put(&hash, &Meta::refused(why), &[]).is_ok() {
                let _ = std::fs::remove_file(mark.path());
                killers.push(hash);
            }
        }
        killers
    }

    /// Removes the folders of images no file has any more.
    pub fn prune(&self, used: &std::collections::HashSet<&str>) {
        let Ok(shards) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let marks = self.dir.join(DECODING);
        for shard in shards
            .flatten()
            .filter(|s| s.path().is_dir() && s.path() != marks)
        {
            for folder in std::fs::read_dir(shard.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let name = folder.file_name().to_string_lossy().into_owned();
                if !used.contains(name.as_str()) {
                    let _ = std::fs::remove_dir_all(folder.path());
                }
            }
        }
    }
}
