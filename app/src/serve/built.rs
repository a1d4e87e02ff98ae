//! What the last build wrote for the server beside the pages (its redirects, its pages'
//! Content-Security-Policy), read again only when a build has written it anew: by
//! the file's stamp, so a request costs one `stat`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One hidden file of the output folder, and what it was made into.
pub(super) struct Built<T> {
    file: PathBuf,
    /// Its contents, made into what requests use; None when unreadable.
    make: fn(&[u8]) -> Option<T>,
    /// The file's stamp and what it holds.
    cached: Mutex<Option<(String, Arc<T>)>>,
}

impl<T: Default> Built<T> {
    pub(super) fn new(out: &Path, name: &str, make: fn(&[u8]) -> Option<T>) -> Arc<Self> {
        Arc::new(Self {
            file: out.join(name),
            make,
            cached: Mutex::new(None),
        })
    }

    /// What the build published now has (None before the first build; the default
    /// when the file cannot be read, said in the log).
    pub(super) fn current(&self) -> Option<Arc<T>> {
        let stamp = crate::disk::file_stamp(&std::fs::metadata(&self.file).ok()?);
        let mut cached = self.cached.lock().expect("no panic while holding the lock");
        if let Some((seen, value)) = cached.as_ref() {
            if *seen == stamp {
                return Some(value.clone());
            }
        }
        let made = std::fs::read(&self.file).ok().and_then(|b| (self.make)(&b));
        let value = Arc::new(made.unwrap_or_else(|| {
            tracing::warn!("cannot read {}: serving without it", self.file.display());
            T::default()
        }));
        *cached = Some((stamp, value.clone()));
        Some(value)
    }
}
