//! Blobs and sets in the bucket: uploads that skip what the bucket has, downloads
//! checked against their hash, and retention. Files go up and come down in parts:
//! memory stays bounded however large the database or an upload is.

use std::collections::HashSet;
use std::path::Path;

use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{PutPayload, WriteMultipart};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{io, BackupReport, Entry, OffsiteError, Set};
use crate::deploy::bucket::S3;

/// A file larger than this goes up in parts of this size.
const PART: usize = 8 << 20;
/// Uploads at once: each holds a small file or two parts and a block of a large one,
/// about 100 MiB at most (the backup Job is given 256 MiB).
const UPLOADS: usize = 4;
const BLOBS: &str = "blobs";
const SETS: &str = "sets";

/// Uploads the blobs of `set` the bucket lacks (the database from `db`, the content
/// files from `content`), then the set itself as `sets/<name>.json`.
pub(super) async fn upload_set(
    s3: &S3,
    name: &str,
    set: &Set,
    db: &Path,
    content: Option<&Path>,
) -> Result<BackupReport, OffsiteError> {
    let mut have = blobs(s3).await?;
    let mut report = BackupReport {
        bucket: s3.name.clone(),
        set: name.to_owned(),
        posts: set.posts,
        files: set.content.as_ref().map_or(0, Vec::len),
        bytes: 0,
        uploaded: 0,
        uploaded_bytes: 0,
        content_in_git: set.content_in_git.clone(),
        removed_sets: Vec::new(),
        removed_blobs: 0,
    };
    let mut files: Vec<(&Entry, std::path::PathBuf)> = vec![(&set.database, db.to_owned())];
    if let (Some(entries), Some(dir)) = (&set.content, content) {
        files.extend(entries.iter().map(|e| (e, dir.join(&e.path))));
    }
    let mut missing = Vec::new();
    for (entry, file) in files {
        report.bytes += entry.bytes;
        if have.insert(entry.blake3.clone()) {
            missing.push((entry, file));
        }
    }
    // A few at once: a first backup of a large site is thousands of small files.
    let mut uploads = futures_util::stream::iter(missing)
        .map(|(entry, file)| async move { put_file(s3, entry, &file).await.map(|()| entry) })
        .buffer_unordered(UPLOADS);
    while let Some(entry) = uploads.next().await {
        let entry = entry?;
        report.uploaded += 1;
        report.uploaded_bytes += entry.bytes;
    }
    drop(uploads);
    let json = serde_json::to_vec_pretty(set).expect("a set serializes");
    let key = format!("{SETS}/{name}.json");
    s3.store
        .put(&s3.key(&key), PutPayload::from(json))
        .await
        .map_err(|e| s3.explain("uploading", &key, e))?;
    Ok(report)
}

/// The hashes of every blob in the bucket.
async fn blobs(s3: &S3) -> Result<HashSet<String>, OffsiteError> {
    let under = s3.key(BLOBS);
    let listed: Vec<object_store::ObjectMeta> = s3
        .store
        .list(Some(&under))
        .try_collect()
        .await
        .map_err(|e| s3.explain("listing", BLOBS, e))?;
    Ok(listed
        .iter()
        .filter_map(|m| m.location.filename().map(str::to_owned))
        .collect())
}

/// The names of the sets in the bucket, oldest first.
pub(super) async fn sets(s3: &S3) -> Result<Vec<String>, OffsiteError> {
    let under = s3.key(SETS);
    let listed: Vec<object_store::ObjectMeta> = s3
        .store
        .list(Some(&under))
        .try_collect()
        .await
        .map_err(|e| s3.explain("listing", SETS, e))?;
    let mut names: Vec<String> = listed
        .iter()
        .filter_map(|m| {
            m.location
                .filename()?
                .strip_suffix(".json")
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    Ok(names)
}

/// The set `name`.
pub(super) async fn read_set(s3: &S3, name: &str) -> Result<Set, OffsiteError> {
    let key = format!("{SETS}/{name}.json");
    let found = match s3.store.get(&s3.key(&key)).await {
        Err(object_store::Error::NotFound { .. }) => {
            return Err(OffsiteError::NoSuchSet(name.to_owned()))
        }
        found => found.map_err(|e| s3.explain("reading", &key, e))?,
    };
    let bytes = found
        .bytes()
        .await
        .map_err(|e| s3.explain("reading", &key, e))?;
    let unreadable = |reason: String| OffsiteError::Unreadable {
        set: name.to_owned(),
        reason,
    };
    let set: Set = serde_json::from_slice(&bytes).map_err(|e| unreadable(e.to_string()))?;
    if set.format != super::FORMAT {
        return Err(unreadable(format!(
            "format {} (this folio reads {})",
            set.format,
            super::FORMAT
        )));
    }
    Ok(set)
}

/// Keeps the newest `keep` sets, then removes the blobs no remaining set names.
/// Returns the sets removed and how many blobs.
pub(super) async fn retain(s3: &S3, keep: usize) -> Result<(Vec<String>, usize), OffsiteError> {
    let names = sets(s3).await?;
    let cut = names.len().saturating_sub(keep);
    let (old, kept) = names.split_at(cut);
    for name in old {
        delete(s3, &format!("{SETS}/{name}.json")).await?;
    }
    let mut named = HashSet::new();
    for name in kept {
        let set = read_set(s3, name).await?;
        named.insert(set.database.blake3);
        named.extend(set.content.into_iter().flatten().map(|e| e.blake3));
    }
    let mut removed = 0;
    for blob in blobs(s3).await? {
        if !named.contains(&blob) {
            delete(s3, &format!("{BLOBS}/{blob}")).await?;
            removed += 1;
        }
    }
    Ok((old.to_vec(), removed))
}

async fn delete(s3: &S3, key: &str) -> Result<(), OffsiteError> {
    match s3.store.delete(&s3.key(key)).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(s3.explain("deleting", key, e).into()),
    }
}

/// Uploads `file` as the blob of `entry`: in one request, or in parts when it is
/// large. Bytes other than those hashed (the file changed since) are not stored under
/// that hash: the backup stops and says so.
async fn put_file(s3: &S3, entry: &Entry, file: &Path) -> Result<(), OffsiteError> {
    let key = format!("{BLOBS}/{}", entry.blake3);
    let location: ObjectPath = s3.key(&key);
    let changed = || OffsiteError::Changed(entry.path.clone());
    let size = tokio::fs::metadata(file).await.map_err(io(file))?.len();
    if size <= PART as u64 {
        let bytes = tokio::fs::read(file).await.map_err(io(file))?;
        if blake3::hash(&bytes).to_hex().as_str() != entry.blake3 {
            return Err(changed());
        }
        s3.store
            .put(&location, PutPayload::from(bytes))
            .await
            .map_err(|e| s3.explain("uploading", &entry.path, e))?;
        return Ok(());
    }
    let upload = s3
        .store
        .put_multipart(&location)
        .await
        .map_err(|e| s3.explain("uploading", &entry.path, e))?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
    let mut reader = tokio::fs::File::open(file).await.map_err(io(file))?;
    let mut hasher = blake3::Hasher::new();
    let mut block = vec![0; PART];
    loop {
        let n = reader.read(&mut block).await.map_err(io(file))?;
        if n == 0 {
            break;
        }
        // Two parts in flight at most: memory stays bounded.
        writer
            .wait_for_capacity(2)
            .await
            .map_err(|e| s3.explain("uploading", &entry.path, e))?;
        hasher.update(&block[..n]);
        writer.write(&block[..n]);
    }
    if hasher.finalize().to_hex().as_str() != entry.blake3 {
        writer.abort().await.ok();
        return Err(changed());
    }
    writer
        .finish()
        .await
        .map_err(|e| s3.explain("uploading", &entry.path, e))?;
    Ok(())
}

/// Downloads the blob of `entry` into `file` (a new file), checking its hash as the
/// bytes arrive; a damaged copy is an error and leaves no file.
pub(super) async fn get_file(s3: &S3, entry: &Entry, file: &Path) -> Result<(), OffsiteError> {
    let key = format!("{BLOBS}/{}", entry.blake3);
    let found = s3
        .store
        .get(&s3.key(&key))
        .await
        .map_err(|e| s3.explain("downloading", &entry.path, e))?;
    if let Some(dir) = file.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(io(dir))?;
    }
    let mut out = tokio::fs::File::create(file).await.map_err(io(file))?;
    let mut hasher = blake3::Hasher::new();
    let mut stream = found.into_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| s3.explain("downloading", &entry.path, e))?;
        hasher.update(&chunk);
        out.write_all(&chunk).await.map_err(io(file))?;
    }
    out.flush().await.map_err(io(file))?;
    let found = hasher.finalize().to_hex().to_string();
    if found != entry.blake3 {
        drop(out);
        let _ = tokio::fs::remove_file(file).await;
        return Err(OffsiteError::Damaged {
            path: entry.path.clone(),
            wanted: entry.blake3.clone(),
            found,
        });
    }
    out.sync_all().await.map_err(io(file))?;
    Ok(())
}
