//! What uploads may take: per account, so many files and bytes an hour (429 with
//! `Retry-After` beyond); for the site, a floor of free space on the content volume
//! (507 below it), so that uploads never fill the disk every other write needs.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::admin::error::ApiError;

/// Files one account may upload in [`WINDOW`].
pub(in crate::admin) const FILES_PER_WINDOW: usize = 60;
/// Bytes one account may upload in [`WINDOW`].
pub(in crate::admin) const BYTES_PER_WINDOW: u64 = 300 * 1024 * 1024;
pub(in crate::admin) const WINDOW: Duration = Duration::from_secs(3600);
/// Free space the content volume keeps after any upload.
pub(in crate::admin) const FREE_FLOOR: u64 = 512 * 1024 * 1024;

#[derive(Default)]
pub(in crate::admin) struct UploadQuota {
    /// Per account id: when each upload was taken, and its size.
    taken: Mutex<HashMap<i64, VecDeque<(Instant, u64)>>>,
}

impl UploadQuota {
    /// Takes an upload of `bytes` for `account` now, or says how long to wait.
    pub(in crate::admin) fn take(
        &self,
        account: i64,
        bytes: u64,
        now: Instant,
    ) -> Result<(), ApiError> {
        let mut taken = self.taken.lock().expect("no panic while holding the lock");
        let uploads = taken.entry(account).or_default();
        while uploads
            .front()
            .is_some_and(|(t, _)| now.duration_since(*t) >= WINDOW)
        {
            uploads.pop_front();
        }
        let used: u64 = uploads.iter().map(|(_, b)| b).sum();
        if uploads.len() < FILES_PER_WINDOW && used + bytes <= BYTES_PER_WINDOW {
            uploads.push_back((now, bytes));
            return Ok(());
        }
        let oldest = uploads.front().map_or(now, |(t, _)| *t);
        let wait = WINDOW.saturating_sub(now.duration_since(oldest));
        let mut refused = ApiError::too_many(wait).with_field("file");
        refused.message = format!(
            "uploads are limited to {FILES_PER_WINDOW} files and {} MB an hour per person: \
             try again in {} minutes",
            BYTES_PER_WINDOW / 1_000_000,
            wait.as_secs().div_ceil(60)
        );
        Err(refused)
    }
}

/// 507 when writing `bytes` under `dir` would leave less than [`FREE_FLOOR`] free.
pub(in crate::admin) fn check_free_space(dir: &Path, bytes: u64) -> Result<(), ApiError> {
    let mut probe = dir;
    // The month's folder may not exist yet: ask the nearest one that does.
    while !probe.exists() {
        match probe.parent() {
            Some(parent) => probe = parent,
            None => return Ok(()),
        }
    }
    let Ok(stat) = rustix::fs::statvfs(probe) else {
        return Ok(());
    };
    let free = stat.f_bavail.saturating_mul(stat.f_frsize);
    if free < bytes.saturating_add(FREE_FLOOR) {
        return Err(ApiError::new(
            axum::http::StatusCode::INSUFFICIENT_STORAGE,
            format!(
                "the server's disk is nearly full ({} MB free): nothing was stored; ask the \
                 owner to make room",
                free / 1_000_000
            ),
        )
        .with_field("file"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_uploads_so_many_files_an_hour_and_others_are_not_counted() {
        let quota = UploadQuota::default();
        let start = Instant::now();
        for _ in 0..FILES_PER_WINDOW {
            quota.take(1, 1000, start).expect("within the quota");
        }
        assert!(quota.take(1, 1000, start).is_err());
        assert!(quota.take(2, 1000, start).is_ok(), "another account");
        assert!(quota.take(1, 1000, start + WINDOW).is_ok(), "an hour later");
        assert!(quota.take(3, BYTES_PER_WINDOW + 1, start).is_err(), "bytes");
        assert!(check_free_space(Path::new("/"), u64::MAX / 2).is_err());
    }
}
